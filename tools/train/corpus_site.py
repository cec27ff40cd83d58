#!/usr/bin/env python3
"""More Python for the corpus: the permissively licensed distributions of a Python installation.

  corpus_site.py --site /path/to/site-packages --sigs humaneval_sigs.txt \
      --dedup tools/train/work/train.jsonl tools/train/work/val.jsonl --out work/site

Each distribution's licence is read from its *.dist-info/METADATA (License-Expression, then the
`License ::` classifiers, then a short License field); its files from RECORD. Files pass the same
filters as corpus.py (generated, minified, huge, HumanEval signature lines), and a file whose head
names a copyleft licence is dropped even inside a permissive distribution (vendored code).
Whitespace-insensitive duplicates of files already in the --dedup corpora are dropped. 1% of the
files, chosen by path hash, go to val.jsonl; train.jsonl gets the rest.

Writes <out>/train.jsonl, <out>/val.jsonl, <out>/manifest.tsv (distribution, version, licence,
status, files, bytes) and <out>/stats.json.
"""
import argparse
import collections
import csv
import email.parser
import glob
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from corpus import keep_text, licence_ok, mentions_humaneval, norm_hash  # noqa: E402

FILE_COPYLEFT = re.compile(r'(GNU (Lesser |Library |Affero )?General Public License|\bL?A?GPL(v\d|-\d)?\b|'
                           r'Mozilla Public License|Eclipse Public License)')


def dist_licence(meta):
    expr = meta.get('License-Expression')
    if expr:
        return expr.strip()
    classifiers = [c.split('::')[-1].strip() for c in meta.get_all('Classifier') or [] if c.startswith('License ::')]
    if classifiers:
        return ' AND '.join(classifiers)
    lic = (meta.get('License') or '').strip()
    return lic if 0 < len(lic) <= 200 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--site', required=True)
    ap.add_argument('--sigs', required=True, help='HumanEval signature lines, one per line (exclusion only)')
    ap.add_argument('--dedup', nargs='*', default=[])
    ap.add_argument('--out', required=True)
    ap.add_argument('--max-dist-mb', type=float, default=25, help='cap per distribution, so a few do not dominate')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sigs = {l.rstrip('\n') for l in open(args.sigs) if l.strip()}
    seen = set()
    for path in args.dedup:
        for line in open(path):
            seen.add(norm_hash(json.loads(line)['text']))
    stats = collections.Counter()
    rows = []
    train = open(os.path.join(args.out, 'train.jsonl'), 'w')
    val = open(os.path.join(args.out, 'val.jsonl'), 'w')
    for info in sorted(glob.glob(os.path.join(args.site, '*.dist-info'))):
        try:
            meta = email.parser.Parser().parse(open(os.path.join(info, 'METADATA'), encoding='utf-8', errors='replace'))
            record = list(csv.reader(open(os.path.join(info, 'RECORD'), encoding='utf-8')))
        except OSError:
            continue
        name, version = meta.get('Name', os.path.basename(info)), meta.get('Version', '?')
        lic = dist_licence(meta)
        if not licence_ok(lic):
            rows.append((name, version, lic or '?', 'excluded-licence', 0, 0))
            stats['dists-excluded-licence'] += 1
            continue
        files = sorted(r[0] for r in record if r and r[0].endswith('.py') and not r[0].startswith('..'))
        files.sort(key=lambda f: hashlib.sha1(f.encode()).hexdigest())  # the cap keeps a random subset
        n = b = 0
        for rel in files:
            low = rel.lower()
            if 'human_eval' in low or 'humaneval' in low:
                stats['drop-humaneval-path'] += 1
                continue
            try:
                text = open(os.path.join(args.site, rel), encoding='utf-8').read()
            except (OSError, UnicodeDecodeError):
                stats['drop-unreadable'] += 1
                continue
            stats['files-seen'] += 1
            reason = keep_text(text, rel)
            if reason:
                stats['drop-' + reason] += 1
                continue
            if FILE_COPYLEFT.search(text[:3000]):
                stats['drop-file-copyleft'] += 1
                continue
            if mentions_humaneval(text, sigs):
                stats['drop-humaneval-signature'] += 1
                continue
            h = norm_hash(text)
            if h in seen:
                stats['drop-duplicate'] += 1
                continue
            if b + len(text) > args.max_dist_mb * 1e6:
                stats['drop-dist-cap'] += 1
                continue
            seen.add(h)
            src = f'pypi:{name}=={version}'
            split = val if int(hashlib.sha1((src + rel).encode()).hexdigest()[:8], 16) % 100 == 0 else train
            split.write(json.dumps({'src': src, 'path': rel, 'lang': 'python', 'text': text}) + '\n')
            n += 1
            b += len(text)
        stats['bytes-kept'] += b
        stats['files-kept'] += n
        rows.append((name, version, lic, 'included' if n else 'included-but-empty', n, b))
    train.close()
    val.close()
    with open(os.path.join(args.out, 'manifest.tsv'), 'w') as f:
        f.write('distribution\tversion\tlicence\tstatus\tfiles\tbytes\n')
        for r in rows:
            f.write('\t'.join(str(x).replace('\t', ' ').replace('\n', ' ') for x in r) + '\n')
    json.dump(dict(stats), open(os.path.join(args.out, 'stats.json'), 'w'), indent=1)
    print(json.dumps(dict(stats), indent=1))


if __name__ == '__main__':
    main()
