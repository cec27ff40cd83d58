"""Keeps a decoder graph's KV cache in fp16: the arithmetic stays as it is, only the cache crosses.

  kv_fp16.py FILE.onnx [FILE.onnx ...]      rewrites each file in place

Every float32 cache input (`past_key_values.*`, `shared_key_values.*`) becomes float16 and is cast
to float32 where the graph reads it; every float32 cache output (`present.*`, `step.*`) is cast to
float16 as it leaves. What the attention computes is unchanged; the cache Hearth keeps between
steps, and reads at every step, is half the bytes (as llama.cpp keeps an F16 cache). A decode step
after ~1,000 cached tokens reads about 10 MB of fp32 cache past 20 MB of weights; in fp16 the step
took 0.79-0.90x the time (docs/llama-cpp-peer.md). Applied to the embedded CPU file and its
slots-only sibling (`split_attention.py` keeps the cache type of the file it splits). A file whose
cache is already float16 is left as it is.
"""
import sys

import onnx
from onnx import TensorProto, helper

from onnx_io import save

INPUTS = ('past_key_values.', 'shared_key_values.')
OUTPUTS = ('present.', 'step.')
WIDE = '.f32'  # suffix of the float32 tensor beside each float16 cache tensor


def _rename_uses(graph, old, new):
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new


def _rename_outputs(graph, old, new):
    for node in graph.node:
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
    for info in graph.value_info:
        if info.name == old:
            info.name = new


def _cache_inputs(graph, elem_type):
    return [i for i in graph.input if i.name.startswith(INPUTS) and i.type.tensor_type.elem_type == elem_type]


def _cache_outputs(graph, elem_type):
    return [o for o in graph.output if o.name.startswith(OUTPUTS) and o.type.tensor_type.elem_type == elem_type]


def is_fp16_cache(model):
    """Whether the cache inputs are float16 with the casts this module writes after them."""
    g = model.graph
    casts = {n.output[0] for n in g.node if n.op_type == 'Cast'}
    half = _cache_inputs(g, TensorProto.FLOAT16)
    return bool(half) and all(i.name + WIDE in casts for i in half)


def to_fp16_cache(model):
    """Casts the float32 cache inputs and outputs of `model` to float16 (in place); returns how many."""
    g = model.graph
    before, after = [], []
    inputs, outputs = _cache_inputs(g, TensorProto.FLOAT), _cache_outputs(g, TensorProto.FLOAT)
    for i in inputs:
        _rename_uses(g, i.name, i.name + WIDE)
        i.type.tensor_type.elem_type = TensorProto.FLOAT16
        before.append(helper.make_node('Cast', [i.name], [i.name + WIDE], name=i.name + '_to_f32', to=TensorProto.FLOAT))
    for o in outputs:
        _rename_outputs(g, o.name, o.name + WIDE)
        _rename_uses(g, o.name, o.name + WIDE)
        o.type.tensor_type.elem_type = TensorProto.FLOAT16
        after.append(helper.make_node('Cast', [o.name + WIDE], [o.name], name=o.name + '_to_f16', to=TensorProto.FLOAT16))
    nodes = before + list(g.node) + after
    del g.node[:]
    g.node.extend(nodes)
    return len(inputs) + len(outputs)


def to_fp32_cache(model):
    """Undoes `to_fp16_cache` (in place): the casts go, the cache inputs and outputs are float32 again."""
    g = model.graph
    inputs = {i.name for i in _cache_inputs(g, TensorProto.FLOAT16)}
    outputs = {o.name for o in _cache_outputs(g, TensorProto.FLOAT16)}
    kept = []
    for n in g.node:
        if n.op_type == 'Cast' and n.input[0] in inputs and n.output[0] == n.input[0] + WIDE:
            _rename_uses(g, n.output[0], n.input[0])
        elif n.op_type == 'Cast' and n.output[0] in outputs and n.input[0] == n.output[0] + WIDE:
            _rename_outputs(g, n.input[0], n.output[0])
            _rename_uses(g, n.input[0], n.output[0])
        else:
            kept.append(n)
    del g.node[:]
    g.node.extend(kept)
    for t in list(g.input) + list(g.output):
        if t.name in inputs or t.name in outputs:
            t.type.tensor_type.elem_type = TensorProto.FLOAT
    return len(inputs) + len(outputs)


def rewrite(path):
    model = onnx.load(path)
    if is_fp16_cache(model):
        return f'{path}: the cache is already float16'
    count = to_fp16_cache(model)
    if count == 0:
        raise SystemExit(f'kv_fp16: {path} has no float32 past_key_values/present inputs or outputs')
    save(model, path)
    return f'{path}: {count} cache inputs and outputs in float16'


if __name__ == '__main__':
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for file in sys.argv[1:]:
        print(rewrite(file))
