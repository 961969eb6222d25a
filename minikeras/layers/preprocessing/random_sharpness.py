"""RandomSharpness: blends each image with a smoothed copy, by a random amount."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer

# PIL's SMOOTH filter: 1/13 around a centre weight of 5/13.
_SMOOTH = onp.full((3, 3), 1.0 / 13.0)
_SMOOTH[1, 1] = 5.0 / 13.0


def smooth_3x3(images):
    """(N, H, W, C) convolved per channel with _SMOOTH, zero padding ("same")."""
    n, h, w, c = anp.shape(images)
    padded = anp.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="constant")
    out = 0
    for i in range(3):
        for j in range(3):
            out = out + images.dtype.type(_SMOOTH[i, j]) * padded[:, i:i + h, j:j + w, :]
    return out


class RandomSharpness(BaseImagePreprocessingLayer):
    """out = clip(x + (1 - 2f) * (smooth(x) - x), value_range), f ~ U[lo, hi) per image: f = 0
    gives the smoothed image, 0.5 the original, 1 a sharpened one; in training; identity at
    inference.

    Args:
        factor: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(data)
        return {"factor": self._uniform((n,), self.factor[0], self.factor[1], seed)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        x = images[None] if anp.ndim(images) == 3 else images
        if self.data_format == "channels_first":
            x = anp.swapaxes(x, -3, -1)
        k = (anp.asarray(transformation["factor"]) * 2).astype(x.dtype).reshape(-1, 1, 1, 1)
        x = anp.clip(x + (1.0 - k) * (smooth_3x3(x) - x), self.value_range[0], self.value_range[1])
        if self.data_format == "channels_first":
            x = anp.swapaxes(x, -3, -1)
        return x[0] if anp.ndim(images) == 3 else x

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
