"""`keras.ops.image.resize` and `affine_transform` in numpy, matching Keras's JAX backend.

affine_transform: output pixel (y, x) samples the input at
    x' = a0*x + a1*y + a2,   y' = b0*x + b1*y + b2,
transform = [a0, a1, a2, b0, b1, b2, c0, c1] (c0, c1 enter as Keras-JAX uses them: the channel
index c adds c*c0 to y' and c*c1 to x'). Sampling is `jax.scipy.ndimage.map_coordinates` with
order 0 (round half away from zero) or 1 (bilinear), and a fill mode for taps off the image.

resize: separable resampling, `jax.image.resize`: out[i] = sum_j w[j, i] * in[j] on each resized
axis, with w the kernel at |(i + 0.5) / scale - 0.5 - j| normalised over j (half-pixel centres).

Both use autograd.numpy on a traced image, so it keeps its gradient (untraced images take the
faster `onp.take`); sample positions and weights are plain numpy (shapes and transform only).
"""
import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import is_traced, untraced

from minikeras.engine.config import standardize_data_format
from minikeras.ops.image import _FIXERS  # fill mode: tap index -> index inside [0, size)

AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
_F32 = onp.float32


def _round_half_away(x):
    t = onp.trunc(x)
    return onp.where(onp.abs(x - t) >= 0.5, t + onp.sign(x), t)


def _taps(coord, size, order, fill_mode):
    """[(index, valid or None, weight or None)]: one tap (order 0) or two (order 1)."""
    if order == 0:
        nodes = [(_round_half_away(coord).astype(onp.int64), None)]
    else:
        lower = onp.floor(coord)
        upper_weight = coord - lower
        nodes = [(lower.astype(onp.int64), 1 - upper_weight), (lower.astype(onp.int64) + 1, upper_weight)]
    return [(_FIXERS[fill_mode](i, size), (i >= 0) & (i < size) if fill_mode == "constant" else None, w)
            for i, w in nodes]


def _sample(images, yy, xx, order, fill_mode, fill_value):
    """images (N, H, W, C) at float positions yy, xx (N, H, W, 1 or C): sum of weighted taps."""
    n, h, w, c = images.shape
    batch = onp.arange(n).reshape(-1, 1, 1, 1)
    cval = onp.asarray(fill_value, dtype=images.dtype)
    if yy.shape[-1] == 1 and xx.shape[-1] == 1:  # same position for every channel: gather rows
        rows = anp.reshape(images, (n * h * w, c))
        take = (lambda i: rows[i]) if is_traced(rows) else (lambda i: onp.take(rows, i, axis=0))
        gather = lambda iy, ix: take(((batch * h + iy) * w + ix)[..., 0])
    else:
        channel = onp.arange(c).reshape(1, 1, 1, -1)
        gather = lambda iy, ix: images[batch, iy, ix, channel]
    x_taps = _taps(xx, w, order, fill_mode)
    out = None
    for iy, vy, wy in _taps(yy, h, order, fill_mode):
        for ix, vx, wx in x_taps:
            v = gather(iy, ix)
            if vy is not None:
                v = anp.where(vy & vx, v, cval)
            term = v if wy is None else (wy * wx).astype(images.dtype) * v
            out = term if out is None else out + term
    return out


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warps images (3D or 4D) by affine transforms, like Keras-JAX.

    Args:
        images: (N, H, W, C) or (H, W, C) (channels_first: C before H, W).
        transform: (8,) or (N, 8) float: [a0, a1, a2, b0, b1, b2, c0, c1], output -> input map.
        interpolation: "nearest" or "bilinear".
        fill_mode: "constant", "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value of off-image taps when fill_mode="constant".
    """
    data_format = standardize_data_format(data_format)
    images = images if is_traced(images) else onp.asarray(images)
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(AFFINE_INTERPOLATIONS)}. Received: interpolation={interpolation}")
    if fill_mode not in AFFINE_FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{set(AFFINE_FILL_MODES)}. Received: fill_mode={fill_mode}")
    ndim = len(anp.shape(images))
    if ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
                         f"images). Received input with shape: images.shape={anp.shape(images)}")
    t = onp.asarray(untraced(transform), dtype=_F32)
    if t.ndim not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 "
                         f"(batch of transforms). Received input with shape: transform.shape={t.shape}")
    x = images[None] if ndim == 3 else images
    if data_format == "channels_first":
        x = anp.transpose(x, (0, 2, 3, 1))
    out_dtype = x.dtype
    if out_dtype.kind != "f":
        x = x.astype(_F32)
    n, h, w, c = x.shape
    t = onp.broadcast_to(t.reshape(-1, 8), (n, 8))
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, k].reshape(-1, 1, 1, 1) for k in range(8))
    y = onp.arange(h, dtype=_F32).reshape(1, -1, 1, 1)
    xs = onp.arange(w, dtype=_F32).reshape(1, 1, -1, 1)
    ch = onp.arange(c, dtype=_F32).reshape(1, 1, 1, -1) if (c0.any() or c1.any()) else _F32(0)
    yy = (y * b1 + xs * b0 + ch * c0) + b2
    xx = (y * a1 + xs * a0 + ch * c1) + a2
    out = _sample(x, yy, xx, AFFINE_INTERPOLATIONS.index(interpolation), fill_mode, fill_value)
    if out_dtype.kind != "f":
        out = _round_half_away(out).astype(out_dtype)
    if data_format == "channels_first":
        out = anp.transpose(out, (0, 3, 1, 2))
    return out[0] if ndim == 3 else out


# --- resize --------------------------------------------------------------------------------
def _triangle(x):
    return onp.maximum(0, 1 - x)


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = onp.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return onp.where(x >= 2.0, 0.0, out).astype(x.dtype)


def _lanczos(radius):
    def kernel(x):
        y = radius * onp.sin(onp.pi * x) * onp.sin(onp.pi * x / radius)
        out = onp.where(x > 1e-3, y / onp.where(x != 0, onp.pi ** 2 * x ** 2, 1), 1)
        return onp.where(x > radius, 0.0, out).astype(x.dtype)
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic,
            "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def _weight_matrix(in_size, out_size, kernel, antialias):
    """(in_size, out_size) float32 weights of jax.image.scale_and_translate (no edge padding)."""
    inv_scale = 1.0 / (out_size / in_size)
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (onp.arange(out_size, dtype=_F32) + 0.5) * inv_scale - 0.5
    x = onp.abs(sample[None, :] - onp.arange(in_size, dtype=_F32)[:, None]) / kernel_scale
    weights = kernel(x)
    total = onp.sum(weights, axis=0, keepdims=True)
    weights = onp.where(onp.abs(total) > 1000.0 * float(onp.finfo(_F32).eps),
                        weights / onp.where(total != 0, total, 1), 0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return onp.where(inside[None, :], weights, 0).astype(_F32)


def _resample_axis(x, axis, out_size, interpolation, antialias):
    in_size = x.shape[axis]
    if interpolation == "nearest":
        idx = onp.floor((onp.arange(out_size, dtype=_F32) + 0.5) * in_size / out_size).astype(onp.int64)
        index = [slice(None)] * x.ndim
        index[axis] = idx
        return x[tuple(index)]  # indexing, not np.take: autograd has no VJP for take
    if in_size == out_size:
        return x
    w = _weight_matrix(in_size, out_size, _KERNELS[interpolation], antialias).astype(x.dtype)
    return anp.moveaxis(anp.tensordot(x, w, axes=([axis], [0])), -1, axis)


def _crop_or_pad(x, target, h_axis, fill_value, crop):
    """Keras's crop_to_aspect_ratio (central crop) / pad_to_aspect_ratio (even padding)."""
    height, width = x.shape[h_axis], x.shape[h_axis + 1]
    th, tw = target
    if crop:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        index = [slice(None)] * x.ndim
        index[h_axis], index[h_axis + 1] = slice(h0, h0 + ch), slice(w0, w0 + cw)
        return x[tuple(index)]
    ph, pw = max(height, int(float(width * th) / tw)), max(width, int(float(height * tw) / th))
    h0, w0 = int(float(ph - height) / 2), int(float(pw - width) / 2)
    axis, amount = (h_axis, h0) if h0 > 0 else (h_axis + 1, w0)
    if amount <= 0:
        return x
    shape = list(x.shape)
    shape[axis] = amount
    pad = onp.full(shape, fill_value, dtype=x.dtype)
    return anp.concatenate([pad, x, pad], axis=axis)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images (3D or 4D) to `size` = (height, width), like Keras-JAX (`jax.image.resize`).

    Non-nearest methods return floats (integer images are computed in float32).
    """
    data_format = standardize_data_format(data_format)
    images = images if is_traced(images) else onp.asarray(images)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                         f"Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if len(size) != 2:
        raise ValueError("Argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size}")
    ndim = len(anp.shape(images))
    if ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
                         f"images). Received input with shape: images.shape={anp.shape(images)}")
    h_axis = ndim - 3 if data_format == "channels_last" else ndim - 2
    x = images
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        x = _crop_or_pad(x, tuple(size), h_axis, fill_value, crop_to_aspect_ratio)
    if interpolation != "nearest" and x.dtype.kind != "f":
        x = x.astype(_F32)
    x = _resample_axis(x, h_axis, int(size[0]), interpolation, antialias)
    return _resample_axis(x, h_axis + 1, int(size[1]), interpolation, antialias)
