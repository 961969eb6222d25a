"""Resizing: resample images to (height, width) (jax.image.resize, as Keras-JAX)."""
import numpy as onp
from minikeras.engine.autodiff import is_traced

from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer
from minikeras.utils.argument_validation import positive_int


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to `(height, width)`, in training and inference alike (segmentation
    masks with "nearest", bounding boxes scaled along).

    Bilinear: each output pixel i of a resized axis reads input position (i + 0.5) / s - 0.5,
    s = out / in, weighting its two neighbours by 1 - distance (antialias=True widens the kernel
    by 1 / s when downscaling). Integer images are rounded and clipped back to their dtype.

    Args:
        height, width: positive integers, the output size.
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5".
        crop_to_aspect_ratio: centre-crop to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad (with `fill_value`) to the target aspect ratio before resizing.
        fill_mode: only "constant".
        antialias: filter when downscaling.
    Shapes: (N, H, W, C) -> (N, height, width, C), or unbatched (H, W, C).
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for arg, value in (("height", height), ("width", width)):
            positive_int(value, arg, self, "`{name}` must be a positive integer. Received: "
                         "{name}={value}")
        if interpolation not in image_ops.RESIZE_INTERPOLATIONS:
            raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                             f"{image_ops.RESIZE_INTERPOLATIONS}. Received: "
                             f"interpolation={interpolation}" + self._where())
        if fill_mode != "constant":
            raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                             f"supported. Received: fill_mode={fill_mode}" + self._where())
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                             "`True`." + self._where())
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def get_random_transformation(self, data, training=True, seed=None):
        """(input height, input width): the boxes' frame."""
        images = data["images"] if isinstance(data, dict) else data
        h_axis, w_axis = self._spatial_axes()
        return onp.shape(images)[h_axis], onp.shape(images)[w_axis]

    def _transform_images(self, images, transformation, interpolation):
        x = images if is_traced(images) else onp.asarray(images)
        out = image_ops.resize(x, (self.height, self.width), interpolation, self.antialias,
                               self.crop_to_aspect_ratio, self.pad_to_aspect_ratio,
                               self.fill_mode, self.fill_value, self.data_format)
        if out.dtype == x.dtype or x.dtype.kind == "f":
            return out
        info = onp.iinfo(x.dtype)  # integer images: round, saturate, cast back (as Keras)
        return onp.clip(onp.round(out), info.min, info.max).astype(x.dtype)

    def transform_images(self, images, transformation=None, training=True):
        return self._transform_images(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return self._transform_images(segmentation_masks, transformation, "nearest")

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes scaled with the image (shifted by the crop or padding of the aspect-ratio
        modes), clipped; all-0 or all--1 padding boxes stay zeros."""
        in_h, in_w = transformation
        padding = onp.all(onp.asarray(bounding_boxes["boxes"]) == -1, axis=-1) | \
            onp.all(onp.asarray(bounding_boxes["boxes"]) == 0, axis=-1)
        boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format, "xyxy",
                                         in_h, in_w)
        b = boxes["boxes"]
        sx, sy, dx, dy = self._box_map(float(in_h), float(in_w))
        boxes["boxes"] = onp.stack([b[..., 0] * sx - dx, b[..., 1] * sy - dy,
                                    b[..., 2] * sx - dx, b[..., 3] * sy - dy],
                                   axis=-1).astype(b.dtype)
        boxes = boxes_lib.clip_to_image_size(boxes, self.height, self.width)
        boxes["boxes"] = onp.where(padding[..., None], onp.zeros(4, b.dtype), boxes["boxes"])
        return boxes_lib.convert_format(boxes, "xyxy", self.bounding_box_format, self.height,
                                        self.width)

    def _box_map(self, in_h, in_w):
        """(scale x, scale y, shift x, shift y): out = in * scale - shift."""
        if self.pad_to_aspect_ratio:
            ratio = onp.float32(min(self.height / in_h, self.width / in_w))
            return ratio, ratio, -((self.width - in_w * ratio) // 2), \
                -((self.height - in_h * ratio) // 2)
        if self.crop_to_aspect_ratio:
            source, target = in_w / in_h, self.width / self.height
            new_w = self.height * source if source > target else self.width
            new_h = self.height if source > target else self.width / source
            return new_w / in_w, new_h / in_h, (new_w - self.width) // 2, \
                (new_h - self.height) // 2
        return onp.float32(self.width / in_w), onp.float32(self.height / in_h), 0.0, 0.0

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis = len(shape) - 3 if self.data_format == "channels_last" else len(shape) - 2
        shape[h_axis], shape[h_axis + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}
