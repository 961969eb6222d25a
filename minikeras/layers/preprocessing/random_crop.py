"""RandomCrop: a random `height x width` window of the images in training; identity otherwise."""
import numpy as onp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandomCrop(BaseImagePreprocessingLayer):
    """Randomly crops images to `height x width` during training.

    As in Keras 3, one crop location is drawn for the whole batch (offsets uniform over the
    valid range). When the input is not larger than the target in both dimensions, the window
    starts where the largest central window of the target's aspect ratio would, and what it
    cuts is resized (bilinear) to the target size. At inference the images pass unchanged:
    that is what Keras 3.15 does, although its docstring describes a central crop.

    Args:
        height, width: the output size.
        seed: integer seed for the crop offsets.
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)
        self.seed = seed
        self.generator = self.seed_generator = SeedGenerator(seed)
        self.height_axis, self.width_axis = self._spatial_axes()

    def get_random_transformation(self, data, training=True, seed=None):
        """(top, left) of the window to cut."""
        images = data["images"] if isinstance(data, dict) else data
        shape = onp.shape(images)
        in_h, in_w = shape[self.height_axis], shape[self.width_axis]
        if training and in_h > self.height and in_w > self.width:
            rng = self._rng(seed)
            return (int(self._uniform((), 0, float(in_h - self.height + 1), rng)),
                    int(self._uniform((), 0, float(in_w - self.width + 1), rng)))
        crop_h = max(min(in_h, int(float(in_w * self.height) / self.width)), 1)
        crop_w = max(min(in_w, int(float(in_h * self.width) / self.height)), 1)
        return int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2)

    def transform_images(self, images, transformation, training=True):
        x = self._to_compute_dtype(images)
        if not training:
            return x
        top, left = transformation
        index = [slice(None)] * x.ndim
        index[self.height_axis] = slice(top, top + self.height)
        index[self.width_axis] = slice(left, left + self.width)
        x = x[tuple(index)]
        if (x.shape[self.height_axis], x.shape[self.width_axis]) != (self.height, self.width):
            x = image_ops.resize(x, (self.height, self.width), data_format=self.data_format)
        return x

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Keras 3.15's arithmetic, kept for compatibility: the window's top offset is taken
        from x1 / x2 and its left offset from y1 / y2, each floored at 0."""
        if not training:
            return bounding_boxes
        top, left = transformation
        boxes = boxes_lib.convert_format(bounding_boxes["boxes"], self.bounding_box_format,
                                         "xyxy", self.height, self.width)
        offsets = onp.asarray([top, left, top, left], boxes.dtype)
        boxes = onp.maximum(boxes - offsets, 0)
        return {"boxes": boxes_lib.convert_format(boxes, "xyxy", self.bounding_box_format,
                                                  self.height, self.width),
                "labels": bounding_boxes["labels"]}

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
