"""RandomContrast: scales each image's deviation from its mean by a random factor."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomContrast(BaseImagePreprocessingLayer):
    """out = clip((x - mean) * c + mean, value_range), mean per image and channel over H, W,
    c ~ U[1 - lo, 1 + hi) per image, in training; identity at inference.

    Args:
        factor: f gives c in [1 - f, 1 + f]; (lo, hi) gives [1 - lo, 1 + hi]; within [0, 1].
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(data)
        images = data["images"] if isinstance(data, dict) else data
        shape = (n, 1, 1, 1) if anp.ndim(images) == 4 else (1, 1, 1)
        if not training:
            return {"contrast_factor": anp.zeros(shape, "float32")}
        factor = self._uniform(shape, 1.0 - self.factor[0], 1.0 + self.factor[1], seed,
                               self.compute_dtype)
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        h_axis, w_axis = self._spatial_axes()
        x = images if images.dtype.kind == "f" else images.astype(self.compute_dtype)
        mean = anp.mean(anp.mean(x, axis=h_axis, keepdims=True), axis=w_axis, keepdims=True)
        factor = anp.asarray(transformation["contrast_factor"]).astype(x.dtype)
        return anp.clip((x - mean) * factor + mean, self.value_range[0], self.value_range[1])

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
