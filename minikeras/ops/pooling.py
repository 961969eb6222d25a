"""`keras.ops` pooling: `max_pool` and `average_pool` over 1, 2 or 3 spatial axes.

    max_pool(x)[n, j, c]     = max_{t < k} x_pad[n, j*s + t, c]     (j, t, k, s: spatial tuples)
    average_pool(x)[n, j, c] = sum_{t < k} x_pad[n, j*s + t, c] / count[j]

as Keras's JAX backend computes them with `lax.reduce_window`: "same" pads floor(total / 2)
before and the rest after, with -inf for max and 0 for average; count[j] is prod(k) for "valid"
and the number of unpadded positions in window j for "same". Strides default to the pool size.

Three primitives do the work, each with a direct vector-Jacobian product:
- `_window_max`: the gradient of a window goes to its FIRST maximal element in row-major
  window order, as jax's (XLA's select_and_scatter with `>=`) does; ties are not split.
- `_window_sum` and its adjoint `_window_sum_t`, each the other's VJP.
When the windows tile the input (stride == pool size) the input is reshaped to
(N, O1, k1, O2, k2, ..., C) and reduced with whole-array ufuncs; otherwise each of the prod(k)
window offsets is one strided slice of the padded input. No Python loop runs over pixels.
"""
import math

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from minikeras.engine import config
from minikeras.engine.variable import read_value
from minikeras.ops.conv import _bfloat16_via_float32
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace

# --- geometry ---------------------------------------------------------------------------
# `geo` is a tuple with one (axis, k, s, lo, hi, out) per spatial axis: the window size k,
# stride s and output size out; the input is padded by lo before and hi after (a negative hi
# crops an unused tail) into a "buffer" of length (out - 1) * s + k.


def standardize_tuple(value, nd, name):
    """An int or a sequence of nd positive ints -> a tuple of nd ints (Keras's wording)."""
    msg = f"The `{name}` argument must be a tuple of {nd} integers. Received {name}={value}"
    if isinstance(value, (int, onp.integer)):
        values = (int(value),) * nd
    else:
        try:
            values = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(msg) from None
        if len(values) != nd:
            raise ValueError(msg)
    bad = {v for v in values if v <= 0}
    if bad:
        raise ValueError(f"{msg}, including values {bad} that do not satisfy `value > 0`")
    return values


def standardize_padding(padding):
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(
            f"Argument `padding` must be either 'valid' or 'same'. Received: padding={padding}")
    return mode


def output_shape(shape, pool, strides, padding, data_format):
    """Pooled shape; per spatial axis floor((size - k) / s) + 1 ("valid") or ceil(size / s)
    ("same"); None sizes stay None."""
    first = 1 if data_format == "channels_last" else 2
    shape = tuple(shape)
    spatial = shape[first:first + len(pool)]
    out = tuple(None if n is None else (n - k) // s + 1 if padding == "valid" else -(-n // s)
                for n, k, s in zip(spatial, pool, strides))
    if any(d is not None and d <= 0 for d in out):
        raise ValueError(
            "Computed output size would be zero or negative. Received: "
            f"`inputs.shape={shape}`, `pool_size={pool}`, `strides={strides}`, "
            f"`padding={padding}`.")
    return shape[:first] + out + shape[first + len(pool):]


def _geometry(shape, pool_size, strides, padding, data_format):
    nd = len(shape) - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"Pooling expects an input of rank 3, 4 or 5. Received: "
                         f"inputs.shape={tuple(shape)}")
    pool = standardize_tuple(pool_size, nd, "pool_size")
    strides = pool if strides is None else standardize_tuple(strides, nd, "strides")
    padding = standardize_padding(padding)
    data_format = config.standardize_data_format(data_format)
    pooled = output_shape(shape, pool, strides, padding, data_format)
    first = 1 if data_format == "channels_last" else 2
    geo = []
    for axis, k, s in zip(range(first, first + nd), pool, strides):
        out = pooled[axis]
        span = (out - 1) * s + k
        lo = max(span - shape[axis], 0) // 2
        geo.append((axis, k, s, lo, span - shape[axis] - lo, out))
    return tuple(geo)


def _to_buffer(x, geo, fill):
    """x padded with `fill` (lo before, hi after) and cropped where hi < 0."""
    if all(lo == 0 and hi == 0 for _, _, _, lo, hi, _ in geo):
        return x
    crop = [slice(None)] * x.ndim
    widths = [(0, 0)] * x.ndim
    for axis, _, _, lo, hi, _ in geo:
        crop[axis] = slice(0, x.shape[axis] + min(hi, 0))
        widths[axis] = (lo, max(hi, 0))
    return onp.pad(x[tuple(crop)], widths, constant_values=fill)


def _from_buffer(b, geo, shape):
    """Adjoint of `_to_buffer`: drops the padding, zero-fills the cropped tail."""
    if b.shape == tuple(shape):
        return b
    out = onp.zeros(shape, b.dtype)
    src, dst = [slice(None)] * b.ndim, [slice(None)] * b.ndim
    for axis, _, _, lo, hi, _ in geo:
        n = shape[axis] + min(hi, 0)
        src[axis], dst[axis] = slice(lo, lo + n), slice(0, n)
    out[tuple(dst)] = b[tuple(src)]
    return out


def _tiled(geo):
    return all(k == s for _, k, s, _, _, _ in geo)


def _tile_shape(shape, geo, keep_k=True):
    """Buffer shape with each spatial length replaced by (out, k) (or (out, 1))."""
    shape = list(shape)
    for axis, k, _, _, _, out in reversed(geo):
        shape[axis:axis + 1] = [out, k if keep_k else 1]
    return tuple(shape)


def _k_axes(geo):
    return [axis + i + 1 for i, (axis, *_) in enumerate(geo)]


def _offset_views(geo, ndim, tiled):
    """Index tuples of each window offset t (row-major): into the tiled buffer (k axes set to
    t) or into the buffer (slice t, t + s, ... of every spatial axis)."""
    pool = [k for _, k, _, _, _, _ in geo]
    for t in onp.ndindex(*pool):
        if tiled:
            index = [slice(None)] * (ndim + len(geo))
            for ax, ti in zip(_k_axes(geo), t):
                index[ax] = ti
        else:
            index = [slice(None)] * ndim
            for (axis, k, s, _, _, out), ti in zip(geo, t):
                index[axis] = slice(ti, ti + (out - 1) * s + 1, s)
        yield tuple(index)


def _reduce_tiles(t, geo, ufunc):
    """Reduces a tiled buffer over its k axes, outermost first (big contiguous blocks)."""
    for i, ax in enumerate(_k_axes(geo)):
        ax -= i
        lead = (slice(None),) * ax
        r = t[lead + (0,)]
        for j in range(1, t.shape[ax]):
            r = ufunc(r, t[lead + (j,)])
        t = r
    return t if t.flags.owndata else t.copy()  # all k == 1: still a view of the input


def _fill_value(dtype, low):
    if onp.issubdtype(dtype, onp.floating):
        return -onp.inf if low else 0
    return onp.iinfo(dtype).min if low else 0


def _window_reduce(x, geo, ufunc, fill):
    b = _to_buffer(x, geo, fill)
    if _tiled(geo):
        return _reduce_tiles(b.reshape(_tile_shape(b.shape, geo)), geo, ufunc)
    views = _offset_views(geo, x.ndim, tiled=False)
    out = b[next(views)].copy()
    for index in views:
        ufunc(out, b[index], out=out)
    return out


# --- max --------------------------------------------------------------------------------
@primitive
def _window_max(x, geo):
    """out[j] = max over window j of the -inf padded input."""
    return _window_reduce(x, geo, onp.maximum, _fill_value(x.dtype, low=True))


def _keep_first(masks):
    """Keeps, per window, only the first True of the masks (a list of same-shape bool views,
    in window order), in place: mask_t &= not any(mask_u, u < t)."""
    seen = masks[0].copy()
    for i, m in enumerate(masks[1:]):
        onp.greater(m, seen, out=m)  # m and not seen
        if i < len(masks) - 2:
            onp.logical_or(seen, m, out=seen)


def _has_ties(n_hits, ans):
    """Whether some window holds its maximum twice (every window holds it at least once,
    unless it is NaN)."""
    return n_hits != ans.size or (ans.dtype.kind == "f" and bool(onp.isnan(ans).any()))


def _window_max_vjp(g, ans, x, geo):
    """dx: each window's gradient g[j] added at its first maximal element."""
    b = _to_buffer(x, geo, _fill_value(x.dtype, low=True))
    if _tiled(geo):
        flat = _tile_shape(b.shape, geo, keep_k=False)
        hits = b.reshape(_tile_shape(b.shape, geo)) == ans.reshape(flat)
        if _has_ties(onp.count_nonzero(hits), ans):
            _keep_first([hits[i] for i in _offset_views(geo, x.ndim, tiled=True)])
        return _from_buffer((hits * g.reshape(flat)).reshape(b.shape), geo, x.shape)
    views = list(_offset_views(geo, x.ndim, tiled=False))
    hits = [b[index] == ans for index in views]
    if _has_ties(sum(onp.count_nonzero(h) for h in hits), ans):
        _keep_first(hits)
    db = onp.zeros(b.shape, g.dtype)
    for index, hit in zip(views, hits):
        db[index] += hit * g
    return _from_buffer(db, geo, x.shape)


defvjp(_window_max, lambda ans, x, geo: lambda g: _window_max_vjp(g, ans, x, geo))


# --- sum --------------------------------------------------------------------------------
@primitive
def _window_sum(x, geo):
    """out[j] = sum over window j of the zero padded input."""
    return _window_reduce(x, geo, onp.add, 0)


@primitive
def _window_sum_t(g, geo, shape):
    """Adjoint of `_window_sum`: dx[i] = sum of g[j] over the windows j that hold i."""
    span = list(shape)
    for axis, k, s, _, _, out in geo:
        span[axis] = (out - 1) * s + k
    span = tuple(span)
    if _tiled(geo):
        flat = _tile_shape(span, geo, keep_k=False)
        db = onp.broadcast_to(g.reshape(flat), _tile_shape(span, geo)).reshape(span)
        return _from_buffer(db, geo, shape)
    db = onp.zeros(span, g.dtype)
    for index in _offset_views(geo, len(shape), tiled=False):
        db[index] += g
    return _from_buffer(db, geo, shape)


defvjp(_window_sum, lambda ans, x, geo: lambda g: _window_sum_t(g, geo, x.shape))
defvjp(_window_sum_t, lambda ans, g, geo, shape: lambda h: _window_sum(h, geo))


def _window_counts(geo, ndim, dtype):
    """Number of unpadded positions per window, shaped to broadcast against the output."""
    counts = onp.ones([1] * ndim, dtype)
    for axis, k, s, lo, hi, out in geo:
        size = (out - 1) * s + k - lo - hi
        start = onp.arange(out) * s - lo
        c = onp.minimum(start + k, size) - onp.maximum(start, 0)
        shape = [1] * ndim
        shape[axis] = out
        counts = counts * c.reshape(shape).astype(dtype)
    return counts


# --- public ops -------------------------------------------------------------------------
def _prepare(inputs):
    x = read_value(inputs)
    if not hasattr(x, "shape"):
        x = onp.asarray(x, config.floatx())
    return x


@_bfloat16_via_float32
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial axes (1, 2 or 3) of `inputs`.

    Args:
        inputs: (batch, *spatial, channels) or, for "channels_first", (batch, channels, *spatial).
        pool_size: int or tuple, the window size per spatial axis.
        strides: int or tuple; defaults to `pool_size`.
        padding: "valid" (no padding) or "same" (output length ceil(size / stride)).
        data_format: "channels_last" or "channels_first"; defaults to the image data format.
    """
    x = _prepare(inputs)
    return _window_max(x, _geometry(onp.shape(x), pool_size, strides, padding, data_format))


@_bfloat16_via_float32
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling; for "same", each window is divided by its count of unpadded elements.

    Arguments as for `max_pool`.
    """
    x = _prepare(inputs)
    if not onp.issubdtype(x.dtype, onp.floating):
        x = x.astype(config.floatx())
    geo = _geometry(onp.shape(x), pool_size, strides, padding, data_format)
    total = _window_sum(x, geo)
    if all(lo == 0 and hi <= 0 for _, _, _, lo, hi, _ in geo):
        return total / math.prod(k for _, k, *_ in geo)
    return total / _window_counts(geo, len(onp.shape(x)), x.dtype)


# --- adaptive pooling (torch's windows: [floor(i L / O), ceil((i + 1) L / O)) per axis) -----
def _adaptive_axes(x, output_size, data_format, name):
    nd = onp.ndim(getval(x)) - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{name} supports only 1D/2D/3D inputs")
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"`output_size` must be an int or a tuple of {nd} ints. "
                         f"Received: output_size={output_size}")
    first = config.standardize_data_format(data_format) == "channels_first"
    return zip(range(2, nd + 2) if first else range(1, nd + 1), sizes)


def _adaptive_windows(length, out):
    i = onp.arange(out)
    return i * length // out, -(-(i + 1) * length // out)  # floor and ceil


@_bfloat16_via_float32
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Mean over adaptive windows, so the spatial shape becomes `output_size` (an int or a tuple
    per spatial axis); window i of an axis of length L covers [floor(iL/O), ceil((i+1)L/O))."""
    x = _prepare(inputs)
    if not onp.issubdtype(getval(x).dtype, onp.floating):
        x = x.astype(config.floatx())
    for axis, out in _adaptive_axes(x, output_size, data_format, "adaptive_average_pool"):
        starts, ends = _adaptive_windows(x.shape[axis], out)
        pos = onp.arange(x.shape[axis])
        weights = ((pos >= starts[:, None]) & (pos < ends[:, None])) / (ends - starts)[:, None]
        x = anp.moveaxis(anp.tensordot(weights.astype(getval(x).dtype), x, axes=([1], [axis])),
                         0, axis)
    return x


@_bfloat16_via_float32
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max over adaptive windows (as `adaptive_average_pool`): each axis gathers its windows,
    short ones padded by repeating their last element, and takes the max."""
    x = _prepare(inputs)
    for axis, out in _adaptive_axes(x, output_size, data_format, "adaptive_max_pool"):
        starts, ends = _adaptive_windows(x.shape[axis], out)
        width = int((ends - starts).max())
        index = onp.minimum(starts[:, None] + onp.arange(width), ends[:, None] - 1)
        x = anp.max(x[(slice(None),) * axis + (index,)], axis=axis + 1)  # autograd has no `take` VJP
    return x


_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
