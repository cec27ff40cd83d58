#!/usr/bin/python3
"""Greedy FIM completions of a few hand-written snippets (for the model card), verbatim.

  samples.py --ckpt checkpoints/hearth-coder/last.pt
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe import Tokenizer  # noqa: E402
from eval_infill import infill_line  # noqa: E402
from export import load_checkpoint  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
CURSOR = '\u2551'

SNIPPETS = [
    ('python', '''import os


def list_python_files(root):
    """Return the paths of all .py files under root."""
    result = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            if name.endswith('.py'):
                \u2551
    return result
'''),
    ('python', '''class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        \u2551

    def is_empty(self):
        return not self.items
'''),
    ('python', '''import json


def load_config(path):
    with open(path) as f:
        \u2551
'''),
    ('typescript', '''export function clamp(value: number, min: number, max: number): number {
  if (value < min) {
    return min;
  }
  \u2551
    return max;
  }
  return value;
}
'''),
    ('typescript', '''interface User {
  id: number;
  name: string;
}

export function findUser(users: User[], id: number): User | undefined {
  return \u2551
}
'''),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(ROOT, 'checkpoints', 'hearth-coder', 'last.pt'))
    ap.add_argument('--tokenizer', default=os.path.join(ROOT, 'models', 'hearth-coder', 'tokenizer.json'))
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = load_checkpoint(args.ckpt)
    model.eval()
    tok = Tokenizer.from_tokenizer_json(args.tokenizer)
    for lang, text in SNIPPETS:
        prefix, suffix = text.split(CURSOR)
        line, _, _ = infill_line(model, tok, prefix, suffix)
        print(f'```{lang}\n{prefix}{CURSOR}{line.rstrip(chr(10))}{CURSOR}{suffix}```\n')


if __name__ == '__main__':
    main()
