"""RandomBrightness: adds one random offset per image, clipped to the value range."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomBrightness(BaseImagePreprocessingLayer):
    """Shifts every pixel of an image by delta = U[lo, hi) * (max - min) of `value_range`, then
    clips to `value_range`, in training; identity at inference.

    Args:
        factor: f gives [-f, f], (lo, hi) gives [lo, hi], within [-1, 1] (-1: black, 1: white).
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    Shapes: (N, H, W, C) or (H, W, C), unchanged.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self._set_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(data)
        images = data["images"] if isinstance(data, dict) else data
        shape = (n, 1, 1, 1) if anp.ndim(images) == 4 else (1, 1, 1)
        if not training:
            return {"rgb_delta": anp.zeros(shape, "float32")}
        delta = self._uniform(shape, self.factor[0], self.factor[1], seed)
        return {"rgb_delta": delta * anp.float32(self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        delta = anp.asarray(transformation["rgb_delta"]).astype(images.dtype)
        return anp.clip(images + delta, self.value_range[0], self.value_range[1]).astype(images.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
