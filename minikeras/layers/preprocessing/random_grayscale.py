"""RandomGrayscale: replaces an image by its luma (kept at C channels) with probability `factor`."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import color_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Each image becomes gray (Y = 0.2989 R + 0.5870 G + 0.1140 B in every channel) when
    u ~ U[0, 1) < factor, in training; identity at inference.

    Args:
        factor: the probability, in [0, 1] (default 0.5).
        data_format: "channels_last" or "channels_first".
        seed: integer seed.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        n = anp.shape(images)[0] if anp.ndim(images) == 4 else 1
        return (self._uniform((n,), 0, 1, seed) < self.factor).reshape(n, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        apply = transformation if transformation is not None else \
            self.get_random_transformation(images)
        # broadcast by a product: autograd's `where` does not sum a broadcast gradient back
        gray = color_ops.rgb_to_grayscale(images, self.data_format) * anp.ones(images.shape,
                                                                               images.dtype)
        if anp.ndim(images) == 3:
            apply = anp.reshape(apply, (1, 1, 1))
        return anp.where(apply, gray, images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
