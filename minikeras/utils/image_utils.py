"""`keras.utils` image helpers: load_img, img_to_array, array_to_img, save_img, smart_resize.

`load_img` and `array_to_img` return / take PIL images, so they need Pillow, as in Keras.
`read_image` (used by `image_dataset_from_directory`) decodes PNG / JPEG / BMP / GIF with
Pillow when it is installed and PNG without it (minikeras.utils.png). `save_img` also writes
PNG without Pillow.
"""
import io
import os
import pathlib
import warnings

import numpy as onp

from minikeras.engine import config
from minikeras.utils import png

try:
    from PIL import Image as pil_image
except ImportError:  # pragma: no cover - depends on the machine
    pil_image = None

_NO_PIL = ("Could not import PIL.Image. The use of `{}` requires PIL "
           "(`pip install pillow`).")


def _pil_resampling():
    resampling = getattr(pil_image, "Resampling", pil_image)
    return {"nearest": resampling.NEAREST, "bilinear": resampling.BILINEAR,
            "bicubic": resampling.BICUBIC, "hamming": resampling.HAMMING,
            "box": resampling.BOX, "lanczos": resampling.LANCZOS}


def _require_pil(name):
    if pil_image is None:
        raise ImportError(_NO_PIL.format(name))


def _open_path(path):
    if isinstance(path, io.BytesIO):
        return path.getvalue()
    if isinstance(path, (pathlib.Path, bytes, str)):
        with open(os.fspath(path), "rb") as f:
            return f.read()
    raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")


def to_channels(pixels, num_channels):
    """(H, W, C) uint8 with C in 1-4 -> (H, W, num_channels) uint8, as Keras's default
    (TensorFlow) image loading does.

    Grey from colour is libpng's luma, L = (9798 R + 19235 G + 3735 B) >> 15 (0.299, 0.587,
    0.114 in 15-bit fixed point); alpha is dropped for RGB / grey, and set to 255 when added.
    """
    if pixels.dtype == onp.uint16:  # 16-bit samples: keep the high byte
        pixels = (pixels >> 8).astype(onp.uint8)
    c = pixels.shape[-1]
    colour = pixels[..., :3] if c >= 3 else onp.repeat(pixels[..., :1], 3, axis=-1)
    alpha = pixels[..., -1:] if c in (2, 4) else onp.full(pixels.shape[:2] + (1,), 255, onp.uint8)
    if num_channels == 1:
        if c < 3:
            return pixels[..., :1]
        r, g, b = (colour[..., i].astype(onp.uint32) for i in range(3))
        return ((r * 9798 + g * 19235 + b * 3735) >> 15).astype(onp.uint8)[..., None]
    if num_channels == 3:
        return colour
    if num_channels == 4:
        return onp.concatenate([colour, alpha], axis=-1)
    raise ValueError(f"num_channels must be 1, 3 or 4. Received: num_channels={num_channels}")


def read_image(path, num_channels=3):
    """Decodes an image file to an (H, W, num_channels) uint8 array (first frame of a GIF).

    PNG decodes without Pillow; JPEG, BMP and GIF need it."""
    data = _open_path(path)
    if pil_image is not None:  # decode only; the channel conversion is ours, as without PIL
        img = pil_image.open(io.BytesIO(data))
        if img.mode not in ("L", "LA", "RGB", "RGBA", "I;16"):
            alpha = "A" in img.mode or "transparency" in img.info
            img = img.convert("RGBA" if alpha else "RGB")
        pixels = onp.asarray(img)
        return to_channels(pixels if pixels.ndim == 3 else pixels[..., None], num_channels)
    if not png.is_png(data):
        raise ImportError(
            f"Could not decode {os.fspath(path) if not isinstance(path, io.BytesIO) else 'image'}: "
            "without Pillow minikeras reads only PNG files. Install Pillow (`pip install pillow`) "
            "to read JPEG, BMP and GIF images.")
    return to_channels(png.decode_png(data), num_channels)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or any array-like) as a 3D array: (H, W, C), or (C, H, W) channels_first."""
    data_format = config.standardize_data_format(data_format)
    x = onp.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        x = x.transpose(2, 0, 1) if data_format == "channels_first" else x
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def _to_uint8_image(x, data_format, scale, dtype):
    """The array `array_to_img` turns into an image: HWC, optionally scaled to [0, 255]."""
    x = onp.array(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if config.standardize_data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:  # x <- 255 * (x - min) / max(x - min)
        x = x - onp.min(x)
        top = onp.max(x)
        x = (x / top if top != 0 else x) * 255
    if x.shape[2] not in (1, 3, 4):
        raise ValueError(f"Unsupported channel number: {x.shape[2]}")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array as a PIL image (RGB, RGBA, or L / I for one channel). Needs Pillow."""
    _require_pil("array_to_img")
    x = _to_uint8_image(x, data_format, scale, dtype)
    channels = x.shape[2]
    if channels == 1:
        if onp.max(x) > 255:
            return pil_image.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil_image.fromarray(x[:, :, 0].astype("uint8"), "L")
    return pil_image.fromarray(x.astype("uint8"), "RGBA" if channels == 4 else "RGB")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves a 3D array as an image file; the format comes from the extension by default.

    Without Pillow only PNG can be written (8-bit, through minikeras.utils.png).
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    if pil_image is None:
        if (file_format or "").lower() != "png":
            raise ImportError(_NO_PIL.format("save_img") + " Without it only PNG files can be "
                              f"written. Received: file_format={file_format}")
        img = _to_uint8_image(x, data_format, scale, None).astype("uint8")
        data = png.encode_png(img)
        if hasattr(path, "write"):
            path.write(data)
        else:
            with open(os.fspath(path), "wb") as f:
                f.write(data)
        return
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image file into a PIL image (needs Pillow, as in Keras).

    Args:
        path: path or io.BytesIO.
        color_mode: "grayscale", "rgb" or "rgba".
        target_size: None (original size) or (height, width).
        interpolation: PIL resampling: "nearest", "bilinear", "bicubic", "hamming", "box",
            "lanczos".
        keep_aspect_ratio: centre-crop to the target aspect ratio before resizing.
    """
    _require_pil("load_img")
    img = pil_image.open(io.BytesIO(_open_path(path)))
    modes = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}
    if color_mode not in modes:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if img.mode not in modes[color_mode]:
        img = img.convert(modes[color_mode][0])
    if target_size is None or img.size == (target_size[1], target_size[0]):
        return img
    methods = _pil_resampling()
    if interpolation not in methods:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(methods)}")
    target_w, target_h = target_size[1], target_size[0]
    box = None
    if keep_aspect_ratio:
        width, height = img.size
        crop_h = min(height, width * target_h // target_w)
        crop_w = min(width, height * target_w // target_h)
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        box = [left, top, left + crop_w, top + crop_h]
    return img.resize((target_w, target_h), methods[interpolation], box=box)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Centre-crops the largest box of the target aspect ratio, then resizes it to `size`.

    crop_h = clip(int(W * th / tw), 1, H), crop_w = clip(int(H * tw / th), 1, W).
    """
    from minikeras.layers.preprocessing import image_ops
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    x = onp.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or "
            "`(batch_size, height, width, channels)`, but got input with incorrect rank, of "
            f"shape {x.shape}.")
    return onp.asarray(image_ops.resize(x, tuple(size), interpolation, crop_to_aspect_ratio=True,
                                        data_format=data_format))
