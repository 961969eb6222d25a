"""Core layers: Input / InputLayer, Dense, Identity."""
from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.engine.dtypes import standardize_dtype
from minikeras.engine.keras_tensor import KerasTensor, Node
from minikeras.layers.layer import InputSpec, Layer, standardize_shape
from minikeras.layers.lora import LoRA, merged_weight
from minikeras.utils.argument_validation import positive_int


class InputLayer(Layer):
    """The layer behind `keras.Input`: holds the shape and dtype of a model input."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        kwargs.pop("ragged", None)
        super().__init__(name=name, **kwargs)
        # The input's own dtype (int32 token ids, ...), not a dtype policy: as in Keras, an
        # InputLayer keeps the global policy and reports this dtype.
        self._dtype = standardize_dtype(dtype)
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to `Input`/`InputLayer`.")
            batch_shape = (batch_size,) + standardize_shape(shape)
        self.batch_shape = standardize_shape(batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self._build_at_init()
        tensor = KerasTensor(self.batch_shape, dtype=self._dtype, name=self.name)
        Node(self, (), {}, tensor)
        self.output_tensor = tensor

    def call(self):
        return None

    @property
    def dtype(self):
        return self._dtype

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self._dtype, "sparse": self.sparse,
                "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """A symbolic model input: `keras.Input(shape=(784,))` is a KerasTensor of shape (None, 784)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, optional=optional)
    return layer.output_tensor


class Dense(LoRA, Layer):
    """A fully connected layer: `output = activation(dot(input, kernel) + bias)`.

    Args:
        units: positive integer, the size of the output.
        activation: activation function (name or callable); None is linear.
        use_bias: whether to add a bias vector.
        lora_rank, lora_alpha: LoRA from the start (see `enable_lora` and layers/lora.py).
    Shapes: (..., input_dim) -> (..., units); kernel (input_dim, units), bias (units,).
    """

    kernel = merged_weight("kernel")

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, **kwargs):
        units = positive_int(units, "units", kwargs.get("name"), "Received an invalid value for "
                             "`{name}`, expected a positive integer. Received: {name}={value}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_lora(lora_rank, lora_alpha)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"The last dimension of the inputs to a Dense layer should be defined. "
                f"Found None. Full input shape received: {tuple(input_shape)}")
        self._kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                       initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer,
                                       constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        self._build_lora(keep_alpha=False)

    def call(self, inputs, training=None):
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(),
                "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": None, **self._lora_config()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("quantization_config", None)
        return super().from_config(config)


class Identity(Layer):
    """Returns its input unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
