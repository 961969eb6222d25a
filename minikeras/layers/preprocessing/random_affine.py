"""RandomRotation, RandomZoom, RandomTranslation: a random affine warp per image in training.

Each layer draws one transform [a0, a1, a2, b0, b1, b2, 0, 0] per image (output pixel (x, y)
reads input (a0*x + a1*y + a2, b0*x + b1*y + b2)) and applies `image_ops.affine_transform`;
at inference the images pass through (cast to the compute dtype).
"""
import math

import numpy as onp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_training

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")
_F32 = onp.float32


class _RandomAffine(BaseImagePreprocessingLayer):
    """Shared fill mode / interpolation / seed handling and the `call` of the affine layers."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"Unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}."
                             + self._where())
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"Unknown `interpolation` {interpolation}. Expected of one "
                             f"{_INTERPOLATIONS}." + self._where())
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = self.seed_generator = SeedGenerator(seed)

    def _uniform(self, shape, low, high):
        """U[low, high) float32 draws, as `keras.random.uniform(shape, low, high)`."""
        u = self.seed_generator.rng().random(shape, dtype=_F32)
        return _F32(low) + u * _F32(high - low)

    def _transforms(self, n, height, width):
        """(n, 8) float32 transforms for n images of size height x width."""
        raise NotImplementedError

    def get_random_transformation(self, data, training=True, seed=None):
        """{"transform": (n, 8) output -> input maps, "input_shape"} (None at inference).
        The draws come from the layer's own generator (`seed` is accepted and unused)."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        height_axis, width_axis = self._spatial_axes()
        n = shape[0] if len(shape) == 4 else 1
        return {"transform": self._transforms(n, shape[height_axis], shape[width_axis]),
                "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        t = transformation["transform"]
        return image_ops.affine_transform(images, t if images.ndim == 4 else t[0], interpolation,
                                          self.fill_mode, self.fill_value, self.data_format)

    def call(self, inputs, training=True):
        x = self._to_compute_dtype(inputs)
        self._check_rank(x.shape)
        if not is_training(training):
            return x
        return self._transform_images(x, self.get_random_transformation(x), self.interpolation)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}


class RandomRotation(_RandomAffine):
    """Rotates each image by a random angle theta ~ U[factor_lo, factor_hi) * 360 degrees about
    its centre (cx, cy) = ((W - 1) / 2, (H - 1) / 2), positive = counter-clockwise:

        x' = cos*x - sin*y + cx - cx*cos + cy*sin,   y' = sin*x + cos*y + cy - cx*sin - cy*cos

    Args:
        factor: a fraction of a full turn: f gives [-f, f], (lo, hi) gives [lo, hi]; in [-1, 1].
        fill_mode: "reflect", "wrap", "constant" or "nearest" (outside the image).
        interpolation: "bilinear" or "nearest".
        seed: integer seed.
        fill_value: the value outside the image when fill_mode="constant".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = self._parse_factor(factor or 0.0, "factor", -1, 1)

    def _transforms(self, n, height, width):
        angle = self._uniform((n,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        angle = angle * _F32(math.pi / 180.0)
        cx, cy = _F32(0.5 * (width - 1)), _F32(0.5 * (height - 1))
        cos, sin = onp.cos(angle), onp.sin(angle)
        a0, a1, b0, b1 = cos, -sin, sin, cos
        zeros = onp.zeros(n, _F32)
        return onp.stack([a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1,
                          zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_RandomAffine):
    """Zooms each image about its centre by random factors zy ~ 1 + U[h_lo, h_hi),
    zx ~ 1 + U[w_lo, w_hi) (zx = zy when width_factor is None); a factor > 1 zooms out:

        x' = zx*x + (W - 1)/2 * (1 - zx),   y' = zy*y + (H - 1)/2 * (1 - zy)

    Args:
        height_factor: f gives [-f, f], (lo, hi) gives [lo, hi]; each in (-1, 1].
        width_factor: likewise, or None to keep the aspect ratio.
        fill_mode, interpolation, seed, fill_value: as RandomRotation.
    """

    _MESSAGE = ("The `height_factor` and `width_factor` arguments should be a number (or a list "
                "of two numbers) in the range (-1.0, 1.0].")

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._parse_factor(
            height_factor, "height_factor", -1.0, 1.0, low_open=True, message=self._MESSAGE)
        if width_factor is not None:
            self.width_lower, self.width_upper = self._parse_factor(
                width_factor, "width_factor", -1.0, 1.0, low_open=True, message=self._MESSAGE)

    def _transforms(self, n, height, width):
        zy = self._uniform((n, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        zx = zy
        if self.width_factor is not None:
            zx = self._uniform((n, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        zeros = onp.zeros((n, 1), _F32)
        x_offset = (_F32(width) - 1.0) / 2.0 * (1.0 - zx)
        y_offset = (_F32(height) - 1.0) / 2.0 * (1.0 - zy)
        return onp.concatenate([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomTranslation(_RandomAffine):
    """Shifts each image by dy = U[h_lo, h_hi) * H and dx = U[w_lo, w_hi) * W pixels
    (positive = down / right): x' = x - dx, y' = y - dy.

    Args:
        height_factor, width_factor: fractions of the size: f gives [-f, f], (lo, hi) gives
            [lo, hi]; each in [-1, 1].
        fill_mode, interpolation, seed, fill_value: as RandomRotation.
    """

    _MESSAGE = ("The `factor` argument should be a number (or a list of two numbers) in the "
                "range [-1.0, 1.0].")

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._parse_factor(
            height_factor, "height_factor", -1.0, 1.0, message=self._MESSAGE)
        self.width_lower, self.width_upper = self._parse_factor(
            width_factor, "width_factor", -1.0, 1.0, message=self._MESSAGE)

    def _transforms(self, n, height, width):
        dy = self._uniform((n, 1), self.height_lower, self.height_upper) * _F32(height)
        dx = self._uniform((n, 1), self.width_lower, self.width_upper) * _F32(width)
        ones, zeros = onp.ones((n, 1), _F32), onp.zeros((n, 1), _F32)
        return onp.concatenate([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
