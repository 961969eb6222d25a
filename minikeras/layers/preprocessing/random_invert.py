"""RandomInvert: replaces an image x by max - x with a random probability."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomInvert(BaseImagePreprocessingLayer):
    """Each image draws p ~ U[lo, hi) and u ~ U[0, 1) and becomes value_range[1] - x when
    u < p, in training; identity at inference.

    Args:
        factor: the inversion probability: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1]
            (default 1.0).
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = self._batch_size(data)
        rng = self._rng(seed)
        probability = self._uniform((n,), self.factor[0], self.factor[1], rng)
        threshold = self._uniform((n,), 0, 1, rng)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        apply = anp.asarray(transformation["apply_inversion"])[:, None, None, None]
        if anp.ndim(images) == 3:
            apply = apply[0]
        return anp.where(apply, self.value_range[1] - images, images).astype(images.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
