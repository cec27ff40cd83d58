#!/usr/bin/python3
"""Exports a Qwen2 checkpoint to the Hugging Face / transformers.js ONNX layout.

  export.py --ckpt checkpoints/hearth-coder/last.pt --out models/hearth-coder
  export.py --fixture --out test/fixtures/tiny-qwen2      # random weights, tiny tokenizer, + fp16
  export.py --ckpt checkpoints/hearth-coder/model_fp16.pt --out DIR --graph fused   # fused_graph.py

ONNX I/O (Optimum naming): input_ids, attention_mask [batch, past+seq], position_ids,
past_key_values.{i}.key|value [batch, kv_heads, past, head_dim] -> logits [batch, seq, vocab],
present.{i}.key|value [batch, kv_heads, past+seq, head_dim]. Past length 0 is valid.
"""
import argparse
import glob
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bpe  # noqa: E402
from model import Qwen2Config, Qwen2ForCausalLM  # noqa: E402
from onnx_io import io_names  # noqa: E402


class OnnxWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, position_ids=position_ids, attention_mask=attention_mask, past=past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def export_onnx(model, path):
    c = model.config
    model.eval()
    b, s, p = 2, 3, 4
    past_names, present_names = io_names(c.num_hidden_layers)
    ids = torch.randint(0, c.vocab_size, (b, s))
    mask = torch.ones(b, p + s, dtype=torch.long)
    pos = torch.arange(p, p + s)[None].expand(b, s).contiguous()
    past = [torch.randn(b, c.num_key_value_heads, p, c.head_dim) for _ in past_names]
    axes = {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
            'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
            'position_ids': {0: 'batch_size', 1: 'sequence_length'},
            'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for n in past_names:
        axes[n] = {0: 'batch_size', 2: 'past_sequence_length'}
    for n in present_names:
        axes[n] = {0: 'batch_size', 2: 'total_sequence_length'}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(OnnxWrapper(model), (ids, mask, pos, *past), path,
                          input_names=['input_ids', 'attention_mask', 'position_ids'] + past_names,
                          output_names=['logits'] + present_names, dynamic_axes=axes, opset_version=14,
                          do_constant_folding=True)
    share_tied_embedding(path)


def share_tied_embedding(path):
    """Constant folding stores lm_head as a transposed copy of the embedding: the tied weight twice.

    Replace that copy with a Transpose node of the embedding (onnxruntime folds it again in memory
    at load), so the file holds the weight once.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(path)
    g = m.graph
    arrays = {i.name: i for i in g.initializer}
    emb = next((i for i in g.initializer if 'embed_tokens' in i.name), None)
    if emb is None:
        return
    e = numpy_helper.to_array(emb)
    dup = next((i for i in g.initializer if tuple(i.dims) == e.shape[::-1] and np.array_equal(numpy_helper.to_array(i), e.T)), None)
    if dup is None:
        return
    g.initializer.remove(arrays[dup.name])
    g.node.insert(0, helper.make_node('Transpose', [emb.name], [dup.name], perm=[1, 0], name='lm_head_transpose'))
    onnx.checker.check_model(m)
    onnx.save(m, path)


def initializers_to_fp16(g, convert):
    """Stores each fp32 initializer of graph `g` whose array `convert` accepts as fp16, read back
    through a Cast to fp32 under its old name. Returns the Cast nodes; the caller puts them first."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    casts, kept = [], []
    for init in g.initializer:
        a = numpy_helper.to_array(init) if init.data_type == TensorProto.FLOAT else None
        if a is not None and convert(a):
            kept.append(numpy_helper.from_array(a.astype(np.float16), init.name + '_fp16'))
            casts.append(helper.make_node('Cast', [init.name + '_fp16'], [init.name], to=TensorProto.FLOAT, name='cast_' + init.name))
        else:
            kept.append(init)
    del g.initializer[:]
    g.initializer.extend(kept)
    return casts


def store_fp16(m, min_size=1024):
    """fp32 initializers of model `m` whose values are all exact in fp16 (weights from an fp16
    checkpoint) are stored as fp16 and cast back by a Cast node, which onnxruntime folds at load:
    half the bytes on disk, the same fp32 values in memory. Others (random fixture weights) stay."""
    import numpy as np
    g = m.graph
    casts = initializers_to_fp16(g, lambda a: a.size >= min_size and np.array_equal(a.astype(np.float16).astype(np.float32), a))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)


def to_fp16_io(src, dst):
    """fp16 weights, past/present and logits; arithmetic stays fp32 inside (Casts at the edges)."""
    import onnx
    from onnx import TensorProto, helper
    m = onnx.load(src)
    g = m.graph
    new_nodes = initializers_to_fp16(g, lambda a: True)
    rename = {}
    for inp in g.input:
        if inp.type.tensor_type.elem_type == TensorProto.FLOAT:
            inp.type.tensor_type.elem_type = TensorProto.FLOAT16
            rename[inp.name] = inp.name + '_fp32'
            new_nodes.append(helper.make_node('Cast', [inp.name], [inp.name + '_fp32'], to=TensorProto.FLOAT,
                                              name='cast_in_' + inp.name))
    for node in g.node:
        for i, n in enumerate(node.input):
            if n in rename:
                node.input[i] = rename[n]
    tail = []
    for out in g.output:
        if out.type.tensor_type.elem_type == TensorProto.FLOAT:
            internal = out.name + '_fp32'
            for node in g.node:
                for i, n in enumerate(node.output):
                    if n == out.name:
                        node.output[i] = internal
                for i, n in enumerate(node.input):
                    if n == out.name:
                        node.input[i] = internal
            out.type.tensor_type.elem_type = TensorProto.FLOAT16
            tail.append(helper.make_node('Cast', [internal], [out.name], to=TensorProto.FLOAT16, name='cast_out_' + out.name))
    nodes = new_nodes + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def write_model_dir(model, tok, out, model_max_length, card=None, fp16=False, quantize=False, graph='torch'):
    c = model.config
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    cfg = c.hf_dict()
    cfg['head_dim'] = c.head_dim
    cfg['pad_token_id'] = tok.special['<|endoftext|>']
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    eot = tok.special['<|endoftext|>']
    with open(os.path.join(out, 'generation_config.json'), 'w') as f:
        json.dump({'bos_token_id': eot, 'eos_token_id': eot, 'pad_token_id': eot, 'do_sample': False,
                   'max_new_tokens': 64, 'transformers_version': '4.45.0'}, f, indent=2)
    tok.save(out, model_max_length)
    path = os.path.join(out, 'onnx', 'model.onnx')
    import onnx
    if graph == 'fused':
        from fused_graph import build_graph
        m = build_graph(model)
    else:
        export_onnx(model, path)
        m = onnx.load(path)
    if quantize:  # from the fp32 graph, before fp16 storage
        from quantize import quantize_model
        q = onnx.ModelProto()
        q.CopyFrom(m)
        quantize_model(q)
        store_fp16(q)
        onnx.save(q, os.path.join(out, 'onnx', 'model_quantized.onnx'))
    store_fp16(m)
    onnx.save(m, path)
    if fp16:
        to_fp16_io(path, os.path.join(out, 'onnx', 'model_fp16.onnx'))
    if card:
        with open(os.path.join(out, 'README.md'), 'w') as f:
            f.write(card)


def fixture_tokenizer(merges=700):
    """A small BPE trained on a fixed slice of the CPython standard library (PSF-2.0)."""
    files = sorted(glob.glob('/usr/lib/python3.11/*.py'))[:40]
    texts = [open(f, encoding='utf-8').read() for f in files]
    vocab, m = bpe.train(texts, merges)
    return bpe.Tokenizer(vocab, m)


FIXTURE_CARD = """# tiny-qwen2 (test fixture)

Random weights, Qwen2 architecture (2 layers, hidden 64, 4 attention heads, 2 key/value heads,
head_dim 16), byte-level BPE with {vocab} tokens including the FIM special tokens. It produces
nonsense on purpose: engine tests use it to check loading, KV caching, padding and fp16 I/O.

`onnx/model.onnx` is fp32; `onnx/model_fp16.onnx` takes and returns fp16 past/present/logits and
stores fp16 weights (arithmetic inside is fp32).

Regenerate: `/usr/bin/python3 tools/train/export.py --fixture --out test/fixtures/tiny-qwen2`
"""


FIXTURE_FUSED_CARD = """# tiny-qwen2-fused (test fixture)

tiny-qwen2's random weights and tokenizer ({vocab} tokens) in the fused graph that the embedded
model ships in (`--graph fused`): the same function, with the `step.{{i}}.key|value` outputs that
let Hearth keep the KV cache in slots. fp32 only.

Regenerate: `/usr/bin/python3 tools/train/export.py --fixture --graph fused --out test/fixtures/tiny-qwen2-fused`
"""


def build_fixture():
    """The test fixture: deterministic random weights and the tiny tokenizer."""
    tok = fixture_tokenizer()
    eot = tok.special['<|endoftext|>']
    c = Qwen2Config(vocab_size=tok.vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                    bos_token_id=eot, eos_token_id=eot)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(c)
    with torch.no_grad():  # larger than training init so that greedy outputs vary with the input
        for p in model.parameters():
            if p.dim() >= 2:
                p.normal_(0, 0.15)
    return model, tok


def load_checkpoint(path, max_position_embeddings=None):
    state = torch.load(path, map_location='cpu')
    c = Qwen2Config(**state['config'])
    if max_position_embeddings:
        c.max_position_embeddings = max_position_embeddings
    model = Qwen2ForCausalLM(c)
    model.load_state_dict(state['model'])
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt')
    ap.add_argument('--out', required=True)
    ap.add_argument('--fixture', action='store_true')
    ap.add_argument('--tokenizer', default=os.path.join(os.path.dirname(os.path.dirname(HERE)), 'models', 'hearth-coder',
                                                      'tokenizer.json'))
    ap.add_argument('--max-position-embeddings', type=int, default=None)
    ap.add_argument('--quantize', action='store_true',
                    help='also write onnx/model_quantized.onnx with 8-bit weights (quantize.py; shipped in sessions 4-5). '
                         'The shipped file is now gptq.py\'s, written after this')
    ap.add_argument('--graph', choices=('torch', 'fused'), default='torch',
                    help='torch: torch.onnx export of model.py; fused: fused_graph.py (fused onnxruntime kernels, same I/O)')
    ap.add_argument('--card', help='model card file to copy to README.md')
    ap.add_argument('--save-fp16', help='also write fp16 weights + config (no optimizer) to this .pt path')
    args = ap.parse_args()
    if args.fixture:
        model, tok = build_fixture()
        if args.graph == 'fused':  # the same weights in the fused graph, with step.* (fp32 only)
            write_model_dir(model, tok, args.out, 2048, FIXTURE_FUSED_CARD.format(vocab=tok.vocab_size), graph='fused')
        else:
            write_model_dir(model, tok, args.out, 2048, FIXTURE_CARD.format(vocab=tok.vocab_size), fp16=True)
    else:
        model = load_checkpoint(args.ckpt, args.max_position_embeddings)
        c = model.config
        tok = bpe.Tokenizer.from_tokenizer_json(args.tokenizer)
        card = open(args.card).read() if args.card else None
        if args.save_fp16:
            state = torch.load(args.ckpt, map_location='cpu')
            torch.save({'model': {k: v.half() for k, v in state['model'].items()}, 'config': state['config'],
                        'step': state['step'], 'tokens': state['tokens'], 'elapsed': state['elapsed']}, args.save_fp16)
        write_model_dir(model, tok, args.out, c.max_position_embeddings, card, quantize=args.quantize, graph=args.graph)
    print(f'wrote {args.out}: {sum(os.path.getsize(p) for p in glob.glob(os.path.join(args.out, "**"), recursive=True) if os.path.isfile(p))} bytes')


if __name__ == '__main__':
    main()
