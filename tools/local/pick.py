#!/usr/bin/python3
"""Compares retrieval variants offline, on the tuning sets only: for each task the first line of
the variant's list (an oracle.ts dump) that the model did not drop (its least token
log-probability >= FLOOR, default -12, where a tune.ts {"dump":true} run scored it; a line the
run did not score counts as kept), else the model's own best line. Exact match and edit
similarity of that pick, as docs/local-context.md's second round.

  ORACLE_DUMP=or.jsonl npx tsx tools/local/oracle.ts tune-py.jsonl 300 '{}' '{"fallbackSimilar":0.2}'
  tools/local/pick.py tools/local/out/tune-py-dump.jsonl or.jsonl 102
"""
import json,sys
from collections import defaultdict
from textsim import es, norm
md=[json.loads(l) for l in open(sys.argv[1])]
N=int(sys.argv[3]) if len(sys.argv)>3 else len(md)
md=md[:N]
byid={r['task_id']:r for r in md}
specs=defaultdict(dict)
for l in open(sys.argv[2]):
    o=json.loads(l); specs[o['spec']][o['task_id']]=o['lines']
def own(r): return [x for x in r['lines'] if not x.get('retrieved')]
FLOOR=float(__import__('os').environ.get('FLOOR','-12'))
for spec,cand in specs.items():
    em=e=0; unk=0; nret=0; e_ret=0; e_mod=0; n_mod=0
    for r in md:
        scored={x['text']:x for x in r['lines'] if x.get('retrieved')}
        dumped={c['line'] for c in r['retrieved']}
        pick=None
        for line in cand.get(r['task_id'],[]):
            x=scored.get(line)
            if x is not None:
                if x['stopReason']=='newline' and x['minLogprob']>=FLOOR: pick=line; break
            elif line in dumped: continue  # scored and dropped (ruled out)
            else: unk+=1; pick=line; break
        if pick is not None:
            t=r['indent']+pick; nret+=1
        else:
            o=own(r); t=r['indent']+(o[0]['text'] if o else '')
        s=es(t,r['truth']); em+=norm(t)==norm(r['truth']); e+=s
        if pick is not None: e_ret+=s
        else: e_mod+=s; n_mod+=1
    n=len(md)
    print(f"{spec:60s} EM {em/n*100:5.1f}% ES {e/n:.3f} | retrieved {nret} (ES {e_ret/max(nret,1):.3f}, unscored {unk}) model {n_mod} (ES {e_mod/max(n_mod,1):.3f})")
