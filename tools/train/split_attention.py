"""Writes a slots-only copy of a fused decoder graph: attention that reads the cache where it is.

  split_attention.py models/hearth-coder/onnx/model_quantized.onnx OUT.onnx

Shipped beside the CPU file as models/hearth-coder/onnx/model_quantized_slots.onnx, which Hearth opens
for its steps of a few tokens (docs/engine.md, "The slots-only graph"); gptq.py writes it again
after the file it was made from. onnxruntime's CPU
Attention kernel refuses a past without a present output, and a graph output is computed on every
run whether fetched or not, so every decode step copies the whole cache into present.*. This graph
replaces each Attention node (opset 23, grouped-query) with the same arithmetic spelled out: the
scaled scores against the past keys as they are (FusedMatMul with transB), against this step's keys,
one softmax over both with the padding bias and the causal mask of this step's rows, and the
weighted sums of the past and this step's values. It has no present.* outputs, only logits and the
step.{i}.key|value outputs that Hearth's cache slots take, so it is not a Hugging Face layout file
(transformers.js and Hearth's present.* path cannot load it). Same function: logits within 1e-4 of
the original fp32 graph, chunked or step by step.

It also takes a prefix that every row of a batch shares, `shared_key_values.{i}.key|value`
([1, kv_heads, shared_sequence_length, head_dim]; the attention mask's first columns, each row's own
past after them): every row's queries meet the shared keys in one product per kv head, so a line
search's rows attend to the prompt without a copy of it each, reading it once a step. A single
sequence feeds its cache there and an empty past of its own.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from kv_fp16 import is_fp16_cache, to_fp16_cache, to_fp32_cache
from onnx_io import save

MS = 'com.microsoft'
PAST, SHARED = 'past_key_values.', 'shared_key_values.'
# Added to the scores of keys a later position of the same step may not see (fused_graph.PAD_BIAS).
FUTURE_BIAS = -1e9


class Rewrite:
    def __init__(self):
        self.nodes, self.inits, self.shared, self.consts = [], [], {}, set()

    def const(self, name, array):
        if name not in self.consts:
            self.inits.append(numpy_helper.from_array(array, name))
            self.consts.add(name)
        return name

    def node(self, op, inputs, outputs, domain=None, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=outputs[0] + '_node', **({'domain': domain} if domain else {}), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def step_bias(self, pad_bias, rows_per_kv):
        """[batch, 1, rows_per_kv * seq, past + seq]: the padding bias plus the causal mask of this
        step's rows (row s sees past + s + 1 keys), repeated for the query heads of each kv head."""
        if 'bias' in self.shared:
            return self.shared['bias']
        seq = self.node('Shape', ['input_ids'], ['sa_seq'], start=1, end=2)
        total = self.node('Shape', ['attention_mask'], ['sa_total'], start=1, end=2)
        past = self.node('Sub', [total, seq], ['sa_past'])
        scalar = lambda t: self.node('Squeeze', [t, self.const(t + '_axes', np.array([0], np.int64))], [t + '_scalar'])  # noqa: E731
        one = self.const('sa_one', np.array(1, np.int64))
        total_scalar = scalar(total)
        columns = self.node('Range', [self.const('sa_zero', np.array(0, np.int64)), total_scalar, one], ['sa_columns'])
        rows = self.node('Range', [scalar(past), total_scalar, one], ['sa_rows'])
        rows = self.node('Unsqueeze', [rows, self.const('sa_rows_axes', np.array([1], np.int64))], ['sa_rows_column'])
        future = self.node('Cast', [self.node('Greater', [columns, rows], ['sa_future'])], ['sa_future_f32'], to=TensorProto.FLOAT)
        causal = self.node('Mul', [future, self.const('sa_future_bias', np.array(FUTURE_BIAS, np.float32))], ['sa_causal'])
        bias = self.node('Add', [pad_bias, causal], ['sa_bias'])
        self.shared['bias'] = self.node('Tile', [bias, self.const('sa_bias_repeats', np.array([1, 1, rows_per_kv, 1], np.int64))], ['sa_bias_rows'])
        # The mask's columns: the shared prefix's positions, each row's own past, this step's.
        prefix = self.node('Shape', [SHARED + '0.key'], ['sa_prefix'], start=2, end=3)
        own = self.node('Sub', [past, prefix], ['sa_own'])
        self.shared['sizes'] = self.node('Concat', [prefix, own, seq], ['sa_split_sizes'], axis=0)
        return self.shared['bias']

    def attention(self, n, head_dim):
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        heads, kv_heads = attrs['q_num_heads'], attrs['kv_num_heads']
        per_kv = heads // kv_heads
        q, k, v, pad_bias, past_k, past_v = n.input
        out = n.output[0]
        p = out + '_sa_'
        bias = self.step_bias(pad_bias, per_kv)
        shape = lambda name, dims: self.const(p + 'shape_' + name, np.array(dims, np.int64))  # noqa: E731
        # q [batch, seq, heads*d] -> [batch, kv_heads, per_kv*seq, d] (query head h reads kv head h // per_kv)
        q = self.node('Reshape', [q, shape('q5', [0, 0, kv_heads, per_kv, head_dim])], [p + 'q5'])
        q = self.node('Transpose', [q], [p + 'q5t'], perm=[0, 2, 3, 1, 4])
        q = self.node('Reshape', [q, shape('q4', [0, kv_heads, -1, head_dim])], [p + 'q'])
        # this step's k, v [batch, seq, kv_heads*d] -> [batch, kv_heads, seq, d]
        k = self.node('Transpose', [self.node('Reshape', [k, shape('k4', [0, 0, kv_heads, head_dim])], [p + 'k4'])], [p + 'k'], perm=[0, 2, 1, 3])
        v = self.node('Transpose', [self.node('Reshape', [v, shape('v4', [0, 0, kv_heads, head_dim])], [p + 'v4'])], [p + 'v'], perm=[0, 2, 1, 3])
        scale = float(1 / np.sqrt(head_dim))
        shared_k, shared_v = past_k.replace(PAST, SHARED), past_v.replace(PAST, SHARED)
        # Every row's queries against the shared prefix in one product per kv head: the rows
        # become more query rows of batch 1, so the prefix's keys and values are read once.
        rows = self.node('Shape', [q], [p + 'rows'], start=0, end=1)
        rows_shape = self.node('Concat', [self.const(p + 'kv', np.array([kv_heads], np.int64)), rows, self.const(p + 'rest', np.array([-1, 0], np.int64))], [p + 'rows_shape'], axis=0)

        def to_one(t, name):
            # [batch, kv_heads, r, x] -> [1, kv_heads, batch * r, x]
            t = self.node('Transpose', [t], [p + name + '_kv_first'], perm=[1, 0, 2, 3])
            return self.node('Reshape', [t, shape('one', [1, kv_heads, -1, 0])], [p + name + '_one'])

        def to_rows(t, name):
            # [1, kv_heads, batch * r, x] -> [batch, kv_heads, r, x]
            t = self.node('Reshape', [t, rows_shape], [p + name + '_kv_rows'])
            return self.node('Transpose', [t], [p + name + '_rows'], perm=[1, 0, 2, 3])

        scores = self.node('Concat', [to_rows(self.node('FusedMatMul', [to_one(q, 'q'), shared_k], [p + 'scores_shared'], domain=MS, transB=1, alpha=scale), 'scores_shared'),
                                      self.node('FusedMatMul', [q, past_k], [p + 'scores_past'], domain=MS, transB=1, alpha=scale),
                                      self.node('FusedMatMul', [q, k], [p + 'scores_step'], domain=MS, transB=1, alpha=scale)],
                           [p + 'scores'], axis=-1)
        probs = self.node('Softmax', [self.node('Add', [scores, bias], [p + 'biased'])], [p + 'probs'], axis=-1)
        on_shared, on_past, on_step = self.node('Split', [probs, self.shared['sizes']], [p + 'probs_shared', p + 'probs_past', p + 'probs_step'], axis=-1)
        y_shared = to_rows(self.node('MatMul', [to_one(on_shared, 'probs_shared'), shared_v], [p + 'y_shared']), 'y_shared')
        y_own = self.node('Add', [self.node('MatMul', [on_past, past_v], [p + 'y_past']), self.node('MatMul', [on_step, v], [p + 'y_step'])], [p + 'y_own'])
        y = self.node('Add', [y_own, y_shared], [p + 'y'])
        # [batch, kv_heads, per_kv*seq, d] -> [batch, seq, heads*d]
        y = self.node('Reshape', [y, shape('y5', [0, kv_heads, per_kv, -1, head_dim])], [p + 'y5'])
        y = self.node('Transpose', [y], [p + 'y5t'], perm=[0, 3, 1, 2, 4])
        self.node('Reshape', [y, shape('y3', [0, 0, -1])], [out])


def split_attention(model, head_dim):
    g = model.graph
    if not any(o.name.startswith('step.') for o in g.output):
        raise SystemExit('split_attention: the graph has no step.* outputs (fused_graph.py writes them)')
    r = Rewrite()
    for n in g.node:
        if n.op_type == 'Attention':
            r.attention(n, head_dim)
        else:
            r.nodes.append(n)
    del g.node[:]
    g.node.extend(r.nodes)
    g.initializer.extend(r.inits)
    # The shared prefix of every row ([1, kv_heads, shared_sequence_length, head_dim]): the mask's
    # first columns; each row's own past follows it.
    for past in [i for i in g.input if i.name.startswith(PAST)]:
        dims = [d.dim_value for d in past.type.tensor_type.shape.dim]
        g.input.append(helper.make_tensor_value_info(past.name.replace(PAST, SHARED), past.type.tensor_type.elem_type, [1, dims[1], 'shared_sequence_length', dims[3]]))
    kept = [o for o in g.output if not o.name.startswith('present.')]
    del g.output[:]
    g.output.extend(kept)


def write_slots_graph(src, dst):
    """Reads the fused graph `src` and writes its slots-only copy to `dst`, its cache in the type of
    `src`'s (a float16 cache, kv_fp16.py, is split as float32 and cast again)."""
    model = onnx.load(src)
    half = is_fp16_cache(model)
    if half:
        to_fp32_cache(model)
    past = next(i for i in model.graph.input if i.name.startswith('past_key_values.'))
    split_attention(model, past.type.tensor_type.shape.dim[3].dim_value)
    if half:
        to_fp16_cache(model)
    save(model, dst)
    return f'{dst}: attention without present.*' + (', the cache in float16' if half else '')


if __name__ == '__main__':
    print(write_slots_graph(*sys.argv[1:3]))
