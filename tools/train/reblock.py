#!/usr/bin/python3
"""Rounds a quantized file's MatMulNBits of one width again from the fp32 weights, with another block.

  reblock.py models/hearth-coder/onnx/model_quantized.onnx models/hearth-coder/onnx/model.onnx OUT.onnx \
      [--bits 8] [--block 128]

Every MatMulNBits node of `--bits` in the quantized file gets its weights rounded anew (symmetric,
one fp32 scale per `--block` weights along K, quantize.quantize_matrix) from the same MatMul's
weights in the fp32 file; every other node, the GPTQ-chosen 4-bit ones included, stays byte for
byte. Written for the shipped CPU file, whose 8-bit attention projections are plain rounding:
one scale per 128 weights makes a decode step cheaper (fewer scales to read and apply) where
8 bits leave the rounding error small either way. Run split_attention.py on the output for its
slots-only sibling.
"""
import argparse

import numpy as np
import onnx
from onnx import helper, numpy_helper

from onnx_io import save
from quantize import constants, quantize_matrix


def fp32_weights(model):
    """{MatMul output name: its constant weight [K, N] as fp32}, read as quantize_model reads them
    (through fp16-storing Casts and the tied lm_head's Transpose)."""
    constant, _ = constants(model.graph)
    weights = {n.output[0]: constant(n.input[1]) for n in model.graph.node if n.op_type == 'MatMul'}
    return {name: w.astype(np.float32) for name, w in weights.items() if w is not None}


def reblock(quantized, fp32, bits, block):
    weights = fp32_weights(fp32)
    inits = {i.name: i for i in quantized.graph.initializer}
    done = 0
    for n in quantized.graph.node:
        if n.op_type != 'MatMulNBits':
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if attrs['bits'] != bits:
            continue
        w = weights.get(n.output[0])
        if w is None or w.shape != (attrs['K'], attrs['N']):
            raise SystemExit(f'reblock: no fp32 weight [{attrs["K"]}, {attrs["N"]}] for {n.output[0]}')
        if attrs['K'] % block:
            raise SystemExit(f'reblock: K = {attrs["K"]} of {n.name} is not a multiple of {block}')
        q, s = quantize_matrix(w, bits, block)
        for name, array in ((n.input[1], q), (n.input[2], s)):
            inits[name].CopyFrom(numpy_helper.from_array(array, name))
        for a in n.attribute:
            if a.name == 'block_size':
                a.i = block
        done += 1
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('quantized')
    ap.add_argument('fp32')
    ap.add_argument('out')
    ap.add_argument('--bits', type=int, default=8, choices=(4, 8))
    ap.add_argument('--block', type=int, default=128)
    args = ap.parse_args()
    quantized = onnx.load(args.quantized)
    count = reblock(quantized, onnx.load(args.fp32), args.bits, args.block)
    save(quantized, args.out)
    print(f'{args.out}: {count} MatMulNBits at {args.bits} bits rounded again with blocks of {args.block}')


if __name__ == '__main__':
    main()
