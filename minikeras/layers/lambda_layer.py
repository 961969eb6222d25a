"""`Lambda`: wraps an arbitrary function of the inputs as a layer."""
import importlib
import inspect
import types

from minikeras.engine.keras_tensor import KerasTensor, map_structure
from minikeras.layers.layer import Layer, _trial_output_spec


def _is_shape(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)


def _serialize_function(fn):
    """A function by name (`{"module", "class_name": "function", "config": name}`), as Keras
    serializes named functions. Python lambdas are marked `__lambda__` with no bytecode: they
    work in process but cannot be rebuilt from the config."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        return {"class_name": "__lambda__",
                "config": {"code": None, "defaults": None, "closure": None}}
    return {"module": getattr(fn, "__module__", None) or "builtins", "class_name": "function",
            "config": getattr(fn, "__name__", type(fn).__name__), "registered_name": "function"}


def _deserialize_function(config, custom_objects=None):
    if not isinstance(config, dict):
        return config
    if config.get("class_name") == "__lambda__":
        raise ValueError(
            "Requested the deserialization of a `Lambda` layer whose `function` is a Python "
            "lambda. minikeras does not serialize lambda bytecode: pass the function again, or "
            "use a named function (looked up by name, or in `custom_objects`).")
    name = config["config"]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:
        return getattr(importlib.import_module(config.get("module") or "builtins"), name)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"Could not find the function '{name}' for a `Lambda` layer. "
                         "Pass it in `custom_objects`.") from e


class Lambda(Layer):
    """A layer whose forward pass is `function(inputs, **arguments)`.

    Args:
        function: the function to apply; it may take `mask` and `training` keywords.
        output_shape: the output shape without the batch axis (tuple, or a function of the
            input shape, batch included). Inferred by a trial call when None.
        mask: a mask (or a function `mask(inputs, mask)`) to attach to the output.
        arguments: a dict of extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.arguments = arguments or {}
        self.function = function
        self.supports_masking = mask is not None
        self.mask = mask
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature
            params = {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            inputs = map_structure(lambda s: KerasTensor(s, self._dtype), input_shape,
                                   is_leaf=_is_shape)
            return map_structure(lambda t: t.shape, _trial_output_spec(self, (inputs,), {}))
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = (input_shape if _is_shape(input_shape) else _first_shape(input_shape))[0]
        return map_structure(lambda s: (batch,) + tuple(s), self._output_shape, is_leaf=_is_shape)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return _trial_output_spec(self, args, kwargs)
        return super().compute_output_spec(*args, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def get_config(self):
        config = {"function": _serialize_function(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = _serialize_function(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = dict(self.arguments)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["function"] = _deserialize_function(config["function"], custom_objects)
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _deserialize_function(config["output_shape"], custom_objects)
        elif isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        if isinstance(config.get("mask"), dict):
            config["mask"] = _deserialize_function(config["mask"], custom_objects)
        return super().from_config(config)


def _first_shape(structure):
    while not _is_shape(structure):
        structure = structure[0] if isinstance(structure, (list, tuple)) else next(iter(structure.values()))
    return structure
