"""`keras.ops.image`: resizing, affine and colour-space transforms, patches, filters.

Numerics follow Keras on JAX:
- resize / scale_and_translate are `jax.image.scale_and_translate`: on each resized axis
  out[i] = sum_j w[j, i] in[j], w the kernel (triangle, Keys cubic, Lanczos) at
  |(i + 0.5 - t) / s - 0.5 - j| / max(1/s, 1 if antialias), normalised over j.
- map_coordinates / affine / perspective / elastic sample like `jax.scipy.ndimage.map_coordinates`
  (order 0: round half away from zero; order 1: linear), taps off the image follow `fill_mode`.
- gaussian_blur / sobel_edges / ssim are depthwise correlations ("same" zero padding, or "valid").

The image is handled with autograd.numpy, so a traced image keeps its gradient; sample
positions, weights and kernels are plain numpy (they depend only on shapes and parameters).
"""
import functools
import itertools

import ml_dtypes
import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval

from minikeras.engine import config
from minikeras.engine.dtypes import result_type, standardize_dtype
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops.promotion import _as_tensor
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace

# "area" is TensorFlow's (Keras-JAX lacks it; jax.image has the same box weights)
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_TRANSFORM_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
AFFINE_TRANSFORM_FILL_MODES = {"constant", "nearest", "wrap", "mirror", "reflect"}
MAP_COORDINATES_FILL_MODES = {"constant", "nearest", "wrap", "mirror", "reflect"}
SCALE_AND_TRANSLATE_METHODS = {"linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic",
                               "lanczos3", "lanczos5"}
_F32 = onp.float32


# --- helpers --------------------------------------------------------------------------------
def _std(data_format):
    return config.standardize_data_format(data_format)


def _check_rank(images, name="images"):
    shape = tuple(anp.shape(images))
    if len(shape) not in (3, 4):
        raise ValueError(f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch "
                         f"of images). Received input with shape: {name}.shape={shape}")


def _dtype(x):
    return standardize_dtype(x.dtype)


def _is_int(x):
    return onp.dtype(x.dtype).kind in "iub"


def _compute_float(x):
    """float16 / bfloat16 / ints are computed in float32 (as JAX promotes with float32 weights)."""
    return x if _dtype(x) in ("float32", "float64") else x.astype(_F32)


def _round_half_away(x):
    t = anp.trunc(x)
    return anp.where(anp.abs(x - t) >= 0.5, t + anp.sign(x), t)


def _to_nhwc(images, data_format):
    """(batched NHWC images, function undoing the batching and layout)."""
    unbatched = anp.ndim(images) == 3
    x = images[None] if unbatched else images
    if data_format == "channels_first":
        x = anp.transpose(x, (0, 2, 3, 1))

    def undo(out):
        if data_format == "channels_first":
            out = anp.transpose(out, (0, 3, 1, 2))
        return out[0] if unbatched else out
    return x, undo


def _saturate_cast(x, dtype):
    info = onp.iinfo(dtype) if onp.dtype(dtype).kind in "iu" else None
    if info is not None:
        x = anp.clip(x, info.min, info.max)
    return x.astype(dtype)


# --- colour spaces --------------------------------------------------------------------------
def _planes(images, axis):
    index = [slice(None)] * anp.ndim(images)
    out = []
    for c in range(3):
        index[axis] = c
        out.append(images[tuple(index)])
    return out


def _check_three_channels(images, data_format):
    _check_rank(images)
    if not _dtype(images).startswith(("float", "bfloat")):
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={_dtype(images)}")
    channels = images.shape[-1 if _std(data_format) == "channels_last" else -3]
    if channels is not None and channels != 3:
        raise ValueError(f"Input images must have 3 channels, but received images with "
                         f"{channels} channels.")


def rgb_to_grayscale(images, data_format=None):
    """RGB -> one channel: Y = 0.2989 R + 0.5870 G + 0.1140 B (a 1-channel input passes)."""
    images = _as_tensor(images)
    axis = -1 if _std(data_format) == "channels_last" else -3
    _check_rank(images)
    if images.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received "
                         f"input with shape: images.shape={tuple(images.shape)}")
    if images.shape[axis] == 1:
        return images + 0 if _is_int(images) else images * 1
    dtype = images.dtype
    x = images if not _is_int(images) else images.astype(result_type(_dtype(images), float))
    weights = onp.array([0.2989, 0.5870, 0.1140], dtype=x.dtype)
    gray = anp.tensordot(x, weights, axes=([anp.ndim(x) + axis], [0]))
    return anp.expand_dims(gray, axis).astype(dtype)


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] -> HSV in [0, 1] (dm_pix's formulas)."""
    images = _as_tensor(images)
    _check_three_channels(images, data_format)
    axis = anp.ndim(images) + (-1 if _std(data_format) == "channels_last" else -3)
    dtype = images.dtype
    f = onp.dtype(dtype).type
    images = anp.where(anp.abs(images) < ml_dtypes.finfo(dtype).eps, f(0), images)
    r, g, b = _planes(images, axis)
    value = anp.maximum(anp.maximum(r, g), b)
    spread = value - anp.minimum(anp.minimum(r, g), b)
    saturation = anp.where(value > 0, spread / anp.where(value > 0, value, f(1)), f(0))
    norm = f(1) / (f(6) * anp.where(spread > 0, spread, f(1)))
    hue = anp.where(value == g, norm * (b - r) + f(2 / 6), norm * (r - g) + f(4 / 6))
    hue = anp.where(value == r, norm * (g - b), hue)
    hue = anp.where(spread > 0, hue, f(0)) + (hue < 0).astype(dtype)
    return anp.stack([hue, saturation, value], axis=axis).astype(dtype)


def hsv_to_rgb(images, data_format=None):
    """HSV in [0, 1] -> RGB (dm_pix's clipped triangle ramps)."""
    images = _as_tensor(images)
    _check_three_channels(images, data_format)
    axis = anp.ndim(images) + (-1 if _std(data_format) == "channels_last" else -3)
    dtype = images.dtype
    f = onp.dtype(dtype).type
    hue, saturation, value = _planes(images, axis)
    dh = anp.mod(hue, f(1)) * f(6)
    ramps = (anp.clip(anp.abs(dh - f(3)) - f(1), f(0), f(1)),
             anp.clip(f(2) - anp.abs(dh - f(2)), f(0), f(1)),
             anp.clip(f(2) - anp.abs(dh - f(4)), f(0), f(1)))
    out = [value * (f(1) - saturation + saturation * d) for d in ramps]
    return anp.stack(out, axis=axis).astype(dtype)


# --- resampling kernels (jax.image) ---------------------------------------------------------
def _triangle(x):
    return onp.maximum(_F32(0), _F32(1) - onp.abs(x))


def _keys_cubic(x):
    out = ((_F32(1.5) * x - _F32(2.5)) * x) * x + _F32(1.0)
    out = onp.where(x >= 1.0, ((_F32(-0.5) * x + _F32(2.5)) * x - _F32(4.0)) * x + _F32(2.0), out)
    return onp.where(x >= 2.0, _F32(0.0), out)


def _lanczos(radius):
    def kernel(x):
        r = x.dtype.type(radius)
        y = r * onp.sin(x.dtype.type(onp.pi) * x) * onp.sin(x.dtype.type(onp.pi) * x / r)
        den = onp.where(x != 0, x.dtype.type(onp.pi ** 2) * x ** 2, x.dtype.type(1))
        out = onp.where(x > 1e-3, y / den, x.dtype.type(1))
        return onp.where(x > r, x.dtype.type(0), out)
    return kernel


def _area(x):
    raise AssertionError("the area weights are overlaps, computed in _weight_matrix")


_KERNELS = {"area": _area, "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
            "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
            "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def _weight_matrix(in_size, out_size, scale, translation, kernel, antialias, dtype=_F32):
    """(in_size, out_size) weights of jax.image.scale_and_translate along one axis."""
    f = onp.dtype(dtype).type
    # resize passes Python floats: jax.image inverts those in double precision
    inv_scale = f(1.0 / scale) if isinstance(scale, float) else f(1) / f(scale)
    translation = f(translation)
    kernel_scale = max(inv_scale, f(1)) if antialias else f(1)
    sample = (onp.arange(out_size, dtype=dtype) + f(0.5)) * inv_scale - translation * inv_scale - f(0.5)
    if kernel is _area:  # overlap of output pixel [L_i, L_i + 1/s] with input pixel [j, j + 1]
        left = onp.arange(out_size, dtype=dtype) * inv_scale - translation * inv_scale
        pixels = onp.arange(in_size, dtype=dtype)[:, None]
        weights = onp.maximum(f(0), onp.minimum((left + inv_scale)[None, :], pixels + f(1))
                              - onp.maximum(left[None, :], pixels))
    else:
        x = onp.abs(sample[None, :] - onp.arange(in_size, dtype=dtype)[:, None]) / kernel_scale
        weights = kernel(x).astype(dtype)
    total = onp.sum(weights, axis=0, keepdims=True)
    # normalised by the reciprocal, as XLA compiles the division (integer images round alike)
    weights = onp.where(onp.abs(total) > 1000.0 * float(onp.finfo(_F32).eps),
                        weights * (f(1) / onp.where(total != 0, total, f(1))), f(0))
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return onp.where(inside[None, :], weights, f(0)).astype(dtype)


def _contraction_order(shape, output_shape, dims):
    """The order of fewest multiply-adds (the path jnp.einsum takes; ties keep axis order):
    float32 sums then round as in Keras-JAX."""
    def flops(order):
        current, total = list(shape), 0
        for d, _ in order:
            total += int(onp.prod(current)) * output_shape[d]
            current[d] = output_shape[d]
        return total
    return min(itertools.permutations(dims), key=flops)


def _scale_and_translate(x, output_shape, spatial_dims, scale, translation, kernel, antialias,
                         weight_dtype=_F32):
    if _is_int(x):
        x = x.astype(_F32)
    compute = _compute_float(x)
    dims = [(d % anp.ndim(x), i) for i, d in enumerate(spatial_dims)]
    for d, i in _contraction_order(x.shape, output_shape, dims):
        w = _weight_matrix(x.shape[d], output_shape[d], scale[i], translation[i], kernel,
                           antialias, weight_dtype).astype(x.dtype).astype(compute.dtype)
        compute = anp.moveaxis(anp.tensordot(compute, w, axes=([d], [0])), -1, d)
        compute = compute.astype(x.dtype).astype(compute.dtype)  # XLA rounds each contraction
    return compute.astype(x.dtype)


def _resize_nearest(x, output_shape):
    for d, (m, n) in enumerate(zip(x.shape, output_shape)):
        if m != n:
            offsets = (onp.arange(n, dtype=_F32) + _F32(0.5)) * _F32(m) / _F32(n)
            index = [slice(None)] * anp.ndim(x)
            index[d] = onp.floor(offsets).astype(onp.int64)
            x = x[tuple(index)]
    return x


def _crop_or_pad(x, target, h_axis, fill_value, crop):
    """Keras's crop_to_aspect_ratio (central crop) / pad_to_aspect_ratio (even padding)."""
    height, width = x.shape[h_axis], x.shape[h_axis + 1]
    th, tw = target
    if crop:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        index = [slice(None)] * anp.ndim(x)
        index[h_axis], index[h_axis + 1] = slice(h0, h0 + ch), slice(w0, w0 + cw)
        return x[tuple(index)]
    ph, pw = max(height, int(float(width * th) / tw)), max(width, int(float(height * tw) / th))
    h0, w0 = int(float(ph - height) / 2), int(float(pw - width) / 2)
    axis, amount = (h_axis, h0) if h0 > 0 else (h_axis + 1, w0)
    if amount <= 0:
        return x
    shape = list(x.shape)
    shape[axis] = amount
    dtype = x.dtype
    if _is_int(x) and isinstance(fill_value, float):
        dtype = _F32  # JAX: integer ones times a Python float are float32
    pad = onp.full(shape, fill_value, dtype=dtype)
    return anp.concatenate([pad, x.astype(dtype), pad], axis=axis)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images to `size` = (height, width) (`jax.image.resize`); integer images are
    rounded and saturated back to their dtype."""
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    images = _as_tensor(images)
    _check_rank(images)
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    ndim = anp.ndim(images)
    h_axis = ndim - 3 if _std(data_format) == "channels_last" else ndim - 2
    x = images
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        x = _crop_or_pad(x, tuple(size), h_axis, fill_value, crop_to_aspect_ratio)
    shape = list(x.shape)
    shape[h_axis], shape[h_axis + 1] = int(size[0]), int(size[1])
    if interpolation == "nearest":
        out = _resize_nearest(x, shape)
    else:
        dims = [d for d in range(ndim) if x.shape[d] != shape[d]]
        scale = [shape[d] / x.shape[d] if x.shape[d] != 0 else 1.0 for d in dims]
        out = _scale_and_translate(x, shape, dims, scale, [0.0] * len(dims),
                                   _KERNELS[interpolation], antialias)
    if out.dtype == images.dtype:
        return out
    if _is_int(images):
        out = anp.round(out)
    return _saturate_cast(out, images.dtype)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """`jax.image.scale_and_translate`: out = in sampled at (i + 0.5 - translation) / scale - 0.5
    on `spatial_dims`, with `method`'s kernel (widened by 1/scale when antialiasing)."""
    if method not in SCALE_AND_TRANSLATE_METHODS:
        raise ValueError("Invalid value for argument `method`. Expected of one "
                         f"{SCALE_AND_TRANSLATE_METHODS}. Received: method={method}")
    images = _as_tensor(images)
    scale = onp.asarray(getval(_as_tensor(scale)))
    translation = onp.asarray(getval(_as_tensor(translation)))
    dtype = onp.result_type(scale.dtype if scale.dtype.kind == "f" else _F32,
                            translation.dtype if translation.dtype.kind == "f" else _F32)
    dtype = _F32 if dtype.itemsize < 4 else dtype
    return _scale_and_translate(images, tuple(output_shape), tuple(spatial_dims),
                                scale.astype(dtype).reshape(-1), translation.astype(dtype).reshape(-1),
                                _KERNELS[method], antialias, dtype)


# --- sampling (jax.scipy.ndimage.map_coordinates) -------------------------------------------
def _mirror(index, size):
    """(d c b | a b c d | c b a): a triangular wave of half-period size - 1."""
    s = size - 1
    if s == 0:
        return onp.zeros_like(index)
    return onp.abs((index + s) % (2 * s) - s)


def _reflect(index, size):
    """(d c b a | a b c d | d c b a): mirror about the pixel edges."""
    return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2


_FIXERS = {
    "constant": lambda i, n: onp.clip(i, 0, n - 1),  # off-image taps are replaced by cval
    "nearest": lambda i, n: onp.clip(i, 0, n - 1),
    "wrap": lambda i, n: i % n,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _taps(coord, size, order, fill_mode):
    """[(index, valid or None, weight or None)]: one tap (order 0) or two (order 1). A traced
    `coord` gives traced weights (linear sampling is differentiable in the positions)."""
    plain = onp.asarray(getval(coord))
    if order == 0:
        nodes = [(onp.asarray(_round_half_away(plain)).astype(onp.int64), None)]
    else:
        lower = onp.floor(plain)
        upper_weight = coord - lower
        nodes = [(lower.astype(onp.int64), 1 - upper_weight),
                 (lower.astype(onp.int64) + 1, upper_weight)]
    return [(_FIXERS[fill_mode](i, size), (i >= 0) & (i < size) if fill_mode == "constant"
             else None, w) for i, w in nodes]


def _sample(images, yy, xx, order, fill_mode, fill_value):
    """images (N, H, W, C) at float positions yy, xx (N, H, W, 1 or C): sum of weighted taps."""
    n, h, w, c = images.shape
    batch = onp.arange(n).reshape(-1, 1, 1, 1)
    cval = onp.asarray(fill_value, dtype=images.dtype)
    if yy.shape[-1] == 1 and xx.shape[-1] == 1:  # same position for every channel: gather rows
        rows = anp.reshape(images, (n * h * w, c))
        gather = lambda iy, ix: rows[((batch * h + iy) * w + ix)[..., 0]]
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


def _warp(x, yy, xx, order, fill_mode, fill_value):
    """`_sample` in float (float32 for half precision and ints), cast back as JAX does."""
    compute = _compute_float(x)
    out = _sample(compute, yy.astype(compute.dtype), xx.astype(compute.dtype), order, fill_mode,
                  fill_value)
    if _is_int(x):
        out = _round_half_away(out)
    return out.astype(x.dtype)


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` sampled at `coordinates` (its first axis indexes the input's axes), order 0
    (nearest) or 1 (linear); taps outside follow `fill_mode`."""
    inputs = _as_tensor(inputs)
    coordinates = _as_tensor(coordinates)
    if coordinates.shape[0] != anp.ndim(inputs):
        raise ValueError("First dim of `coordinates` must be the same as the rank of `inputs`. "
                         f"Received inputs with shape: {tuple(inputs.shape)} and coordinate "
                         f"leading dim of {coordinates.shape[0]}")
    if anp.ndim(coordinates) < 2:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received input "
                         f"with shape: {tuple(coordinates.shape)}")
    if fill_mode not in MAP_COORDINATES_FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected one of "
                         f"{set(MAP_COORDINATES_FILL_MODES)}. Received: fill_mode={fill_mode}")
    if order not in range(2):
        raise ValueError(f"Invalid value for argument `order`. Expected one of {[0, 1]}. "
                         f"Received: order={order}")
    coords = coordinates  # traced coordinates give traced weights (order 1)
    if onp.dtype(coords.dtype).kind != "f":
        coords = coords.astype(_F32)
    out_dtype = onp.result_type(coords.dtype, onp.dtype(inputs.dtype)) if not _is_int(inputs) \
        else coords.dtype
    out_dtype = _F32 if onp.dtype(out_dtype).itemsize < 4 else out_dtype
    x = inputs.astype(out_dtype)
    flat = anp.reshape(x, (-1,))
    strides = [int(onp.prod(x.shape[k + 1:])) for k in range(anp.ndim(x))]
    cval = onp.asarray(fill_value, dtype=inputs.dtype).astype(out_dtype)
    axes = [_taps(coords[k], x.shape[k], order, fill_mode) for k in range(anp.ndim(x))]
    out = None
    for combo in itertools.product(*axes):
        linear = sum(idx * stride for (idx, _, _), stride in zip(combo, strides))
        v = flat[linear]
        valid = [ok for _, ok, _ in combo if ok is not None]
        if valid:
            v = anp.where(functools.reduce(onp.logical_and, valid), v, cval)
        weights = [wt for _, _, wt in combo if wt is not None]
        if weights:
            v = functools.reduce(lambda p, q: p * q, weights).astype(out_dtype) * v
        out = v if out is None else out + v
    if _is_int(inputs):
        out = _round_half_away(out)
    return out.astype(inputs.dtype)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Output pixel (y, x) samples the input at x' = (a0 x + a1 y + a2) / k,
    y' = (b0 x + b1 y + b2) / k with k = 1 (transform = [a0, a1, a2, b0, b1, b2, c0, c1];
    as on Keras-JAX, channel c adds c*c0 to y' and c*c1 to x')."""
    images = _as_tensor(images)
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(AFFINE_TRANSFORM_INTERPOLATIONS)}. Received: "
                         f"interpolation={interpolation}")
    if fill_mode not in AFFINE_TRANSFORM_FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{AFFINE_TRANSFORM_FILL_MODES}. Received: fill_mode={fill_mode}")
    _check_rank(images)
    t = _as_tensor(transform)
    if anp.ndim(t) not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 "
                         f"(batch of transforms). Received input with shape: "
                         f"transform.shape={tuple(t.shape)}")
    x, undo = _to_nhwc(images, _std(data_format))
    n, h, w, c = x.shape
    t = anp.reshape(t.astype(_F32), (-1, 8))  # a traced transform keeps its gradient
    t = t if t.shape[0] == n else anp.concatenate([t] * n, axis=0)
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, k].reshape(-1, 1, 1, 1) for k in range(8))
    y = onp.arange(h, dtype=_F32).reshape(1, -1, 1, 1)
    xs = onp.arange(w, dtype=_F32).reshape(1, 1, -1, 1)
    channel_shift = bool(onp.any(getval(t)[:, 6:]))
    ch = onp.arange(c, dtype=_F32).reshape(1, 1, 1, -1) if channel_shift else _F32(0)
    yy = (y * b1 + xs * b0 + ch * c0) + b2
    xx = (y * a1 + xs * a0 + ch * c1) + a2
    order = AFFINE_TRANSFORM_INTERPOLATIONS[interpolation]
    return undo(_warp(x, yy, xx, order, fill_mode, fill_value))


def _check_points(start_points, end_points):
    for name, p in (("start_points", start_points), ("end_points", end_points)):
        if tuple(p.shape[-2:]) != (4, 2) or len(p.shape) not in (2, 3):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: {tuple(p.shape)}")
    if tuple(start_points.shape) != tuple(end_points.shape):
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"start_points.shape={tuple(start_points.shape)}, "
                         f"end_points.shape={tuple(end_points.shape)}")


def _homography(start_points, end_points):
    """(N, 8) projective maps sending each end point (x, y) to its start point:
    x_s = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), y_s = (h3 x + h4 y + h5) / (same)."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = onp.zeros_like(ex), onp.ones_like(ex)
    x_rows = onp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = onp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    a = onp.concatenate([x_rows, y_rows], axis=1)
    b = onp.concatenate([sx, sy], axis=-1)[..., None]
    try:
        return onp.linalg.solve(a, b)[..., 0].astype(_F32)
    except onp.linalg.LinAlgError:  # JAX's solve gives non-finite values, no error
        return onp.full(a.shape[:-1], onp.nan, dtype=_F32)


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warps images so that the 4 corners `start_points` (x, y) move to `end_points`."""
    images = _as_tensor(images)
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(AFFINE_TRANSFORM_INTERPOLATIONS)}. Received: "
                         f"interpolation={interpolation}")
    _check_rank(images)
    start = onp.asarray(getval(_as_tensor(start_points)))
    end = onp.asarray(getval(_as_tensor(end_points)))
    _check_points(start, end)
    x, undo = _to_nhwc(images, _std(data_format))
    n, height, width, _ = x.shape
    hom = _homography(start.astype(_F32).reshape(-1, 4, 2), end.astype(_F32).reshape(-1, 4, 2))
    hom = onp.broadcast_to(hom, (n, 8))[:, :, None, None, None]
    gx = onp.arange(width, dtype=_F32)[None, None, :, None]
    gy = onp.arange(height, dtype=_F32)[None, :, None, None]
    denom = hom[:, 6] * gx + hom[:, 7] * gy + _F32(1.0)
    xx = (hom[:, 0] * gx + hom[:, 1] * gy + hom[:, 2]) / denom
    yy = (hom[:, 3] * gx + hom[:, 4] * gy + hom[:, 5]) / denom
    order = AFFINE_TRANSFORM_INTERPOLATIONS[interpolation]
    return undo(_warp(x, yy, xx, order, "constant", fill_value))


# --- filters --------------------------------------------------------------------------------
def _gaussian_1d(size, sigma, dtype=_F32):
    f = onp.dtype(dtype).type
    x = onp.arange(size, dtype=dtype) - f((size - 1) / 2)
    k = onp.exp(f(-0.5) * (x / f(sigma)) ** 2)
    return (k / k.sum()).astype(dtype)


def _correlate_axis(x, kernel, axis, padding="same"):
    """x correlated with a 1-D kernel along `axis` ("same": zero padding, extra at the end)."""
    size, length = len(kernel), x.shape[axis]
    if padding == "same":
        before = (size - 1) // 2
        pad = [(0, 0)] * anp.ndim(x)
        pad[axis] = (before, size - 1 - before)
        x = anp.pad(x, pad, mode="constant")  # autograd's VJP needs the mode spelled out
    else:
        length = length - size + 1
    out = 0
    for i, w in enumerate(kernel):
        if w == 0:
            continue
        index = [slice(None)] * anp.ndim(x)
        index[axis] = slice(i, i + length)
        out = out + x.dtype.type(w) * x[tuple(index)]
    return out


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Per-channel Gaussian filter, zero "same" padding; kernel_size and sigma are (x, y)
    (as on Keras-JAX, the kernel's rows take kernel_size[1], its columns kernel_size[0])."""
    images = _as_tensor(images)
    _check_rank(images)
    x, undo = _to_nhwc(images, _std(data_format))
    ks = [int(k) for k in onp.asarray(getval(_as_tensor(kernel_size))).reshape(-1)]
    sg = [float(s) for s in onp.asarray(getval(_as_tensor(sigma))).reshape(-1)]
    compute = _compute_float(x)
    kx, ky = _gaussian_1d(ks[0], sg[0]), _gaussian_1d(ks[1], sg[1])
    out = _correlate_axis(_correlate_axis(compute, kx, 2), ky, 1)
    return undo(out.astype(x.dtype))


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Samples each image at (y + alpha dy, x + alpha dx), d a Gaussian-blurred N(0, sigma^2)
    field per image (Keras-JAX draws dx and dy from one key: they are equal, here too)."""
    from minikeras.engine.random import draw_seed
    images = _as_tensor(images)
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(AFFINE_TRANSFORM_INTERPOLATIONS)}. Received: "
                         f"interpolation={interpolation}")
    if fill_mode not in AFFINE_TRANSFORM_FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{AFFINE_TRANSFORM_FILL_MODES}. Received: fill_mode={fill_mode}")
    _check_rank(images)
    x, undo = _to_nhwc(images, _std(data_format))
    n, height, width, _ = x.shape
    sigma, alpha = float(getval(sigma)), float(getval(alpha))
    rng = onp.random.default_rng(draw_seed(seed))
    size = int(6 * sigma) | 1
    d = rng.standard_normal((n, height, width, 1)).astype(_F32) * _F32(sigma)
    k = _gaussian_1d(size, sigma)
    d = _correlate_axis(_correlate_axis(d, k, 2), k, 1)
    gx = onp.arange(width, dtype=_F32)[None, None, :, None]
    gy = onp.arange(height, dtype=_F32)[None, :, None, None]
    shift = _F32(alpha) * d
    order = AFFINE_TRANSFORM_INTERPOLATIONS[interpolation]
    return undo(_warp(x, gy + shift, gx + shift, order, fill_mode, fill_value))


def _check_sobel(images, data_format=None):
    if len(images.shape) != 4:
        raise ValueError("Invalid images rank: expected rank 4 (batch of images). Received: "
                         f"images.shape={list(images.shape)}")


def sobel_edges(images, data_format=None):
    """Sobel gradients (..., 2): [d/dy, d/dx] per channel, zero "same" padding."""
    images = _as_tensor(images)
    _check_sobel(images)
    x, undo = _to_nhwc(images, _std(data_format))
    smooth, diff = onp.array([1.0, 2.0, 1.0]), onp.array([-1.0, 0.0, 1.0])
    dy = _correlate_axis(_correlate_axis(x, smooth, 2), diff, 1)
    dx = _correlate_axis(_correlate_axis(x, diff, 2), smooth, 1)
    return anp.stack([undo(dy), undo(dx)], axis=-1).astype(images.dtype)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity per image, averaged over channels: Gaussian-windowed
    (2 mu1 mu2 + c1)(2 s12 + c2) / ((mu1^2 + mu2^2 + c1)(s1^2 + s2^2 + c2)), valid windows."""
    image1, image2 = _as_tensor(image1), _as_tensor(image2)
    original = image1.dtype
    compute = result_type(_dtype(image1), float)
    _check_rank(image1, "image1")
    _check_rank(image2, "image2")
    a, undo = _to_nhwc(image1.astype(compute), _std(data_format))
    b, _ = _to_nhwc(image2.astype(compute), _std(data_format))
    k = _gaussian_1d(filter_size, filter_sigma, onp.dtype(compute))

    def blur(z):
        return _correlate_axis(_correlate_axis(z, k, 2, "valid"), k, 1, "valid")
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - mu1 * mu1, blur(b * b) - mu2 * mu2, blur(a * b) - mu1 * mu2
    num = (2.0 * mu1 * mu2 + c1) * (2.0 * s12 + c2)
    den = (mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2)
    out = anp.mean(num / den, axis=(1, 2, 3))
    out = out[0] if anp.ndim(image1) == 3 else out
    return out.astype(compute).astype(original)


# --- patches, padding, cropping --------------------------------------------------------------
def _tuple(value, n):
    return (int(value),) * n if isinstance(value, (int, onp.integer)) else tuple(int(v) for v in value)


def _patches(x, size, strides, dilation, padding):
    """x (N, *spatial, C) -> (N, *out_spatial, prod(size) * C): conv with an identity kernel."""
    spatial = x.shape[1:-1]
    if padding.lower() == "same":
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        pads = [max((o - 1) * s + (k - 1) * d + 1 - n, 0)
                for o, s, k, d, n in zip(out, strides, size, dilation, spatial)]
        x = anp.pad(x, [(0, 0)] + [(p // 2, p - p // 2) for p in pads] + [(0, 0)],
                    mode="constant")
    else:
        out = [(n - (k - 1) * d - 1) // s + 1 for n, k, d, s in zip(spatial, size, dilation, strides)]
    taps = []
    for offsets in itertools.product(*[range(k) for k in size]):
        index = [slice(None)]
        for o, d, s, m in zip(offsets, dilation, strides, out):
            index.append(slice(o * d, o * d + (m - 1) * s + 1, s))
        taps.append(x[tuple(index)])
    stacked = anp.stack(taps, axis=-2)
    return anp.reshape(stacked, stacked.shape[:-2] + (len(taps) * x.shape[-1],))


def _extract(images, size, strides, dilation_rate, padding, data_format, rank):
    images = _as_tensor(images)
    size = _tuple(size, rank)
    strides = _tuple(strides if strides else size, rank)
    dilation = _tuple(dilation_rate, rank)
    if anp.ndim(images) not in (rank + 1, rank + 2):
        name = "extract_patches" if rank == 2 else "extract_patches_3d"
        raise ValueError(f"{name}: expected a {rank + 1}D input (unbatched) or a {rank + 2}D batch "
                         f"with channels; received shape {anp.shape(images)}.")
    unbatched = anp.ndim(images) == rank + 1
    x = images[None] if unbatched else images
    first = _std(data_format) == "channels_first"
    if first:
        x = anp.moveaxis(x, 1, -1)
    out = _patches(x, size, strides, dilation, padding)
    if first:
        out = anp.moveaxis(out, -1, 1)
    return out[0] if unbatched else out


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of `size` (2 or 3 ints) as channels: (..., out_h, out_w, ph * pw * C)."""
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError("Invalid `size` argument. Expected an int or a tuple. Received: "
                            f"size={size} of type {type(size).__name__}")
        if len(size) not in (2, 3):
            raise ValueError("Invalid `size` argument. Expected a tuple of length 2 or 3. "
                             f"Received: size={size} with length {len(size)}")
    if not isinstance(size, int) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _extract(images, size, strides, dilation_rate, padding, data_format, 2)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Patches of `size` (d, h, w) as channels: (..., out_d, out_h, out_w, pd * ph * pw * C)."""
    if not isinstance(size, int) and len(size) != 3:
        raise TypeError("Invalid `size` argument. Expected an int or a tuple of length 3. "
                        f"Received: size={size}")
    if strides is None:
        strides = size
    if not isinstance(strides, int) and len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    return _extract(volumes, size, strides, dilation_rate, padding, data_format, 3)


def _non_negative(**values):
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _exactly_two(kind, a, b, target, names):
    if [a, b, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {names[0]}, {names[1]}, {names[2]}. "
                         f"Received: {names[0]}={a}, {names[1]}={b}, {names[2]}={target}")


def _sides(kind, top, left, bottom, right, target_height, target_width):
    """Validates Keras's (top, left, bottom, right, target) arguments of pad/crop_images."""
    t, b_, lft, r = (f"top_{kind}", f"bottom_{kind}", f"left_{kind}", f"right_{kind}")
    _exactly_two(kind, top, bottom, target_height, (t, b_, "target_height"))
    _exactly_two(kind, left, right, target_width, (lft, r, "target_width"))
    _non_negative(**{t: top, b_: bottom, "target_height": target_height, lft: left, r: right,
                     "target_width": target_width})


def _hw_axes(images, data_format):
    ndim = len(images.shape)
    if ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch "
                         f"of images). Received: images.shape={tuple(images.shape)}")
    return (ndim - 3, ndim - 2) if _std(data_format) == "channels_last" else (ndim - 2, ndim - 1)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pads images to (target_height, target_width) or by the given sides."""
    images = _as_tensor(images)
    h_axis, w_axis = _hw_axes(images, data_format)
    _sides("padding", top_padding, left_padding, bottom_padding, right_padding, target_height,
           target_width)
    height, width = images.shape[h_axis], images.shape[w_axis]
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    _non_negative(top_padding=top_padding, left_padding=left_padding,
                  right_padding=right_padding, bottom_padding=bottom_padding)
    pad = [(0, 0)] * anp.ndim(images)
    pad[h_axis], pad[w_axis] = (top_padding, bottom_padding), (left_padding, right_padding)
    return anp.pad(images, pad, mode="constant")


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images to (target_height, target_width) or by the given sides."""
    images = _as_tensor(images)
    h_axis, w_axis = _hw_axes(images, data_format)
    _sides("cropping", top_cropping, left_cropping, bottom_cropping, right_cropping,
           target_height, target_width)
    height, width = images.shape[h_axis], images.shape[w_axis]
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    _non_negative(top_cropping=top_cropping, target_height=target_height,
                  left_cropping=left_cropping, target_width=target_width)
    index = [slice(None)] * anp.ndim(images)
    index[h_axis] = slice(top_cropping, top_cropping + target_height)
    index[w_axis] = slice(left_cropping, left_cropping + target_width)
    return images[tuple(index)]


def _pad_spec(images, top_padding=None, left_padding=None, bottom_padding=None,
              right_padding=None, target_height=None, target_width=None, data_format=None):
    """Keras's PadImages.compute_output_spec: unknown sides stay unknown."""
    h_axis, w_axis = _hw_axes(images, data_format)
    _sides("padding", top_padding, left_padding, bottom_padding, right_padding, target_height,
           target_width)
    shape = list(images.shape)
    for axis, first, last, target, name in ((h_axis, top_padding, bottom_padding, target_height,
                                             ("top", "bottom", "height")),
                                            (w_axis, left_padding, right_padding, target_width,
                                             ("left", "right", "width"))):
        size = shape[axis]
        if size is not None:
            target = first + size + last if target is None else target
            first = target - size - last if first is None else first
            last = target - size - first if last is None else last
            _non_negative(**{f"{name[0]}_padding": first, f"{name[1]}_padding": last,
                             f"target_{name[2]}": target})
        shape[axis] = target
    return KerasTensor(tuple(shape), dtype=images.dtype)


def _crop_spec(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
               right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Keras's CropImages.compute_output_spec: an unknown side needs its target."""
    h_axis, w_axis = _hw_axes(images, data_format)
    _sides("cropping", top_cropping, left_cropping, bottom_cropping, right_cropping,
           target_height, target_width)
    shape = list(images.shape)
    for axis, first, last, target, name in ((h_axis, top_cropping, bottom_cropping,
                                             target_height, ("top", "bottom", "height")),
                                            (w_axis, left_cropping, right_cropping,
                                             target_width, ("left", "right", "width"))):
        size = shape[axis]
        if size is None and target is None:
            raise ValueError(f"When the {name[2]} of the images is unknown, `target_{name[2]}` "
                             f"must be specified.Received images.shape={shape} and "
                             f"target_{name[2]}={target}")
        if size is not None:
            target = size - first - last if target is None else target
            first = size - target - last if first is None else first
            last = size - target - first if last is None else last
            _non_negative(**{f"{name[0]}_cropping": first, f"{name[1]}_cropping": last,
                             f"target_{name[2]}": target})
        shape[axis] = target
    return KerasTensor(tuple(shape), dtype=images.dtype)


def _sobel_spec(images, data_format=None):
    _check_sobel(images)
    return KerasTensor(tuple(images.shape) + (2,), dtype=images.dtype)


def _blur_spec(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    _check_rank(images)
    return KerasTensor(images.shape, dtype=images.dtype)


def _perspective_spec(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                      data_format=None):
    _check_rank(images)
    _check_points(start_points, end_points)
    return KerasTensor(images.shape, dtype=images.dtype)


pad_images.output_spec, crop_images.output_spec = _pad_spec, _crop_spec
gaussian_blur.output_spec, perspective_transform.output_spec = _blur_spec, _perspective_spec
sobel_edges.output_spec = _sobel_spec

__all__ = sorted(name for name, fn in globals().items()
                 if callable(fn) and not name.startswith("_") and not isinstance(fn, type)
                 and getattr(fn, "__module__", None) == __name__)

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
