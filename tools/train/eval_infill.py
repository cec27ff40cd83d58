#!/usr/bin/python3
"""Reporting-only evaluation: greedy single-line infilling pass@1 on HumanEval-SingleLineInfilling.

  eval_infill.py --ckpt checkpoints/hearth-coder/last.pt [--limit N] [--out work/eval.jsonl]

Prompt: <|fim_prefix|>{prompt}<|fim_suffix|>{suffix}<|fim_middle|>, greedy, stop at the first
newline or <|endoftext|>; then runs prompt + line + suffix + test + check(entry_point) in a python3
subprocess (timeout 10 s). The benchmark is read here and nowhere in data or tokenizer building.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe import Tokenizer  # noqa: E402
from export import load_checkpoint  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH = '/work/shared/bench/humaneval-infilling/HumanEval-SingleLineInfilling.jsonl.gz'


@torch.no_grad()
def infill_line(model, tok, prefix, suffix, max_prefix=352, max_suffix=128, max_new=48):
    s = tok.special
    p = tok.encode_ordinary(prefix)[-max_prefix:]
    q = tok.encode_ordinary(suffix)[:max_suffix]
    ids = [s['<|fim_prefix|>']] + p + [s['<|fim_suffix|>']] + q + [s['<|fim_middle|>']]
    x = torch.tensor([ids])
    logits, past = model(x)
    out = []
    pos = len(ids)
    for _ in range(max_new):
        nxt = int(logits[0, -1].argmax())
        if nxt == s['<|endoftext|>'] or nxt in tok.id_to_special:
            break
        out.append(nxt)
        if '\n' in tok.decode(out):
            break
        logits, past = model(torch.tensor([[nxt]]), position_ids=torch.tensor([[pos]]), past=past)
        pos += 1
    text = tok.decode(out)
    line = text.split('\n')[0]
    return line + '\n', len(ids), len(out)


def run_program(program, timeout=10):
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f:
        f.write(program)
    try:
        r = subprocess.run([sys.executable, f.name], capture_output=True, timeout=timeout)
        return r.returncode == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        os.unlink(f.name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(ROOT, 'checkpoints', 'hearth-coder', 'last.pt'))
    ap.add_argument('--tokenizer', default=os.path.join(ROOT, 'models', 'hearth-coder', 'tokenizer.json'))
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=os.path.join(HERE, 'work', 'eval_infill.jsonl'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.ckpt)
    model.eval()
    tok = Tokenizer.from_tokenizer_json(args.tokenizer)
    probs = [json.loads(l) for l in gzip.open(BENCH, 'rt')]
    if args.limit:
        probs = probs[::max(1, len(probs) // args.limit)][:args.limit]
    passed = exact = gen_tokens = 0
    t0 = time.time()
    gen_time = 0.0
    with open(args.out, 'w') as f:
        for i, pr in enumerate(probs):
            t = time.time()
            line, n_prompt, n_new = infill_line(model, tok, pr['prompt'], pr['suffix'])
            gen_time += time.time() - t
            gen_tokens += n_new
            program = pr['prompt'] + line + pr['suffix'] + '\n' + pr['test'] + f'\ncheck({pr["entry_point"]})\n'
            ok = run_program(program)
            passed += ok
            exact += line.strip() == pr['canonical_solution'].strip()
            f.write(json.dumps({'task_id': pr['task_id'], 'completion': line, 'passed': ok}) + '\n')
            if (i + 1) % 100 == 0:
                print(f'{i + 1}/{len(probs)} pass@1 {passed / (i + 1):.4f} ({time.time() - t0:.0f}s)', flush=True)
    n = len(probs)
    print(json.dumps({'problems': n, 'pass@1': round(passed / n, 4), 'passed': passed,
                      'exact_match': round(exact / n, 4), 'generated_tokens': gen_tokens,
                      'generation_seconds': round(gen_time, 1), 'ckpt': args.ckpt}))


if __name__ == '__main__':
    main()
