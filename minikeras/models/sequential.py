"""`Sequential`: a plain stack of layers, each with one input and one output."""
import inspect

import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.masking import set_keras_mask
from minikeras.engine.name_scope import name_scope
from minikeras.layers.core import InputLayer
from minikeras.layers.layer import Layer
from minikeras.models.functional import Functional
from minikeras.models.model import Model


class Sequential(Model):
    """`Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10)])`.

    Built at once when the first layer knows its input shape (`keras.Input`, `input_shape=`,
    `input_dim=`, a model as first layer), otherwise on the first call or the first `fit`.
    Once the input shape is known the stack is also a functional graph, `model._functional`
    (as in Keras), which runs it; layers whose shapes cannot be inferred, or nested inputs,
    make the model apply its layers one after the other instead.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        object.__setattr__(self, "_input_layer", None)
        object.__setattr__(self, "_functional", None)
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Adds a layer (or a `keras.Input`) on top of the stack."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None and \
                isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._layers:
                shape = self._input_layer.batch_shape if self._input_layer is not None else None
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {shape}. You cannot add a different Input layer to it.")
            object.__setattr__(self, "_input_layer", layer)
        else:
            if any(layer.name == other.name and layer is not other for other in self._layers):
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name.")
            if not self._layers and self._input_layer is None and layer._batch_input_shape is not None:
                # the legacy `Dense(4, input_shape=(2,))`: an InputLayer of that shape
                object.__setattr__(self, "_input_layer", InputLayer(batch_shape=layer._batch_input_shape))
            self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False
            object.__setattr__(self, "_functional", None)

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        object.__setattr__(self, "_functional", None)
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self):
        """The layers added (the InputLayer, if any, is not listed)."""
        return list(self._layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError(
            "`Sequential.layers` attribute is reserved and should not be used. Use `add()` and "
            "`pop()` to change the layers in this model.")

    @property
    def input_dtype(self):
        """Inputs are converted to the input layer's dtype (the policy's before one exists)."""
        if self._input_layer is not None:
            return self._input_layer.dtype
        return super().input_dtype

    def _maybe_rebuild(self):
        self.built = False
        object.__setattr__(self, "_functional", None)
        if not self._layers:
            return
        if self._input_layer is not None:
            self.build(self._input_layer.batch_shape)
        elif len(self._layers) > 1 and _known_input_shape(self._layers[0]) is not None:
            # a model (or a called layer) first: its input shape is the stack's
            self.build(_known_input_shape(self._layers[0]))

    def build(self, input_shape=None):
        """Records the stack as a functional graph from an `Input` of `input_shape`."""
        try:
            input_shape = _standardize_shape(input_shape)
        except (TypeError, ValueError):
            self.built = True  # nested inputs: the layers are applied one after the other
            return
        if not self._layers:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no "
                             "layers. Call `model.add(layer)`.")
        if self._input_layer is not None:
            if tuple(self._input_layer.batch_shape) != input_shape:
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {self._input_layer.batch_shape}. You cannot build it with "
                    f"input_shape {input_shape}")
        else:  # as Keras: the input takes the first layer's compute dtype
            object.__setattr__(self, "_input_layer", InputLayer(
                batch_shape=input_shape, dtype=self._layers[0].compute_dtype))
        self._build_shapes = input_shape
        self.built = True
        inputs = x = self._input_layer.output_tensor
        with name_scope(self.name, caller=self):  # Keras's variable paths: "sequential/dense/kernel"
            for layer in self._layers:
                _check_single_positional(layer)
                try:
                    x = layer(x)
                except NotImplementedError:
                    return  # shapes cannot be inferred: run the layers one after the other
        object.__setattr__(self, "_functional", Functional(inputs=inputs, outputs=x))

    def _build_from_data(self, x, hook=None, y=None):
        if not self.built:
            self.build(_data_shape(x))
        if hook is not None:
            super()._build_from_data(x, hook, y)

    def compute_mask(self, inputs, mask=None):
        return None  # the outputs already carry the masks their own layers attached

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        x = inputs
        if mask is not None:
            x = self._convert_input(x)
            set_keras_mask(x, mask)
        for layer in self._layers:
            x = layer(x)
        return x

    def __call__(self, *args, **kwargs):
        if not self.built and args and not isinstance(args[0], KerasTensor):
            if not self._layers:
                raise ValueError(f"Sequential model {self.name} cannot be built because it has "
                                 "no layers. Call `model.add(layer)`.")
            self._build_from_data(args[0])
        return super().__call__(*args, **kwargs)

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        for layer in self._layers:
            inputs = layer.compute_output_spec(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        if self._functional is not None:
            return self._functional.compute_output_shape(input_shape)
        for layer in self._layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def _check_input_spec(self, inputs):
        if self._input_layer is None or self._functional is None:
            return
        expected = tuple(self._input_layer.batch_shape)
        shape = tuple(getattr(inputs, "shape", ()))
        if len(shape) == len(expected) + 1 and shape[-1] == 1:
            shape = shape[:-1]  # Keras squeezes (or adds) a trailing axis of size 1
        elif len(shape) == len(expected) - 1 and expected[-1] == 1:
            shape = shape + (1,)
        if len(shape) != len(expected) or any(a is not None and a != b for a, b in zip(expected[1:], shape[1:])):
            raise ValueError(
                f"Input 0 of layer '{self._layers[0].name if self._layers else self.name}' is "
                f"incompatible with the layer: expected shape={expected}, found shape={shape}")

    def _defined(self, what):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet.")
        return self._functional

    @property
    def inputs(self):
        return self._defined("inputs").inputs

    @property
    def outputs(self):
        return self._defined("outputs").outputs

    @property
    def input_shape(self):
        return self._defined("input shape").input_shape

    @property
    def output_shape(self):
        return self._defined("output shape").output_shape

    @property
    def _output_tensor(self):
        return self._defined("outputs").outputs[0]

    @property
    def output_names(self):
        return [self._layers[-1].name] if self._layers else []

    def get_config(self):
        """`{"name", "trainable", "dtype", "layers": [InputLayer, ...], "build_input_shape"}`."""
        from minikeras.saving.serialization_lib import serialize_keras_object
        config = Model.get_config(self)
        stack = ([self._input_layer] if self._input_layer is not None else []) + list(self._layers)
        config["layers"] = [serialize_keras_object(layer) for layer in stack]
        if self._build_shapes is not None:
            config["build_input_shape"] = self._build_shapes
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.saving.serialization_lib import deserialize_keras_object
        if isinstance(config, list):  # Keras 2.0-era: the list of layer configs alone
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects),
                      rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and isinstance(shape, (list, tuple)) and shape and model._layers:
            model.build(tuple(shape))
        if config.get("trainable") is False:
            model.trainable = False
        return model


def _standardize_shape(shape):
    """A batch shape as a tuple of ints and Nones; TypeError / ValueError for anything else
    (a dict or a list of shapes: nested inputs)."""
    if shape is None or isinstance(shape, dict) or not isinstance(shape, (list, tuple)):
        raise ValueError(f"Not a single input shape: {shape}")
    if not all(d is None or isinstance(d, (int, onp.integer)) for d in shape):
        raise TypeError(f"Not a single input shape: {shape}")
    return tuple(None if d is None else int(d) for d in shape)


def _data_shape(x):
    """The batch shape (batch size left open) of one input array; None for nested inputs."""
    if isinstance(x, (dict, list, tuple)) or not hasattr(x, "shape"):
        if isinstance(x, (list, tuple)) and x and all(isinstance(v, (int, float)) for v in x):
            return (None,) + onp.shape(x)[1:]
        return None
    return (None,) + tuple(x.shape[1:])


def _known_input_shape(layer):
    """The input shape of a model (or an already called layer) used as the first layer."""
    try:
        shape = layer.input_shape
    except (AttributeError, ValueError):
        return None
    return shape if isinstance(shape, tuple) else None


def _check_single_positional(layer):
    """Keras's errors for a layer whose `call` takes no input, or several required ones."""
    params = inspect.signature(layer.call).parameters.values()
    positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                    inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    if not positional:
        raise ValueError("Layers added to a Sequential model should have a single positional "
                         f"argument, the input tensor. Layer {layer.__class__.__name__} has no "
                         "positional arguments.")
    if len(required) > 1:
        raise ValueError("Layers added to a Sequential model can only have a single required "
                         "positional argument, the input tensor. Layer "
                         f"{layer.__class__.__name__} has multiple required positional "
                         f"arguments: {required}")
