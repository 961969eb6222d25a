"""Colour-space helpers of the colour augmentation layers, as `keras.ops.image` on Keras-JAX.

grayscale: Y = 0.2989 R + 0.5870 G + 0.1140 B (tf.image's weights), one channel.
HSV (dm_pix's formulas): V = max(R, G, B), S = (V - min) / V, H in [0, 1) by the sextant of the
largest channel; hsv_to_rgb inverts it with the clipped "triangle" ramps of each channel.
Written with autograd.numpy so that a traced image keeps its gradient.
"""
import numpy as onp
from autograd import numpy as anp

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def planes(images, axis):
    """The three channel planes of `images` along `axis` (by indexing: autograd has a VJP)."""
    index = [slice(None)] * len(anp.shape(images))
    out = []
    for c in range(3):
        index[axis] = c
        out.append(images[tuple(index)])
    return out


def _check(images, data_format):
    shape = anp.shape(images)
    if len(shape) not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch "
                         f"of images). Received input with shape: images.shape={shape}")
    return len(shape) + channel_axis(data_format)


def rgb_to_grayscale(images, data_format="channels_last"):
    """(..., 3) RGB -> (..., 1) luma (a 1-channel input passes through)."""
    axis = _check(images, data_format)
    channels = anp.shape(images)[axis]
    if channels not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received "
                         f"input with shape: images.shape={anp.shape(images)}")
    if channels == 1:
        return images
    dtype = images.dtype
    x = images if dtype.kind == "f" else images.astype("float32")
    r, g, b = planes(x, axis)
    gray = (r * x.dtype.type(_GRAY_WEIGHTS[0]) + g * x.dtype.type(_GRAY_WEIGHTS[1])
            + b * x.dtype.type(_GRAY_WEIGHTS[2]))
    return anp.expand_dims(gray, axis).astype(dtype)


def rgb_to_hsv(images, data_format="channels_last"):
    """RGB in [0, 1] -> HSV, each in [0, 1]."""
    axis = _check(images, data_format)
    dtype = images.dtype
    if dtype.kind != "f":
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: images.dtype={dtype}")
    f = dtype.type
    images = anp.where(anp.abs(images) < onp.finfo(dtype).eps, f(0), images)
    r, g, b = planes(images, axis)
    value = anp.maximum(anp.maximum(r, g), b)
    spread = value - anp.minimum(anp.minimum(r, g), b)
    saturation = anp.where(value > 0, spread / anp.where(value > 0, value, f(1)), f(0))
    norm = f(1) / (f(6) * anp.where(spread > 0, spread, f(1)))
    hue = anp.where(value == g, norm * (b - r) + f(2 / 6), norm * (r - g) + f(4 / 6))
    hue = anp.where(value == r, norm * (g - b), hue)
    hue = anp.where(spread > 0, hue, f(0)) + (hue < 0).astype(dtype)
    return anp.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, data_format="channels_last"):
    """HSV in [0, 1] -> RGB."""
    axis = _check(images, data_format)
    dtype = images.dtype
    if dtype.kind != "f":
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: images.dtype={dtype}")
    f = dtype.type
    hue, saturation, value = planes(images, axis)
    dh = anp.mod(hue, f(1)) * f(6)
    ramps = (anp.clip(anp.abs(dh - f(3)) - f(1), f(0), f(1)),
             anp.clip(f(2) - anp.abs(dh - f(2)), f(0), f(1)),
             anp.clip(f(2) - anp.abs(dh - f(4)), f(0), f(1)))
    return anp.stack([value * (f(1) - saturation + saturation * d) for d in ramps], axis=axis)
