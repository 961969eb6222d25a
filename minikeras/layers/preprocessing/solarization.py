"""Solarization: inverts the pixels above a random threshold (after a random brightening)."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_number


class Solarization(BaseImagePreprocessingLayer):
    """On the (0, 255) scale, per image: y = clip(x + a, 0, 255), out = y if y < t else 255 - y,
    with a ~ U[a_lo, 255 a_hi) and t ~ U[t_lo, 255 t_hi) (Keras's bounds), in training;
    identity at inference.

    Args:
        addition_factor: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1] (default 0).
        threshold_factor: likewise for the threshold (default 0: every pixel is inverted).
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_VALIDATION_ERROR = (
        "The `addition_factor` and `threshold_factor` arguments should be a number (or a list "
        "of two numbers) in the range [0, 1]. ")

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.addition_factor = self._set_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._set_factor(threshold_factor, "threshold_factor")
        self._set_value_range(value_range)

    def _set_factor(self, factor, factor_name):
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
            for v in factor:
                self._check_factor_range(v)
            return tuple(sorted(factor))
        if not is_number(factor):
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
        self._check_factor_range(factor)
        return (0, factor)

    def _check_factor_range(self, input_number):
        if input_number > 1.0 or input_number < 0:
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: input_number={input_number}")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (anp.shape(images)[0], 1, 1, 1) if anp.ndim(images) == 4 else (1, 1, 1)
        rng = self._rng(seed)
        (a_lo, a_hi), (t_lo, t_hi) = self.addition_factor, self.threshold_factor
        return {"additions": self._uniform(shape, a_lo, a_hi * 255, rng, self.compute_dtype),
                "thresholds": self._uniform(shape, t_lo, t_hi * 255, rng, self.compute_dtype)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        x = self._transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        y = anp.clip(x + transformation["additions"], 0, 255)
        y = anp.where(y < transformation["thresholds"], y, 255 - y)
        return self._transform_value_range(y, (0, 255), self.value_range, self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "seed": self.seed}
