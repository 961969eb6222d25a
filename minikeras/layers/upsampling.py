"""Upsampling layers: UpSampling1D/2D/3D.

"nearest" repeats each entry `size` times along each spatial axis. UpSampling2D's other
interpolations follow `jax.image.resize` (Keras's JAX backend, antialias off): each axis is
resized by one matrix product with a fixed (out, in) weight matrix, so the gradient is the
transposed product.
"""
import functools

import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras.layers.layer import InputSpec, Layer
from minikeras.layers.padding import layer_data_format, spatial_axes, standardize_tuple
from minikeras.utils.argument_validation import layer_error, positive_int

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _lanczos(radius):
    def kernel(x):
        safe = onp.where(x > 1e-3, x, 1.0)
        y = radius * onp.sin(onp.pi * safe) * onp.sin(onp.pi * safe / radius) / (onp.pi * safe) ** 2
        return onp.where(x > radius, 0.0, onp.where(x > 1e-3, y, 1.0))
    return kernel


def _keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5."""
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return onp.where(x >= 2.0, 0.0, onp.where(x >= 1.0, far, near))


_KERNELS = {"bilinear": lambda x: onp.maximum(0.0, 1.0 - x), "bicubic": _keys_cubic,
            "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


@functools.lru_cache(maxsize=64)
def resize_weights(in_size, out_size, interpolation):
    """The (out_size, in_size) matrix W of a 1-D resize, `y = W @ x`, as jax.image.resize builds it.

    Output pixel i samples the input at s_i = (i + 0.5) * in / out - 0.5;
    W[i, j] = k(|s_i - j|) / sum_j k(|s_i - j|), zero where s_i lies outside [-0.5, in - 0.5].
    """
    sample = (onp.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    weights = _KERNELS[interpolation](onp.abs(sample[:, None] - onp.arange(in_size)[None, :]))
    total = weights.sum(axis=1, keepdims=True)
    weights = onp.where(onp.abs(total) > 1000.0 * onp.finfo(onp.float32).eps,
                        weights / onp.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return onp.where(inside[:, None], weights, 0.0)


def resize_axis(x, axis, out_size, interpolation):
    """Resizes axis `axis` of `x` to `out_size` with one tensordot."""
    w = resize_weights(int(x.shape[axis]), int(out_size), interpolation).astype(x.dtype)
    return anp.moveaxis(anp.tensordot(x, w, axes=([axis], [1])), -1, axis)


class _UpSampling(Layer):
    """Repeats (or interpolates) along each spatial axis: size n -> n * factor."""

    rank = None

    def _setup(self, size, data_format):
        self.data_format = layer_data_format(self, data_format)
        self.size = standardize_tuple(self, size, self.rank, "size")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _factors(self):
        return self.size if isinstance(self.size, tuple) else (self.size,)

    def call(self, inputs):
        x = inputs
        for axis, factor in zip(spatial_axes(self.data_format, self.rank), self._factors()):
            if factor != 1:
                x = ops.repeat(x, factor, axis=axis)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(spatial_axes(self.data_format, self.rank), self._factors()):
            if shape[axis] is not None:
                shape[axis] *= factor
        return tuple(shape)

    def get_config(self):
        config = {**super().get_config(), "size": self.size}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step `size` times: (batch, steps, features) -> (batch, steps * size, features).

    Args:
        size: positive integer, the upsampling factor.
    """
    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise layer_error(self, f"Expected an integer value for `size`, got {type(size)}.",
                              TypeError)
        positive_int(size, "size", self, "Argument `{name}` should be a positive integer. "
                     "Received: {name}={value}")
        self.size = size
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=3)


class UpSampling2D(_UpSampling):
    """Upsamples rows by size[0] and columns by size[1]: (batch, h, w, c) -> (batch, h*s0, w*s1, c).

    Args:
        size: int or 2 ints, the upsampling factors for rows and columns.
        data_format: "channels_last" (batch, h, w, c) or "channels_first" (batch, c, h, w).
        interpolation: "nearest" (repeat each pixel) or one of "bilinear", "bicubic",
            "lanczos3", "lanczos5" (jax.image.resize with half-pixel centres; edges renormalised).
    """
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self._setup(size, data_format)
        self.interpolation = interpolation.lower()
        if self.interpolation not in RESIZE_INTERPOLATIONS:
            raise layer_error(self, "Invalid value for argument `interpolation`. Expected of one "
                              f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        x = inputs
        for axis, factor in zip(spatial_axes(self.data_format, 2), self.size):
            if factor != 1:
                x = resize_axis(x, axis, x.shape[axis] * factor, self.interpolation)
        return x

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeats entries along the three spatial axes of a (batch, d1, d2, d3, c) input.

    Args:
        size: int or 3 ints, the upsampling factors.
        data_format: "channels_last" or "channels_first" (batch, c, d1, d2, d3).
    """
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(size, data_format)

