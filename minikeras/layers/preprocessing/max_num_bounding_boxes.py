"""MaxNumBoundingBoxes: pads or truncates the boxes of each image to a fixed number."""
import numpy as onp

from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Keeps the first `max_number` boxes (and labels) of each image, padding with
    `fill_value`, so that batches of images with different box counts stack. Images, labels
    and masks pass unchanged.

    Args:
        max_number: the number of boxes per image.
        fill_value: the value of padding boxes and labels (default -1).
    """

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes = onp.asarray(bounding_boxes["boxes"])[:, :self.max_number]
        labels = onp.asarray(bounding_boxes["labels"])[:, :self.max_number]
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = onp.pad(boxes, [(0, 0), (0, pad), (0, 0)], constant_values=self.fill_value)
        labels = onp.pad(labels, [(0, 0), (0, pad)], constant_values=self.fill_value)
        return {**bounding_boxes, "boxes": boxes, "labels": labels}

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(f"There are unsupported keys in `bounding_boxes`: {list(extra)}. "
                               "Only `boxes` and `labels` are supported.")
            boxes = list(input_shape["bounding_boxes"]["boxes"])
            labels = list(input_shape["bounding_boxes"]["labels"])
            boxes[1] = labels[1] = self.max_number
            input_shape = {**input_shape, "bounding_boxes": {"boxes": tuple(boxes),
                                                             "labels": tuple(labels)}}
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number}
