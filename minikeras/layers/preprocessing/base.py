"""What the image preprocessing layers share: rank check, float cast, factor parsing, config."""
import numpy as onp
from minikeras.engine.autodiff import is_traced

from minikeras.engine.config import standardize_data_format
from minikeras.layers.layer import Layer
from minikeras.utils.argument_validation import in_layer

_NUMBER = (int, float, onp.integer, onp.floating)


def is_number(x):
    return isinstance(x, _NUMBER) and not isinstance(x, bool)


def is_training(training):
    """Keras's image layers default to training=True when no flag reaches them (`layer(x)`,
    `model(x)`); `fit` passes True and `predict` / `evaluate` pass False."""
    return True if training is None else bool(training)


class BaseImagePreprocessingLayer(Layer):
    """Base of the image layers: (N, H, W, C) or (H, W, C) inputs (channels_first: C first).

    Args:
        data_format: "channels_last" or "channels_first" (default: keras.config.image_data_format()).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)

    def _where(self):
        return in_layer(self)

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(
                "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={tuple(shape)}" + self._where())

    def build(self, input_shape):
        self._check_rank(input_shape)
        self.built = True

    def _spatial_axes(self):
        """(height axis, width axis), counted from the end."""
        return (-3, -2) if self.data_format == "channels_last" else (-2, -1)

    def _to_compute_dtype(self, x):
        """Keras casts images to the compute dtype (uint8 in, float32 out)."""
        if is_traced(x):
            return x
        x = onp.asarray(x)
        return x if x.dtype.name == self.compute_dtype else x.astype(self.compute_dtype)

    def _parse_factor(self, factor, name, low, high, low_open=False, message=None):
        """(lower, upper) from a number f (-> (-|f|, |f|)) or a pair, each within [low, high]
        ((low, high] when low_open), with Keras's error message."""
        message = message or (
            f"The `{name}` argument should be a number (or a list of two numbers) in the range "
            f"{'(' if low_open else '['}{low}, {high}].")
        bad = ValueError(f"{message} Received: {name}={factor}" + self._where())
        in_range = (lambda v: is_number(v) and (low < v if low_open else low <= v) and v <= high)
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(in_range(v) for v in factor):
                raise bad
            lower, upper = sorted(factor)
            return lower, upper
        if not in_range(factor):
            raise bad
        return -abs(factor), abs(factor)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
