"""Adds `num_logits_to_keep` to a decoder graph: logits for the last N positions only.

  keep_logits.py models/hearth-coder/onnx/model.onnx [more.onnx ...]     # rewrites each file in place

A prefill of P tokens needs the next token's logits only, yet a graph without this input computes
the tied lm_head for every position ([P, hidden] x [hidden, vocab]) and onnxruntime-node copies all
P x vocab floats out. The input (int64 scalar, Optimum's name, which Hearth and transformers.js
feed where a graph has it) slices the final norm's output to its last N positions before lm_head,
so the logits kept are computed exactly as before; weights and every other node stay as they are.
fused_graph.py builds its graphs with it; this rewrites a file exported before that.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NAME = 'num_logits_to_keep'


def add_logits_to_keep(model):
    """Inserts the slice before the node that writes `logits`. Returns False where the input is there already."""
    g = model.graph
    if any(i.name == NAME for i in g.input):
        return False
    head = [n for n in g.node if 'logits' in n.output]
    if len(head) != 1 or head[0].op_type not in ('MatMul', 'MatMulNBits', 'MatMulInteger', 'Gemm'):
        raise SystemExit('keep_logits: no single MatMul writes `logits`; not a graph this knows')
    head = head[0]
    hidden = head.input[0]
    g.input.append(helper.make_tensor_value_info(NAME, TensorProto.INT64, []))
    g.initializer.extend([numpy_helper.from_array(np.array([0], np.int64), 'keep_unsqueeze_axes'),
                          numpy_helper.from_array(np.array([np.iinfo(np.int64).max], np.int64), 'keep_end'),
                          numpy_helper.from_array(np.array([1], np.int64), 'keep_sequence_axis')])
    # Slice(hidden, -N, end) along the sequence axis: N larger than the sequence keeps it all.
    nodes = [helper.make_node('Neg', [NAME], ['keep_start_scalar'], name='keep_start_scalar'),
             helper.make_node('Unsqueeze', ['keep_start_scalar', 'keep_unsqueeze_axes'], ['keep_start'], name='keep_start'),
             helper.make_node('Slice', [hidden, 'keep_start', 'keep_end', 'keep_sequence_axis'], [hidden + '_kept'], name=hidden + '_kept')]
    at = list(g.node).index(head)
    head.input[0] = hidden + '_kept'
    for k, node in enumerate(nodes):
        g.node.insert(at + k, node)
    return True


def main():
    for path in sys.argv[1:]:
        model = onnx.load(path)
        if add_logits_to_keep(model):
            onnx.save(model, path)
            print(f'{path}: {NAME} added')
        else:
            print(f'{path}: has {NAME} already')


if __name__ == '__main__':
    main()
