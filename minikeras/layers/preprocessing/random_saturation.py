"""RandomSaturation: scales the HSV saturation of each image by a random factor."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import color_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer

_EPSILON = 1e-7  # keras.config.epsilon()


class RandomSaturation(BaseImagePreprocessingLayer):
    """In HSV: S' = clip(S * k, value_range), k = f / (1 - f + eps), f ~ U[lo, hi) per image
    (f = 0.5 keeps the image, 0 makes it gray, 1 fully saturates it), in training; identity
    at inference. The images are read as RGB in [0, 1] by the conversion.

    Args:
        factor: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        value_range: (min, max) used to clip the saturation, default (0, 255).
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
        factor = self._uniform((n,), self.factor[0], self.factor[1], seed)
        return {"factor": factor / (1 - factor + anp.float32(_EPSILON))}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._to_compute_dtype(images)
        k = anp.asarray(transformation["factor"]).astype(images.dtype).reshape(-1, 1, 1)
        if anp.ndim(images) == 3:
            k = k[0]
        axis = color_ops.channel_axis(self.data_format)
        hsv = color_ops.rgb_to_hsv(images, self.data_format)
        h, s, v = color_ops.planes(hsv, axis)
        s = anp.clip(s * k, self.value_range[0], self.value_range[1])
        return color_ops.hsv_to_rgb(anp.stack([h, s, v], axis=axis), self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
