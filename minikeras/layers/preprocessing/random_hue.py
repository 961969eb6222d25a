"""RandomHue: rotates the HSV hue of each image by a random amount."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import color_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomHue(BaseImagePreprocessingLayer):
    """On the [0, 1] scale, in HSV: H' = H + d wrapped into [0, 1], d = +/- f / 2 with
    f ~ U[lo, hi) and a random sign per image; back to RGB, clipped, rescaled, in training;
    identity at inference.

    Args:
        factor: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(data)
        rng = self._rng(seed)
        sign = anp.where(self._uniform((n,), 0, 1, rng) > 0.5, -1.0, 1.0).astype("float32")
        factor = self._uniform((n,), self.factor[0], self.factor[1], rng)
        return {"factor": sign * factor * anp.float32(0.5)}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        x = self._transform_value_range(self._to_compute_dtype(images), self.value_range, (0, 1))
        shift = anp.asarray(transformation["factor"]).astype(x.dtype).reshape(-1, 1, 1)
        if anp.ndim(x) == 3:
            shift = shift[0]
        axis = color_ops.channel_axis(self.data_format)
        hsv = color_ops.rgb_to_hsv(x, self.data_format)
        h, s, v = color_ops.planes(hsv, axis)
        h = h + shift
        h = anp.where(h > 1.0, h - 1.0, h)
        h = anp.where(h < 0.0, h + 1.0, h)
        rgb = anp.clip(color_ops.hsv_to_rgb(anp.stack([h, s, v], axis=axis), self.data_format), 0, 1)
        return self._transform_value_range(rgb, (0, 1), self.value_range).astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
