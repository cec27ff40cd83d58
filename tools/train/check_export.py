#!/usr/bin/python3
"""Checks an exported model directory against its torch weights.

  check_export.py --fixture --dir test/fixtures/tiny-qwen2
  check_export.py --ckpt checkpoints/hearth-coder/last.pt --dir models/hearth-coder

In torch: KV-cached decoding over 32 steps equals full recomputation (max |logit diff| < 1e-4).
Then runs check_onnx.mjs (onnxruntime-node) with the torch logits as reference, the tokenizer
oracle check, and the transformers.js generate check.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export import build_fixture, load_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--ckpt')
    ap.add_argument('--fixture', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = build_fixture()[0] if args.fixture else load_checkpoint(args.ckpt)
    model.eval()
    v = model.config.vocab_size
    ids = torch.tensor([[(i * 7919 + 13) % (v - 8) for i in range(48)]])
    n, p = ids.shape[1], ids.shape[1] - 32
    ok = True
    with torch.no_grad():
        full, _ = model(ids)
        logits, past = model(ids[:, :p])
        worst = (logits[0, -1] - full[0, p - 1]).abs().max().item()
        for t in range(p, n):
            logits, past = model(ids[:, t:t + 1], position_ids=torch.tensor([[t]]), past=past)
            worst = max(worst, (logits[0, -1] - full[0, t]).abs().max().item())
    print(f'{"ok  " if worst < 1e-4 else "FAIL"} torch KV-cached decoding over 32 steps equals full recomputation '
          f'(max diff {worst:.2e})')
    ok &= worst < 1e-4
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump({'ids': ids[0].tolist(), 'logits_last': full[0, -1].tolist()}, f)
    for cmd in (['node', os.path.join(HERE, 'check_onnx.mjs'), args.dir, f.name],
                ['node', os.path.join(HERE, 'check_transformersjs.mjs'), args.dir, 'fp32']):
        r = subprocess.run(cmd)
        ok &= r.returncode == 0
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
