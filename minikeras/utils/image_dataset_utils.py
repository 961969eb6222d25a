"""`keras.utils.image_dataset_from_directory`: folders of images -> batches of float32 arrays."""
import numpy as onp

from minikeras.engine.config import standardize_data_format
from minikeras.utils.directory_utils import dataset_from_directory
from minikeras.utils.image_utils import read_image

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                         "gaussian", "mitchellcubic")
_OURS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def _image_reader(image_size, num_channels, interpolation, crop, pad, data_format):
    """path -> float32 image resized to image_size, as `keras.ops.image.resize` (no antialias)."""
    from minikeras.layers.preprocessing import image_ops

    def read(path):
        img = read_image(path, num_channels).astype("float32")
        if data_format == "channels_first":
            img = img.transpose(2, 0, 1)
        return onp.asarray(image_ops.resize(img, image_size, interpolation, False, crop, pad,
                                            data_format=data_format), dtype="float32")
    return read


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256),
                                 shuffle=True, seed=None, validation_split=None, subset=None,
                                 interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """Batches of (images, labels) from a folder with one subfolder of images per class.

    Images (.png, .jpg/.jpeg, .bmp, .gif; without Pillow only PNG) are decoded to
    `color_mode` channels, resized to `image_size` as `keras.ops.image.resize` does (half-pixel
    centres, no antialiasing; optionally after a centre crop or padding to the target aspect
    ratio) and returned as float32 in [0, 255]. Files, labels and class names are ordered and
    shuffled as Keras does for the same `seed` (`ds.file_paths`, `ds.class_names`).

    Args:
        directory, labels, label_mode, class_names, batch_size, shuffle, seed,
            validation_split, subset, follow_links, verbose: as `text_dataset_from_directory`.
        color_mode: "grayscale" (1 channel), "rgb" (3) or "rgba" (4).
        image_size: (height, width) (an int means a square).
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5" (Keras's
            TensorFlow-only "area", "gaussian" and "mitchellcubic" raise an error).
        crop_to_aspect_ratio / pad_to_aspect_ratio: keep the aspect ratio by cropping / padding.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W).
        format: accepted for compatibility ("tf" or "grain"); the result is always a
            minikeras `tf.data.Dataset`.

    Returns:
        A `tf.data.Dataset` (minikeras.tf.data; a `BatchDataset`, so also indexable as a
        `keras.utils.PyDataset`) of `(images, labels)` batches, or images alone when there are
        no labels, with `class_names` and `file_paths`; `subset="both"` gives
        [train, validation].
    """
    num_channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if num_channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in _KERAS_INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_KERAS_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if interpolation not in _OURS:
        raise ValueError(f"interpolation={interpolation!r} exists only in TensorFlow's image "
                         f"resizing; minikeras supports {_OURS}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
                         "to `True`.")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    data_format = standardize_data_format(data_format)
    read = _image_reader(tuple(int(s) for s in image_size), num_channels, interpolation,
                         crop_to_aspect_ratio, pad_to_aspect_ratio, data_format)
    return dataset_from_directory(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
        subset, follow_links, verbose, formats=ALLOWLIST_FORMATS, kind="image", noun="images",
        allowed=f"Allowed formats: {ALLOWLIST_FORMATS}", read=read,
        stack=lambda images: onp.stack(images).astype("float32"))
