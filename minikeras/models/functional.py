"""Functional models: a graph of layer calls from `keras.Input` tensors to outputs."""
from minikeras.engine.masking import set_keras_mask
from minikeras.engine.keras_tensor import KerasTensor, flatten, map_structure
from minikeras.layers.core import InputLayer
from minikeras.models.model import Model


def _nodes_in_order(outputs):
    """Every node needed for `outputs`, parents before children (depth-first post-order)."""
    ordered, seen = [], set()

    def visit(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in seen:
            return
        seen.add(id(node))
        for t in node.input_tensors:
            visit(t)
        ordered.append(node)

    for t in flatten(outputs):
        visit(t)
    return ordered


def _layers_by_depth(nodes, inputs):
    """Keras's layer order: by depth from the outputs (deepest first), ties by first visit."""
    node_depth, layer_depth, first_seen = {}, {}, {}
    for i, node in enumerate(nodes):
        first_seen.setdefault(id(node.layer), i)
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    layers = {id(n.layer): n.layer for n in nodes}
    for t in flatten(inputs):
        layer = t._keras_history[0]
        layers.setdefault(id(layer), layer)
        layer_depth.setdefault(id(layer), 0)
        first_seen.setdefault(id(layer), len(nodes))
    order = sorted(layers, key=lambda k: (-layer_depth[k], first_seen[k]))
    return [layers[k] for k in order]


class Functional(Model):
    """A model defined by `Model(inputs, outputs)`: runs the recorded layer calls in order."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable)
        for t in flatten(inputs) + flatten(outputs):
            if not isinstance(t, KerasTensor) or t._keras_history is None:
                raise ValueError(
                    "All `inputs` and `outputs` of a functional Model must be KerasTensors "
                    f"(from `keras.Input` and layer calls). Received: {t!r}")
        for t in flatten(inputs):
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    f"Model inputs must come from `keras.Input`. Received: {t!r} produced by "
                    f"layer '{t._keras_history[0].name}'.")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._nodes = _nodes_in_order(outputs)
        needed = [n.output_tensors[0] for n in self._nodes if isinstance(n.layer, InputLayer)]
        unknown = [t for t in needed if all(t is not i for i in flatten(inputs))]
        if unknown:
            raise ValueError(
                f"Graph disconnected: cannot find parent for tensor {unknown[0]!r} at layer "
                f"'{unknown[0]._keras_history[0].name}'. The following previous layers were accessed "
                "without issue: the model's `inputs`.")
        layers = _layers_by_depth(self._nodes, inputs)
        for layer in layers:
            if not any(layer is l for l in self._layers):
                self._layers.append(layer)
        self.output_names = [t._keras_history[0].name for t in flatten(outputs)]
        if isinstance(outputs, dict):
            self.output_names = list(outputs.keys())
        self.input_names = [t._keras_history[0].name for t in flatten(inputs)]
        self.built = True

    @property
    def inputs(self):
        return flatten(self._inputs_struct)

    @property
    def outputs(self):
        return flatten(self._outputs_struct)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    def _standardize_inputs(self, inputs):
        tensors = flatten(self._inputs_struct)
        if isinstance(inputs, dict):
            by_name = {t._keras_history[0].name: t for t in tensors}
            if isinstance(self._inputs_struct, dict):
                return [inputs[k] for k in self._inputs_struct]
            try:
                return [inputs[name] for name in by_name]
            except KeyError as e:
                raise ValueError(f"Missing data for input {e}. You passed a data dictionary with "
                                 f"keys {list(inputs)}. Expected the following keys: {list(by_name)}")
        values = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(values) != len(tensors):
            raise ValueError(
                f"Model '{self.name}' expects {len(tensors)} input(s), but it received "
                f"{len(values)} input tensors.")
        return values

    def compute_mask(self, inputs, mask=None):
        return None  # the outputs already carry the masks their own layers attached

    def call(self, inputs, training=None, mask=None):
        values = {}
        masks = flatten(mask) if isinstance(mask, (list, tuple, dict)) else [mask]
        for i, (t, v) in enumerate(zip(flatten(self._inputs_struct), self._standardize_inputs(inputs))):
            values[id(t)] = self._convert_input(v)
            if i < len(masks) and masks[i] is not None:
                set_keras_mask(values[id(t)], masks[i])
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            lookup = lambda t: values[id(t)] if isinstance(t, KerasTensor) else t
            args = map_structure(lookup, node.call_args)
            kwargs = map_structure(lookup, node.call_kwargs)
            outs = node.layer(*args, **kwargs)
            for t, o in zip(node.output_tensors, flatten(outs)):
                values[id(t)] = o
        out = map_structure(lambda t: values[id(t)], self._outputs_struct)
        return out[0] if isinstance(out, (list, tuple)) and len(out) == 1 else out

    def _check_input_spec(self, inputs):
        for t, v in zip(flatten(self._inputs_struct), self._standardize_inputs(inputs)):
            shape = getattr(v, "shape", None)
            if shape is None:
                continue
            if len(shape) != len(t.shape) or any(a is not None and a != b for a, b in zip(t.shape[1:], shape[1:])):
                layer = t._keras_history[0]
                raise ValueError(
                    f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected "
                    f"shape={t.shape}, found shape={tuple(shape)}")

    def compute_output_spec(self, *args, **kwargs):
        return super().compute_output_spec(*args, **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}
