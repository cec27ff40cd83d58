#!/usr/bin/python3
"""Time-boxed, resumable CPU training of hearth-coder with fill-in-the-middle (PSM, Qwen2.5-Coder layout).

  train.py --minutes 100                      # fresh run
  train.py --resume --minutes 100             # continue after a stop, same schedule
  train.py --resume --minutes 250             # train longer: --minutes is the schedule's total, time
                                              # already trained included, so the cosine stretches

Checkpoints (atomic, every --ckpt-minutes) go to --ckpt-dir/last.pt; the log to --ckpt-dir/train.log.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe import Tokenizer  # noqa: E402
from model import Qwen2Config, Qwen2ForCausalLM  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


class FimSampler:
    """Turns documents into token samples: plain causal or FIM with line-aware spans."""

    def __init__(self, tok, docs, fim_rate, seed, window=(400, 2200)):
        self.tok = tok
        self.docs = docs
        self.fim_rate = fim_rate
        self.rng = random.Random(seed)
        self.window = window
        s = tok.special
        self.eot, self.pre, self.mid, self.suf = s['<|endoftext|>'], s['<|fim_prefix|>'], s['<|fim_middle|>'], s['<|fim_suffix|>']

    def _window(self, text, size):
        """A slice of about `size` chars starting at a line start."""
        if len(text) <= size:
            return text
        start = self.rng.randrange(0, len(text) - size)
        nl = text.rfind('\n', 0, start)
        start = nl + 1
        return text[start:start + size]

    def split(self, text):
        """Chooses (prefix, middle, suffix) so that middle is what a user would get completed."""
        r = self.rng
        lines = text.splitlines(keepends=True)
        if len(lines) < 3:
            a, b = sorted(r.randrange(len(text) + 1) for _ in range(2))
            return text[:a], text[a:b], text[b:]
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        kind = r.random()
        nonblank = [i for i, line in enumerate(lines) if line.strip()] or list(range(len(lines)))
        i = r.choice(nonblank)
        if kind < 0.45:  # one whole line: the single-line infilling case
            a, b = offsets[i], offsets[i + 1]
        elif kind < 0.60:  # a few whole lines
            a, b = offsets[i], offsets[min(len(lines), i + r.randint(2, 6))]
        elif kind < 0.78:  # rest of the current line from a cursor inside it
            line = lines[i]
            indent = len(line) - len(line.lstrip())
            a = offsets[i] + r.randint(indent, max(indent, len(line.rstrip('\n'))))
            b = offsets[i + 1]
        elif kind < 0.88:  # a span inside one line
            a, b = sorted(offsets[i] + r.randint(0, len(lines[i])) for _ in range(2))
        else:  # random character span
            a, b = sorted(r.randrange(len(text) + 1) for _ in range(2))
        return text[:a], text[a:b], text[b:]

    def sample(self):
        r = self.rng
        text = r.choice(self.docs)
        enc = self.tok.encode_ordinary
        if r.random() < self.fim_rate:
            text = self._window(text, r.randint(*self.window))
            p, m, s = self.split(text)
            return [self.pre] + enc(p) + [self.suf] + enc(s) + [self.mid] + enc(m) + [self.eot]
        return enc(self._window(text, self.window[1])) + [self.eot]


class Packer:
    """Packs samples into [batch, seq+1] rows, samples separated by <|endoftext|>."""

    def __init__(self, sampler, seq):
        self.sampler = sampler
        self.seq = seq
        self.buf = []

    def batch(self, bsz):
        need = bsz * (self.seq + 1)
        while len(self.buf) < need:
            self.buf.extend(self.sampler.sample())
        rows, self.buf = self.buf[:need], self.buf[need:]
        return torch.tensor(rows, dtype=torch.long).view(bsz, self.seq + 1)


class HfEncoder:
    """The same tokenizer.json through Hugging Face `tokenizers` (Rust), for GPU-rate data loading.

    Special-token strings inside source text stay ordinary text, as in Tokenizer.encode_ordinary.
    """

    def __init__(self, path, special):
        from tokenizers import Tokenizer as HfTokenizer
        self.tk = HfTokenizer.from_file(path)
        self.tk.encode_special_tokens = True
        self.special = special
        self.vocab_size = self.tk.get_vocab_size()

    def encode_ordinary(self, text):
        return self.tk.encode(text, add_special_tokens=False).ids


class Batches(torch.utils.data.IterableDataset):
    """Endless packed batches; each DataLoader worker samples with its own seed."""

    def __init__(self, tok, docs, fim_rate, seed, seq, bsz, window):
        self.tok, self.docs, self.fim_rate, self.seed, self.seq, self.bsz = tok, docs, fim_rate, seed, seq, bsz
        self.window = window

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        packer = Packer(FimSampler(self.tok, self.docs, self.fim_rate, self.seed * 1000 + wid, self.window), self.seq)
        while True:
            yield packer.batch(self.bsz)


def build_val(tok, docs, seq, seed=1234, n_plain=24, n_fim=96):
    """Fixed validation: plain causal chunks, and single-line FIM examples scored on middle+EOT."""
    rng = random.Random(seed)
    s = tok.special
    stream = []
    for d in rng.sample(docs, min(len(docs), 200)):
        stream.extend(tok.encode_ordinary(d) + [s['<|endoftext|>']])
        if len(stream) > n_plain * (seq + 1):
            break
    plain = torch.tensor(stream[:n_plain * (seq + 1)], dtype=torch.long).view(n_plain, seq + 1)
    fim = []
    sampler = FimSampler(tok, docs, 1.0, seed)
    while len(fim) < n_fim:
        text = sampler._window(rng.choice(docs), 1500)
        lines = text.splitlines(keepends=True)
        cand = [i for i, l in enumerate(lines) if l.strip() and 0 < i < len(lines) - 1]
        if not cand:
            continue
        i = rng.choice(cand)
        p, m, sfx = ''.join(lines[:i]), lines[i], ''.join(lines[i + 1:])
        head = [s['<|fim_prefix|>']] + tok.encode_ordinary(p) + [s['<|fim_suffix|>']] + tok.encode_ordinary(sfx) + [s['<|fim_middle|>']]
        tail = tok.encode_ordinary(m) + [s['<|endoftext|>']]
        ids = (head + tail)[-(seq + 1):]
        if len(tail) >= len(ids):
            continue
        fim.append((ids, len(tail)))
    return plain, fim


@torch.no_grad()
def evaluate(model, plain, fim, bf16, device='cpu'):
    model.eval()
    with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
        lp = []
        for i in range(0, plain.shape[0], 8):
            x = plain[i:i + 8].to(device)
            lp.append(model.loss(x[:, :-1], x[:, 1:]).item())
        tot, n, exact = 0.0, 0, 0
        for ids, tl in fim:
            x = torch.tensor(ids, device=device)[None]
            logits, _ = model(x[:, :-1])
            lg = logits[0, -tl:].float()
            tgt = x[0, -tl:]
            tot += torch.nn.functional.cross_entropy(lg, tgt, reduction='sum').item()
            n += tl
            exact += int(bool((lg.argmax(-1) == tgt).all()))
    model.train()
    return sum(lp) / len(lp), tot / n, exact / len(fim)


def lr_at(progress, base, warmup_frac, final_frac):
    if progress < warmup_frac:
        return base * progress / warmup_frac
    p = min(1.0, (progress - warmup_frac) / max(1e-9, 1 - warmup_frac))
    return base * (final_frac + (1 - final_frac) * 0.5 * (1 + math.cos(math.pi * p)))


def save_atomic(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=float, required=True, help='total training time of the LR schedule, earlier runs included')
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--ckpt-dir', default=os.path.join(ROOT, 'checkpoints', 'hearth-coder'))
    ap.add_argument('--tokenizer', default=os.path.join(ROOT, 'models', 'hearth-coder', 'tokenizer.json'))
    ap.add_argument('--train', default=os.path.join(HERE, 'work', 'train.jsonl'))
    ap.add_argument('--val', default=os.path.join(HERE, 'work', 'val.jsonl'))
    ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--layers', type=int, default=6)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--kv-heads', type=int, default=2)
    ap.add_argument('--ffn', type=int, default=768)
    ap.add_argument('--seq', type=int, default=512)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--warmup', type=float, default=0.03, help='fraction of the time budget')
    ap.add_argument('--final-lr-frac', type=float, default=0.1)
    ap.add_argument('--wd', type=float, default=0.1)
    ap.add_argument('--fim-rate', type=float, default=0.8)
    ap.add_argument('--ckpt-minutes', type=float, default=10)
    ap.add_argument('--eval-minutes', type=float, default=10)
    ap.add_argument('--threads', default='auto', help="an int, or 'auto': try 1 and 2 every 100 steps, keep the faster")
    ap.add_argument('--fp32', action='store_true', help='no bf16 autocast')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--init-from', help='weights-only checkpoint (model_fp16.pt) to start from, fresh optimizer')
    ap.add_argument('--device', default='cpu', help="cpu, or cuda where a GPU is lent (tools/train/gpu/)")
    ap.add_argument('--extra-train', nargs='*', default=[], help='more training jsonl files (corpus_site.py output)')
    ap.add_argument('--workers', type=int, default=0, help='DataLoader worker processes sampling batches')
    ap.add_argument('--hf-tokenizers', action='store_true', help='encode with Hugging Face tokenizers (Rust) instead of bpe.py')
    ap.add_argument('--compile', action='store_true', help='torch.compile the model (torch >= 2)')
    ap.add_argument('--window-chars', type=int, default=2200, help='longest text window a sample is cut from')
    ap.add_argument('--max-pos', type=int, default=2048, help='max_position_embeddings of a fresh model')
    args = ap.parse_args()

    auto_threads = args.threads == 'auto' and args.device == 'cpu'
    # On a GPU the CPU threads only feed kernels; the DataLoader workers do the sampling.
    threads = 1 if auto_threads else 8 if args.threads == 'auto' else int(args.threads)
    torch.set_num_threads(threads)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    log_path = os.path.join(args.ckpt_dir, 'train.log')
    ckpt_path = os.path.join(args.ckpt_dir, 'last.pt')

    def log(msg):
        line = time.strftime('%Y-%m-%dT%H:%M:%SZ ', time.gmtime()) + msg
        print(line, flush=True)
        with open(log_path, 'a') as f:
            f.write(line + '\n')

    tok = Tokenizer.from_tokenizer_json(args.tokenizer)
    train_docs = [json.loads(l)['text'] for path in [args.train] + args.extra_train for l in open(path)]
    val_docs = [json.loads(l)['text'] for l in open(args.val)]
    if args.hf_tokenizers:
        hf = HfEncoder(args.tokenizer, tok.special)
        diff = sum(hf.encode_ordinary(d[:20000]) != tok.encode_ordinary(d[:20000]) for d in val_docs[:100])
        log(f'tokenizers (Rust) vs bpe.py on 100 val files: {diff} differ' + (' -> using bpe.py' if diff else ''))
        if not diff:
            tok = hf
    bf16 = not args.fp32

    state = init = None
    if args.resume and os.path.exists(ckpt_path):
        state = torch.load(ckpt_path)
        cfg = Qwen2Config(**state['config'])
    elif args.init_from:
        init = torch.load(args.init_from)
        cfg = Qwen2Config(**init['config'])
    else:
        cfg = Qwen2Config(vocab_size=tok.vocab_size, hidden_size=args.hidden, intermediate_size=args.ffn,
                          num_hidden_layers=args.layers, num_attention_heads=args.heads,
                          num_key_value_heads=args.kv_heads, max_position_embeddings=args.max_pos,
                          bos_token_id=tok.special['<|endoftext|>'], eos_token_id=tok.special['<|endoftext|>'])
    torch.manual_seed(args.seed)
    model = Qwen2ForCausalLM(cfg)
    if init:
        model.load_state_dict({k: v.float() for k, v in init['model'].items()})
    dev = args.device
    model.to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': args.wd}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8,
                            **({'fused': True} if dev.startswith('cuda') else {}))
    step, tokens, elapsed = 0, 0, 0.0
    seed = args.seed
    if state:
        model.load_state_dict(state['model'])
        opt.load_state_dict(state['optimizer'])
        step, tokens, elapsed = state['step'], state['tokens'], state['elapsed']
        seed = state.get('seed', 0) + step  # fresh data order after a resume
        log(f'resumed at step {step}, {tokens} tokens, {elapsed / 60:.1f} min trained')
    total = args.minutes * 60
    log(f'config {json.dumps(cfg.hf_dict())}')
    log(f'params {model.num_params()} ({model.num_params() / 1e6:.2f}M), train docs {len(train_docs)}, '
        f'val docs {len(val_docs)}, bf16 {bf16}, batch {args.batch}x{args.seq}, schedule {total / 60:.1f} min')

    plain_val, fim_val = build_val(tok, val_docs, args.seq)
    window = (400, args.window_chars)
    if args.workers:
        loader = torch.utils.data.DataLoader(Batches(tok, train_docs, args.fim_rate, seed, args.seq, args.batch, window),
                                             batch_size=None, num_workers=args.workers, pin_memory=dev != 'cpu',
                                             prefetch_factor=4, persistent_workers=True)
        batches = iter(loader)
        next_batch = lambda: next(batches)  # noqa: E731
    else:
        packer = Packer(FimSampler(tok, train_docs, args.fim_rate, seed, window), args.seq)
        next_batch = lambda: packer.batch(args.batch)  # noqa: E731
    loss_fn = torch.compile(model.loss) if args.compile else model.loss

    def checkpoint():
        save_atomic({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'config': cfg.__dict__,
                     'step': step, 'tokens': tokens, 'elapsed': elapsed, 'total': total, 'seed': args.seed,
                     'args': vars(args)}, ckpt_path)
        # The weights alone, fp16: what gets committed and what export.py reads.
        save_atomic({'model': {k: v.detach().half().cpu() for k, v in model.state_dict().items()},
                     'config': cfg.__dict__, 'step': step, 'tokens': tokens, 'elapsed': elapsed},
                    os.path.join(args.ckpt_dir, 'model_fp16.pt'))

    def run_eval():
        t = time.time()
        vl, fl, ex = evaluate(model, plain_val, fim_val, bf16, dev)
        log(f'eval step {step} tokens {tokens} min {elapsed / 60:.1f} val_loss {vl:.4f} val_fim_line_loss {fl:.4f} '
            f'val_fim_line_exact {ex:.3f} ({time.time() - t:.0f}s)')

    last_ckpt = last_eval = time.time()
    t_log, tok_log, loss_acc, n_acc = time.time(), 0, 0.0, 0
    model.train()
    # Other work shares the 2 cores; with oversubscription one thread beats two (OpenMP barriers).
    probe = {}  # threads -> seconds per step over the last probe window
    probe_t, probe_n = elapsed, 0
    while elapsed < total:
        if auto_threads and step % 100 in (0, 8, 16) and step > 0:
            probe[threads] = (elapsed - probe_t) / max(1, probe_n)
            if step % 100 == 0:
                threads = 3 - threads  # probe the other setting for 8 steps
            elif step % 100 == 8:
                threads = min(probe, key=probe.get)
                if step % 500 == 8:
                    log(f'threads: sec/step {json.dumps({k: round(v, 2) for k, v in probe.items()})} -> {threads}')
            torch.set_num_threads(threads)
            probe_t, probe_n = elapsed, 0
        t0 = time.time()
        lr = lr_at(elapsed / total, args.lr, args.warmup, args.final_lr_frac)
        for g in opt.param_groups:
            g['lr'] = lr
        x = next_batch().to(dev, non_blocking=True)
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(x[:, :-1], x[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        tokens += args.batch * args.seq
        elapsed += time.time() - t0
        loss_acc += loss.detach()
        n_acc += 1
        tok_log += args.batch * args.seq
        probe_n += 1
        if step % 25 == 0:
            now = time.time()
            log(f'step {step} tokens {tokens} min {elapsed / 60:.1f} lr {lr:.2e} loss {float(loss_acc) / n_acc:.4f} '
                f'tok/s {tok_log / (now - t_log):.0f} threads {threads}')
            t_log, tok_log, loss_acc, n_acc = now, 0, 0.0, 0
        if time.time() - last_eval > args.eval_minutes * 60:
            run_eval()
            last_eval = time.time()
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            checkpoint()
            last_ckpt = time.time()
    checkpoint()
    run_eval()
    log(f'done: step {step}, {tokens} tokens, {elapsed / 60:.1f} min')


if __name__ == '__main__':
    main()
