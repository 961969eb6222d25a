"""`Sequential`: a plain stack of layers, each with one input and one output."""
from minikeras.engine.masking import set_keras_mask
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.core import InputLayer
from minikeras.layers.layer import Layer
from minikeras.models.model import Model


class Sequential(Model):
    """`Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10)])`.

    Built at once when the first layer knows its input shape (`keras.Input`, `input_shape=`,
    `input_dim=`), otherwise on the first call or the first `fit`.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        object.__setattr__(self, '_input_layer', None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Adds a layer (or a `keras.Input`) on top of the stack."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._layers:
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use an input "
                    f"shape. You cannot add a different Input layer to it.")
            object.__setattr__(self, '_input_layer', layer)
        else:
            if any(layer.name == l.name for l in self._layers):
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name.")
            if not self._layers and self._input_layer is None and layer._batch_input_shape is not None:
                object.__setattr__(self, '_input_layer', InputLayer(batch_shape=layer._batch_input_shape))
            self._layers.append(layer)
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def input_dtype(self):
        """Inputs are converted to the input layer's dtype (the policy's before one exists)."""
        if self._input_layer is not None:
            return self._input_layer.dtype
        return super().input_dtype

    def _maybe_rebuild(self):
        if self._input_layer is not None and self._layers:
            self.build(self._input_layer.batch_shape)

    def build(self, input_shape=None):
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        input_shape = tuple(input_shape)
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            # as Keras: the input takes the first layer's compute dtype
            dtype = self._layers[0].compute_dtype if self._layers else None
            object.__setattr__(self, '_input_layer', InputLayer(batch_shape=input_shape, dtype=dtype))
        x = self._input_layer.output_tensor
        self._build_shapes = input_shape
        for layer in self._layers:
            x = layer(x)
        self._output_tensor = x
        self.built = True

    def _build_from_data(self, x, hook=None, y=None):
        import numpy as onp
        if not self.built:
            self.build((None,) + tuple(onp.shape(x)[1:]))
        if hook is not None:
            super()._build_from_data(x, hook, y)

    def compute_mask(self, inputs, mask=None):
        return None  # the outputs already carry the masks their own layers attached

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if mask is not None:
            x = self._convert_input(x)
            set_keras_mask(x, mask)
        for layer in self._layers:
            x = layer(x)
        return x

    def __call__(self, *args, **kwargs):
        if not self.built and args and not isinstance(args[0], KerasTensor):
            import numpy as onp
            self._build_from_data(onp.asarray(args[0]) if not hasattr(args[0], "shape") else args[0])
        return super().__call__(*args, **kwargs)

    def _check_input_spec(self, inputs):
        if self._input_layer is None:
            return
        expected = self._input_layer.batch_shape
        shape = tuple(getattr(inputs, "shape", ()))
        if len(shape) != len(expected) or any(a is not None and a != b for a, b in zip(expected[1:], shape[1:])):
            raise ValueError(
                f"Input 0 of layer '{self._layers[0].name if self._layers else self.name}' is "
                f"incompatible with the layer: expected shape={expected}, found shape={shape}")

    @property
    def inputs(self):
        return [self._input_layer.output_tensor] if self._input_layer is not None else None

    @property
    def outputs(self):
        return [self._output_tensor] if self.built and hasattr(self, "_output_tensor") else None

    @property
    def input_shape(self):
        return self._input_layer.batch_shape if self._input_layer is not None else None

    @property
    def output_shape(self):
        return self._output_tensor.shape if hasattr(self, "_output_tensor") else None

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
