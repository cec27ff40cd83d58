#!/usr/bin/python3
"""Int8-weight variant of an exported model: onnx/model.onnx -> onnx/model_quantized.onnx.

  quantize.py models/hearth-coder [--bits 8|4] [--mlp-bits 4] [--block 32] [--accuracy 4|0]
              [--dynamic _qkv_nobias,_gate_up,logits] [--out F]

Every MatMul whose weight is a constant [K, N] matrix (the projections, the MLP and the tied
lm_head; stored as fp32, or as fp16 behind a Cast) becomes com.microsoft MatMulNBits: weights in blocks of --block along K, one fp32 scale
per block, symmetric (zero point 2^(bits-1)). Activations and arithmetic stay fp32
(accuracy_level 0) or are quantized to int8 (accuracy_level 4, the default). Decoding on CPU is
memory-bound, so reading a quarter of the bytes per token is what makes it faster.

Measured on hearth-coder v1 in the fused graph (export.py --graph fused; 2-core machine, 64-token
prompt, 256 greedy steps, bench_decode.mjs, 3 interleaved runs; pass@1 from `hearth bench quality`
with the editor's 4-line search, 1,033 tasks), against fp32 (147-174 tokens/s on one thread,
203-260 on two; pass@1 13.6%):
  8 bits, accuracy_level 4 (shipped as models/hearth-coder/onnx/model_quantized.onnx in sessions 4-5;
  since session 6 that file is gptq.py's: 4-bit MLP and lm_head by GPTQ, 8-bit attention):
    258-427 tokens/s on one thread across sessions (this machine's speed drifts), 233-492 on two;
    pass@1 13.6%, exact match 12.7%, edit similarity 0.361 (fp32: 13.6%, 12.4%, 0.359). Its
    KV-cached logits differ from full recomputation by up to 0.89 over 32 steps (fp32: 6.5e-5):
    MatMulNBits itself is row-exact (1 row vs 7/16/31/64 rows: 0 difference), but a value that
    moves by fp32 rounding in the attention (one query row vs many) can cross an int8 rounding
    step, and the difference grows through the layers. Along fp32's greedy path its top token is
    fp32's at 29 of 32 steps; transformers.js (dtype q8) decodes it token for token as Hearth does.
  8 bits with the MLP at 4 bits (--mlp-bits 4), accuracy_level 4: 21.7 MB, 10-25% faster than 8
    bits (289-321 vs 246-272 tokens/s, one thread, same minutes), pass@1 11.8%, exact match 11.5%:
    not worth 1.8 points.
  4 bits, accuracy_level 4: pass@1 8.9%; cached != full (0.30)
  --dynamic (session 5, NOT shipped): the MatMuls whose output name ends with one of the given
    suffixes become com.microsoft DynamicQuantizeMatMul instead: int8 weights with one scale per
    output column, activations quantized at run time to uint8 with ONE scale for the whole tensor,
    multiplied by MLAS's int8 GEMM. One row costs what MatMulNBits costs, but each further row
    fed in the same step costs far less (decode step after a 64-token prompt, ms, 3 runs,
    rows 1/3/5/8: MatMulNBits 1.70-2.05 / 2.48-2.76 / 3.51-3.61 / 4.49-4.57; all MatMuls dynamic
    1.59-1.82 / 1.93-2.09 / 2.16-2.35 / 2.46-2.78). Prefill of 1,024 tokens: 580 ms -> 399 ms.
    But rows share a scale, so a row's result depends on the rows beside it: cached and full
    passes, and drafted and one-token steps, no longer agree row for row.
      all 41 MatMuls: pass@1 13.6%, exact match 11.5%, edit similarity 0.348 (MatMulNBits, same
        code: 13.8%, 12.5%, 0.356); drafts give 1.26x on real completions but 14 of 24 texts
        differ from one-token steps (MatMulNBits: 23 of 24 the same).
      q/k/v, gate/up and lm_head (whose inputs come out of an RMSNorm): pass@1 13.6%, exact match
        12.5%, edit similarity 0.351 (11 tasks pass only with MatMulNBits, 9 only with this);
        prefill of 1,024 tokens 454 ms; keystroke replay p50 52.0 ms vs 61.4, p95 200 vs 257, search
        of 4 p50 215 vs 227 ms (one run each). Its cached vs full logits differ by up to 2.18 over 32
        steps (MatMulNBits: 0.89), past embeddedModel.test.ts's bound of 2. Left out: a little
        faster, a little worse on two of three quality figures, and no longer row-exact.
  (torch-graph export, earlier: 8 bits accuracy_level 0 exact but 27 tokens/s, no fast CPU
    kernel; 4 bits accuracy_level 0 exact, pass@1 6.5%)
"""
import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

from onnx_io import save


def quantize_matrix(w, bits, block):
    """w [K, N] fp32 -> (packed uint8 [N, K/block, block*bits/8], scales fp32 [N * K/block])."""
    k, n = w.shape
    pad = (-k) % block
    wt = np.pad(w.T.astype(np.float32), ((0, 0), (0, pad)))  # [N, Kp]
    blocks = wt.reshape(n, -1, block)
    qmax = 2 ** (bits - 1) - 1
    scale = np.abs(blocks).max(axis=2) / qmax
    scale[scale == 0] = 1.0
    codes = np.clip(np.round(blocks / scale[..., None]), -qmax - 1, qmax).reshape(n, -1)
    return pack_codes(codes, scale, bits, block)


def pack_codes(codes, scales, bits, block):
    """Codes [N, K] (signed, -2^(bits-1)..2^(bits-1)-1; K a multiple of block) and scales
    [N, K/block] -> MatMulNBits' (B uint8 [N, K/block, block*bits/8], scales fp32 [N * K/block]).
    quantize_matrix rounds its own; gptq.py chooses them elsewhere."""
    n, k = codes.shape
    assert k % block == 0 and scales.shape == (n, k // block), (codes.shape, scales.shape)
    q = (codes.astype(np.int32) + 2 ** (bits - 1)).astype(np.uint8).reshape(n, k // block, block)
    if bits == 4:
        q = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    return q, scales.astype(np.float32).reshape(-1)


def unpack_codes(m):
    """{MatMulNBits output name: (codes [N, K] signed, scales [N, K/block], bits)} of a quantized
    graph: what pack_codes stored, read back (gptq.py checks its file with it)."""
    inits = {i.name: i for i in m.graph.initializer}
    out = {}
    for n in m.graph.node:
        if n.op_type != 'MatMulNBits':
            continue
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        bits, block, k, nn = a['bits'], a['block_size'], a['K'], a['N']
        q = numpy_helper.to_array(inits[n.input[1]]).reshape(nn, -1)
        if bits == 4:
            q = np.stack([q & 15, q >> 4], axis=-1).reshape(nn, -1)
        codes = q[:, :k].astype(np.int32) - 2 ** (bits - 1)
        scales = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32).reshape(nn, -1)
        out[n.output[0]] = (codes, scales, bits)
    return out


def quantize_columns(w):
    """w [K, N] fp32 -> (int8 [K, N], fp32 scales [N]): one symmetric scale per output column."""
    scale = np.abs(w).max(axis=0) / 127
    scale[scale == 0] = 1.0
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale.astype(np.float32)


def constants(g):
    """(constant, derived) for graph `g`: constant(name) is the value of an initializer, or of a Cast
    to fp32 or a Transpose of one (or of such: export.store_fp16, export.share_tied_embedding), else
    None; derived maps those Cast/Transpose nodes by output name."""
    inits = {i.name: i for i in g.initializer}
    derived = {n.output[0]: n for n in g.node if n.op_type in ('Cast', 'Transpose') and n.input[0] in inits}
    derived.update({n.output[0]: n for n in g.node if n.op_type in ('Cast', 'Transpose') and n.input[0] in derived})

    def constant(name):
        if name in inits:
            return numpy_helper.to_array(inits[name])
        n = derived.get(name)
        if n is None:
            return None
        a = constant(n.input[0])
        return a.astype(np.float32) if n.op_type == 'Cast' else a.T

    return constant, derived


def quantize_model(m, bits=8, block=32, accuracy=4, mlp_bits=None, dynamic=(), fixed=None):
    """Turns the graph `m` into its MatMulNBits variant, in place. Weights are found as constant
    [K, N] initializers, also where they are read through a Cast (export.store_fp16) or a Transpose
    (the tied lm_head, export.share_tied_embedding). `mlp_bits`: another width for the MLP's
    MatMuls (fused_graph.py's l{i}_gate_up and l{i}_mlp_out), the largest share of the weights.
    `dynamic`: output-name suffixes of MatMuls that become DynamicQuantizeMatMul instead (per-column
    int8 weights, per-tensor int8 activations; see the module docstring). `fixed`: {weight name:
    (codes [N, K], scales [N, K/block], bits)} chosen elsewhere (gptq.py), used as they are for the
    MatMuls that read that weight. Returns how many MatMuls it replaced."""
    fixed = fixed or {}
    g = m.graph
    constant, derived = constants(g)
    nodes, new_inits = [], []
    count = 0
    for n in g.node:
        w = constant(n.input[1]) if n.op_type == 'MatMul' else None
        if w is None or w.ndim != 2:
            nodes.append(n)
            continue
        k, nn = w.shape
        if n.output[0].endswith(tuple(dynamic)):
            q, s = quantize_columns(w)
            name = f'{n.name or n.input[1]}_dq8'
            new_inits += [numpy_helper.from_array(q, name + '_B'), numpy_helper.from_array(s, name + '_scales'),
                          numpy_helper.from_array(np.zeros(nn, np.int8), name + '_zero')]
            nodes.append(helper.make_node('DynamicQuantizeMatMul', [n.input[0], name + '_B', name + '_scales', name + '_zero'],
                                          list(n.output), name=name, domain='com.microsoft'))
            count += 1
            continue
        width = mlp_bits if mlp_bits and n.output[0].endswith(('_gate_up', '_mlp_out')) else bits
        if n.input[1] in fixed:
            codes, scales, width = fixed.pop(n.input[1])
            assert codes.shape == (nn, k), (n.input[1], codes.shape, w.shape)
            q, s = pack_codes(codes, scales, width, block)
        else:
            q, s = quantize_matrix(w, width, block)
        name = f'{n.name or n.input[1]}_q{width}'
        new_inits += [numpy_helper.from_array(q, name + '_B'), numpy_helper.from_array(s, name + '_scales')]
        nodes.append(helper.make_node('MatMulNBits', [n.input[0], name + '_B', name + '_scales'], list(n.output),
                                      name=name, domain='com.microsoft', K=k, N=nn, bits=width,
                                      block_size=block, accuracy_level=accuracy))
        count += 1
    assert not fixed, f'no MatMul reads {sorted(fixed)}'
    # Drop what only the replaced MatMuls read: their Cast/Transpose nodes, then the initializers.
    outputs = {o.name for o in g.output}
    while True:
        read = {i for n in nodes for i in n.input} | outputs
        unread = [n for n in nodes if n.output[0] in derived and n.output[0] not in read]
        if not unread:
            break
        nodes = [n for n in nodes if n not in unread]
    read = {i for n in nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in read]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    if not any(o.domain == 'com.microsoft' for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model_dir')
    ap.add_argument('--bits', type=int, default=8, choices=(4, 8))
    ap.add_argument('--block', type=int, default=32)
    ap.add_argument('--accuracy', type=int, default=4,
                    help='MatMulNBits accuracy_level: 4 quantizes activations to int8 per row and block (fast), 0 keeps them fp32')
    ap.add_argument('--mlp-bits', type=int, choices=(4, 8), help='another width for the MLP MatMuls (default: --bits)')
    ap.add_argument('--dynamic', default='',
                    help='comma-separated output-name suffixes of MatMuls to make DynamicQuantizeMatMul (see above)')
    ap.add_argument('--out', help='default: onnx/model_quantized.onnx (8 bits) or onnx/model_q4.onnx (4 bits)')
    args = ap.parse_args()
    src = os.path.join(args.model_dir, 'onnx', 'model.onnx')
    dst = args.out or os.path.join(args.model_dir, 'onnx', 'model_quantized.onnx' if args.bits == 8 else 'model_q4.onnx')
    m = onnx.load(src)
    count = quantize_model(m, args.bits, args.block, args.accuracy, args.mlp_bits,
                           [d for d in args.dynamic.split(',') if d])
    save(m, dst)
    size = sum(os.path.getsize(f) for f in (dst, dst + '_data') if os.path.exists(f))
    dynamic = f', DynamicQuantizeMatMul for *{args.dynamic}' if args.dynamic else ''
    print(f'{dst}: {count} MatMuls quantized (MatMulNBits {args.bits} bits, block {args.block}{dynamic}), '
          f'{size / 1e6:.1f} MB (fp32 {os.path.getsize(src) / 1e6:.1f} MB)')


if __name__ == '__main__':
    main()
