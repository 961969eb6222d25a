"""RandomRotation, RandomZoom, RandomTranslation: a random affine warp per image in training.

Each layer draws Keras's transformation dict per batch (angles, zooms or translations) and turns
it into one transform [a0, a1, a2, b0, b1, b2, 0, 0] per image (output pixel (x, y) reads input
(a0*x + a1*y + a2, b0*x + b1*y + b2)) for `image_ops.affine_transform`; at inference the images
pass through (cast to the compute dtype). Boxes follow the inverse map.
"""
import math

import numpy as onp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")
_F32 = onp.float32


class _RandomAffine(BaseImagePreprocessingLayer):
    """Shared fill mode / interpolation / seed handling, warp and boxes of the affine layers."""

    _BOXES_GAIN_BATCH = True

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

    def _draw(self, n, height, width, shape, seed):
        """The transformation dict (Keras's keys) for n images of size height x width."""
        raise NotImplementedError

    def _matrix(self, transformation, height, width):
        """(n, 8) float32 output -> input maps of a transformation."""
        raise NotImplementedError

    def _image_size(self, transformation):
        height_axis, width_axis = self._spatial_axes()
        shape = transformation["input_shape"]
        return shape[height_axis], shape[width_axis]

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's transformation dict for this batch (None at inference)."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        height_axis, width_axis = self._spatial_axes()
        n = shape[0] if len(shape) == 4 else 1
        return self._draw(n, shape[height_axis], shape[width_axis], shape, seed)

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        height_axis, width_axis = self._spatial_axes()
        t = self._matrix(transformation, images.shape[height_axis], images.shape[width_axis])
        return image_ops.affine_transform(images, t if images.ndim == 4 else t[0], interpolation,
                                          self.fill_mode, self.fill_value, self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Each box becomes the box around its corners moved where their pixels went (the
        inverse of the output -> input map), clipped to the image; read as xyxy and written
        back in `bounding_box_format`, as Keras's RandomRotation does."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._image_size(transformation)
        t = onp.asarray(self._matrix(transformation, height, width), "float64").reshape(-1, 8)
        maps = onp.concatenate([t[:, :6], onp.zeros((len(t), 2)), onp.ones((len(t), 1))],
                               axis=1).reshape(-1, 3, 3)
        inverse = onp.linalg.inv(maps)[:, None]  # (B, 1, 3, 3)
        b = onp.asarray(bounding_boxes["boxes"], "float32")
        unbatched = b.ndim == 2
        b = b[None] if unbatched else b
        x0, y0, x1, y1 = (b[..., i] for i in range(4))
        corners = onp.stack([onp.stack([x, y, onp.ones_like(x)], axis=-1)
                             for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], axis=-2)
        moved = onp.einsum("bnij,bnkj->bnki", onp.broadcast_to(inverse, b.shape[:2] + (3, 3)),
                           corners)
        boxes = onp.concatenate([moved[..., :2].min(axis=-2), moved[..., :2].max(axis=-2)],
                                axis=-1).astype("float32")
        # (N, 4) boxes of one image come back (1, N, 4) from Keras's zoom and rotation (their
        # arithmetic broadcasts with the batch), (N, 4) from its translation.
        boxes = boxes[0] if unbatched and not self._BOXES_GAIN_BATCH else boxes
        clipped = boxes_lib.clip_to_image_size({**bounding_boxes, "boxes": boxes}, height, width)
        return boxes_lib.convert_format(clipped, "xyxy", self.bounding_box_format, height, width)

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

    def _draw(self, n, height, width, shape, seed):
        angle = self._uniform((n,), self.factor[0] * 360.0, self.factor[1] * 360.0, seed)
        matrix = self._rotation_matrix(angle, height, width)
        return {"angle": angle, "rotation_matrix": matrix[0] if len(shape) == 3 else matrix,
                "image_height": height, "image_width": width, "batch_size": n}

    @staticmethod
    def _rotation_matrix(angle, height, width):
        angle = onp.asarray(angle, _F32) * _F32(math.pi / 180.0)
        cx, cy = _F32(0.5 * (width - 1)), _F32(0.5 * (height - 1))
        cos, sin = onp.cos(angle), onp.sin(angle)
        a0, a1, b0, b1 = cos, -sin, sin, cos
        zeros = onp.zeros(len(angle), _F32)
        return onp.stack([a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1,
                          zeros, zeros], axis=1)

    def _matrix(self, transformation, height, width):
        return onp.asarray(transformation["rotation_matrix"], _F32).reshape(-1, 8)

    def _image_size(self, transformation):
        return transformation["image_height"], transformation["image_width"]

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

    def _draw(self, n, height, width, shape, seed):
        rng = self._rng(seed)
        zy = self._uniform((n, 1), 1.0 + self.height_lower, 1.0 + self.height_upper, rng)
        zx = zy
        if self.width_factor is not None:
            zx = self._uniform((n, 1), 1.0 + self.width_lower, 1.0 + self.width_upper, rng)
        return {"height_zoom": zy, "width_zoom": zx, "input_shape": shape}

    def _matrix(self, transformation, height, width):
        zx = onp.asarray(transformation["width_zoom"], _F32).reshape(-1, 1)
        zy = onp.asarray(transformation["height_zoom"], _F32).reshape(-1, 1)
        zeros = onp.zeros_like(zx)
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

    _BOXES_GAIN_BATCH = False

    def _draw(self, n, height, width, shape, seed):
        rng = self._rng(seed)
        dy = self._uniform((n, 1), self.height_lower, self.height_upper, rng) * _F32(height)
        dx = self._uniform((n, 1), self.width_lower, self.width_upper, rng) * _F32(width)
        return {"translations": onp.concatenate([dx, dy], axis=1).astype(_F32),
                "input_shape": shape}

    def _matrix(self, transformation, height, width):
        t = onp.asarray(transformation["translations"], _F32).reshape(-1, 2)
        ones, zeros = onp.ones((len(t), 1), _F32), onp.zeros((len(t), 1), _F32)
        return onp.concatenate([ones, zeros, -t[:, :1], zeros, ones, -t[:, 1:], zeros, zeros],
                               axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
