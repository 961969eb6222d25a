"""`tf.image`: the image functions tutorials call in `tf.data` `map`s and in layers' `call`.

Images are (height, width, channels) or batches (batch, height, width, channels). Functions a
layer calls on traced values (extract_patches, crop / pad to a bounding box, flips, resize) are
written with `keras.ops`, so gradients flow through them.
"""
import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.engine.autodiff import untraced as _untraced
from minikeras.layers.preprocessing import image_ops
from minikeras.tf import dtypes
from minikeras.tf._core import (
    integer as _integer, numpy as _numpy, op as _op, read as _read, shape_arg as _shape_arg)
from minikeras.tf.io import decode_image, decode_jpeg, decode_png, encode_png  # noqa: F401
from minikeras.tf.random import _rng


class ResizeMethod:
    """The names `tf.image.resize` takes as `method`."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _image(image, what="image"):
    x = _read(image)
    if anp.ndim(x) not in (3, 4):
        raise ValueError(f"`{what}` must be 3-D (height, width, channels) or 4-D (batch, height, "
                         f"width, channels). Received: shape {anp.shape(x)}")
    return x


def _hw(x):
    return anp.shape(x)[-3], anp.shape(x)[-2]


@_op
def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """`images` resized to `size` = (height, width) with half-pixel centres; float32 results
    except for "nearest", which keeps the dtype. `preserve_aspect_ratio` fits the image inside
    `size` instead."""
    x, (height, width) = _image(images, "images"), _shape_arg(size, "size")
    method = str(method).lower()
    if method not in image_ops.RESIZE_INTERPOLATIONS:
        raise ValueError(f"`method`={method!r} is not supported: use one of "
                         f"{image_ops.RESIZE_INTERPOLATIONS}.")
    if preserve_aspect_ratio:
        h, w = _hw(x)
        scale = min(height / h, width / w)
        height, width = int(onp.round(scale * h)), int(onp.round(scale * w))
    out = image_ops.resize(x, (height, width), interpolation=method, antialias=antialias,
                           data_format="channels_last")
    return out if method == "nearest" else ops.cast(out, "float32")


def _flip(x, axis, mask=None):
    flipped = ops.flip(x, axis=axis)
    return flipped if mask is None else ops.where(mask, flipped, x)


def _random_mask(x, seed):
    """One coin per image: a (batch, 1, 1, 1) mask for a batch, a scalar for one image."""
    n = anp.shape(x)[0] if anp.ndim(x) == 4 else 1
    coins = _rng(seed).random(n) < 0.5
    return coins.reshape(-1, 1, 1, 1) if anp.ndim(x) == 4 else coins[0]


@_op
def flip_left_right(image): "`image` mirrored horizontally (the width axis reversed)."; return _flip(_image(image), -2)
@_op
def flip_up_down(image): "`image` mirrored vertically (the height axis reversed)."; return _flip(_image(image), -3)


@_op
def random_flip_left_right(image, seed=None):
    """Each image mirrored horizontally with probability 1/2 (independently in a batch)."""
    x = _image(image)
    return _flip(x, -2, _random_mask(x, seed))


@_op
def random_flip_up_down(image, seed=None):
    """Each image mirrored vertically with probability 1/2 (independently in a batch)."""
    x = _image(image)
    return _flip(x, -3, _random_mask(x, seed))


@_op
def transpose(image, name=None):
    """`image` with height and width swapped."""
    return ops.swapaxes(_image(image), -3, -2)


@_op
def rot90(image, k=1, name=None):
    """`image` rotated counter-clockwise by k quarter turns."""
    x = _image(image)
    for _ in range(_integer(k, "k") % 4):
        x = ops.flip(ops.swapaxes(x, -3, -2), axis=-3)
    return x


def _box_args(x, offset_height, offset_width, target_height, target_width):
    return [_integer(v, what) for v, what in ((offset_height, "offset_height"),
                                            (offset_width, "offset_width"),
                                            (target_height, "target_height"),
                                            (target_width, "target_width"))]


@_op
def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The box of `image` whose top-left corner is (offset_height, offset_width), of size
    target_height x target_width."""
    x = _image(image)
    oh, ow, th, tw = _box_args(x, offset_height, offset_width, target_height, target_width)
    h, w = _hw(x)
    if oh < 0 or ow < 0 or th <= 0 or tw <= 0 or oh + th > h or ow + tw > w:
        raise ValueError(f"the box (offset {oh}, {ow}, size {th} x {tw}) does not fit in the "
                         f"{h} x {w} image.")
    return x[..., oh:oh + th, ow:ow + tw, :]


@_op
def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`image` placed at (offset_height, offset_width) in a zero image of size
    target_height x target_width."""
    x = _image(image)
    oh, ow, th, tw = _box_args(x, offset_height, offset_width, target_height, target_width)
    h, w = _hw(x)
    if oh < 0 or ow < 0 or th < oh + h or tw < ow + w:
        raise ValueError(f"the {h} x {w} image at offset ({oh}, {ow}) does not fit in "
                         f"`target_height` x `target_width` = {th} x {tw}.")
    widths = [(0, 0)] * (anp.ndim(x) - 3) + [(oh, th - oh - h), (ow, tw - ow - w), (0, 0)]
    return ops.pad(x, widths)


@_op
def resize_with_crop_or_pad(image, target_height, target_width):
    """`image` centrally cropped and / or zero-padded to target_height x target_width."""
    x = _image(image)
    h, w = _hw(x)
    th, tw = _integer(target_height, "target_height"), _integer(target_width, "target_width")
    cropped = crop_to_bounding_box(x, max((h - th) // 2, 0), max((w - tw) // 2, 0),
                                   min(th, h), min(tw, w))
    return pad_to_bounding_box(cropped, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)


@_op
def central_crop(image, central_fraction):
    """The central `central_fraction` (in (0, 1]) of the image's height and width."""
    x = _image(image)
    fraction = float(_numpy(central_fraction))
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"`central_fraction` must be in (0, 1]. Received: {fraction}")
    h, w = _hw(x)
    top, left = int((h - h * fraction) / 2), int((w - w * fraction) / 2)
    return x[..., top:h - top, left:w - left, :]


@_op
def random_crop(value, size, seed=None, name=None):
    """A block of `size` (one entry per axis of `value`) at a random offset."""
    x, size = _read(value), _shape_arg(size, "size")
    shape = anp.shape(x)
    if len(size) != len(shape) or any(s > n for s, n in zip(size, shape)):
        raise ValueError(f"`size`={size} must have one entry per axis of `value` (shape "
                         f"{shape}), none larger than that axis.")
    rng = _rng(seed)
    start = [int(rng.integers(0, n - s + 1)) for s, n in zip(size, shape)]
    return x[tuple(slice(b, b + s) for b, s in zip(start, size))]


@_op
def extract_patches(images, sizes, strides, rates, padding, name=None):
    """(batch, rows, cols, kh * kw * channels): each output pixel holds the kh x kw patch at it
    (sizes = [1, kh, kw, 1], strides and rates likewise), flattened in (row, col, channel) order.
    A convolution with an identity kernel, so it is differentiable."""
    x = _read(images)
    if anp.ndim(x) != 4:
        raise ValueError(f"`images` must be 4-D (batch, height, width, channels). Received: "
                         f"shape {anp.shape(x)}")
    (kh, kw), channels = _window(sizes, "sizes"), anp.shape(x)[-1]
    dtype = _untraced(x).dtype if _untraced(x).dtype.kind == "f" else onp.dtype("float32")
    kernel = onp.eye(kh * kw * channels, dtype=dtype).reshape(kh, kw, channels, -1)
    out = ops.conv(ops.cast(x, dtype), kernel, strides=_window(strides, "strides"),
                   padding=str(padding).lower(), dilation_rate=_window(rates, "rates"),
                   data_format="channels_last")  # TensorFlow's images are always channels-last
    return ops.cast(out, _untraced(x).dtype)


def _window(value, what):
    v = [int(s) for s in _numpy(value)]
    if len(v) != 4 or v[0] != 1 or v[3] != 1:
        raise ValueError(f"`{what}` must be [1, rows, cols, 1]. Received: {what}={v}")
    return v[1], v[2]


# --- pixel values -----------------------------------------------------------------------------
@_op
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """`image` in another dtype, rescaled: integer images span [0, MAX] of their dtype, float
    images [0, 1]. Float to float is a plain cast (values are not rescaled)."""
    x, src, dst = _read(image), dtypes.as_dtype(_untraced(_read(image)).dtype), dtypes.as_dtype(dtype)
    if src == dst:
        return x
    if src.is_integer and dst.is_integer:
        v = _numpy(x).astype(onp.int64)
        if src.max > dst.max:
            return (v // ((int(src.max) + 1) // (int(dst.max) + 1))).astype(dst.dtype)
        return (v * ((int(dst.max) + 1) // (int(src.max) + 1))).astype(dst.dtype)
    if src.is_floating and dst.is_floating:
        return ops.cast(x, dst.dtype)
    if src.is_integer:
        return ops.multiply(ops.cast(x, dst.dtype), onp.asarray(1.0 / src.max, dst.dtype))
    scaled = _numpy(x) * (dst.max + 0.5)
    if saturate:
        scaled = onp.clip(scaled, dst.min, dst.max)
    return scaled.astype(dst.dtype)


def _as_float_image(x):
    """(float image, its original dtype): integer images scaled to [0, 1] in float32."""
    dtype = _untraced(x).dtype
    return (x, dtype) if dtype.kind == "f" else (convert_image_dtype(x, "float32"), dtype)


def _back(x, dtype):
    return x if dtype.kind == "f" else convert_image_dtype(x, dtype, saturate=True)


@_op
def per_image_standardization(image):
    """(x - mean) / max(stddev, 1 / sqrt(N)) per image, N its number of values; float32 for
    integer images."""
    x = _image(image)
    if _untraced(x).dtype.kind != "f":
        x = ops.cast(x, "float32")
    h, w = _hw(x)
    axes = (-3, -2, -1)
    mean = ops.mean(x, axis=axes, keepdims=True)
    std = ops.std(x, axis=axes, keepdims=True)
    floor = onp.asarray(1.0 / onp.sqrt(h * w * anp.shape(x)[-1]), _untraced(x).dtype)
    return ops.divide(ops.subtract(x, mean), ops.maximum(std, floor))


@_op
def adjust_brightness(image, delta):
    """image + delta (integer images are shifted in [0, 1] and converted back)."""
    x, dtype = _as_float_image(_read(image))
    return _back(ops.add(x, ops.cast(_read(delta), _untraced(x).dtype)), dtype)


@_op
def random_brightness(image, max_delta, seed=None):
    """image + delta, one delta uniform in [-max_delta, max_delta) for the whole tensor."""
    max_delta = float(_numpy(max_delta))
    if max_delta < 0:
        raise ValueError(f"`max_delta` must be non-negative. Received: max_delta={max_delta}")
    return adjust_brightness(image, _rng(seed).uniform(-max_delta, max_delta))


@_op
def adjust_contrast(images, contrast_factor):
    """(x - mean) * contrast_factor + mean, the mean of each channel of each image."""
    x, dtype = _as_float_image(_image(images, "images"))
    mean = ops.mean(x, axis=(-3, -2), keepdims=True)
    factor = ops.cast(_read(contrast_factor), _untraced(x).dtype)
    return _back(ops.add(ops.multiply(ops.subtract(x, mean), factor), mean), dtype)


@_op
def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast with a factor uniform in [lower, upper)."""
    lower, upper = float(_numpy(lower)), float(_numpy(upper))
    if not 0 <= lower < upper:
        raise ValueError(f"`lower` and `upper` must satisfy 0 <= lower < upper. Received: "
                         f"lower={lower}, upper={upper}")
    return adjust_contrast(image, _rng(seed).uniform(lower, upper))


@_op
def rgb_to_grayscale(images, name=None):
    """0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of size 1."""
    x, dtype = _as_float_image(_read(images))
    weights = onp.asarray([0.2989, 0.5870, 0.1140], _untraced(x).dtype)
    return _back(ops.expand_dims(ops.tensordot(x, weights, axes=1), -1), dtype)


@_op
def grayscale_to_rgb(images, name=None):
    """The single channel repeated three times."""
    x = _read(images)
    return ops.concatenate([x, x, x], axis=-1)


@_op
def rgb_to_hsv(images, name=None):
    """Float RGB images in [0, 1] as hue, saturation, value, each in [0, 1] (no gradient)."""
    x = _numpy(images)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    value, spread = x.max(-1), x.max(-1) - x.min(-1)
    safe = onp.where(spread > 0, spread, 1)
    hue = onp.where(value == r, (g - b) / safe, onp.where(value == g, 2 + (b - r) / safe,
                                                           4 + (r - g) / safe))
    hue = onp.where(spread > 0, (hue / 6.0) % 1.0, 0.0)
    saturation = onp.where(value > 0, spread / onp.where(value > 0, value, 1), 0.0)
    return onp.stack([hue, saturation, value], axis=-1).astype(x.dtype)


@_op
def hsv_to_rgb(images, name=None):
    """Hue, saturation, value images back to RGB (no gradient)."""
    x = _numpy(images)
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    c = s * v
    sector = h * 6.0
    second = c * (1 - onp.abs(sector % 2 - 1))
    zero, k = onp.zeros_like(c), onp.clip(onp.floor(sector), 0, 5).astype(int)
    rgb = onp.select([k[..., None] == i for i in range(6)],
                     [onp.stack(t, -1) for t in ((c, second, zero), (second, c, zero),
                                                 (zero, c, second), (zero, second, c),
                                                 (second, zero, c), (c, zero, second))])
    return (rgb + (v - c)[..., None]).astype(x.dtype)


def _in_hsv(image, change):
    x, dtype = _as_float_image(_read(image))
    hsv = _numpy(rgb_to_hsv(x))
    return _back(hsv_to_rgb(change(hsv)), dtype)


@_op
def adjust_saturation(image, saturation_factor, name=None):
    """The saturation of RGB images scaled by `saturation_factor` (clipped to [0, 1])."""
    factor = float(_numpy(saturation_factor))
    return _in_hsv(image, lambda hsv: onp.concatenate(
        [hsv[..., :1], onp.clip(hsv[..., 1:2] * factor, 0, 1), hsv[..., 2:]], axis=-1))


@_op
def adjust_hue(image, delta, name=None):
    """The hue of RGB images rotated by `delta` (in [-1, 1]; a full turn is 1)."""
    delta = float(_numpy(delta))
    return _in_hsv(image, lambda hsv: onp.concatenate(
        [(hsv[..., :1] + delta) % 1.0, hsv[..., 1:]], axis=-1))


@_op
def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation with a factor uniform in [lower, upper)."""
    lower, upper = float(_numpy(lower)), float(_numpy(upper))
    if not 0 <= lower < upper:
        raise ValueError(f"`lower` and `upper` must satisfy 0 <= lower < upper. Received: "
                         f"lower={lower}, upper={upper}")
    return adjust_saturation(image, _rng(seed).uniform(lower, upper))


@_op
def random_hue(image, max_delta, seed=None):
    """adjust_hue with a delta uniform in [-max_delta, max_delta) (max_delta in [0, 0.5])."""
    max_delta = float(_numpy(max_delta))
    if not 0 <= max_delta <= 0.5:
        raise ValueError(f"`max_delta` must be in [0, 0.5]. Received: max_delta={max_delta}")
    return adjust_hue(image, _rng(seed).uniform(-max_delta, max_delta))


# YUV as TensorFlow defines it (BT.601 luma; U, V scaled to [-0.436, 0.436] and [-0.615, 0.615])
_RGB_TO_YUV = onp.array([[0.299, -0.14714119, 0.61497538],
                         [0.587, -0.28886916, -0.51496512],
                         [0.114, 0.43601035, -0.10001026]])
_YUV_TO_RGB = onp.array([[1.0, 1.0, 1.0],
                         [0.0, -0.394642334, 2.03206185],
                         [1.13988303, -0.58062185, 0.0]])


@_op
def rgb_to_yuv(images):
    """Float RGB images in [0, 1] as YUV: [..., 3] @ the RGB-to-YUV matrix."""
    x = _read(images)
    return ops.tensordot(x, _RGB_TO_YUV.astype(_untraced(x).dtype), axes=1)


@_op
def yuv_to_rgb(images):
    """YUV images back to RGB (the inverse matrix of rgb_to_yuv)."""
    x = _read(images)
    return ops.tensordot(x, _YUV_TO_RGB.astype(_untraced(x).dtype), axes=1)


@_op
def psnr(a, b, max_val, name=None):
    """20 log10(max_val) - 10 log10(mean((a - b)^2)) per image (over the last three axes)."""
    x, _ = _as_float_image(_read(a))
    y, _ = _as_float_image(_read(b))
    mse = ops.mean(ops.square(ops.subtract(x, y)), axis=(-3, -2, -1))
    max_val = float(_numpy(max_val)) / (1 if _untraced(_read(a)).dtype.kind == "f" else
                                        dtypes.as_dtype(_untraced(_read(a)).dtype).max)
    return ops.subtract(20.0 * onp.log10(max_val), ops.multiply(10.0 / onp.log(10.0), ops.log(mse)))

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False):
    """`tf.image.ssim`: the structural similarity of two channels-last image batches (one value
    per image), as `keras.ops.image.ssim` computes it."""
    if return_index_map:
        raise NotImplementedError("tf.image.ssim(return_index_map=True) is not supported by minikeras.")
    return ops.image.ssim(img1, img2, max_val=max_val, filter_size=filter_size,
                          filter_sigma=filter_sigma, k1=k1, k2=k2, data_format="channels_last")
