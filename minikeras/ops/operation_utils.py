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


def broadcast_shapes(shape1, shape2):
    """The shape two shapes broadcast to, as a list; None (unknown) meeting a known size takes it
    (None meeting 1 stays None). A ValueError names both shapes when they cannot broadcast."""
    shape1, shape2 = list(shape1), list(shape2)
    rank = max(len(shape1), len(shape2))
    a = [1] * (rank - len(shape1)) + shape1
    b = [1] * (rank - len(shape2)) + shape2
    out = []
    for d1, d2 in zip(a, b):
        if d1 == 1:
            out.append(d2)
        elif d1 is None:
            out.append(None if d2 == 1 else d2)
        elif d2 in (1, None, d1):
            out.append(d1)
        else:
            raise ValueError(f"Cannot broadcast shape, the failure dim has value {d1}, which cannot "
                             f"be broadcasted to {d2}. Input shapes are: {shape1} and {shape2}.")
    return out


def shape_equal(shape1, shape2, axis=None, allow_none=True):
    """Whether two shapes are equal, ignoring the axes in `axis`; with `allow_none`, None matches
    any size."""
    if len(shape1) != len(shape2):
        return False
    ignored = set() if axis is None else {axis} if isinstance(axis, int) else set(axis)
    ignored = {a % len(shape1) for a in ignored}
    for i, (d1, d2) in enumerate(zip(shape1, shape2)):
        if i in ignored or (allow_none and (d1 is None or d2 is None)):
            continue
        if d1 != d2:
            return False
    return True
