"""AutoContrast: stretches each image channel to the full value range."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.autodiff import untraced

from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class AutoContrast(BaseImagePreprocessingLayer):
    """On the (0, 255) scale, per image and channel (axes 1, 2 of a batch, as Keras): out = clip((x - lo) * 255 / (hi - lo),
    0, 255), lo / hi the channel's minimum / maximum; constant channels (NaN) are kept.
    Applied in training and inference alike (it is not random).

    Args:
        value_range: (min, max) of the input values, default (0, 255).
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self._set_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        x = self._transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = x.astype(self.compute_dtype)
        # Keras reduces over axes (1, 2) whatever the data format (H, W of a channels_last batch)
        low = anp.min(x, axis=(1, 2), keepdims=True)
        high = anp.max(x, axis=(1, 2), keepdims=True)
        # A constant channel (high == low) is NaN in Keras (0 * inf) and falls back to the
        # input; a safe divisor gives the same values without NaN in the gradient.
        flat = high == low
        scale = 255.0 / anp.where(flat, anp.ones_like(high), high - low)
        out = anp.clip(x * scale - low * scale, 0.0, 255.0)
        out = self._transform_value_range(out, (0, 255), self.value_range, self.compute_dtype)
        keep = flat | onp.isnan(untraced(out))
        return anp.where(keep, original, out).astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}
