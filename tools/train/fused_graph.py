"""Writes the Qwen2 decoder graph directly with onnx.helper, on onnxruntime's fused CPU kernels.

  export.py --ckpt checkpoints/hearth-coder/model_fp16.pt --out DIR --graph fused

The torch.onnx export of model.py spells attention, rotary, the masks and the norms out of small
nodes: 548 kernels a decode step on hearth-coder v1 (onnxruntime 1.30 profile). This graph computes
the same function with 150: per layer (Skip)SimplifiedLayerNormalization for each norm with the
residual add inside, one MatMul for q/k/v (weights side by side) and one for gate/up, two
com.microsoft RotaryEmbedding, and one attention node that appends the new keys/values to the
cache and attends over it causally. Arithmetic is fp32 throughout (weights are stored as fp16 by
export.store_fp16 and cast back at load); only the order of some sums differs from the torch graph.

The I/O is the torch export's (Optimum naming, see export.py), so Hearth and transformers.js load
either file the same way. One addition: `step.{i}.key` and `step.{i}.value`, the keys (rotated) and
values that this step adds to layer i's cache, [batch, sequence, kv_heads * head_dim]. Loaders that
know only present.* ignore them. Hearth fetches them instead of present.*: it keeps the cache in
its own buffers with room to spare, feeds the unused slots masked by attention_mask, and writes the
new keys/values into the next slots. onnxruntime-node copies every fetched output into a new
buffer, so fetching the whole cache every step cost more than the model's arithmetic at 1,024
tokens. Another: `num_logits_to_keep` (keep_logits.py), the number of last positions whose logits
are computed, so that a prefill runs lm_head for the next token only.
"""
import numpy as np
import torch
from onnx import TensorProto, helper, numpy_helper

from keep_logits import add_logits_to_keep
from onnx_io import io_names

MS = 'com.microsoft'
# Added to the scores of keys that attention_mask marks as padding (model.MASK_MIN's role).
PAD_BIAS = -1e9


class GraphBuilder:
    """Collects nodes and initializers; names each node after its first output."""

    def __init__(self):
        self.nodes, self.inits = [], []

    def node(self, op, inputs, outputs, domain=None, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=outputs[0], domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name


def rotary_caches(g, c):
    """cos_cache, sin_cache [batch * seq, head_dim / 2]: the angles of the positions fed, computed
    in the graph as model.Rotary computes them (position × inverse frequency in fp32), so that any
    position works as in the torch export; a constant table would end at max_position_embeddings
    and make a longer run fail instead of degrade. The table has a row per position fed, not one
    per position up to the last (a decode step then costs the same at position 10 and 10,000), and
    RotaryEmbedding reads it through `rotary_index`, each token's row number. interleaved=0
    rotates the two halves of each head, as rotate_half does."""
    inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
    column = g.node('Reshape', ['position_ids', g.const('column_shape', np.array([-1, 1], np.int64))], ['positions_column'])
    positions = g.node('Cast', [column], ['positions_f32'], to=TensorProto.FLOAT)
    angles = g.node('Mul', [positions, g.const('rotary_inv_freq', inv.numpy())], ['rotary_angles'])
    g.node('Cos', [angles], ['cos_cache'])
    g.node('Sin', [angles], ['sin_cache'])
    count = g.node('Size', ['position_ids'], ['position_count'])
    rows = g.node('Range', [g.const('rotary_first_row', np.array(0, np.int64)), count, g.const('rotary_row_step', np.array(1, np.int64))], ['rotary_rows'])
    g.node('Reshape', [rows, g.node('Shape', ['position_ids'], ['position_ids_shape'])], ['rotary_index'])


def padding_bias(g):
    """attention_mask [batch, past+seq] -> additive bias [batch, 1, seq, past+seq]: 0 for real
    tokens, PAD_BIAS for padding (model.MASK_MIN's role). Both attention kernels add it to the
    scores beside their own causal mask, and take it only with a row per query."""
    mask = g.node('Cast', ['attention_mask'], ['mask_f32'], to=TensorProto.FLOAT)
    bias = g.node('Mul', [g.node('Sub', [mask, g.const('one_f32', np.array(1, np.float32))], ['mask_minus_one']),
                          g.const('pad_bias_scale', np.array(-PAD_BIAS, np.float32))], ['pad_bias_2d'])
    bias = g.node('Unsqueeze', [bias, g.const('axes_1_2', np.array([1, 2], np.int64))], ['pad_bias_row'])
    seq = g.node('Shape', ['input_ids'], ['sequence_length_1d'], start=1, end=2)
    rows = g.node('Concat', [g.const('ones_2', np.array([1, 1], np.int64)), seq, g.const('one_1d', np.array([1], np.int64))],
                  ['pad_bias_rows'], axis=0)
    return g.node('Expand', [bias, rows], ['pad_bias'])


def gqa_lengths(g):
    """GroupQueryAttention's seqlens_k [batch] (int32, past+seq-1) and total_sequence_length (int32
    scalar), from attention_mask's shape. Every row counts as full length and padding is masked by
    padding_bias instead: the kernel's own seqlens_k masking assumes right padding."""
    shape = g.node('Shape', ['attention_mask'], ['mask_shape'])
    total = g.node('Gather', [g.node('Cast', [shape], ['mask_shape_i32'], to=TensorProto.INT32),
                              g.const('one_i64', np.array(1, np.int64))], ['total_sequence_length'], axis=0)
    last = g.node('Sub', [total, g.const('one_i32', np.array(1, np.int32))], ['last_position'])
    batch = g.node('Shape', ['attention_mask'], ['batch_1d'], start=0, end=1)
    return g.node('Expand', [last, batch], ['seqlens_k']), total


def attention(g, c, i, q, k, v, masks, kind):
    """Causal attention of layer i over its cache; q [batch, seq, heads*head_dim], k and v
    [batch, seq, kv_heads*head_dim], already rotated. Returns [batch, seq, heads*head_dim] and
    writes present.{i}.key|value.

    kind 'onnx': the standard Attention of opset 23. kind 'gqa': com.microsoft GroupQueryAttention,
    which onnxruntime 1.30's CPU kernel refuses for batch > 1 with seq > 1 and a past (a chunked
    prefill of a batch)."""
    inputs = [q, k, v, f'past_key_values.{i}.key', f'past_key_values.{i}.value']
    outputs = [f'l{i}_attn', f'present.{i}.key', f'present.{i}.value']
    if kind == 'onnx':
        return g.node('Attention', inputs[:3] + [masks['bias']] + inputs[3:], outputs,
                      q_num_heads=c.num_attention_heads, kv_num_heads=c.num_key_value_heads, is_causal=1)[0]
    return g.node('GroupQueryAttention', inputs + [masks['seqlens_k'], masks['total'], '', '', '', masks['bias']], outputs,
                  domain=MS, num_heads=c.num_attention_heads, kv_num_heads=c.num_key_value_heads)[0]


def layer(g, c, sd, i, x, residual, masks, kind):
    """Decoder layer i. x: the previous layer's output, still to be added to `residual`
    ([batch, seq, hidden]), or None for the first layer, whose input is `residual` itself.
    Returns (this layer's output, its residual stream before that output)."""
    p = f'model.layers.{i}.'
    w = lambda name: sd[p + name]  # noqa: E731
    norm = g.const(p + 'input_layernorm.weight', w('input_layernorm.weight'))
    if x is None:
        h = g.node('SimplifiedLayerNormalization', [residual, norm], [f'l{i}_attn_norm'], axis=-1, epsilon=c.rms_norm_eps)
    else:
        h, _, _, residual = g.node('SkipSimplifiedLayerNormalization', [residual, x, norm],
                                   [f'l{i}_attn_norm', '', '', f'l{i}_residual_in'], domain=MS, epsilon=c.rms_norm_eps)
    a, hd = p + 'self_attn.', c.head_dim
    qkv_w = np.concatenate([w('self_attn.q_proj.weight'), w('self_attn.k_proj.weight'), w('self_attn.v_proj.weight')]).T
    qkv_b = np.concatenate([w('self_attn.q_proj.bias'), w('self_attn.k_proj.bias'), w('self_attn.v_proj.bias')])
    qkv = g.node('MatMul', [h, g.const(a + 'qkv_proj.weight', qkv_w)], [f'l{i}_qkv_nobias'])
    qkv = g.node('Add', [qkv, g.const(a + 'qkv_proj.bias', qkv_b)], [f'l{i}_qkv'])
    widths = [c.num_attention_heads * hd] + [c.num_key_value_heads * hd] * 2
    q, k, v = g.node('Split', [qkv, g.const(a + 'qkv_split', np.array(widths, np.int64))], [f'l{i}_q', f'l{i}_k', f'step.{i}.value'], axis=-1)
    # Rotary from position_ids, row by row (GroupQueryAttention's own rotary takes a first prompt's
    # positions from position_ids[0, 0] for every row, which breaks left-padded batches).
    rotate = lambda t, heads, out: g.node('RotaryEmbedding', [t, 'rotary_index', 'cos_cache', 'sin_cache'],  # noqa: E731
                                          [out], domain=MS, num_heads=heads, interleaved=0)
    k = rotate(k, c.num_key_value_heads, f'step.{i}.key')
    y = attention(g, c, i, rotate(q, c.num_attention_heads, q + '_rot'), k, v, masks, kind)
    y = g.node('MatMul', [y, g.const(a + 'o_proj.weight', w('self_attn.o_proj.weight').T)], [f'l{i}_attn_out'])
    h, _, _, residual = g.node('SkipSimplifiedLayerNormalization',
                               [residual, y, g.const(p + 'post_attention_layernorm.weight', w('post_attention_layernorm.weight'))],
                               [f'l{i}_mlp_norm', '', '', f'l{i}_residual_mid'], domain=MS, epsilon=c.rms_norm_eps)
    m = p + 'mlp.'
    gate_up_w = np.concatenate([w('mlp.gate_proj.weight'), w('mlp.up_proj.weight')]).T
    gate_up = g.node('MatMul', [h, g.const(m + 'gate_up_proj.weight', gate_up_w)], [f'l{i}_gate_up'])
    gate, up = g.node('Split', [gate_up, g.const(m + 'gate_up_split', np.array([c.intermediate_size] * 2, np.int64))],
                      [f'l{i}_gate', f'l{i}_up'], axis=-1)
    # x * sigmoid(x): onnxruntime fuses the pair into one kernel.
    silu = g.node('Mul', [gate, g.node('Sigmoid', [gate], [f'l{i}_gate_sigmoid'])], [f'l{i}_gate_silu'])
    y = g.node('Mul', [silu, up], [f'l{i}_swiglu'])
    return g.node('MatMul', [y, g.const(m + 'down_proj.weight', w('mlp.down_proj.weight').T)], [f'l{i}_mlp_out']), residual


def build_graph(model, attention_kind='onnx'):
    """The fused ONNX ModelProto of `model` (a model.Qwen2ForCausalLM), weights as fp32
    initializers (export.store_fp16 stores them as fp16 afterwards). attention_kind: see attention()."""
    c = model.config
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    g = GraphBuilder()
    emb = g.const('model.embed_tokens.weight', sd['model.embed_tokens.weight'])
    rotary_caches(g, c)
    masks = {'bias': padding_bias(g)}
    if attention_kind == 'gqa':
        masks['seqlens_k'], masks['total'] = gqa_lengths(g)
    residual = g.node('Gather', [emb, 'input_ids'], ['embeddings'], axis=0)
    x = None
    for i in range(c.num_hidden_layers):
        x, residual = layer(g, c, sd, i, x, residual, masks, attention_kind)
    h, _, _ = g.node('SkipSimplifiedLayerNormalization', [residual, x, g.const('model.norm.weight', sd['model.norm.weight'])],
                     ['final_norm', '', ''], domain=MS, epsilon=c.rms_norm_eps)
    # The tied lm_head reads the embedding through a Transpose (folded at load): stored once.
    g.node('MatMul', [h, g.node('Transpose', [emb], ['lm_head.weight'], perm=[1, 0])], ['logits'])

    past_names, present_names = io_names(c.num_hidden_layers)
    kv = lambda name, length: helper.make_tensor_value_info(  # noqa: E731
        name, TensorProto.FLOAT, ['batch_size', c.num_key_value_heads, length, c.head_dim])
    inputs = [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'sequence_length']),
              helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch_size', 'total_sequence_length']),
              helper.make_tensor_value_info('position_ids', TensorProto.INT64, ['batch_size', 'sequence_length'])]
    inputs += [kv(n, 'past_sequence_length') for n in past_names]
    outputs = [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['batch_size', 'sequence_length', c.vocab_size])]
    outputs += [kv(n, 'total_sequence_length') for n in present_names]
    outputs += [helper.make_tensor_value_info(f'step.{i}.{kv}', TensorProto.FLOAT,
                                              ['batch_size', 'sequence_length', c.num_key_value_heads * c.head_dim])
                for i in range(c.num_hidden_layers) for kv in ('key', 'value')]
    graph = helper.make_graph(g.nodes, 'hearth_qwen2_fused', inputs, outputs, g.inits)
    # Opset 23 for Attention: onnxruntime-node 1.30 runs it (checked); onnx 1.12 here cannot check it.
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 23), helper.make_opsetid(MS, 1)],
                          producer_name='hearth export.py --graph fused')
    add_logits_to_keep(m)  # num_logits_to_keep: a prefill computes lm_head for its last position only
    return m
