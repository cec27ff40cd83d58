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


# protobuf refuses to write a message of 2 GiB or more; weights past this go to an external file.
SINGLE_FILE_LIMIT = 1_900_000_000


def save(model, path, external=None):
    """Writes `model` to `path`: in one file, or, where its weights would pass protobuf's 2 GiB limit
    (a 1.5B model's 8-bit file) or `external` asks for it, with every tensor in `<file>_data` beside
    it, as the Hugging Face ONNX layout does (`model.onnx` + `model.onnx_data`)."""
    import os

    import onnx
    if external is None:
        external = sum(len(t.raw_data) for t in model.graph.initializer) >= SINGLE_FILE_LIMIT
    if not external:
        onnx.save(model, path)
        return
    location = os.path.basename(path) + '_data'
    if os.path.exists(path + '_data'):
        os.remove(path + '_data')  # onnx appends to an existing data file
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=location, size_threshold=1024)
