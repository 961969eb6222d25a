"""Zero-padding and cropping layers: ZeroPadding1D/2D/3D, Cropping1D/2D/3D.

Each pads or crops the spatial axes of a (batch, *spatial, channels) input (or
(batch, channels, *spatial) with `data_format="channels_first"`).
Crops use `split` rather than slicing: autograd's gradient of a slice scatters with
`np.add.at`, while split's gradient is a single `concatenate` (about 3x faster).
"""
import numpy as onp

from minikeras import ops
from minikeras.engine.config import standardize_data_format
from minikeras.layers.layer import InputSpec, Layer
from minikeras.utils.argument_validation import layer_error

_ORDINALS = ("1st", "2nd", "3rd")


def layer_data_format(layer, data_format):
    try:
        return standardize_data_format(data_format)
    except ValueError as e:
        raise layer_error(layer, str(e)) from None


def standardize_tuple(layer, value, n, name, allow_zero=False):
    """An int or n ints as a tuple of n ints (> 0, or >= 0 with `allow_zero`), as Keras does."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, (int, onp.integer)):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise layer_error(layer, msg) from None
        if len(values) != n:
            raise layer_error(layer, msg)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, onp.integer)):
                raise layer_error(layer, f"{msg}including element {v} of type {type(v)}")
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise layer_error(layer, f"{msg}, including values {bad} that do not satisfy `value {req}`")
    return values


def spatial_pairs(layer, value, rank, arg):
    """`value` (int, `rank` ints, or `rank` pairs) as `rank` (before, after) pairs of ints."""
    if isinstance(value, (int, onp.integer)):
        if value < 0:
            raise layer_error(layer, f"`{arg}` cannot be negative. Received: {arg}={value}.")
        return ((int(value),) * 2,) * rank
    if not hasattr(value, "__len__"):
        names = ("height", "width") if rank == 2 else ("dim1", "dim2", "dim3")
        raise layer_error(
            layer, f"`{arg}` should be either an int, a tuple of {rank} ints "
            f"({', '.join('symmetric_' + n + '_' + arg[:4] for n in names)}), or a tuple of "
            f"{rank} tuples of 2 ints. Received: {arg}={value}.")
    if len(value) != rank:
        count = "two" if rank == 2 else str(rank)
        raise layer_error(layer, f"`{arg}` should have {count} elements. Received: {arg}={value}.")
    return tuple(standardize_tuple(layer, v, 2, f"{_ORDINALS[i]} entry of {arg}", allow_zero=True)
                 for i, v in enumerate(value))


def spatial_axes(data_format, rank):
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


class _ZeroPadding(Layer):
    """Pads the spatial axes with zeros: size n -> n + before + after."""

    rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = layer_data_format(self, data_format)
        if self.rank == 1:
            self.padding = standardize_tuple(self, padding, 2, "padding", allow_zero=True)
            self._pairs = (self.padding,)
        else:
            self.padding = self._pairs = spatial_pairs(self, padding, self.rank, "padding")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        widths = [(0, 0)] * (self.rank + 2)
        for axis, pair in zip(spatial_axes(self.data_format, self.rank), self._pairs):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(spatial_axes(self.data_format, self.rank), self._pairs):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros before and after the steps axis: (batch, steps, features) ->
    (batch, left + steps + right, features).

    Args:
        padding: int (same on both sides) or (left, right).
        data_format: "channels_last" (batch, steps, features) or "channels_first".
    """
    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros: (batch, h, w, c) -> (batch, top + h + bottom,
    left + w + right, c).

    Args:
        padding: int, (symmetric_height, symmetric_width), or ((top, bottom), (left, right)).
        data_format: "channels_last" (batch, h, w, c) or "channels_first" (batch, c, h, w).
    """
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around the three spatial axes of a (batch, d1, d2, d3, c) input.

    Args:
        padding: int, 3 ints (symmetric per axis), or 3 (before, after) pairs.
        data_format: "channels_last" or "channels_first" (batch, c, d1, d2, d3).
    """
    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(Layer):
    """Removes `before` and `after` entries of each spatial axis: size n -> n - before - after."""

    rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = layer_data_format(self, data_format)
        if self.rank == 1:
            self.cropping = standardize_tuple(self, cropping, 2, "cropping", allow_zero=True)
            self._pairs = (self.cropping,)
        else:
            self.cropping = self._pairs = spatial_pairs(self, cropping, self.rank, "cropping")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _cropped_shape(self, received, label):
        shape = list(received)
        for axis, (before, after) in zip(spatial_axes(self.data_format, self.rank), self._pairs):
            if shape[axis] is None:
                continue
            shape[axis] -= before + after
            if shape[axis] <= 0:
                if self.rank == 1:
                    raise layer_error(self, "`cropping` parameter of `Cropping1D` layer must be "
                                      "smaller than the input length. Received: "
                                      f"{label}={tuple(received)}, cropping={self.cropping}")
                raise layer_error(self, "Values in `cropping` argument should be smaller than the "
                                  "corresponding spatial dimension of the input. Received: "
                                  f"{label}={tuple(received)}, cropping={self.cropping}")
        return tuple(shape)

    def call(self, inputs):
        shape = tuple(inputs.shape)
        self._cropped_shape(shape, "inputs.shape")
        x = inputs
        for axis, (before, after) in zip(spatial_axes(self.data_format, self.rank), self._pairs):
            if before or after:
                x = ops.split(x, [before, shape[axis] - after], axis=axis)[1]
        return x

    def compute_output_shape(self, input_shape):
        return self._cropped_shape(input_shape, "input_shape")

    def get_config(self):
        config = {**super().get_config(), "cropping": self.cropping}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(_Cropping):
    """Crops the steps axis: (batch, steps, features) -> (batch, steps - left - right, features).

    Args:
        cropping: int (same on both sides) or (left, right).
    """
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns: (batch, h, w, c) -> (batch, h - top - bottom, w - left - right, c).

    Args:
        cropping: int, (symmetric_height, symmetric_width), or ((top, bottom), (left, right)).
        data_format: "channels_last" (batch, h, w, c) or "channels_first" (batch, c, h, w).
    """
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes of a (batch, d1, d2, d3, c) input.

    Args:
        cropping: int, 3 ints (symmetric per axis), or 3 (before, after) pairs.
        data_format: "channels_last" or "channels_first" (batch, c, d1, d2, d3).
    """
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
