#!/usr/bin/python3
"""Compares rankings of retrieved lines offline, on a tune.ts run with {"dump":true} (every
retrieved line scored to its end beside the model's own lines). Tuning sets only.

  tools/local/rerank.py tools/local/out/tune-py-dump.jsonl
"""
import json,sys,re
from textsim import es, norm
def load(f): return [json.loads(l) for l in open(f)]
rows=[]
for f in sys.argv[1:]:
    rows+=load(f)
n=len(rows)
def evaluate(pick,label):
    em=e=0.0
    for r in rows:
        t=pick(r)
        if t is None: t=r['completion'].strip()
        em+=norm(t)==norm(r['truth']); e+=es(t,r['truth'])
    print(f'{label:40s} EM {em/n*100:5.1f}%  ES {e/n:.3f}  (n={n})')
def score(x): return x['logprob']+x['endLogprob']
def model_best(r):
    ls=[x for x in r['lines'] if not x.get('retrieved')]
    return max(ls,key=score) if ls else None
def simof(r,text):
    for c in r.get('retrieved',[]):
        if c['line'].strip()==text.strip(): return c['score']
    return 0
def bonus_rule(B,scale=0,veto_min=None):
    def pick(r):
        if not r['lines']: return None
        def key(x):
            if not x.get('retrieved'): return score(x)
            return score(x)+B+scale*simof(r,x['text'])
        best=max(r['lines'],key=key)
        return best['text']
    return pick
def retr_first(B):
    # the retrieval's own order decides among retrieved lines; the first not vetoed (score >= model best - B) wins
    def pick(r):
        mb=model_best(r)
        ms=score(mb) if mb else -1e9
        byt={x['text'].strip():x for x in r['lines'] if x.get('retrieved')}
        for c in r.get('retrieved',[]):
            x=byt.get(c['line'].strip())
            if x and score(x)>=ms-B: return x['text']
        return mb['text'] if mb else None
    return pick
evaluate(lambda r:(model_best(r) or {}).get('text'),'model only (dump beams)')
evaluate(lambda r:(r['retrieved'][0]['line'] if r.get('retrieved') else (model_best(r) or {}).get('text')),'retrieval top1 else model')
for B in [0,4,8,12,16,20,30,1000]:
    evaluate(bonus_rule(B),f'bonus {B}')
for B in [8,12,16,20,30,1000]:
    evaluate(retr_first(B),f'retrieval order, veto {B}')
for B,s in [(4,8),(8,8),(4,16),(8,16),(12,8),(0,20)]:
    evaluate(bonus_rule(B,s),f'bonus {B} + {s}*sim')
def retr_first_min(T):
    def pick(r):
        mb=model_best(r)
        byt={x['text'].strip():x for x in r['lines'] if x.get('retrieved')}
        for c in r.get('retrieved',[]):
            x=byt.get(c['line'].strip())
            if x and x.get('minLogprob',0)>=-T: return x['text']
        return mb['text'] if mb else None
    return pick
for T in [6,8,10,12,15]:
    evaluate(retr_first_min(T),f'retrieval order, min-token veto {T}')
