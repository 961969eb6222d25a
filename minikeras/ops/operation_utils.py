"""Walking the graph of symbolic tensors (Keras's `keras/src/ops/operation_utils.py`)."""


def get_source_inputs(tensor):
    """The `keras.Input` tensors that `tensor` is computed from, as a list (no repeats).

    A tensor with no recorded history is its own source; a non-tensor is returned as is.
    """
    if not hasattr(tensor, "_keras_history"):
        return tensor
    if tensor._keras_history is None:
        return [tensor]
    layer, node_index, _ = tensor._keras_history
    if not layer or not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:  # an Input layer's node: the walk ends here
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for x in get_source_inputs(parent):
            if all(x is not s for s in sources):
                sources.append(x)
    return sources
