"""`tf.io`: reading and writing files, decoding PNG / JPEG images, and `tf.io.gfile`.

File contents are `tf.string` scalars (a 0-d object array holding `bytes`). PNG decodes with
minikeras's own decoder; JPEG, GIF and BMP need Pillow.
"""
import glob as _glob
import io as _pyio
import os
import shutil
import types

import numpy as onp

from minikeras._install import missing_attribute as _missing_attribute
from minikeras.tf import dtypes
from minikeras.tf._core import integer as _integer, numpy as _numpy, op as _op
from minikeras.tf.errors import NotFoundError as _NotFoundError
from minikeras.utils import png
from minikeras.utils.image_utils import to_channels as _to_channels


def _path(filename):
    v = _numpy(filename)
    v = v.item() if v.ndim == 0 else v
    return os.fsdecode(v)


def _string(data):
    out = onp.empty((), dtype=object)
    out[()] = bytes(data)
    return out


def _bytes(contents):
    v = _numpy(contents)
    v = v.item() if v.ndim == 0 else v
    if not isinstance(v, bytes):
        raise TypeError(f"`contents` must be a string tensor (bytes). Received: {type(v).__name__}")
    return v


@_op
def read_file(filename, name=None):
    """The contents of the file `filename` as a string tensor."""
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            return _string(f.read())
    except FileNotFoundError:
        raise _NotFoundError(f"tf.io.read_file: {path}; No such file or directory") from None


def write_file(filename, contents, name=None):
    """Writes the string tensor `contents` to the file `filename`."""
    with open(_path(filename), "wb") as f:
        f.write(_bytes(contents))


def _pixels(data, what):
    if png.is_png(data):
        return png.decode_png(data)
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"tf.io.{what}: this image is not a PNG, and decoding other formats "
                          "needs Pillow (`pip install pillow`).") from None
    img = Image.open(_pyio.BytesIO(data))
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.mode or "transparency" in img.info else "RGB")
    pixels = onp.asarray(img)
    return pixels if pixels.ndim == 3 else pixels[..., None]


def _decode(contents, channels, dtype, what):
    """(height, width, channels) pixels: 8 bits per sample (16-bit PNGs keep the high byte),
    converted to `channels` when not 0, and scaled to [0, 1] for a float `dtype`."""
    pixels = _pixels(_bytes(contents), what)
    if pixels.dtype == onp.uint16:
        pixels = (pixels >> 8).astype(onp.uint8)
    channels = 0 if channels is None else _integer(channels, "channels")
    if channels not in (0, 1, 3, 4):
        raise ValueError(f"`channels` must be 0, 1, 3 or 4. Received: channels={channels}")
    if channels:
        pixels = _to_channels(pixels, channels)
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return (pixels / 255.0).astype(dtype.dtype)
    if dtype != dtypes.uint8:
        raise ValueError(f"`dtype` must be uint8 or a float dtype. Received: {dtype.name}")
    return pixels


@_op
def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """PNG bytes -> (height, width, channels) uint8 (channels=0: as stored; 1, 3 or 4 convert)."""
    return _decode(contents, channels, dtype, "decode_png")


@_op
def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """JPEG bytes -> (height, width, channels) uint8 (needs Pillow)."""
    return _decode(contents, channels, dtypes.uint8, "decode_jpeg")


@_op
def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """PNG, JPEG, GIF or BMP bytes -> (height, width, channels) (`dtype` float32 scales to
    [0, 1]); a GIF gives its first frame."""
    return _decode(contents, channels, dtype, "decode_image")


@_op
def encode_png(image, compression=-1, name=None):
    """A (height, width, channels) uint8 image -> PNG bytes as a string tensor."""
    return _string(png.encode_png(_numpy(image)))


def _exists(path):
    return os.path.exists(_path(path))


def _glob_files(pattern):
    return sorted(_glob.glob(_path(pattern)))


gfile = types.SimpleNamespace(
    exists=_exists, glob=_glob_files, isdir=lambda path: os.path.isdir(_path(path)),
    listdir=lambda path: sorted(os.listdir(_path(path))),
    makedirs=lambda path: os.makedirs(_path(path), exist_ok=True),
    mkdir=lambda path: os.mkdir(_path(path)), remove=lambda path: os.remove(_path(path)),
    rmtree=lambda path: shutil.rmtree(_path(path)),
    copy=lambda src, dst, overwrite=False: shutil.copyfile(_path(src), _path(dst)),
    rename=lambda src, dst, overwrite=False: os.replace(_path(src), _path(dst)),
    walk=lambda top, topdown=True, onerror=None: os.walk(_path(top), topdown, onerror),
    GFile=open, join=os.path.join,
)
gfile.__doc__ = "`tf.io.gfile`: file-system helpers on local paths (os, shutil, glob)."

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
