"""RandomShear: shears each image by random x / y factors (an affine warp)."""
import numpy as onp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_number


class RandomShear(BaseImagePreprocessingLayer):
    """Output pixel (x, y) reads the input at (x + sx * y, sy * x + y), sx ~ U[x_lo, x_hi),
    sy ~ U[y_lo, y_hi), both negated with probability 1/2 per image, in training; identity at
    inference.

    Args:
        x_factor, y_factor: f gives [-f, f], (lo, hi) gives [lo, hi]; within [0, 1].
        interpolation: "bilinear" or "nearest".
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        fill_value: the value outside the image with fill_mode="constant".
        seed: integer seed.
    """

    _FACTOR_VALIDATION_ERROR = ("The `factor` argument should be a number (or a list of two "
                                "numbers) in the range [0, 1.0]. ")
    _SUPPORTED_FILL_MODE = ("reflect", "wrap", "constant", "nearest")
    _SUPPORTED_INTERPOLATION = ("nearest", "bilinear")

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._set_factor_with_name(x_factor, "x_factor")
        self.y_factor = self._set_factor_with_name(y_factor, "y_factor")
        if fill_mode not in self._SUPPORTED_FILL_MODE:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{self._SUPPORTED_FILL_MODE}.")
        if interpolation not in self._SUPPORTED_INTERPOLATION:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                      f"{self._SUPPORTED_INTERPOLATION}.")
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _set_factor_with_name(self, factor, factor_name):
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
            for v in factor:
                self._check_factor_range(v)
            return tuple(sorted(factor))
        if not is_number(factor):
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {factor_name}={factor}")
        self._check_factor_range(factor)
        return (-abs(factor), abs(factor))

    def _check_factor_range(self, input_number):
        if input_number > 1.0 or input_number < 0.0:
            raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: input_number={input_number}")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = 1 if len(shape) == 3 else shape[0]
        rng = self._rng(seed)
        invert = onp.where(self._uniform((n, 1), 0, 1, rng) > 0.5, -1.0, 1.0)
        shear_y = self._uniform((n, 1), self.y_factor[0], self.y_factor[1], rng)
        shear_x = self._uniform((n, 1), self.x_factor[0], self.x_factor[1], rng)
        factor = (onp.concatenate([shear_x, shear_y], axis=1) * invert).astype(self.compute_dtype)
        return {"shear_factor": factor, "input_shape": shape}

    @staticmethod
    def _get_shear_matrix(shear_factors):
        s = onp.asarray(shear_factors, dtype="float32")
        ones, zeros = onp.ones(len(s), "float32"), onp.zeros(len(s), "float32")
        return onp.stack([ones, s[:, 0], zeros, s[:, 1], ones, zeros, zeros, zeros], axis=1)

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = images.ndim == 3
        x = images[None] if unbatched else images
        out = image_ops.affine_transform(
            x, self._get_shear_matrix(transformation["shear_factor"]), interpolation,
            self.fill_mode, self.fill_value, self.data_format)
        return out[0] if unbatched else out

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Each box's corners follow the shear (in relative coordinates), then the box is
        clipped to the image."""
        if not training:
            return bounding_boxes
        h_axis, w_axis = self._spatial_axes()
        height = transformation["input_shape"][h_axis]
        width = transformation["input_shape"][w_axis]
        boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format, "rel_xyxy",
                                         height, width, self.compute_dtype)
        boxes["boxes"] = self._shear_boxes(boxes["boxes"], transformation["shear_factor"])
        boxes = boxes_lib.clip_to_image_size(boxes, height, width, "rel_xyxy")
        return boxes_lib.convert_format(boxes, "rel_xyxy", self.bounding_box_format, height,
                                        width, self.compute_dtype)

    def _shear_boxes(self, boxes, shear_factor):
        shear = onp.asarray(shear_factor, self.compute_dtype)
        sx, sy = shear[:, 0:1], shear[:, 1:2]
        x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
        x1, x2 = (onp.where(sx < 0, x1 - sx * y1, x1 - sx * y2),
                  onp.where(sx < 0, x2 - sx * y2, x2 - sx * y1))
        y1, y2 = (onp.where(sy > 0, y1 - sy * x2, y1 - sy * x1),
                  onp.where(sy > 0, y2 - sy * x1, y2 - sy * x2))
        return onp.stack([x1, y1, x2, y2], axis=-1)

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value,
                "data_format": self.data_format}
