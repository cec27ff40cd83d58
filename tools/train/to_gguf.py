#!/usr/bin/python3
"""Writes a GGUF file (llama.cpp's format) of a Hearth model, for llama.cpp as a benchmark peer on
the same weights.

  # from the torch checkpoint (fp16 weights), with the model folder's tokenizer:
  /usr/bin/python3 tools/train/to_gguf.py --ckpt checkpoints/hearth-coder/model_fp16.pt \
      --tokenizer models/hearth-coder --type f16 --out /tmp/hearth-coder-f16.gguf
  # from any ONNX model folder Hearth runs (config.json, tokenizer.json, onnx/model.onnx: the
  # fused graph of fused_graph.py or a torch export such as bench/make_scale_model.py writes):
  /usr/bin/python3 tools/train/to_gguf.py --onnx-dir bench/out/models/qwen2.5-coder-0.5b-shapes \
      --type q4_0 --out /tmp/scale-q4_0.gguf

  # check it against the ONNX model (llama.cpp through node-llama-cpp, a devDependency):
  node tools/train/check_gguf.mjs models/hearth-coder /tmp/hearth-coder-f16.gguf

Measured (node-llama-cpp 3.21.1): F16 and F32 from the checkpoint give the same greedy tokens as
onnx/model.onnx through onnxruntime (224 of 224 on 7 prompts, one of them FIM) and the same
token ids for 6 sample texts; the F16 written from the ONNX folder is byte-identical to the one
written from the checkpoint. Q8_0 kept 136 and Q4_0 54 of the 224 (rounding error, as expected).

--type: f32, f16, q8_0 or q4_0 (every 2-D weight, the tied embedding included, in that type:
llama.cpp's "pure" quantization; norms and biases stay F32). A folder's own tokenizer.json is used
unless --tokenizer names another folder.

What llama.cpp (through node-llama-cpp 3.21.1) needs, and this writes:
- GGUF v3, architecture `qwen2` with its hyper-parameters; tensor names blk.N.attn_q ... ;
  dimensions in ggml order (innermost first: numpy's shape reversed); data aligned to 32 bytes.
- Tied embeddings: no `output.weight` (llama.cpp then reads token_embd for the output).
- Tokenizer `gpt2` (byte-level BPE) with pre-tokenizer `qwen2` (the same split regex as Hearth's
  tokenizer.json), the vocabulary in id order padded to the embedding's rows, merges as "a b",
  special tokens as CONTROL, `add_bos_token` false, end-of-text as eos/pad, and the FIM ids
  (`tokenizer.ggml.fim_{pre,suf,mid,pad,rep,sep}_token_id`).
Hearth's tokenizer normalizes to NFC and llama.cpp does not: text already in NFC (all of the
benchmark's code) tokenizes identically; the peer test checks that.

Q8_0 and Q4_0 blocks are rounded as ggml's reference quantizers do (quantize_row_q8_0_ref,
quantize_row_q4_0_ref): 32 weights per block, an fp16 scale, round-half-away for Q8_0 and
truncation of x/d + 8.5 for Q4_0.
"""
import argparse
import json
import os
import re
import struct
import sys

import numpy as np

GGUF_MAGIC = b'GGUF'
GGUF_VERSION = 3
ALIGNMENT = 32

# gguf metadata value types
T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9
# ggml tensor types
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q8_0 = 0, 1, 2, 8
TYPES = {'f32': (GGML_F32, 0), 'f16': (GGML_F16, 1), 'q4_0': (GGML_Q4_0, 2), 'q8_0': (GGML_Q8_0, 7)}  # (tensor type, general.file_type)
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_USER_DEFINED, TOKEN_UNUSED = 1, 3, 4, 5
QK = 32


# ---------------------------------------------------------------- quantizers (ggml reference)

def quantize_q8_0(w):
    blocks = w.astype(np.float32).reshape(-1, QK)
    amax = np.abs(blocks).max(axis=1)
    d = amax / 127.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    x = blocks * inv[:, None]
    q = np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5)).astype(np.int8)  # C roundf
    out = np.empty(len(blocks), dtype=[('d', '<f2'), ('qs', 'i1', QK)])
    out['d'] = d.astype(np.float16)
    out['qs'] = q
    return out.tobytes()


def quantize_q4_0(w):
    blocks = w.astype(np.float32).reshape(-1, QK)
    idx = np.abs(blocks).argmax(axis=1)
    signed_max = blocks[np.arange(len(blocks)), idx]  # the value of largest magnitude, sign kept
    d = signed_max / -8.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    x = blocks * inv[:, None]
    q = np.minimum(15, (x + 8.5).astype(np.int8)).astype(np.uint8)  # (int8_t) truncates, as in C
    out = np.empty(len(blocks), dtype=[('d', '<f2'), ('qs', 'u1', QK // 2)])
    out['d'] = d.astype(np.float16)
    out['qs'] = q[:, :QK // 2] | (q[:, QK // 2:] << 4)  # low nibbles: weights 0..15, high: 16..31
    return out.tobytes()


def tensor_bytes(a, ggml_type):
    if ggml_type == GGML_F32:
        return a.astype('<f4').tobytes()
    if ggml_type == GGML_F16:
        return a.astype('<f2').tobytes()
    if ggml_type == GGML_Q8_0:
        return quantize_q8_0(a)
    if ggml_type == GGML_Q4_0:
        return quantize_q4_0(a)
    raise ValueError(ggml_type)


# ---------------------------------------------------------------- GGUF writer

class GGUFWriter:
    def __init__(self):
        self.kv = []       # (key, type, value[, element type])
        self.tensors = []  # (name, numpy shape, ggml type, bytes)

    def add(self, key, vtype, value, elem=None):
        self.kv.append((key, vtype, value, elem))

    def add_tensor(self, name, array, ggml_type):
        if ggml_type in (GGML_Q8_0, GGML_Q4_0) and array.shape[-1] % QK:
            raise ValueError(f'{name}: rows of {array.shape[-1]} are not a multiple of {QK}')
        self.tensors.append((name, array.shape, ggml_type, tensor_bytes(array, ggml_type)))

    @staticmethod
    def _string(s):
        b = s.encode('utf-8')
        return struct.pack('<Q', len(b)) + b

    def _value(self, vtype, value, elem):
        if vtype == T_UINT32:
            return struct.pack('<I', value)
        if vtype == T_INT32:
            return struct.pack('<i', value)
        if vtype == T_FLOAT32:
            return struct.pack('<f', value)
        if vtype == T_BOOL:
            return struct.pack('<B', 1 if value else 0)
        if vtype == T_STRING:
            return self._string(value)
        if vtype == T_ARRAY:
            head = struct.pack('<IQ', elem, len(value))
            if elem == T_INT32:
                return head + np.asarray(value, '<i4').tobytes()
            if elem == T_FLOAT32:
                return head + np.asarray(value, '<f4').tobytes()
            return head + b''.join(self._value(elem, v, None) for v in value)
        raise ValueError(vtype)

    def write(self, path):
        out = [GGUF_MAGIC, struct.pack('<IQQ', GGUF_VERSION, len(self.tensors), len(self.kv))]
        for key, vtype, value, elem in self.kv:
            out += [self._string(key), struct.pack('<I', vtype), self._value(vtype, value, elem)]
        offset = 0
        for name, shape, ggml_type, data in self.tensors:
            dims = list(shape)[::-1]  # ggml: ne[0] is the innermost (contiguous) dimension
            out += [self._string(name), struct.pack('<I', len(dims)), struct.pack(f'<{len(dims)}Q', *dims),
                    struct.pack('<IQ', ggml_type, offset)]
            offset += (len(data) + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
        header = b''.join(out)
        tmp = path + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(header)
            f.write(b'\0' * (-len(header) % ALIGNMENT))
            for _, _, _, data in self.tensors:
                f.write(data)
                f.write(b'\0' * (-len(data) % ALIGNMENT))
        os.replace(tmp, path)  # a half-written file never carries the final name


# ---------------------------------------------------------------- weights

def weights_from_checkpoint(path):
    """transformers-style names (model.layers.N.self_attn.q_proj.weight ...) -> fp32 arrays."""
    import torch
    ck = torch.load(path, map_location='cpu')
    sd = ck.get('model', ck)
    return {k: v.float().numpy() for k, v in sd.items()}, ck.get('config')


def weights_from_onnx(model_path):
    """The same names from an ONNX graph Hearth runs, fp32 copies of its initializers.

    Two layouts: fused_graph.py's (parameter-named initializers, q/k/v and gate/up concatenated,
    MatMul weights stored [in, out], fp32 weights kept as fp16 + Cast) and torch.onnx's export
    (MatMul weights renamed onnx::MatMul_N, found through the node names /model/layers.N/.../MatMul).
    """
    import onnx
    from onnx import numpy_helper
    m = onnx.load(model_path, load_external_data=True)
    g = m.graph
    arrays = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:  # torch.onnx sometimes keeps a parameter as a Constant node instead
        if n.op_type == 'Constant' and n.attribute and n.attribute[0].name == 'value':
            arrays[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        if n.op_type == 'Identity' and n.input[0] in arrays:  # its deduplication of equal parameters
            arrays[n.output[0]] = arrays[n.input[0]]
    alias = {}  # Cast/Transpose outputs that are just an initializer read another way
    for n in g.node:
        if n.op_type == 'Cast' and n.input[0] in arrays:
            alias[n.output[0]] = (n.input[0], False)
        if n.op_type == 'Transpose' and n.input[0] in arrays:
            alias[n.output[0]] = (n.input[0], True)

    def resolve(name):
        if name in arrays:
            return arrays[name].astype(np.float32)
        if name in alias:
            src, transposed = alias[name]
            a = arrays[src].astype(np.float32)
            return a.T if transposed else a
        return None

    def canonical(name):
        name = re.sub(r'_fp16$', '', name)
        while name.startswith('model.model.'):
            name = name[len('model.'):]
        return name

    fused_layout = any('qkv_proj' in name for name in arrays)
    w, fused = {}, {}
    for name in arrays:
        c = canonical(name)
        if not re.match(r'model\.(embed_tokens\.weight|norm\.weight|layers\.\d+\.\w+\.weight|layers\.\d+\.\w+\.\w+\.(weight|bias))$', c):
            continue
        a = arrays[name].astype(np.float32)
        if '.qkv_proj.' in c or '.gate_up_proj.' in c:
            fused[c] = a  # split by split_fused, once the config says how
        elif c.endswith('_proj.weight'):
            if fused_layout:
                w[c] = a.T  # fused_graph.py stores MatMul weights [in, out]
        else:
            w[c] = a
    # torch export: the parameter a MatMul / Add / Mul reads, named after the node's module path
    for n in g.node:
        mod = re.match(r'^/model/((?:layers\.\d+/)?[a-z_]+(?:/[a-z_]+)?)/(MatMul|Add|Mul_1|Mul|Gather)(?:_\d+)?$', n.name)
        if not mod:
            continue
        path = 'model.' + mod.group(1).replace('/', '.')
        for inp in n.input:
            a = resolve(inp)
            if a is None or a.ndim == 0 or a.size == 1:
                continue
            if n.op_type == 'MatMul' and path.endswith('_proj'):
                w.setdefault(path + '.weight', a.T)  # torch.onnx stores x @ W.T's W.T
            elif n.op_type == 'Add' and path.endswith('_proj') and a.ndim == 1:
                w.setdefault(path + '.bias', a)
            elif n.op_type == 'Mul' and path.endswith('norm') and a.ndim == 1:
                w.setdefault(path + '.weight', a)
            elif n.op_type == 'Gather' and path.endswith('embed_tokens') and a.ndim == 2:
                w.setdefault(path + '.weight', a)
    return w, fused


def split_fused(w, fused, c):
    """fused_graph.py's concatenations back into transformers' [out, in] matrices."""
    hd = c['hidden_size'] // c['num_attention_heads']
    widths = [c['num_attention_heads'] * hd, c['num_key_value_heads'] * hd, c['num_key_value_heads'] * hd]
    for name, a in fused.items():
        base = name.rsplit('.', 2)[0]  # model.layers.N.self_attn / .mlp
        if name.endswith('qkv_proj.weight'):
            parts = np.split(a.T, np.cumsum(widths)[:-1], axis=0)
            for p, k in zip(parts, 'qkv'):
                w[f'{base}.{k}_proj.weight'] = p
        elif name.endswith('qkv_proj.bias'):
            for p, k in zip(np.split(a, np.cumsum(widths)[:-1]), 'qkv'):
                w[f'{base}.{k}_proj.bias'] = p
        elif name.endswith('gate_up_proj.weight'):
            gate, up = np.split(a.T, 2, axis=0)
            w[f'{base}.gate_proj.weight'], w[f'{base}.up_proj.weight'] = gate, up


# ---------------------------------------------------------------- tokenizer

def tokenizer_fields(tok_dir, n_vocab):
    t = json.load(open(os.path.join(tok_dir, 'tokenizer.json'), encoding='utf-8'))
    model = t['model']
    if model.get('type') != 'BPE':
        raise SystemExit(f'{tok_dir}: only byte-level BPE tokenizers are supported')
    by_id = {i: s for s, i in model['vocab'].items()}
    types = {i: TOKEN_NORMAL for i in by_id}
    for a in t.get('added_tokens', []):
        by_id[a['id']] = a['content']
        types[a['id']] = TOKEN_CONTROL if a.get('special') else TOKEN_USER_DEFINED
    if max(by_id) >= n_vocab:
        raise SystemExit(f'tokenizer has id {max(by_id)} but the embedding has {n_vocab} rows')
    tokens, token_types = [], []
    for i in range(n_vocab):  # rows the tokenizer never produces get placeholder names, as convert_hf_to_gguf does
        tokens.append(by_id.get(i, f'[PAD{i}]'))
        token_types.append(types.get(i, TOKEN_UNUSED))
    merges = [m if isinstance(m, str) else ' '.join(m) for m in model.get('merges', [])]
    ids = {s: i for i, s in by_id.items()}
    return tokens, token_types, merges, ids


# ---------------------------------------------------------------- main

def load_config(args):
    if args.ckpt:
        w, ck_config = weights_from_checkpoint(args.ckpt)
        tok = args.tokenizer or 'models/hearth-coder'
        c = ck_config if isinstance(ck_config, dict) else json.load(open(os.path.join(tok, 'config.json')))
        return w, c, tok
    model_path = os.path.join(args.onnx_dir, 'onnx', args.onnx_file)
    c = json.load(open(os.path.join(args.onnx_dir, 'config.json')))
    w, fused = weights_from_onnx(model_path)
    split_fused(w, fused, c)
    return w, c, args.tokenizer or args.onnx_dir


def build(args):
    w, c, tok_dir = load_config(args)
    ggml_type, file_type = TYPES[args.type]
    n_layers = c['num_hidden_layers']
    emb = w['model.embed_tokens.weight']
    n_vocab = emb.shape[0]
    if not c.get('tie_word_embeddings', True) or 'lm_head.weight' in w and not np.array_equal(w['lm_head.weight'], emb):
        raise SystemExit('only tied input/output embeddings are supported (Hearth and Qwen2.5-Coder-0.5B tie them)')
    hd = c.get('head_dim') or c['hidden_size'] // c['num_attention_heads']

    g = GGUFWriter()
    g.add('general.architecture', T_STRING, 'qwen2')
    g.add('general.name', T_STRING, args.name or os.path.basename(os.path.normpath(args.onnx_dir or tok_dir)))
    g.add('general.file_type', T_UINT32, file_type)
    g.add('general.alignment', T_UINT32, ALIGNMENT)
    g.add('qwen2.context_length', T_UINT32, c['max_position_embeddings'])
    g.add('qwen2.embedding_length', T_UINT32, c['hidden_size'])
    g.add('qwen2.block_count', T_UINT32, n_layers)
    g.add('qwen2.feed_forward_length', T_UINT32, c['intermediate_size'])
    g.add('qwen2.attention.head_count', T_UINT32, c['num_attention_heads'])
    g.add('qwen2.attention.head_count_kv', T_UINT32, c['num_key_value_heads'])
    g.add('qwen2.attention.key_length', T_UINT32, hd)
    g.add('qwen2.attention.value_length', T_UINT32, hd)
    g.add('qwen2.rope.freq_base', T_FLOAT32, float(c['rope_theta']))
    g.add('qwen2.attention.layer_norm_rms_epsilon', T_FLOAT32, float(c['rms_norm_eps']))

    tokens, token_types, merges, ids = tokenizer_fields(tok_dir, n_vocab)
    g.add('tokenizer.ggml.model', T_STRING, 'gpt2')
    g.add('tokenizer.ggml.pre', T_STRING, 'qwen2')
    g.add('tokenizer.ggml.tokens', T_ARRAY, tokens, T_STRING)
    g.add('tokenizer.ggml.token_type', T_ARRAY, token_types, T_INT32)
    g.add('tokenizer.ggml.merges', T_ARRAY, merges, T_STRING)
    eos = c.get('eos_token_id', ids.get('<|endoftext|>'))
    g.add('tokenizer.ggml.eos_token_id', T_UINT32, eos)
    g.add('tokenizer.ggml.bos_token_id', T_UINT32, c.get('bos_token_id', eos))
    g.add('tokenizer.ggml.padding_token_id', T_UINT32, c.get('pad_token_id', eos))
    g.add('tokenizer.ggml.add_bos_token', T_BOOL, False)
    g.add('tokenizer.ggml.add_eos_token', T_BOOL, False)
    for key, text in (('fim_pre', '<|fim_prefix|>'), ('fim_suf', '<|fim_suffix|>'), ('fim_mid', '<|fim_middle|>'),
                      ('fim_pad', '<|fim_pad|>'), ('fim_rep', '<|repo_name|>'), ('fim_sep', '<|file_sep|>')):
        if text in ids:
            g.add(f'tokenizer.ggml.{key}_token_id', T_UINT32, ids[text])

    def matrix(name):
        return ggml_type  # every 2-D weight in the chosen type ("pure"), as the docstring says

    g.add_tensor('token_embd.weight', emb, matrix('token_embd'))
    for i in range(n_layers):
        p = f'model.layers.{i}.'
        b = f'blk.{i}.'
        g.add_tensor(b + 'attn_norm.weight', w[p + 'input_layernorm.weight'], GGML_F32)
        for ours, theirs in (('q', 'attn_q'), ('k', 'attn_k'), ('v', 'attn_v')):
            g.add_tensor(f'{b}{theirs}.weight', w[f'{p}self_attn.{ours}_proj.weight'], matrix(theirs))
            g.add_tensor(f'{b}{theirs}.bias', w[f'{p}self_attn.{ours}_proj.bias'], GGML_F32)
        g.add_tensor(b + 'attn_output.weight', w[p + 'self_attn.o_proj.weight'], matrix('attn_output'))
        g.add_tensor(b + 'ffn_norm.weight', w[p + 'post_attention_layernorm.weight'], GGML_F32)
        g.add_tensor(b + 'ffn_gate.weight', w[p + 'mlp.gate_proj.weight'], matrix('ffn_gate'))
        g.add_tensor(b + 'ffn_up.weight', w[p + 'mlp.up_proj.weight'], matrix('ffn_up'))
        g.add_tensor(b + 'ffn_down.weight', w[p + 'mlp.down_proj.weight'], matrix('ffn_down'))
    g.add_tensor('output_norm.weight', w['model.norm.weight'], GGML_F32)
    return g


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--ckpt', help='torch checkpoint (train.py / model_fp16.pt)')
    src.add_argument('--onnx-dir', help='model folder with config.json, tokenizer.json and onnx/')
    ap.add_argument('--onnx-file', default='model.onnx', help='file under onnx/ (an fp32 graph)')
    ap.add_argument('--tokenizer', help='folder with tokenizer.json (and config.json for --ckpt)')
    ap.add_argument('--type', choices=sorted(TYPES), default='f16')
    ap.add_argument('--name', help='general.name (default: the folder name)')
    ap.add_argument('--out', required=True)
    args = ap.parse_args(argv)
    g = build(args)
    g.write(args.out)
    print(f'wrote {args.out}: {len(g.tensors)} tensors, {args.type}, {os.path.getsize(args.out) / 1e6:.1f} MB')


if __name__ == '__main__':
    sys.exit(main())
