"""Functional models: a graph of layer calls from `keras.Input` tensors to outputs."""
import inspect
import warnings

import numpy as onp

from minikeras import ops, tree
from minikeras.engine.autodiff import is_traced
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.engine.keras_tensor import KerasTensor, flatten, map_structure
from minikeras.layers.core import InputLayer
from minikeras.layers.input_spec import InputSpec, assert_input_compatibility, check_input
from minikeras.layers.layer import _trial_output_spec
from minikeras.layers.op_layer import OpLayer
from minikeras.models import graph
from minikeras.models.model import Model


class Functional(Model):
    """A model defined by `Model(inputs, outputs)`: runs the recorded layer calls in order.

    `inputs` and `outputs` are KerasTensors or nested lists / tuples / dicts of them. Inputs
    may be intermediate tensors of another model: the new model starts there (its layers are
    shared with the larger one), as in Keras.
    """

    _convert_input_args = False  # each input is converted to its Input's dtype instead

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if isinstance(inputs, dict):
            for k, v in inputs.items():
                if isinstance(v, KerasTensor) and k != v.name:
                    warnings.warn(
                        "When providing `inputs` as a dict, all keys in the dict must match the "
                        f"names of the corresponding tensors. Received key '{k}' mapping to "
                        f"value {v} which has name '{v.name}'. Change the tensor name to '{k}' "
                        f"(via `Input(..., name='{k}')`)", stacklevel=2)
        for what, structure in (("inputs", inputs), ("outputs", outputs)):
            for x in tree.flatten(structure):
                if not isinstance(x, KerasTensor):
                    raise ValueError(
                        f"All `{what}` values must be KerasTensors. Received: {what}="
                        f"{structure} including invalid value {x} of type {type(x)}")
                if x._keras_history is None:
                    raise ValueError(
                        f"All `{what}` values must be KerasTensors made by `keras.Input` or "
                        f"by calling layers on them. Received: {x!r}, which has no history.")
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        if not all(graph.is_input_tensor(t) for t in tree.flatten(inputs)):
            inputs, outputs = graph.clone_graph_nodes(inputs, outputs)
        self._inputs_struct = tree.map_structure(lambda x: x, inputs)
        self._outputs_struct = tree.map_structure(lambda x: x, outputs)
        self._inputs, self._outputs = tree.flatten(inputs), tree.flatten(outputs)
        for what, flat in (("inputs", self._inputs), ("outputs", self._outputs)):
            if not flat:
                raise ValueError(f"`{what}` argument cannot be empty. Received:\n"
                                 f"inputs={inputs}\noutputs={outputs}")
        self._nodes, self._nodes_by_depth, operations = graph.map_graph(self._inputs, self._outputs)
        object.__setattr__(self, "_operations", operations)
        # every output must be computable from the inputs
        graph.run_graph(self._nodes, self._inputs, [None] * len(self._inputs),
                        self._outputs_struct, lambda node, args, kwargs: [None] * len(node.output_tensors))
        for layer in operations:
            self._track(layer)
        # the output layers' names, in flattened order, also for dict outputs (as Keras: the
        # compiled losses and metrics match a dict's keys themselves)
        self.output_names = [t._keras_history[0].name for t in self._outputs]
        self.input_names = [t._keras_history[0].name for t in self._inputs]
        self.built = True

    # --- what the graph holds --------------------------------------------------------------
    @property
    def operations(self):
        """The layers and ops of the graph, from the inputs to the outputs."""
        return self._operations[:]

    @property
    def layers(self):
        """The graph's layers (its `InputLayer`s included, ops like `x + y` left out)."""
        return [op for op in self._operations if not isinstance(op, OpLayer)]

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    @property
    def inputs(self):
        return self._inputs

    @property
    def outputs(self):
        return self._outputs

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_spec(self):
        """One `InputSpec` per input (by sorted key for a dict of inputs), or the one set."""
        manual = self.__dict__.get("_manual_input_spec")
        if manual is not None:
            return manual
        cached = self.__dict__.get("_graph_input_spec")
        if cached is None:  # the inputs never change: made once
            struct = self._inputs_struct
            if not isinstance(struct, dict):
                cached = [_spec_for(t) for t in self._inputs]
            elif all(isinstance(x, KerasTensor) for x in struct.values()):
                cached = [_spec_for(struct[k], name=k) for k in sorted(struct)]
            else:
                cached = False  # a deeply nested dict: no checks
            object.__setattr__(self, "_graph_input_spec", cached)
        return cached or None

    @input_spec.setter
    def input_spec(self, value):
        object.__setattr__(self, "_manual_input_spec", value)

    # --- calling --------------------------------------------------------------------------
    def _check_input_spec(self, inputs):
        if len(self._inputs) == 1 and hasattr(inputs, "shape") and "_manual_input_spec" not in self.__dict__:
            check_input(self.input_spec[0], inputs, 0, self.name)  # no structure to walk
            return
        for x, t in zip(tree.flatten(inputs), self._inputs):
            layer = t._keras_history[0]
            if x is None and isinstance(layer, InputLayer) and not layer.optional:
                raise ValueError(f"The input '{t.name}' is not optional, but None was passed. "
                                 "Please provide a valid tensor.")
        assert_input_compatibility(self.input_spec, inputs, self.name)

    def _standardize_inputs(self, inputs):
        """The flat list of input values, each in its Input's dtype and rank (Keras's rules)."""
        struct, fail = self._inputs_struct, False
        if isinstance(struct, KerasTensor) and not isinstance(inputs, (list, tuple, dict)):
            return [self._adjust_rank(0, self._convert_to_input(inputs, struct))]  # the usual case
        if isinstance(struct, list) and len(struct) == 1 and not isinstance(inputs, (list, tuple, dict)):
            inputs = [inputs]
        elif isinstance(inputs, dict) and not isinstance(struct, dict):
            if isinstance(struct, (list, tuple)) and all(isinstance(i, KerasTensor) for i in struct):
                if {i.name for i in struct} <= set(inputs):
                    inputs = [inputs[i.name] for i in struct]
                else:
                    fail = True
            elif isinstance(struct, KerasTensor) and struct.name in inputs:
                inputs = [inputs[struct.name]]
            else:
                fail = True
        if isinstance(struct, dict) and not isinstance(inputs, dict) and \
                list(struct) != sorted(struct):
            fail = True  # a list cannot be matched to unsorted keys
        self._warn_inputs_struct_mismatch(inputs, fail)
        values = [self._convert_to_input(x, t) for x, t in zip(tree.flatten(inputs), self._inputs)]
        return [self._adjust_rank(i, x) for i, x in enumerate(values)]

    def _warn_inputs_struct_mismatch(self, inputs, raise_exception=False):
        try:
            tree.assert_same_structure(tree.lists_to_tuples(inputs),
                                       tree.lists_to_tuples(self._inputs_struct))
        except (ValueError, TypeError):
            expected = tree.map_structure(lambda x: "None" if x is None else x.name,
                                          self._inputs_struct)
            received = tree.map_structure(
                lambda x: "None" if x is None else f"Tensor(shape={getattr(x, 'shape', ())})",
                inputs)
            message = ("The structure of `inputs` doesn't match the expected structure.\n"
                       f"Expected: {expected}\nReceived: inputs={received}")
            if raise_exception:
                raise ValueError(message) from None
            warnings.warn(message, stacklevel=4)

    def _convert_to_input(self, x, input_tensor):
        """`x` as an array of the Input's dtype (None stays None: an optional input)."""
        if x is None:
            return None
        x = self._convert_input(x)
        dtype = input_tensor.dtype
        x_dtype = getattr(x, "dtype", None)
        if dtype == "string" or not isinstance(x_dtype, onp.dtype) or x_dtype == dtype:
            return x
        if isinstance(x, onp.ndarray) or is_traced(x):
            return x.astype(dtype)
        return x

    def _adjust_rank(self, i, x):
        """Keras squeezes or adds a trailing axis of size 1 to match the Input's rank."""
        ref = self._inputs[i].shape
        shape = getattr(x, "shape", None)
        if x is None or shape is None or len(shape) == len(ref):
            return x
        if len(shape) == len(ref) + 1 and shape[-1] == 1:
            return _keep_mask(x, ops.squeeze(x, axis=-1))
        if len(shape) == len(ref) - 1 and ref[-1] == 1:
            return _keep_mask(x, ops.expand_dims(x, axis=-1))
        path = ".".join(str(p) for p in tree.flatten_with_path(self._inputs_struct)[i][0])
        raise ValueError(
            f"Invalid input shape for input {x} with name '{self._inputs[i].name}' and path "
            f"'{path}'. Expected shape {ref}, but input has incompatible shape {tuple(shape)}")

    def compute_mask(self, inputs, mask=None):
        return None  # the outputs already carry the masks their own layers attached

    def call(self, inputs, training=None, mask=None):
        values = self._standardize_inputs(inputs)
        if mask is not None:
            for x, m in zip(values, tree.flatten(mask)):
                if m is not None and x is not None:
                    set_keras_mask(x, m)
        outputs = graph.run_graph(self._nodes, self._inputs, values, self._outputs_struct,
                                  lambda node, args, kwargs: node.layer(*args, **kwargs))
        return _unpack_singleton(outputs)

    def compute_output_spec(self, inputs, training=None, mask=None):
        flat = tree.flatten(inputs)
        if all(getattr(x, "shape", None) == t.shape for x, t in zip(flat, self._inputs)):
            out = tree.map_structure(lambda t: KerasTensor(t.shape, t.dtype), self._outputs_struct)
            return _unpack_singleton(out)
        with warnings.catch_warnings():  # the eager call warns about its inputs, not this one
            warnings.simplefilter("ignore")
            return _trial_output_spec(self, (inputs,), {})

    def compute_output_shape(self, input_shape):
        specs = tree.map_shape_structure(lambda s: KerasTensor(s), input_shape)
        for x, t in zip(tree.flatten(specs), self._inputs):
            x.dtype = t.dtype
        return tree.map_structure(lambda x: x.shape, self.compute_output_spec(specs))

    def build(self, input_shape=None):
        self.built = True

    def get_config(self):
        if not _functional_like_constructor(type(self)):
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


def _spec_for(tensor, name=None):
    layer = tensor._keras_history[0]
    shape = (None,) + tuple(tensor.shape[1:]) if tensor.shape else ()
    return InputSpec(shape=shape, allow_last_axis_squeeze=True, name=name or layer.name,
                     optional=isinstance(layer, InputLayer) and bool(layer.optional))


def _keep_mask(before, after):
    mask = get_keras_mask(before)
    if mask is not None:
        set_keras_mask(after, mask)
    return after


def _unpack_singleton(x):
    return x[0] if isinstance(x, (list, tuple)) and len(x) == 1 else x


def _functional_like_constructor(cls):
    """Whether `cls` is built like a Functional (same constructor arguments, or *args/**kwargs):
    then its config is the graph's."""
    if cls in (Functional, Model) or cls.__init__ is Functional.__init__:
        return True
    spec = inspect.getfullargspec(cls.__init__)
    if spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]:
        return True
    return spec.varargs is not None and spec.varkw is not None


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
    for layer in model._operations:
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
            "input_layers": tree.map_structure(history, model._inputs_struct),
            "output_layers": tree.map_structure(history, model._outputs_struct)}


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
            raise ValueError(f"Invalid Functional model configuration. Missing node: {name}")
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
        if isinstance(structure, tuple):
            return tuple(tensors(v) for v in structure)
        if isinstance(structure, list):
            return [tensors(v) for v in structure]
        raise ValueError("Invalid Functional model configuration: bad tensor reference "
                         f"{structure!r}")

    try:
        inputs, outputs = tensors(config.pop("input_layers")), tensors(config.pop("output_layers"))
    except _NotReady:
        raise ValueError("Invalid Functional model configuration: an input or output refers to "
                         "a node that does not exist.") from None
    name, trainable = config.pop("name", None), config.pop("trainable", True)
    # what remains is a subclass's own arguments (`CustomModel(inputs, outputs, param=3)`)
    return cls(inputs=inputs, outputs=outputs, name=name,
               trainable=True if trainable is None else trainable, **config)


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
