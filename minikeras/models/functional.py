"""Functional models: a graph of layer calls from `keras.Input` tensors to outputs."""
from minikeras import ops, tree
from minikeras.engine.masking import set_keras_mask
from minikeras.engine.keras_tensor import KerasTensor, flatten, map_structure
from minikeras.layers.core import InputLayer
from minikeras.layers.layer import cast_float
from minikeras.models.model import Model


def _nodes_in_order(outputs, inputs=()):
    """Every node needed for `outputs` from `inputs`, parents before children (depth-first
    post-order). The walk stops at the inputs, which may be intermediate tensors."""
    ordered, seen = [], set()
    stops = {id(t) for t in flatten(inputs)}

    def visit(tensor):
        if id(tensor) in stops and not isinstance(tensor._keras_history[0], InputLayer):
            return
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
        if not isinstance(layer, InputLayer):
            continue  # an intermediate input: the layer that made it is not part of the model
        layers.setdefault(id(layer), layer)
        layer_depth.setdefault(id(layer), 0)
        first_seen.setdefault(id(layer), len(nodes))
    order = sorted(layers, key=lambda k: (-layer_depth[k], first_seen[k]))
    return [layers[k] for k in order]


def _adjusted_shape(ref, shape):
    """Keras adjusts an input whose rank is off by one trailing axis of size 1 from its `Input`
    (`Input((28, 28, 1))` fed `(n, 28, 28)` arrays, or the other way round)."""
    if len(shape) == len(ref) + 1 and shape[-1] == 1:
        return shape[:-1]
    if len(shape) == len(ref) - 1 and ref[-1] == 1:
        return shape + (1,)
    return shape


def _adjust_rank(ref_tensor, value):
    shape = getattr(value, "shape", None)
    if shape is None or len(shape) == len(ref_tensor.shape):
        return value
    adjusted = _adjusted_shape(ref_tensor.shape, tuple(shape))
    return value if adjusted == tuple(shape) else ops.reshape(value, (-1,) + adjusted[1:])


class Functional(Model):
    """A model defined by `Model(inputs, outputs)`: runs the recorded layer calls in order."""

    _convert_input_args = False  # each input is cast to its Input's dtype, not the policy's

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable)
        for t in flatten(inputs) + flatten(outputs):
            if not isinstance(t, KerasTensor) or t._keras_history is None:
                raise ValueError(
                    "All `inputs` and `outputs` of a functional Model must be KerasTensors "
                    f"(from `keras.Input` and layer calls). Received: {t!r}")
        # Inputs may be intermediate tensors (a FeatureSpace's encoded features): the model then
        # starts there, as in Keras.
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._nodes = _nodes_in_order(outputs, inputs)
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
        # the output layers' names, in flattened order, also for dict outputs (as Keras: the
        # compiled losses and metrics match a dict's keys themselves)
        self.output_names = [t._keras_history[0].name for t in tree.flatten(outputs)]
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
            values[id(t)] = _adjust_rank(t, cast_float(self._convert_input(v), t.dtype))
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
            shape = _adjusted_shape(t.shape, tuple(shape))
            if len(shape) != len(t.shape) or any(a is not None and a != b for a, b in zip(t.shape[1:], shape[1:])):
                layer = t._keras_history[0]
                raise ValueError(
                    f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected "
                    f"shape={t.shape}, found shape={tuple(shape)}")

    def compute_output_spec(self, *args, **kwargs):
        return super().compute_output_spec(*args, **kwargs)

    def get_config(self):
        if type(self).__init__ is not Functional.__init__:
            return Model.get_config(self)  # a subclass with its own constructor
        return functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(cls, config, custom_objects=custom_objects)

    def get_build_config(self):
        return {"input_shape": None}  # what Keras writes: a functional model builds from its graph

    def _serialization_path(self):
        """Keras writes functional models with their internal module path."""
        if type(self) is Functional:
            return "keras.src.models.functional", "Functional", "Functional"
        return None


# --- config (Keras 3's layout) -----------------------------------------------------------------
def _kept_node_index(layer, node_index, own_nodes, io=False):
    """A node's index among the layer's nodes that belong to this model. In `input_layers` /
    `output_layers` Keras counts a Functional layer's nodes from 1 (and subtracts 1 on load)."""
    skipped = sum(1 for n in layer._inbound_nodes[:node_index] if id(n) not in own_nodes)
    return node_index - skipped + (1 if io and isinstance(layer, Functional) else 0)


def _serialize_node(node, own_nodes):
    from minikeras.saving.serialization_lib import serialize_keras_object

    def tensor(x):
        if not isinstance(x, KerasTensor):
            return x
        layer, node_index, tensor_index = x._keras_history
        index = _kept_node_index(layer, node_index, own_nodes)
        return {"class_name": "__keras_tensor__", "config": {
            "shape": x.shape, "dtype": x.dtype,
            "keras_history": [layer.name, index, tensor_index]}}

    args = map_structure(tensor, list(node.call_args))
    kwargs = map_structure(tensor, dict(node.call_kwargs))
    if isinstance(node.layer, Model) and "mask" not in kwargs:
        kwargs["mask"] = None  # Keras records a model's `mask` argument
    return {"args": serialize_keras_object(args), "kwargs": serialize_keras_object(kwargs)}


def functional_get_config(model):
    """`{"name", "trainable", "layers": [{..., "name", "inbound_nodes"}], "input_layers",
    "output_layers"}`, as Keras 3 writes a functional model."""
    from minikeras.saving.serialization_lib import serialize_keras_object
    own_nodes = {id(n) for n in model._nodes}
    layer_configs = []
    for layer in model._layers:
        nodes = [_serialize_node(n, own_nodes) for n in layer._inbound_nodes
                 if id(n) in own_nodes and n.input_tensors]
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = nodes
        layer_configs.append(entry)

    def history(t):
        layer, node_index, tensor_index = t._keras_history
        return [layer.name, _kept_node_index(layer, node_index, own_nodes, io=True), tensor_index]

    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": map_structure(history, model._inputs_struct),
            "output_layers": map_structure(history, model._outputs_struct)}


class _NotReady(Exception):
    """A node's inputs come from a node not rebuilt yet (shared layers at several depths)."""


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds the graph: creates every layer, then replays the recorded calls in order."""
    from minikeras.saving.serialization_lib import deserialize_keras_object
    config = dict(config)
    created, pending, made = {}, {}, {}  # made: the nodes this config's calls created
    for data in config.pop("layers"):
        layer = deserialize_keras_object(data, custom_objects=custom_objects)
        name = data.get("name", getattr(layer, "name", None))
        if not hasattr(layer, "_inbound_nodes"):
            raise ValueError(f"Unexpected object from deserialization, expected a layer or "
                             f"operation, got a {type(layer)}")
        if name in created:
            raise ValueError("Invalid Functional model configuration: two layers are named "
                             f"'{name}'.")
        created[name] = layer
        pending[name] = list(data.get("inbound_nodes") or [])
        made[name] = list(layer._inbound_nodes[-1:]) if isinstance(layer, InputLayer) else []

    def node_output(name, node_index, tensor_index, io=False):
        layer = created.get(name)
        if layer is None:
            raise ValueError(f"Invalid Functional model configuration. Missing layer: {name}")
        node_index -= 1 if io and isinstance(layer, Functional) else 0
        if not 0 <= node_index < len(made[name]):
            raise _NotReady()
        return flatten(made[name][node_index].outputs)[tensor_index]

    def revive(value):
        history = getattr(value, "_pre_serialization_keras_history", None)
        return node_output(*history) if isinstance(value, KerasTensor) and history else value

    while any(pending.values()):
        progress = False
        for name, nodes in pending.items():
            while nodes:
                try:
                    args, kwargs = _deserialize_node(nodes[0], custom_objects, revive)
                except _NotReady:
                    break
                created[name](*args, **kwargs)
                made[name].append(created[name]._inbound_nodes[-1])
                nodes.pop(0)
                progress = True
        if not progress:
            raise ValueError("Invalid Functional model configuration. The graph of the Functional "
                             "model either has loops or disconnected nodes. The following nodes "
                             f"failed to be resolved: { {k: v for k, v in pending.items() if v} }")

    def tensors(structure):
        if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
            return node_output(*structure, io=True)
        if isinstance(structure, dict):
            return {k: tensors(v) for k, v in structure.items()}
        if isinstance(structure, (list, tuple)):
            return [tensors(v) for v in structure]
        raise ValueError("Invalid Functional model configuration: bad tensor reference "
                         f"{structure!r}")

    try:
        inputs, outputs = tensors(config.pop("input_layers")), tensors(config.pop("output_layers"))
    except _NotReady:
        raise ValueError("Invalid Functional model configuration: an input or output refers to "
                         "a node that does not exist.") from None
    name, trainable = config.pop("name", None), config.pop("trainable", True)
    return cls(inputs=inputs, outputs=outputs, name=name,
               trainable=True if trainable is None else trainable)


def _deserialize_node(data, custom_objects, revive):
    from minikeras.saving.serialization_lib import deserialize_keras_object
    if isinstance(data, list):  # Keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]
        tensors = []
        for entry in data:
            if not isinstance(entry, list) or len(entry) not in (3, 4):
                raise ValueError("Cannot deserialize the model (invalid inbound node data).")
            tensors.append(_revive_history(entry[:3], revive))
        kwargs = data[0][3] if len(data[0]) == 4 else {}
        return ([tensors[0]] if len(tensors) == 1 else [tensors]), dict(kwargs or {})
    if not isinstance(data, dict) or not isinstance(data.get("args", []), list) or \
            not isinstance(data.get("kwargs", {}), dict):
        raise ValueError(f"Cannot deserialize the model (invalid inbound node data: {data!r}).")
    args = deserialize_keras_object(data.get("args", []), custom_objects=custom_objects)
    kwargs = deserialize_keras_object(data.get("kwargs", {}), custom_objects=custom_objects)
    if not any(isinstance(t, KerasTensor) for t in flatten((args, kwargs))):
        # every recorded call takes a tensor: a node without one would compute at load time
        raise ValueError(f"Cannot deserialize the model: an inbound node has no tensor "
                         f"argument ({data!r}).")
    return map_structure(revive, list(args)), map_structure(revive, dict(kwargs or {}))


def _revive_history(history, revive):
    tensor = KerasTensor((), "float32")
    tensor._pre_serialization_keras_history = list(history)
    return revive(tensor)
