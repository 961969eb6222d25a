"""RandomColorDegeneration: blends each image towards its grayscale version."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import color_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """out = clip(x + f * (gray(x) - x), value_range), f ~ U[lo, hi) per image, in training;
    identity at inference.

    Args:
        factor: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1] (1: fully gray).
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(data)
        return {"factor": self._uniform((n, 1, 1, 1), self.factor[0], self.factor[1], seed)}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._to_compute_dtype(images)
        factor = anp.asarray(transformation["factor"]).astype(images.dtype)
        if anp.ndim(images) == 3:
            factor = factor[0]
        gray = color_ops.rgb_to_grayscale(images, self.data_format)
        out = images + factor * (gray - images)
        return anp.clip(out, self.value_range[0], self.value_range[1]).astype(images.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                             f"(batch of images). Received: input_shape={input_shape}")
        channels = input_shape[color_ops.channel_axis(self.data_format)]
        if channels is not None and channels != 3:
            raise ValueError("Input images must have 3 channels, but received images with "
                             f"{channels} channels.")
        return input_shape
