"""RandomPerspective: moves the four image corners by random amounts (a projective warp)."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing import warp_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomPerspective(BaseImagePreprocessingLayer):
    """Each image is warped with probability p ~ U[lo, hi) so that its corners (0, 0),
    (W-1, 0), (0, H-1), (W-1, H-1) move to corner * (1 + d), d ~ U[-scale/2, scale/2) per
    coordinate; pixels from outside are `fill_value`. Identity at inference.

    Args:
        factor: the probability: f gives [0, f], (lo, hi) gives [lo, hi]; in [0, 1].
        scale: the distortion strength, in [0, 1].
        interpolation: "bilinear" or "nearest".
        fill_value: the value of pixels warped in from outside the image.
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)
    _SUPPORTED_INTERPOLATION = ("nearest", "bilinear")

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)
        if scale < 0.0 or scale > 1.0:
            raise ValueError("The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale}")
        if interpolation not in self._SUPPORTED_INTERPOLATION:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {self._SUPPORTED_INTERPOLATION}.")
        self.height_axis, self.width_axis = self._spatial_axes()
        self.channel_axis = -1 if self.data_format == "channels_last" else -3

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = 1 if len(shape) == 3 else shape[0]
        height, width = shape[self.height_axis], shape[self.width_axis]
        rng = self._rng(seed)
        probability = self._uniform((n,), self.factor[0], self.factor[1], rng)
        apply = self._uniform((n,), 0.0, 1.0, rng) < probability
        d = self._uniform((n, 4, 2), -0.5 * self.scale, 0.5 * self.scale, rng, self.compute_dtype)
        corners = onp.asarray([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                               [width - 1, height - 1]], dtype=self.compute_dtype)
        start = onp.repeat(corners[None], n, axis=0)
        return {"apply_perspective": apply, "start_points": start, "end_points": start + start * d,
                "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = anp.ndim(images) == 3
        x = images[None] if unbatched else images
        out = warp_ops.perspective_transform(
            x, transformation["start_points"], transformation["end_points"], interpolation,
            self.fill_value, self.data_format)
        apply = onp.asarray(transformation["apply_perspective"])[:, None, None, None]
        out = anp.where(apply, out, x)
        return out[0] if unbatched else out

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Each box becomes the box around its four corners mapped by the inverse homography
        (where the image content moved), clipped to the image."""
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        height, width = shape[self.height_axis], shape[self.width_axis]
        boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format, "xyxy",
                                         height, width)
        b = boxes["boxes"]
        h = warp_ops.compute_homography_matrix(transformation["start_points"],
                                               transformation["end_points"])
        inverse = onp.linalg.inv(onp.concatenate([h, onp.ones((len(h), 1), h.dtype)],
                                                 axis=-1).reshape(-1, 3, 3))[:, None]
        x0, y0, x1, y1 = (b[..., i:i + 1] for i in range(4))
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0)):
            points = onp.concatenate([x, y, onp.ones_like(x)], axis=-1)[..., None]
            moved = (inverse @ points)[..., 0]
            xs.append(moved[..., 0] / moved[..., 2])
            ys.append(moved[..., 1] / moved[..., 2])
        xs, ys = onp.stack(xs, axis=-1), onp.stack(ys, axis=-1)
        warped = onp.stack([xs.min(-1), ys.min(-1), xs.max(-1), ys.max(-1)], axis=-1)
        apply = onp.asarray(transformation["apply_perspective"])[:, None, None]
        boxes["boxes"] = onp.where(apply, warped, b).astype(b.dtype)
        boxes = boxes_lib.clip_to_image_size(boxes, height, width, "xyxy")
        return boxes

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "seed": self.seed}
