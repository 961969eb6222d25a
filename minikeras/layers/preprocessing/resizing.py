"""Resizing: resample images to (height, width) (jax.image.resize, as Keras-JAX)."""
import numpy as onp
from minikeras.engine.autodiff import is_traced

from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer
from minikeras.utils.argument_validation import positive_int


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to `(height, width)`, in training and inference alike.

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

    def call(self, inputs):
        x = inputs if is_traced(inputs) else onp.asarray(inputs)
        self._check_rank(x.shape)
        out = image_ops.resize(x, (self.height, self.width), self.interpolation, self.antialias,
                               self.crop_to_aspect_ratio, self.pad_to_aspect_ratio,
                               self.fill_mode, self.fill_value, self.data_format)
        if out.dtype == x.dtype or x.dtype.kind == "f":
            return out
        info = onp.iinfo(x.dtype)  # integer images: round, saturate, cast back (as Keras)
        return onp.clip(onp.round(out), info.min, info.max).astype(x.dtype)

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
