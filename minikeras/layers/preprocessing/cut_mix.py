"""CutMix: pastes a random box of another image of the batch into each image."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class CutMix(BaseImagePreprocessingLayer):
    """Per image i: lambda ~ Beta(a, a) with a ~ U[lo, hi) + 1e-6 (one per call); a box of
    sides sqrt(1 - lambda) * (W, H) at a uniform position takes the pixels of image p(i)
    (p a random permutation); labels mix by the kept area w = 1 - box area / image area:
    w y_i + (1 - w) y_p(i). In training on batches; identity otherwise.

    Args:
        factor: the range of a: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.height_axis, self.width_axis = self._spatial_axes()
        self.channel_axis = -1 if self.data_format == "channels_last" else -3

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        if not training or anp.ndim(images) == 3:
            return None
        shape = tuple(anp.shape(images))
        n = shape[0]
        rng = self._rng(seed)
        a = self._uniform((), self.factor[0], self.factor[1], rng, self.compute_dtype) + 1e-6
        ratio = onp.sqrt(1.0 - rng.beta(a, a, size=(n,)).astype(self.compute_dtype))
        x0, x1 = self._compute_crop_bounds(n, shape[self.width_axis], ratio, rng)
        y0, y1 = self._compute_crop_bounds(n, shape[self.height_axis], ratio, rng)
        masks, weight = self._generate_batch_mask(shape, (x0, x1, y0, y1))
        return {"permutation_order": rng.permutation(n).astype("int32"), "batch_masks": masks,
                "mix_weight": weight}

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
        masks = onp.repeat(masks, images_shape[self.channel_axis], axis=self.channel_axis)
        return masks, 1.0 - (x1 - x0) * (y1 - y0) / (width * height)

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if training and transformation is not None:
            partners = images[onp.asarray(transformation["permutation_order"])]
            images = anp.where(onp.asarray(transformation["batch_masks"]), partners, images)
        return images

    def transform_labels(self, labels, transformation, training=True):
        if training and transformation is not None:
            weight = onp.reshape(transformation["mix_weight"], (-1, 1))
            partners = labels[onp.asarray(transformation["permutation_order"])]
            labels = weight * labels + (1.0 - weight) * partners
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
