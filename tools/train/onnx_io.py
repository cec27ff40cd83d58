"""The ONNX input and output names Hearth's exports share (Optimum / transformers.js naming).

Both export.py (the torch export) and fused_graph.py (the graph written with onnx.helper) name
their cache tensors from here, so the two files load the same way and neither imports the other.
"""


def io_names(n_layers):
    """(past, present): past_key_values.{i}.key|value inputs and present.{i}.key|value outputs,
    layer by layer, key before value."""
    past = [f'past_key_values.{i}.{kv}' for i in range(n_layers) for kv in ('key', 'value')]
    present = [f'present.{i}.{kv}' for i in range(n_layers) for kv in ('key', 'value')]
    return past, present
