#!/bin/bash
# Leave the shipped weights behind for a GPU call: the `device` tool carries tracked and unignored
# files only (64 MiB at most), and the ONNX files and the checkpoint alone are about 97 MiB.
#   travel.sh leave     untrack and ignore them (the files stay on disk, untouched)
#   travel.sh restore   track them again and drop the ignore lines
#   travel.sh status    what would travel now, in MiB
# `leave` records what it did in .git/hearth-travel; `restore` undoes exactly that, so a second
# `leave` or a `restore` without one changes nothing. Run `restore` right after the GPU call.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
HEAVY=(models/hearth-coder/onnx/model.onnx models/hearth-coder/onnx/model_quantized.onnx checkpoints/hearth-coder/model_fp16.pt)
STATE=.git/hearth-travel
EXCLUDE=.git/info/exclude

case "${1:-status}" in
leave)
  if [ -f "$STATE" ]; then echo "already left behind (restore first): $(cat "$STATE")"; exit 0; fi
  mkdir -p .git/info && touch "$EXCLUDE"
  echo "# hearth-travel begin" >> "$EXCLUDE"
  for f in "${HEAVY[@]}"; do
    git ls-files --error-unmatch "$f" > /dev/null 2>&1 || continue
    git rm --cached --quiet "$f"
    echo "/$f" >> "$EXCLUDE"
    echo "$f" >> "$STATE"
  done
  echo "# hearth-travel end" >> "$EXCLUDE"
  echo "left behind: $(tr '\n' ' ' < "$STATE")"
  ;;
restore)
  if [ ! -f "$STATE" ]; then echo "nothing to restore"; exit 0; fi
  while read -r f; do git add -f "$f"; done < "$STATE"
  sed -i '/^# hearth-travel begin$/,/^# hearth-travel end$/d' "$EXCLUDE"
  rm -f "$STATE"
  git diff --cached --quiet -- "${HEAVY[@]}" && echo "restored; the index is as before" || { echo "restored, but the weights differ from HEAD:"; git diff --cached --stat -- "${HEAVY[@]}"; }
  ;;
status)
  bytes=$( (git ls-files; git ls-files --others --exclude-standard) | sort -u | while read -r f; do [ -f "$f" ] && stat -c %s "$f"; done | awk '{s+=$1} END {print s+0}')
  echo "would travel: $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}') MiB (limit 64)"
  [ -f "$STATE" ] && echo "left behind now: $(tr '\n' ' ' < "$STATE")" || true
  ;;
*) echo "usage: travel.sh leave|restore|status" >&2; exit 2 ;;
esac
