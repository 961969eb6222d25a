"""Adaptive pooling (Keras 3's AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D):
pool each spatial axis of length L into `output_size` windows, whatever L is.

Window i along an axis covers [floor(i * L / out), ceil((i + 1) * L / out)) (PyTorch's rule,
which Keras's backends reproduce); average and max are separable, so each axis is pooled in
turn: average as a matmul with a (L, out) matrix of 1/window_size entries, max as one gather of
every window (short windows repeat their last index, which leaves the max unchanged) and a max.
"""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.config import image_data_format
from minikeras.layers.layer import Layer


def _windows(length, out):
    starts = (onp.arange(out) * length) // out
    ends = -((-onp.arange(1, out + 1) * length) // out)  # ceil
    return starts, ends


def _average_axis(x, axis, out):
    starts, ends = _windows(x.shape[axis], out)
    weights = onp.zeros((x.shape[axis], out), dtype=x.dtype)
    for i, (s, e) in enumerate(zip(starts, ends)):
        weights[s:e, i] = 1.0 / (e - s)
    pooled = anp.matmul(anp.moveaxis(x, axis, -1), weights)
    return anp.moveaxis(pooled, -1, axis)


def _max_axis(x, axis, out):
    starts, ends = _windows(x.shape[axis], out)
    width = int((ends - starts).max())
    index = onp.minimum(starts[:, None] + onp.arange(width), ends[:, None] - 1)  # (out, width)
    gathered = x[(slice(None),) * axis + (index.ravel(),)]
    shape = x.shape[:axis] + (out, width) + x.shape[axis + 1:]
    return anp.max(anp.reshape(gathered, shape), axis=axis + 1)


def adaptive_pool(x, output_size, data_format, mode):
    """Pools the spatial axes of `x` (batch, *spatial, channels) or (batch, channels, *spatial)
    to `output_size`, taking the window average (`mode="average"`) or maximum ("max")."""
    pool_axis = _average_axis if mode == "average" else _max_axis
    first = 1 if data_format == "channels_last" else 2
    for k, out in enumerate(output_size):
        x = pool_axis(x, first + k, out)
    return x


class _AdaptivePooling(Layer):
    """Shared arguments: `output_size` (int or tuple, one entry per spatial axis) and
    `data_format` ("channels_last": (batch, *spatial, channels); "channels_first")."""
    mode, rank = None, None

    def __init__(self, output_size, data_format=None, **kwargs):
        output_size = self._standardize_output_size(output_size)
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = data_format or image_data_format()
        if self.data_format not in {"channels_first", "channels_last"}:
            raise ValueError(f"Invalid data_format: {self.data_format}. "
                             "Expected 'channels_first' or 'channels_last'.")

    def _standardize_output_size(self, output_size):
        if isinstance(output_size, int):
            return (output_size,) * self.rank
        if self.rank == 1 and isinstance(output_size, (tuple, list)):
            if len(output_size) != 1:
                raise ValueError("For 1D input, `output_size` tuple must have length 1. "
                                 f"Received: {output_size}")
            return tuple(output_size)
        if isinstance(output_size, (tuple, list)) and len(output_size) == self.rank:
            return tuple(output_size)
        names = {1: "tuple of 1 integer", 2: "(height, width) tuple",
                 3: "(depth, height, width) tuple"}[self.rank]
        raise TypeError(f"`output_size` must be an integer or {names}. "
                        f"Received: {output_size} of type {type(output_size)}")

    def call(self, inputs):
        return adaptive_pool(inputs, self.output_size, self.data_format, self.mode)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Averages (batch, steps, channels) into (batch, output_size, channels) windows."""
    mode, rank = "average", 1


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Averages (batch, height, width, channels) into an `output_size` grid of windows."""
    mode, rank = "average", 2


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Averages (batch, depth, height, width, channels) into an `output_size` grid of windows."""
    mode, rank = "average", 3


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Takes the max of (batch, steps, channels) over `output_size` windows."""
    mode, rank = "max", 1


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Takes the max of (batch, height, width, channels) over an `output_size` grid of windows."""
    mode, rank = "max", 2


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Takes the max of (batch, depth, height, width, channels) over an `output_size` grid."""
    mode, rank = "max", 3
