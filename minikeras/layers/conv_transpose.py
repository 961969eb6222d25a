"""Transposed convolution layers: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose.

`activation(conv_transpose(inputs, kernel) + bias)`: the gradient of a convolution with respect
to its input, used to upsample. Output size per axis, with span = (k - 1) d + 1:
    valid: (S - 1) s + span + output_padding   (output_padding defaults to max(span, s) - span)
    same:  S s, or (S - 1) s + span % 2 + output_padding when output_padding is given.
"""
from minikeras import constraints, initializers, ops, regularizers
from minikeras.layers.convolutional import BaseConvLayer, _check_positive, standardize_tuple
from minikeras.ops.conv import conv_transpose_output_size
from minikeras.utils.argument_validation import in_layer


class BaseConvTranspose(BaseConvLayer):
    """N-d transposed convolution.

    Args:
        filters: positive int, the number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of `rank` ints.
        padding: "valid" or "same".
        output_padding: None, or an int / tuple of ints, each < the stride, added on the right.
    Weights: kernel (k..., filters, in_channels), bias (filters,).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, **kwargs)
        self.filters = _check_positive(self, "filters", filters)
        self.output_padding = None
        if output_padding is not None:
            try:
                self.output_padding = standardize_tuple(output_padding, rank, "output_padding",
                                                        allow_zero=True)
            except ValueError as e:
                raise ValueError(f"{e}{in_layer(self)}") from None
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {i}, `output_padding` is {op} but `strides` "
                        f"is {s}. Received: output_padding={self.output_padding}, "
                        f"strides={self.strides}{in_layer(self)}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def _convolve(self, inputs):
        return ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                  output_padding=self.output_padding,
                                  data_format=self.data_format, dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = tuple(input_shape[2:] if first else input_shape[1:-1])
        if len(spatial) != self.rank:
            raise ValueError(
                f"Layer '{self.name}' expected inputs of rank {self.rank + 2}, but received "
                f"input of shape {tuple(input_shape)}.")
        op = self.output_padding or (None,) * self.rank
        out = tuple(conv_transpose_output_size(n, k, s, d, self.padding, p) for n, k, s, d, p
                    in zip(spatial, self.kernel_size, self.strides, self.dilation_rate, op))
        if first:
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "output_padding": self.output_padding,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint)}


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution over (batch, steps, channels)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, *args, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, *args, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution over (batch, height, width, channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), *args, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, *args, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution over (batch, depth, height, width, channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1), *args,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, *args, **kwargs)


Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = \
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
