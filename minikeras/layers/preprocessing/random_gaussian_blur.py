"""RandomGaussianBlur: blurs images with a Gaussian of random width, with some probability."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import warp_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_number


class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Each image is blurred with probability p ~ U[lo, hi) by a `kernel_size` Gaussian filter
    with (sigma_x, sigma_y) ~ U[sigma_lo, sigma_hi) (one pair per call, + 1e-6), then clipped
    to `value_range`; identity at inference.

    Args:
        factor: the probability: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        kernel_size: an odd integer or a pair (x, y) of odd integers.
        sigma: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._set_kernel_size(kernel_size, "kernel_size")
        self.sigma = self._set_factor_by_name(sigma, "sigma")
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _set_kernel_size(self, factor, name):
        message = f"{name} must be an odd number. Received: {name}={factor}"
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(f"The `{name}` argument should be a number (or a list of two "
                                 f"numbers) Received: {name}={factor}")
            if factor[0] % 2 == 0 or factor[1] % 2 == 0:
                raise ValueError(message)
            return tuple(factor)
        if not is_number(factor) or factor % 2 == 0:
            raise ValueError(message)
        return (factor, factor)

    def _set_factor_by_name(self, factor, name):
        low, high = self._FACTOR_BOUNDS
        message = (f"The `{name}` argument should be a number (or a list of two numbers) in "
                   f"the range [{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            return tuple(sorted(factor))
        if not is_number(factor) or factor < low or factor > high:
            raise ValueError(message)
        return (max(-abs(factor), low), abs(factor))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = self._batch_size(data)
        rng = self._rng(seed)
        probability = self._uniform((n,), self.factor[0], self.factor[1], rng)
        apply = self._uniform((n,), 0.0, 1.0, rng) < probability
        sigma = self._uniform((2,), self.sigma[0], self.sigma[1], rng, self.compute_dtype)
        return {"should_apply_blur": apply, "blur_factor": sigma + onp.float32(1e-6)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        sigma = onp.asarray(transformation["blur_factor"], "float32")
        blurred = warp_ops.gaussian_blur(images, self.kernel_size, sigma, self.data_format)
        apply = onp.asarray(transformation["should_apply_blur"])[:, None, None, None]
        if anp.ndim(images) == 3:
            apply = apply[0]
        out = anp.where(apply, blurred, images)
        return anp.clip(out, self.value_range[0], self.value_range[1]).astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range, "seed": self.seed}
