#!/usr/bin/python3
"""Compares bpe.Tokenizer ids with the @huggingface/tokenizers oracle (node) on sample texts.

Usage: check_tokenizer.py <model_dir> <corpus.jsonl> [n_docs]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402

EXTRA = ["def f(x):\n    return x  \n\n\n\tpass\r\n", "héllo wörld ñ 中文 😀 \u0065\u0301", "it's I'LL we'd 12345 ...\n  \n",
         "<|fim_prefix|>a = 1\n<|fim_suffix|>\nb = 2<|fim_middle|>", "   x\n   \n\n  y  ", ""]


def main():
    model_dir, corpus = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    tok = Tokenizer.from_tokenizer_json(os.path.join(model_dir, 'tokenizer.json'))
    docs = [json.loads(l)['text'] for l in open(corpus)]
    random.Random(1).shuffle(docs)
    texts = [t for t in EXTRA if t] + docs[:n]
    with tempfile.NamedTemporaryFile('w', suffix='.jsonl', delete=False) as f:
        for t in texts:
            f.write(json.dumps({'text': t}) + '\n')
    out = subprocess.run(['node', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check_tokenizer.mjs'),
                          model_dir, f.name], capture_output=True, text=True, check=True).stdout
    bad = 0
    for t, line in zip(texts, out.splitlines()):
        r = json.loads(line)
        mine = tok.encode(t)
        if mine != r["ids"] or tok.decode(mine) != unicodedata.normalize("NFC", t):
            bad += 1
            i = next((k for k, (a, b) in enumerate(zip(mine, r['ids'])) if a != b), min(len(mine), len(r['ids'])))
            print(f'MISMATCH at token {i}: mine {mine[i:i + 5]} oracle {r["ids"][i:i + 5]} roundtrip {r["roundtrip"]} '
                  f'text {t[:60]!r}')
    tokens = sum(len(tok.encode(t)) for t in texts)
    print(f'{len(texts) - bad}/{len(texts)} texts identical to @huggingface/tokenizers ({tokens} tokens)')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
