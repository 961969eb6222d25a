"""`Lambda`: wraps an arbitrary function of the inputs as a layer."""
import inspect
import types

from minikeras.engine.keras_tensor import KerasTensor, map_structure
from minikeras.layers.layer import Layer, _trial_output_spec


def _is_shape(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)


def _serialize_function(fn):
    """Keras's form of a Lambda's function: a named function by name (`{"module": "builtins",
    "class_name": "function", "config": name, ...}`), a Python lambda as `__lambda__` bytecode,
    which only a caller passing `safe_mode=False` can load back."""
    from minikeras.saving.serialization_lib import func_dump, serialize_keras_object
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialize_keras_object(fn)


def _deserialize_function(config, custom_objects=None, safe_mode=None):
    """The function a config names, resolved by minikeras.saving (built-in, registered or in
    `custom_objects`); lambda bytecode is refused unless safe mode is off."""
    from minikeras.saving.serialization_lib import deserialize_keras_object, func_load
    if not isinstance(config, dict):
        return config
    if config.get("class_name") == "__lambda__":
        inner = config.get("config") or {}
        if "value" in inner:
            return func_load(inner["value"], safe_mode=safe_mode)
        return func_load(inner.get("code"), inner.get("defaults"), inner.get("closure"),
                         safe_mode=safe_mode)
    return deserialize_keras_object(config, custom_objects=custom_objects)


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
        self._build_at_init()

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            inputs = map_structure(lambda s: KerasTensor(s, self.compute_dtype), input_shape,
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
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from minikeras.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        config["function"] = _deserialize_function(config["function"], custom_objects, safe_mode)
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _deserialize_function(config["output_shape"], custom_objects,
                                                           safe_mode)
        elif isinstance(config.get("output_shape"), list):
            shape = config["output_shape"]
            config["output_shape"] = tuple(shape) if all(
                d is None or isinstance(d, int) for d in shape) else shape
        if isinstance(config.get("mask"), dict):
            config["mask"] = _deserialize_function(config["mask"], custom_objects, safe_mode)
        if config.get("arguments"):
            config["arguments"] = deserialize_keras_object(config["arguments"],
                                                           custom_objects=custom_objects)
        return super().from_config(config)


def _first_shape(structure):
    while not _is_shape(structure):
        structure = structure[0] if isinstance(structure, (list, tuple)) else next(iter(structure.values()))
    return structure
