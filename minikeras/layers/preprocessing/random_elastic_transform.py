"""RandomElasticTransform: displaces pixels along a smooth random field, with some probability."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import warp_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.random_gaussian_blur import RandomGaussianBlur


class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Each image is, with probability p ~ U[lo, hi), resampled at (x, y) + alpha * d, d a
    Gaussian-blurred (sigma) N(0, sigma^2) field, where for s ~ U[scale_lo, scale_hi):
    alpha = 0.1 s max(H, W), sigma = 0.05 s min(H, W); then clipped to `value_range`.
    Identity at inference.

    Args:
        factor: the probability: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        scale: the distortion strength: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        interpolation: "bilinear" or "nearest".
        fill_mode: "reflect", "wrap", "constant", "nearest" or "mirror".
        fill_value: the value outside the image with fill_mode="constant".
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)
    _SUPPORTED_INTERPOLATION = ("nearest", "bilinear")
    _SUPPORTED_FILL_MODES = {"constant", "nearest", "wrap", "mirror", "reflect"}
    _set_factor_by_name = RandomGaussianBlur._set_factor_by_name

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._set_factor_by_name(scale, "scale")
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)
        if interpolation not in self._SUPPORTED_INTERPOLATION:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {self._SUPPORTED_INTERPOLATION}.")
        if fill_mode not in self._SUPPORTED_FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{self._SUPPORTED_FILL_MODES}.")
        self.height_axis, self.width_axis = self._spatial_axes()
        self.channel_axis = -1 if self.data_format == "channels_last" else -3

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = 1 if anp.ndim(images) == 3 else anp.shape(images)[0]
        rng = self._rng(seed)
        probability = self._uniform((n,), self.factor[0], self.factor[1], rng)
        apply = self._uniform((n,), 0.0, 1.0, rng) < probability
        distortion = self._uniform((), self.scale[0], self.scale[1], rng, self.compute_dtype)
        return {"apply_transform": apply, "distortion_factor": distortion,
                "seed": int(rng.integers(0, 2**31 - 1))}

    def get_elastic_transform_params(self, height, width, factor):
        return max(height, width) * 0.1 * factor, min(height, width) * 0.05 * factor

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        height, width = images.shape[self.height_axis], images.shape[self.width_axis]
        alpha, sigma = self.get_elastic_transform_params(
            height, width, float(transformation["distortion_factor"]))
        seed = transformation["seed"]
        rng = seed if isinstance(seed, onp.random.Generator) else self._rng(seed)
        warped = warp_ops.elastic_transform(images, alpha, sigma, interpolation, self.fill_mode,
                                            self.fill_value, rng, self.data_format)
        apply = onp.asarray(transformation["apply_transform"])
        apply = apply[:, None, None] if anp.ndim(images) == 3 else apply[:, None, None, None]
        out = anp.where(apply, warped, images)
        return anp.clip(out, self.value_range[0], self.value_range[1]).astype(self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
