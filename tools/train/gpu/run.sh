#!/bin/bash
# Train hearth-coder on a lent GPU machine (the workplace's `device` tool), in stages:
#   run.sh start MINUTES   build the corpus, launch training in the background (setsid), watch it start
#   run.sh launch MINUTES  launch again on a machine still warm from `start` (the corpus is in /tmp)
#   run.sh watch SECONDS   keep the machine busy while it trains; print the log's tail
#   run.sh collect         wait for the end; copy fp16 weights (15 MB parts), log and manifest to $OUT
# Needs in .gpu/ (git-ignored, carried): corpus.tar.xz (train.jsonl + val.jsonl from corpus.py) and
# humaneval_sigs.txt (exclusion list). The machine's own site-packages add Python (corpus_site.py).
set -u
W=/tmp/hearth-train
CK=$W/ckpt
LOG=$CK/train.log
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
stage=$1

launch() {  # $1 = minutes, $2 = extra flags
  setsid nohup python3 tools/train/train.py --device cuda --minutes "$1" --ckpt-dir $CK \
    --train $W/train.jsonl --val $W/val.jsonl --extra-train $W/site/train.jsonl \
    --hidden 384 --layers 10 --heads 6 --kv-heads 2 --ffn 1024 --seq 1024 --max-pos 1024 \
    --window-chars 3600 --batch 192 --lr 2e-3 --warmup 0.03 --workers 12 --hf-tokenizers \
    --ckpt-minutes 4 --eval-minutes 4 $2 > $W/nohup.out 2>&1 < /dev/null &
}

case $stage in
launch)
  launch "$2" --compile; sleep 150; tail -5 $LOG; tail -5 $W/nohup.out; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
  ;;
start)
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  python3 -c 'import torch, tokenizers; print("torch", torch.__version__, "tokenizers", tokenizers.__version__)'
  mkdir -p $W $CK
  tar xJf .gpu/corpus.tar.xz -C $W
  SITE=$(python3 -c 'import site; print(site.getsitepackages()[0])')
  du -sh "$SITE"
  python3 tools/train/corpus_site.py --site "$SITE" --sigs .gpu/humaneval_sigs.txt \
    --dedup $W/train.jsonl $W/val.jsonl --out $W/site | tail -20
  ls -la $W $W/site
  launch "$2" --compile
  relaunched=0
  for i in $(seq 1 60); do
    sleep 5
    if grep -q ' step 50 ' $LOG 2>/dev/null; then break; fi
    if [ $relaunched = 0 ] && ! pgrep -f tools/train/train.py > /dev/null; then
      relaunched=1
      echo "--- compiled run died:"; tail -30 $W/nohup.out
      rm -f $CK/*.pt; : > $LOG
      launch "$2" ""; echo "relaunched without --compile"
    fi
  done
  tail -8 $LOG; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
  ;;
watch)
  end=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt $end ] && pgrep -f tools/train/train.py > /dev/null; do sleep 10; done
  grep eval $LOG | tail -5; tail -3 $LOG; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
  tail -5 $W/nohup.out
  ;;
collect)
  while pgrep -f tools/train/train.py > /dev/null; do sleep 5; done
  tail -4 $LOG
  cp $LOG $W/site/manifest.tsv $W/site/stats.json "$OUT"/
  split -b 15M -d $CK/model_fp16.pt "$OUT"/model_fp16.pt.part
  ls -la "$OUT"
  ;;
esac
