#!/usr/bin/python3
"""Byte-level BPE: a trainer, an encoder that matches Hugging Face `tokenizers`, and the
tokenizer.json / tokenizer_config.json writer (Qwen2 pre-tokenizer, GPT-2 byte mapping).

Train:   bpe.py train --corpus work/train.jsonl --sample-mb 30 --merges 32000 --out work/bpe32k.json
Measure: bpe.py measure --bpe work/bpe32k.json --val work/val.jsonl --vocab 8192 16384 32768
"""
import argparse
import collections
import heapq
import json
import random
import sys
import unicodedata

import regex

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIAL_TOKENS = ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>',
                  '<|file_sep|>']
_PRE = regex.compile(QWEN2_PATTERN)


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode char mapping."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {v: k for k, v in BYTE_ENC.items()}


def pretokenize(text):
    """NFC, then Split(Isolated) with the Qwen2 regex: matches and the gaps between them."""
    text = unicodedata.normalize('NFC', text)
    out, pos = [], 0
    for m in _PRE.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        out.append(m.group())
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def to_byte_chars(piece):
    return ''.join(BYTE_ENC[b] for b in piece.encode('utf-8'))


def train(texts, num_merges, min_count=2, log=sys.stderr):
    counts = collections.Counter()
    for t in texts:
        counts.update(pretokenize(t))
    vocab = [BYTE_ENC[b] for b in range(256)]
    index = {s: i for i, s in enumerate(vocab)}
    words, freqs = [], []
    for w, c in counts.items():
        words.append([index[ch] for ch in to_byte_chars(w)])
        freqs.append(c)
    print(f'bpe: {len(words)} distinct pre-tokens', file=log)
    pair_count = collections.Counter()
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        f = freqs[wi]
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += f
            where[(a, b)].add(wi)
    heap = [(-c, vocab[p[0]], vocab[p[1]], p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < num_merges and heap:
        negc, _, _, pair = heapq.heappop(heap)
        cur = pair_count.get(pair, 0)
        if cur <= 0:
            continue
        if -negc != cur:
            heapq.heappush(heap, (-cur, vocab[pair[0]], vocab[pair[1]], pair))
            continue
        if cur < min_count:
            break
        a, b = pair
        s = vocab[a] + vocab[b]
        if s in index:
            new = index[s]
        else:
            new = len(vocab)
            vocab.append(s)
            index[s] = new
        merges.append((a, b, new))
        touched = collections.Counter()
        for wi in list(where[pair]):
            w = words[wi]
            f = freqs[wi]
            old_pairs = collections.Counter(zip(w, w[1:]))
            nw, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    nw.append(new)
                    i += 2
                else:
                    nw.append(w[i])
                    i += 1
            words[wi] = nw
            new_pairs = collections.Counter(zip(nw, nw[1:]))
            for p, c in old_pairs.items():
                d = new_pairs.get(p, 0) - c
                if d:
                    pair_count[p] += d * f
                    touched[p] += 1
                if p not in new_pairs:
                    where[p].discard(wi)
            for p, c in new_pairs.items():
                if p not in old_pairs:
                    pair_count[p] += c * f
                    where[p].add(wi)
                    touched[p] += 1
        del where[pair]
        pair_count.pop(pair, None)
        for p in touched:
            c = pair_count.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, vocab[p[0]], vocab[p[1]], p))
        if len(merges) % 2000 == 0:
            print(f'bpe: {len(merges)} merges, last {s!r} x{cur}', file=log)
    return vocab, merges


def hf_tokenizer_json(vocab, merges, special):
    """A Hugging Face byte-level BPE tokenizer.json: NFC, the Qwen2 split regex, ByteLevel.

    `vocab` maps byte-level strings to ids, `merges` is a list of [left, right] pairs in rank order,
    `special` maps control-token strings to ids.
    """
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False}
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [{'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
                          'normalized': False, 'special': True} for s, i in special.items()],
        'normalizer': {'type': 'NFC'},
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Split', 'pattern': {'Regex': QWEN2_PATTERN}, 'behavior': 'Isolated', 'invert': False},
            dict(byte_level),
        ]},
        'post_processor': dict(byte_level),
        'decoder': dict(byte_level),
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': vocab, 'merges': merges},
    }


class Tokenizer:
    """Encoder equal to HF tokenizers' BPE for the tokenizer.json this module writes."""

    def __init__(self, vocab, merges, specials=SPECIAL_TOKENS):
        self.vocab = vocab  # id -> byte-char string, for the BPE part
        self.ranks = {(a, b): (r, n) for r, (a, b, n) in enumerate(merges)}
        self.merges = merges
        self.index = {s: i for i, s in enumerate(vocab)}
        base = len(vocab)
        self.special = {s: base + i for i, s in enumerate(specials)}
        self.id_to_special = {v: k for k, v in self.special.items()}
        self._special_re = regex.compile('(' + '|'.join(regex.escape(s) for s in specials) + ')')
        self.cache = {}

    @property
    def vocab_size(self):
        return len(self.vocab) + len(self.special)

    @classmethod
    def from_bpe_file(cls, path, vocab_size=None):
        """Loads a trainer dump; vocab_size truncates the merge list (size counts specials)."""
        d = json.load(open(path))
        vocab, merges = d['vocab'], [tuple(m) for m in d['merges']]
        if vocab_size:
            target = vocab_size - len(SPECIAL_TOKENS)
            keep = []
            for m in merges:
                if m[2] >= target:
                    break
                keep.append(m)
            merges = keep
            vocab = vocab[:target]
        return cls(vocab, merges)

    @classmethod
    def from_tokenizer_json(cls, path):
        d = json.load(open(path))
        v = d['model']['vocab']
        vocab = [None] * len(v)
        for s, i in v.items():
            vocab[i] = s
        index = {s: i for i, s in enumerate(vocab)}
        merges = []
        for m in d['model']['merges']:
            a, b = m.split(' ') if isinstance(m, str) else m
            merges.append((index[a], index[b], index[a + b]))
        specials = [t['content'] for t in sorted(d['added_tokens'], key=lambda t: t['id'])]
        return cls(vocab, merges, specials)

    def _bpe(self, piece):
        ids = self.cache.get(piece)
        if ids is not None:
            return ids
        w = [self.index[c] for c in to_byte_chars(piece)]
        ranks = self.ranks
        while len(w) > 1:
            best, bi = None, -1
            for i in range(len(w) - 1):
                r = ranks.get((w[i], w[i + 1]))
                if r is not None and (best is None or r[0] < best[0]):
                    best, bi = r, i
            if best is None:
                break
            a, b = w[bi], w[bi + 1]
            nw, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    nw.append(best[1])
                    i += 2
                else:
                    nw.append(w[i])
                    i += 1
            w = nw
        if len(self.cache) < 2_000_000:
            self.cache[piece] = w
        return w

    def encode_ordinary(self, text):
        """Encodes text with no special-token handling."""
        out = []
        for p in pretokenize(text):
            out.extend(self._bpe(p))
        return out

    def encode(self, text):
        out = []
        for part in self._special_re.split(text):
            if not part:
                continue
            if part in self.special:
                out.append(self.special[part])
            else:
                out.extend(self.encode_ordinary(part))
        return out

    def decode(self, ids):
        chunks, buf = [], []
        for i in ids:
            if i in self.id_to_special:
                chunks.append(bytes(buf).decode('utf-8', 'replace'))
                buf = []
                chunks.append(self.id_to_special[i])
            else:
                buf.extend(BYTE_DEC[c] for c in self.vocab[i])
        chunks.append(bytes(buf).decode('utf-8', 'replace'))
        return ''.join(chunks)

    def tokenizer_json(self):
        vocab = {}
        for i, s in enumerate(self.vocab):
            vocab.setdefault(s, i)
        return hf_tokenizer_json(vocab, [[self.vocab[a], self.vocab[b]] for a, b, _ in self.merges], self.special)

    def tokenizer_config(self, model_max_length):
        return {
            'add_bos_token': False,
            'add_prefix_space': False,
            'added_tokens_decoder': {str(i): {'content': s, 'lstrip': False, 'normalized': False, 'rstrip': False,
                                              'single_word': False, 'special': True}
                                     for s, i in self.special.items()},
            'additional_special_tokens': [s for s in SPECIAL_TOKENS if s != '<|endoftext|>'],
            'bos_token': None,
            'clean_up_tokenization_spaces': False,
            'eos_token': '<|endoftext|>',
            'errors': 'replace',
            'model_max_length': model_max_length,
            'pad_token': '<|endoftext|>',
            'split_special_tokens': False,
            'tokenizer_class': 'Qwen2Tokenizer',
            'unk_token': None,
        }

    def save(self, directory, model_max_length):
        import os
        with open(os.path.join(directory, 'tokenizer.json'), 'w') as f:
            json.dump(self.tokenizer_json(), f, ensure_ascii=False)
        with open(os.path.join(directory, 'tokenizer_config.json'), 'w') as f:
            json.dump(self.tokenizer_config(model_max_length), f, indent=2, ensure_ascii=False)


def read_texts(path, limit_bytes=None, seed=0):
    docs = [json.loads(l)['text'] for l in open(path)]
    if limit_bytes:
        random.Random(seed).shuffle(docs)
        out, n = [], 0
        for d in docs:
            if n >= limit_bytes:
                break
            out.append(d)
            n += len(d)
        return out
    return docs


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train')
    t.add_argument('--corpus', required=True)
    t.add_argument('--sample-mb', type=float, default=30)
    t.add_argument('--merges', type=int, default=32000)
    t.add_argument('--out', required=True)
    m = sub.add_parser('measure')
    m.add_argument('--bpe', required=True)
    m.add_argument('--val', required=True)
    m.add_argument('--vocab', type=int, nargs='+', required=True)
    args = ap.parse_args()
    if args.cmd == 'train':
        texts = read_texts(args.corpus, int(args.sample_mb * 1e6))
        vocab, merges = train(texts, args.merges)
        json.dump({'vocab': vocab, 'merges': merges}, open(args.out, 'w'), ensure_ascii=False)
        print(f'bpe: {len(vocab)} tokens, {len(merges)} merges -> {args.out}', file=sys.stderr)
    else:
        texts = read_texts(args.val)
        nbytes = sum(len(t.encode()) for t in texts)
        for v in args.vocab:
            tok = Tokenizer.from_bpe_file(args.bpe, v)
            n = sum(len(tok.encode_ordinary(t)) for t in texts)
            print(f'vocab {tok.vocab_size}: {n} tokens for {nbytes} bytes = {nbytes / n:.3f} bytes/token')


if __name__ == '__main__':
    main()
