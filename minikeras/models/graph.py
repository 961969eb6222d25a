"""The graph behind a functional model (Keras's `keras/src/ops/function.py`): which nodes and
layers lie between the inputs and the outputs, at which depth, and how to run them.

A node's depth is its distance from the outputs (output nodes: 0); a model runs its nodes by
decreasing depth, and lists its operations in that order (ties: the order a depth-first walk
from the outputs first meets them). Inputs need not come from `keras.Input`: a model sliced
out of another (`Model(hidden_tensor, output)`) starts at fresh `Input`s standing for the
intermediate tensors, as in Keras (`clone_graph_nodes`).
"""
import collections

from minikeras import tree
from minikeras.engine.keras_tensor import KerasTensor, Node, flatten, map_structure
from minikeras.layers.core import Input, InputLayer


def node_of(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def is_input_node(node):
    return not node.input_tensors


def is_input_tensor(tensor):
    """Whether `tensor` comes straight from a `keras.Input` (not from a layer call)."""
    return is_input_node(node_of(tensor))


def build_map(inputs, outputs):
    """`(nodes from the inputs to the outputs, {layer id: first visit index})` by a depth-first
    walk from each output, stopping at the declared inputs."""
    finished, in_progress, ordered, first_visit = set(), set(), [], {}
    input_ids = {id(t) for t in flatten(inputs)}

    def visit(tensor):
        layer = tensor._keras_history[0]
        node = node_of(tensor)
        if node in finished:
            return
        if not is_input_node(node) and id(tensor) in input_ids:
            finished.add(node)  # the model starts here: the layer that made it is outside
            return
        if node in in_progress:
            raise ValueError(f"Tensor {tensor} from operation '{layer.name}' is part of a cycle.")
        first_visit.setdefault(id(layer), len(first_visit))
        in_progress.add(node)
        if not is_input_node(node):
            for t in node.input_tensors:
                visit(t)
        finished.add(node)
        in_progress.remove(node)
        ordered.append(node)

    for t in flatten(outputs):
        visit(t)
    return ordered, first_visit


def map_graph(inputs, outputs):
    """`(nodes, nodes_by_depth, operations)`: the graph's nodes (in run order), the nodes
    grouped by depth, and its layers and ops ordered by decreasing depth."""
    ordered, first_visit = build_map(inputs, outputs)
    in_graph = set(ordered)
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[node] = depth
        layers[id(node.layer)] = node.layer
        for parent in node.parent_nodes:
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:  # inputs no output needs: kept, a loss or a metric may read them
        layer, node = t._keras_history[0], node_of(t)
        if id(layer) not in layer_depth and is_input_node(node):
            layer_depth[id(layer)], first_visit[id(layer)] = 0, -1
            layers[id(layer)], node_depth[node] = layer, 0

    nodes_by_depth = collections.defaultdict(list)
    for node, depth in node_depth.items():
        nodes_by_depth[depth].append(node)
    order = sorted(layers, key=lambda k: (-layer_depth[k], first_visit[k]))
    operations = [layers[k] for k in order]

    computable = {id(t) for t in inputs}
    reached = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for t in node.input_tensors:
                if id(t) not in computable:
                    raise ValueError(
                        f"Graph disconnected: cannot find parent for tensor {t} at operation "
                        f"'{node.layer}'. The following previous operations were accessed "
                        f"without issue: {reached}")
                reached.append(node.layer.name)
            computable.update(id(t) for t in node.output_tensors)

    names = [op.name for op in operations]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the '
                             "model. All operation names should be unique.")
    nodes = [n for d in sorted(nodes_by_depth, reverse=True) for n in nodes_by_depth[d]]
    return nodes, dict(nodes_by_depth), operations


def run_graph(nodes, inputs, flat_values, outputs_struct, call_fn):
    """The outputs (in `outputs_struct`'s layout) of running `nodes` on `flat_values` fed to
    the flat `inputs`; `call_fn(node, args, kwargs)` computes one node."""
    values = {id(t): v for t, v in zip(inputs, flat_values)}
    lookup = lambda t: values[id(t)] if isinstance(t, KerasTensor) else t  # noqa: E731
    for node in nodes:
        if is_input_node(node) or any(id(t) not in values for t in node.input_tensors):
            continue  # an input, or a node the inputs do not reach
        args = map_structure(lookup, node.call_args)
        kwargs = map_structure(lookup, node.call_kwargs)
        for t, o in zip(node.output_tensors, flatten(call_fn(node, args, kwargs))):
            values[id(t)] = o
    flat_outputs = tree.flatten(outputs_struct)
    for (path, _), t in zip(tree.flatten_with_path(outputs_struct), flat_outputs):
        if id(t) not in values:
            path = ".".join(str(p) for p in path)
            raise ValueError(f"Output with path `{path}` is not connected to `inputs`")
    return tree.pack_sequence_as(outputs_struct, [values[id(t)] for t in flat_outputs])


def clone_graph_nodes(inputs, outputs):
    """`(inputs, outputs)` for a model cut out of a larger graph: each intermediate input is
    replaced by a new `Input` named `<name>CLONE`, and the calls between the inputs and the
    outputs are recorded again on fresh tensors (the layers are shared, their old nodes kept)."""
    nodes = build_map(inputs, outputs)[0]
    swapped, layer_swaps, new_inputs = {}, {}, []
    for t in tree.flatten(inputs):
        if is_input_tensor(t):
            new = t
        else:
            origin = t._keras_history[0]
            new = Input(batch_shape=t.shape, dtype=t.dtype, sparse=t.sparse,
                        name=f"{t.name}CLONE",
                        optional=getattr(origin, "optional", False) and isinstance(origin, InputLayer))
            layer_swaps[id(origin)] = new._keras_history[0]
        swapped[id(t)] = new
        new_inputs.append(new)
    new_outputs = []
    for t in tree.flatten(outputs):
        copy = _copy_tensor(t)
        copy._keras_history = t._keras_history
        swapped[id(t)] = copy
        new_outputs.append(copy)

    def clone(structure):
        def swap(x):
            if not isinstance(x, KerasTensor):
                return x
            if id(x) not in swapped:
                swapped[id(x)] = _copy_tensor(x)
            return swapped[id(x)]
        return map_structure(swap, structure)

    for node in nodes:
        layer = layer_swaps.get(id(node.layer), node.layer)
        outs = clone(node.outputs)
        if isinstance(layer, InputLayer):
            Node(layer, (), {}, outs)
        else:
            Node(layer, clone(node.call_args), clone(node.call_kwargs), outs)
    return (tree.pack_sequence_as(inputs, new_inputs),
            tree.pack_sequence_as(outputs, new_outputs))


def _copy_tensor(t):
    copy = KerasTensor(t.shape, t.dtype, sparse=t.sparse, name=f"{t.name}_clone")
    if "_keras_mask" in t.__dict__:
        copy._keras_mask = t._keras_mask
    return copy
