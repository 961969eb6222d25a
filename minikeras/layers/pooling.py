"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and their global versions.

    MaxPooling:     y[n, j, c] = max_{t < pool_size} x_pad[n, j*strides + t, c]
    AveragePooling: y[n, j, c] = mean of the unpadded x over the same window
    Global*Pooling: y[n, c] = max / mean of x[n, :, c] over every spatial position

The windowed layers call `ops.max_pool` / `ops.average_pool` (minikeras/ops/pooling.py).
"""
from minikeras import ops
from minikeras.engine.config import standardize_data_format
from minikeras.layers.layer import InputSpec, Layer
from minikeras.ops import pooling as _pooling
from minikeras.utils.argument_validation import layer_error


def _named(error, layer):
    return layer_error(layer, error)


class _Pooling(Layer):
    """Windowed pooling over `pool_dimensions` spatial axes.

    Args:
        pool_size: int or tuple of ints, the window size per spatial axis.
        strides: int, tuple or None (defaults to `pool_size`).
        padding: "valid" or "same" (case-insensitive).
        data_format: "channels_last" (batch, *spatial, channels) or "channels_first".
    """
    pool_dimensions, pool_mode = None, None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        nd = self.pool_dimensions
        try:
            self.pool_size = _pooling.standardize_tuple(pool_size, nd, "pool_size")
            self.strides = _pooling.standardize_tuple(pool_size if strides is None else strides, nd,
                                           "strides")
            self.padding = _pooling.standardize_padding(padding)
            self.data_format = standardize_data_format(data_format)
        except ValueError as e:
            raise _named(e, self) from None
        self.input_spec = InputSpec(ndim=nd + 2)
        self._build_at_init()

    def call(self, inputs):
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        try:
            return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)
        except ValueError as e:
            raise _named(e, self) from None

    def compute_output_shape(self, input_shape):
        try:
            return _pooling.output_shape(input_shape, self.pool_size, self.strides,
                                         self.padding, self.data_format)
        except ValueError as e:
            raise _named(e, self) from None

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """Max pooling over steps: (batch, steps, features) -> (batch, pooled_steps, features)."""
    pool_dimensions, pool_mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling2D(_Pooling):
    """Max pooling over (height, width)."""
    pool_dimensions, pool_mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling3D(_Pooling):
    """Max pooling over (depth, height, width)."""
    pool_dimensions, pool_mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling1D(_Pooling):
    """Average pooling over steps; "same" windows average their unpadded elements only."""
    pool_dimensions, pool_mode = 1, "average"


class AveragePooling2D(_Pooling):
    """Average pooling over (height, width)."""
    pool_dimensions, pool_mode = 2, "average"


class AveragePooling3D(_Pooling):
    """Average pooling over (depth, height, width)."""
    pool_dimensions, pool_mode = 3, "average"


class _GlobalPooling(Layer):
    """Reduces every spatial axis; `keepdims=True` keeps them with length 1.

    Shapes: (batch, *spatial, channels) -> (batch, channels) for "channels_last";
    (batch, channels, *spatial) -> (batch, channels) for "channels_first".
    """
    pool_dimensions, reduce = None, None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        try:
            self.data_format = standardize_data_format(data_format)
        except ValueError as e:
            raise _named(e, self) from None
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.pool_dimensions + 2)
        self._build_at_init()

    @property
    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.pool_dimensions))

    def call(self, inputs):
        return self.reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self._axes
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over steps; with `mask` (batch, steps), the mean of the unmasked steps only:
    y[n, c] = sum_t mask[n, t] * x[n, t, c] / sum_t mask[n, t]."""
    pool_dimensions, reduce = 1, staticmethod(ops.mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        mask = ops.expand_dims(ops.convert_to_numpy(mask).astype(bool),
                               2 if self.data_format == "channels_last" else 1)
        weights = mask.astype(ops.dtype(inputs))
        return (ops.sum(ops.where(mask, inputs, 0.0), axis=self._axes, keepdims=self.keepdims)
                / ops.sum(weights, axis=self._axes, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over the spatial axes: y[n, c] = mean over (h, w) of x[n, h, w, c]."""
    pool_dimensions, reduce = 2, staticmethod(ops.mean)


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial axes."""
    pool_dimensions, reduce = 3, staticmethod(ops.mean)


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over steps; ties share the gradient equally (as jnp.max / Keras-JAX)."""
    pool_dimensions, reduce = 1, staticmethod(ops.max)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over the spatial axes: y[n, c] = max over (h, w) of x[n, h, w, c]."""
    pool_dimensions, reduce = 2, staticmethod(ops.max)


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over the three spatial axes."""
    pool_dimensions, reduce = 3, staticmethod(ops.max)


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
