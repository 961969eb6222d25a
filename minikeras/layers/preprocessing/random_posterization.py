"""RandomPosterization: keeps only the top `bits` bits of each 8-bit colour value."""
import numpy as onp

from minikeras.engine.autodiff import untraced
from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomPosterization(BaseImagePreprocessingLayer):
    """On the (0, 255) scale as uint8: out = (x >> s) << s with s = 8 - bits, bits an integer
    drawn per image from [lo, hi) (or fixed when lo == hi), in training; identity at inference.
    Not differentiable (the values are rounded to integers).

    Args:
        factor: bits to keep: b gives [1, b], (lo, hi) gives [lo, hi]; within [1, 8].
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(data)
        lo, hi = self.factor
        if lo != hi:
            bits = self._rng(seed).integers(lo, hi, size=(n,)).astype("uint8")
        else:
            bits = onp.full((n,), lo, dtype="uint8")
        return {"shift_factor": (self._MAX_FACTOR - bits).astype("uint8")}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = untraced(images)  # integer bits: no gradient flows back (zero in Keras too)
        shift = onp.asarray(transformation["shift_factor"]).astype("uint8")
        shift = shift.reshape(shift.shape + (1, 1, 1))
        if onp.ndim(images) == 3:
            shift = shift[0]
        x = self._transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = onp.asarray(x).astype("uint8")
        x = onp.left_shift(onp.right_shift(x, shift), shift).astype(self.compute_dtype)
        return self._transform_value_range(x, (0, 255), self.value_range, self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
