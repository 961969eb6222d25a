"""RandomFlip: flips each image of a batch with probability 1/2 in training; identity otherwise."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


def _flip(x, axis):
    """x reversed along `axis` (a slice: autograd has no VJP for np.flip)."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, -1)
    return x[tuple(index)]


class RandomFlip(BaseImagePreprocessingLayer):
    """Randomly flips images left-right and/or top-bottom during training.

    Each image draws u ~ U[0, 1) and is flipped when u <= 0.5. As in Keras 3, "horizontal_and_vertical"
    uses the same draw for both flips (an image is either flipped both ways or left alone).
    Segmentation masks and bounding boxes flip with their images.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical".
        seed: integer seed for the flip draws.
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode}. "
                f"Expected one of {(HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)}.")
        self.mode = mode
        self.seed = seed
        self.generator = self.seed_generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(anp.shape(images))
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        u = self.backend.random.uniform(shape=flips_shape, seed=seed or self.generator)
        return {"flips": onp.asarray(u) <= 0.5, "input_shape": shape}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        x = images[None] if images.ndim == 3 else images
        flips = onp.asarray(transformation["flips"])
        height_axis, width_axis = self._spatial_axes()
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x = anp.where(flips, _flip(x, width_axis), x)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            x = anp.where(flips, _flip(x, height_axis), x)
        return x[0] if images.ndim == 3 else x

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """In relative coordinates: x -> 1 - x (horizontal), y -> 1 - y (vertical)."""
        if not training:
            return bounding_boxes
        flips = onp.squeeze(onp.asarray(transformation["flips"]), axis=-1)
        height_axis, width_axis = self._spatial_axes()
        height = transformation["input_shape"][height_axis]
        width = transformation["input_shape"][width_axis]
        boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format, "rel_xyxy",
                                         height, width)
        b = boxes["boxes"]
        x1, y1, x2, y2 = (b[..., i:i + 1] for i in range(4))
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            b = onp.where(flips, onp.concatenate([1 - x2, y1, 1 - x1, y2], axis=-1), b)
            x1, y1, x2, y2 = (b[..., i:i + 1] for i in range(4))
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            b = onp.where(flips, onp.concatenate([x1, 1 - y2, x2, 1 - y1], axis=-1), b)
        boxes = boxes_lib.clip_to_image_size({**boxes, "boxes": b}, height, width, "xyxy")
        return boxes_lib.convert_format(boxes, "rel_xyxy", self.bounding_box_format, height,
                                        width)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
