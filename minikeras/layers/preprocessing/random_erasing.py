"""RandomErasing: overwrites a random rectangle of each image, with some probability."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_number
from minikeras.layers.preprocessing.random_gaussian_blur import RandomGaussianBlur


class RandomErasing(BaseImagePreprocessingLayer):
    """Per image, with probability p ~ U[lo, hi): a box of sides sqrt(s_x) * W by
    sqrt(s_y) * H (s ~ U[scale_lo, scale_hi)) at a uniform position is filled with
    `fill_value` (None: N(0, 1) * value_range[1] noise, clipped to `value_range`).
    Identity at inference.

    Args:
        factor: the probability: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        scale: the box area fraction range, default (0.02, 0.33).
        fill_value: a number, three numbers (per channel), or None for noise.
        value_range: (min, max) of the input values, default (0, 255).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)
    _set_factor_by_name = RandomGaussianBlur._set_factor_by_name

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._set_factor_by_name(scale, "scale")
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.height_axis, self.width_axis = self._spatial_axes()
        self.channel_axis = -1 if self.data_format == "channels_last" else -3

    def _compute_crop_bounds(self, batch_size, image_length, crop_ratio, rng):
        length = (crop_ratio * image_length).astype(self.compute_dtype)
        start = self._uniform((batch_size,), 0, 1, rng, self.compute_dtype) * (image_length - length)
        return start, start + length

    def _generate_batch_mask(self, images_shape, box_corners):
        height, width = images_shape[self.height_axis], images_shape[self.width_axis]
        grid_y, grid_x = onp.meshgrid(onp.arange(height, dtype=self.compute_dtype),
                                      onp.arange(width, dtype=self.compute_dtype), indexing="ij")
        where = (None, slice(None), slice(None), None) if self.data_format == "channels_last" \
            else (None, None, slice(None), slice(None))
        grid_x, grid_y = grid_x[where], grid_y[where]
        x0, x1, y0, y1 = (c[:, None, None, None] for c in box_corners)
        masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
        return onp.repeat(masks, images_shape[self.channel_axis], axis=self.channel_axis)

    def _get_fill_value(self, images, images_shape, rng):
        fill = self.fill_value
        message = "The `fill_value` argument should be a number (or a list of three numbers) "
        if fill is None:
            fill = rng.standard_normal(images_shape).astype(self.compute_dtype) * self.value_range[1]
        elif isinstance(fill, (tuple, list)):
            if len(fill) != 3:
                raise ValueError(message)
            fill = onp.broadcast_to(onp.asarray(fill, self.compute_dtype), images_shape)
        elif is_number(fill):
            fill = onp.full(images_shape, fill, dtype=self.compute_dtype)
        else:
            raise ValueError(message)
        return onp.clip(fill, self.value_range[0], self.value_range[1]).astype(self.compute_dtype)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        shape = tuple(anp.shape(images))
        rng = self._rng(seed)
        ratios = onp.sqrt(self._uniform((n, 2), self.scale[0], self.scale[1], rng,
                                        self.compute_dtype))
        x0, x1 = self._compute_crop_bounds(n, shape[self.width_axis], ratios[:, 0], rng)
        y0, y1 = self._compute_crop_bounds(n, shape[self.height_axis], ratios[:, 1], rng)
        masks = self._generate_batch_mask(shape, (x0, x1, y0, y1))
        probability = self._uniform((n,), self.factor[0], self.factor[1], rng)
        apply = self._uniform((n,), 0.0, 1.0, rng) < probability
        return {"apply_erasing": apply, "batch_masks": masks,
                "fill_value": self._get_fill_value(images, shape, rng)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        fill = anp.asarray(transformation["fill_value"]).astype(images.dtype)
        erased = anp.where(onp.asarray(transformation["batch_masks"]), fill, images)
        apply = onp.asarray(transformation["apply_erasing"])[:, None, None, None]
        return anp.where(apply, erased, images).astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
