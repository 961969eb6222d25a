"""CenterCrop: the central height x width window of each image."""
import numpy as onp

from minikeras.layers.preprocessing import bounding_boxes as boxes_lib
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer
from minikeras.utils import image_utils


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central `height x width` window, starting at ((H - height) // 2,
    (W - width) // 2). An image smaller than the target in either dimension is instead cropped
    to the target's aspect ratio and resized (bilinear), as `smart_resize`. Applied in training
    and inference alike; the output is in the compute dtype.

    Args:
        height, width: the output size.
    Shapes: (N, H, W, C) -> (N, height, width, C), or unbatched.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation=None, training=True):
        x = self._to_compute_dtype(images)
        h_axis, w_axis = self._spatial_axes()
        h_diff, w_diff = x.shape[h_axis] - self.height, x.shape[w_axis] - self.width
        if h_diff < 0 or w_diff < 0:
            return image_utils.smart_resize(x, [self.height, self.width],
                                            data_format=self.data_format).astype(x.dtype)
        index = [slice(None)] * x.ndim
        index[h_axis] = slice(h_diff // 2, h_diff // 2 + self.height)
        index[w_axis] = slice(w_diff // 2, w_diff // 2 + self.width)
        return x[tuple(index)]

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def _window(self, height, width):
        """(top, left, crop height, crop width) of the window the images are cut from."""
        if height >= self.height and width >= self.width:
            return int((height - self.height) / 2), int((width - self.width) / 2), \
                self.height, self.width
        crop_h = max(min(height, int(float(width * self.height) / self.width)), 1)
        crop_w = max(min(width, int(float(height * self.width) / self.height)), 1)
        return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        shape = transformation["input_shape"]
        h_axis, w_axis = self._spatial_axes()
        height, width = shape[h_axis], shape[w_axis]
        boxes = boxes_lib.convert_format(bounding_boxes, self.bounding_box_format, "xyxy",
                                         height, width)
        top, left, crop_h, crop_w = self._window(height, width)
        x1, y1, x2, y2 = (boxes["boxes"][..., i:i + 1] for i in range(4))
        boxes["boxes"] = onp.concatenate(
            [onp.clip(x1, left, left + crop_w) - left, onp.clip(y1, top, top + crop_h) - top,
             onp.clip(x2, left, left + crop_w) - left, onp.clip(y2, top, top + crop_h) - top],
            axis=-1)
        if (crop_h, crop_w) != (self.height, self.width):  # the window is resized: scale boxes
            boxes = boxes_lib.convert_format(boxes, "xyxy", "rel_xyxy", crop_h, crop_w)
            boxes = boxes_lib.convert_format(boxes, "rel_xyxy", "xyxy", self.height, self.width)
        boxes = boxes_lib.clip_to_image_size(boxes, self.height, self.width, "xyxy")
        return boxes_lib.convert_format(boxes, "xyxy", self.bounding_box_format, self.height,
                                        self.width)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if (shape and isinstance(shape[0], (list, tuple))) or len(shape) not in (3, 4):
            raise ValueError("`input_shape` must be a non-nested tuple or list of rank-1 with "
                             "size 3 (unbatched) or 4 (batched). ")
        h_axis, w_axis = self._spatial_axes()
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "data_format": self.data_format}
