"""Convolution layers: Conv1D, Conv2D, Conv3D (and the shared base of every conv layer).

A Conv layer computes `activation(conv(inputs, kernel) + bias)` with `ops.conv` (one im2col
matmul). Transposed convolutions live in conv_transpose.py, depthwise and separable ones in
depthwise.py.
"""
import numpy as onp

from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.engine.config import standardize_data_format
from minikeras.layers.layer import InputSpec, Layer
from minikeras.layers.lora import LoRA, merged_weight
from minikeras.utils.argument_validation import in_layer, positive_int


def standardize_tuple(value, n, name, allow_zero=False):
    """An int or n ints -> a tuple of n ints, each > 0 (>= 0 with allow_zero)."""
    error = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, (int, onp.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(values) != n or not all(isinstance(v, (int, onp.integer)) for v in values):
            raise ValueError(error)
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        raise ValueError(f"{error}, including values {bad} that do not satisfy "
                         f"`value {'>= 0' if allow_zero else '> 0'}`")
    return values


def standardize_padding(value, allow_causal=False):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {set(allowed)}. "
                         f"Received: {value}")
    return padding


def conv_output_shape(layer, input_shape, filters):
    """(batch, spatial..., filters) for padding valid/same/causal; validates every axis.

    valid: floor((S - (k - 1) d - 1) / s) + 1;  same / causal: floor((S - 1) / s) + 1.
    """
    first = layer.data_format == "channels_first"
    spatial = tuple(input_shape[2:] if first else input_shape[1:-1])
    if len(spatial) != layer.rank:
        raise ValueError(
            f"Layer '{layer.name}' expected inputs of rank {layer.rank + 2}, i.e. a kernel shape "
            f"of the same length as the input, but received input of shape {tuple(input_shape)}.")
    out = []
    for size, k, s, d in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate):
        if size is None:
            out.append(None)
        elif layer.padding == "valid":
            out.append((size - (k - 1) * d - 1) // s + 1)
        else:
            out.append((size - 1) // s + 1)
    if any(n is not None and n <= 0 for n in out):
        raise ValueError(
            f"Computed output size would be zero or negative in layer '{layer.name}'. Received "
            f"`inputs shape={tuple(input_shape)}`, `kernel_size={layer.kernel_size}`, "
            f"`dilation_rate={layer.dilation_rate}`, `strides={layer.strides}`, "
            f"`padding={layer.padding}`.")
    if first:
        return (input_shape[0], filters) + tuple(out)
    return (input_shape[0],) + tuple(out) + (filters,)


def _check_positive(layer, name, value):
    return positive_int(value, name, layer, "Invalid value for argument `{name}`. Expected a "
                        "strictly positive value. Received {name}={value}.")


class BaseConvLayer(Layer):
    """What every convolution layer shares: geometry arguments, bias, activation, config.

    Subclasses set `rank`, create their kernels in `build` and compute `_convolve(inputs)`.
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, bias_constraint=None, activity_regularizer=None,
                 allow_causal=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        where = f"{in_layer(self)}"
        try:
            self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
            self.strides = standardize_tuple(strides, rank, "strides")
            self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
            self.padding = standardize_padding(padding, allow_causal=allow_causal)
        except ValueError as e:
            raise ValueError(str(e) + where) from None
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}" + where)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def _input_channels(self, input_shape):
        """Checks the rank (as Keras's InputSpec does before build) and returns the channels."""
        InputSpec(min_ndim=self.rank + 2).check(self.name, tuple(input_shape))
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs to layer '{self.name}' should "
                             f"be defined. Found None. Full input shape received: "
                             f"{tuple(input_shape)}")
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        return channels

    def _add_bias(self, size):
        self.bias = self.add_weight(name="bias", shape=(size,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        outputs = self._convolve(inputs)
        if self.bias is not None:
            if self.data_format == "channels_last":
                outputs = outputs + self.bias
            else:
                outputs = outputs + ops.reshape(self.bias, (-1,) + (1,) * self.rank)
        return self.activation(outputs) if self.activation is not None else outputs

    def get_config(self):
        return {**super().get_config(),
                "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class BaseConv(LoRA, BaseConvLayer):
    """N-d convolution: `activation(conv(inputs, kernel) + bias)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of `rank` ints.
        padding: "valid", "same" (output size ceil(S / s)) or, for Conv1D, "causal".
        data_format: "channels_last" (batch, spatial..., channels) or "channels_first".
        groups: split the input channels into `groups` groups, each with filters/groups filters.
        lora_rank, lora_alpha: LoRA from the start (see `enable_lora` and layers/lora.py).
    Weights: kernel (k..., in_channels / groups, filters), bias (filters,).
    """

    kernel = merged_weight("kernel")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, allow_causal=rank == 1,
                         **kwargs)
        self.filters = _check_positive(self, "filters", filters)
        if isinstance(groups, onp.integer):
            groups = int(groups)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError("The number of groups must be a positive integer. "
                             f"Received: groups={groups}.{in_layer(self)}")
        if self.filters % groups:
            raise ValueError("The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={groups}, filters={self.filters}."
                             + in_layer(self))
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self._init_lora(lora_rank, lora_alpha)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels (full "
                f"input shape is {tuple(input_shape)}).{in_layer(self)}")
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self._kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True
        self._build_lora()

    def _convolve(self, inputs):
        padding = self.padding
        if padding == "causal":  # pad (k - 1) d steps on the left only
            padding = (((self.kernel_size[0] - 1) * self.dilation_rate[0], 0),)
        return ops.conv(inputs, self.kernel, strides=self.strides, padding=padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(self, input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                **self._lora_config()}


class Conv1D(BaseConv):
    """1D convolution over (batch, steps, channels); padding may also be "causal", where
    output[t] depends only on input[:t + 1]."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, *args, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, *args, **kwargs)


class Conv2D(BaseConv):
    """2D convolution over (batch, height, width, channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, *args, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, *args, **kwargs)


class Conv3D(BaseConv):
    """3D convolution over (batch, depth, height, width, channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, *args,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, *args, **kwargs)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
