"""`keras.ops.math`: segment reductions, top-k, special functions, FFTs and signal windows."""
import math

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops.promotion import _args, _as_float, _as_tensor, _axis
from minikeras.ops.core import convert_to_numpy
from minikeras.ops.numpy import take_along_axis
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


# --- segment reductions ---------------------------------------------------------------------
def _segment_check(data, segment_ids):
    ids_shape, data_shape = tuple(segment_ids.shape), tuple(data.shape)
    if len(ids_shape) > 1:
        raise ValueError(
            f"Argument `segment_ids` should be an 1-D vector, got shape: {len(ids_shape)}. "
            "Consider either flatten input with segment_ids.reshape((-1)) and "
            "data.reshape((-1, ) + data.shape[len(segment_ids.shape):]) or vectorize with vmap.")
    if ids_shape and data_shape and None not in (ids_shape[0], data_shape[0]) and \
            ids_shape[0] != data_shape[0]:
        raise ValueError("Argument `segment_ids` and `data` should have same leading dimension. "
                         f"Got {ids_shape} v.s. {data_shape}.")


def _lowest(dtype):
    return -onp.inf if dtype.kind == "f" else onp.iinfo(dtype).min if dtype.kind in "iu" else False


def _highest(dtype):
    return onp.inf if dtype.kind == "f" else onp.iinfo(dtype).max if dtype.kind in "iu" else True


# reduction -> (numpy ufunc scattered with ufunc.at, value of an empty segment)
_REDUCTIONS = {"sum": (onp.add, lambda dtype: 0), "max": (onp.maximum, _lowest),
               "min": (onp.minimum, _highest), "prod": (onp.multiply, lambda dtype: 1)}


@primitive
def _segment(data, ids, valid, n, kind):
    """out[s] = reduce(data[i] for valid rows i with ids[i] == s), O(rows) with ufunc.at."""
    ufunc, empty = _REDUCTIONS[kind]
    out = onp.full((n,) + data.shape[1:], empty(onp.dtype(data.dtype)), data.dtype)
    ufunc.at(out, ids[valid], data[valid])
    return out


def _scatter_add(values, ids, valid, n):
    out = onp.zeros((n,) + values.shape[1:], values.dtype)
    onp.add.at(out, ids[valid], values[valid])
    return out


def _segment_vjp(ans, data, ids, valid, n, kind):
    """sum: g[ids]; max / min: g[ids] split evenly among the rows attaining the extreme; prod:
    g[ids] times the product of the segment's other rows (exact with zeros)."""
    safe = onp.where(valid, ids, 0)
    keep = valid.reshape((-1,) + (1,) * (data.ndim - 1))
    if kind == "sum":
        factor = keep
    elif kind in ("max", "min"):
        hit = keep & (data == ans[safe])
        factor = hit / onp.maximum(_scatter_add(hit.astype(data.dtype), ids, valid, n), 1)[safe]
    else:
        zero = data == 0
        nonzero = onp.where(zero, 1, data)
        others = onp.ones_like(ans)
        onp.multiply.at(others, ids[valid], nonzero[valid])
        zeros = _scatter_add(zero.astype("int32"), ids, valid, n)[safe]
        factor = keep * onp.where(zero, others[safe] * (zeros == 1),
                                  others[safe] / nonzero * (zeros == 0))
    return lambda g: (g[safe] * factor).astype(data.dtype)


defvjp(_segment, _segment_vjp)


def _segment_reduce(kind, doc):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data, ids = _as_tensor(data), convert_to_numpy(segment_ids)
        _segment_check(data, ids)
        ids = ids.astype(onp.intp)
        n = int(num_segments) if num_segments is not None else int(ids.max()) + 1 if ids.size else 0
        valid = (ids >= 0) & (ids < n)  # other ids (-1 included) drop their rows
        return _segment(data, ids, valid, n, kind)
    op.__name__ = op.__qualname__ = f"segment_{kind}"
    op.__doc__ = doc
    return op


segment_sum = _segment_reduce("sum", "out[s] = sum of data[i] over rows i with segment_ids[i] == s "
                              "(0 if empty; num_segments defaults to max(segment_ids) + 1).")
segment_max = _segment_reduce("max", "out[s] = max of data[i] over rows i with segment_ids[i] == s "
                              "(the dtype's lowest value if empty).")
segment_min = _segment_reduce("min", "out[s] = min of data[i] over rows i with segment_ids[i] == s "
                              "(the dtype's highest value if empty).")
segment_prod = _segment_reduce("prod", "out[s] = product of data[i] over rows i with "
                               "segment_ids[i] == s (1 if empty).")


def _segment_spec(data, segment_ids, num_segments=None, sorted=False):
    """Keras's SegmentReduction.compute_output_spec: (num_segments,) + data.shape[1:]."""
    _segment_check(data, segment_ids)
    return KerasTensor((num_segments,) + tuple(data.shape[1:]), data.dtype)


for _op in (segment_sum, segment_max, segment_min, segment_prod):
    _op.output_spec = _segment_spec


# --- top-k, logsumexp, cdist, extract_sequences ------------------------------------------------
def top_k(x, k, sorted=True):
    """The k largest values along the last axis (differentiable) and their int32 indices."""
    x = _as_tensor(x)
    n = anp.shape(x)[-1] if anp.ndim(x) else 1
    if k > n:
        raise ValueError("k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={list(anp.shape(x))}")
    v = onp.asarray(getval(x)).astype("float64")
    # descending, ties in index order, nan counted largest (as jax.lax.top_k)
    idx = onp.lexsort((-v, ~onp.isnan(v)), axis=-1)[..., :k].astype("int32")
    return take_along_axis(x, idx, -1), idx


def in_top_k(targets, predictions, k):
    """Whether each target's score is among the k largest of its row (nan counts as -inf)."""
    p = convert_to_numpy(predictions)
    t = onp.take_along_axis(p, convert_to_numpy(targets).astype(int)[..., None], axis=-1)
    return onp.sum(p > onp.where(onp.isnan(t), -onp.inf, t), axis=-1) < k


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x - m))) + m, with m the (untraced, finite) max along `axis`."""
    x = _float(x)
    m = onp.max(getval(x), axis=_axis(axis), keepdims=True)
    m = onp.where(onp.isfinite(m), m, 0).astype(x.dtype)
    out = anp.log(anp.sum(anp.exp(x - m), axis=_axis(axis), keepdims=keepdims))
    return out + (m if keepdims else onp.squeeze(m, axis=_axis(axis)))


def _cdist_check(x, y):
    if len(x.shape) < 2 or len(y.shape) < 2:
        raise ValueError("Inputs to `cdist` must have rank >= 2. "
                         f"Received shapes: x.shape={x.shape}, y.shape={y.shape}")
    if None not in (x.shape[-1], y.shape[-1]) and x.shape[-1] != y.shape[-1]:
        raise ValueError("The last dimension of inputs to `cdist` must match. "
                         f"Received shapes: x.shape={x.shape}, y.shape={y.shape}")


def cdist(x, y):
    """Pairwise Euclidean distances: out[..., i, j] = ||x[..., i, :] - y[..., j, :]||."""
    x, y = _args(x, y, floating=True)
    _cdist_check(x, y)
    diff = anp.expand_dims(x, -2) - anp.expand_dims(y, -3)
    return anp.sqrt(anp.sum(diff * diff, axis=-1))


def _frames(n, length, stride):
    """Index matrix (num_frames, length) of the frames `x[..., idx]`."""
    count = max(0, 1 + (n - length) // stride)
    return onp.arange(count)[:, None] * stride + onp.arange(length)[None, :]


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of the last axis: out[..., i, j] = x[..., i * sequence_stride + j]."""
    x = _as_tensor(x)
    if anp.ndim(x) < 1:
        raise ValueError(f"Input should have rank >= 1. Received: input.shape = {x.shape}")
    return x[..., _frames(anp.shape(x)[-1], sequence_length, sequence_stride)]


def _extract_sequences_spec(x, sequence_length, sequence_stride):
    if len(x.shape) < 1:
        raise ValueError(f"Input should have rank >= 1. Received: input.shape = {x.shape}")
    n = x.shape[-1]
    count = None if n is None else 1 + (n - sequence_length) // sequence_stride
    return KerasTensor(tuple(x.shape[:-1]) + (count, sequence_length), x.dtype)


extract_sequences.output_spec = _extract_sequences_spec


# --- FFTs: complex tensors travel as (real, imag) pairs --------------------------------------
def _complex_parts(x, min_rank, op_axes=None):
    """Checks `x` is a (real, imag) pair of equal shapes and rank >= min_rank (Keras's checks)."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary. "
                         f"Received: x={x}")
    real, imag = x
    if tuple(real.shape) != tuple(imag.shape):
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary. Both "
                         "the real and imaginary parts should have the same shape. Received: "
                         f"x[0].shape = {real.shape}, x[1].shape = {imag.shape}")
    if len(real.shape) < min_rank:
        raise ValueError(f"Input should have rank >= {min_rank}. "
                         f"Received: input.shape = {real.shape}")
    if op_axes is not None and any(real.shape[a] is None for a in op_axes):
        which = "its last dimension" if len(op_axes) == 1 else f"its {op_axes} axes"
        raise ValueError(f"Input should have {which} fully-defined. "
                         f"Received: input.shape = {real.shape}")
    return real, imag


def _complex(x, min_rank):
    real, imag = _complex_parts([_as_tensor(t) for t in x] if isinstance(x, (tuple, list)) else x,
                                min_rank)
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        raise ValueError(f"At least one tensor in input `x` is not of type float.Received: x={x}.")
    return real + 1j * imag, real.dtype


def _split(c, dtype):
    return anp.real(c).astype(dtype), anp.imag(c).astype(dtype)


def fft(x):
    """FFT along the last axis of the complex tensor `x = (real, imag)`; returns (real, imag)."""
    c, dtype = _complex(x, 1)
    return _split(anp.fft.fft(c), dtype)


def fft2(x):
    """2-D FFT over the last two axes of `x = (real, imag)`; returns (real, imag)."""
    c, dtype = _complex(x, 2)
    return _split(anp.fft.fft2(c), dtype)


def ifft2(x):
    """Inverse 2-D FFT over the last two axes of `x = (real, imag)`; returns (real, imag)."""
    c, dtype = _complex(x, 2)
    return _split(anp.fft.ifft2(c), dtype)


def _fit_last(x, n):
    """x truncated or zero-padded to n entries along the last axis."""
    size = anp.shape(x)[-1]
    if n <= size:
        return x[..., :n]
    return anp.concatenate([x, onp.zeros(anp.shape(x)[:-1] + (n - size,), x.dtype)], axis=-1)


def rfft(x, fft_length=None):
    """FFT of a real signal along the last axis (fft_length // 2 + 1 bins); returns (real, imag)."""
    x = _float(x)
    n = anp.shape(x)[-1] if fft_length is None else fft_length
    # a full complex FFT, cut: autograd's own rfft gradient needs even lengths and ignores `n`
    return _split(anp.fft.fft(_fit_last(x, n), axis=-1)[..., :n // 2 + 1], x.dtype)


def irfft(x, fft_length=None):
    """Inverse of `rfft`: a real signal of length fft_length (default 2 * (bins - 1)), the
    spectrum completed by Hermitian symmetry X[n - k] = conj(X[k])."""
    c, dtype = _complex(x, 1)
    n = 2 * (anp.shape(c)[-1] - 1) if fft_length is None else fft_length
    c = _fit_last(c, n // 2 + 1)
    tail = anp.conj(c[..., 1:n - n // 2])[..., ::-1]
    full = anp.concatenate([c, tail], axis=-1) if n - n // 2 > 1 else c[..., :n]
    return anp.real(anp.fft.ifft(full, axis=-1)).astype(dtype)


def _same_spec(axes):
    def spec(x):
        real, imag = _complex_parts(x, len(axes), axes)
        return KerasTensor(real.shape, real.dtype), KerasTensor(imag.shape, imag.dtype)
    return spec


fft.output_spec, fft2.output_spec, ifft2.output_spec = _same_spec((-1,)), *[_same_spec((-2, -1))] * 2


def _rfft_spec(x, fft_length=None):
    if len(x.shape) < 1:
        raise ValueError(f"Input should have rank >= 1. Received: input.shape = {x.shape}")
    n = fft_length if fft_length is not None else x.shape[-1]
    shape = tuple(x.shape[:-1]) + (None if n is None else n // 2 + 1,)
    return KerasTensor(shape, x.dtype), KerasTensor(shape, x.dtype)


def _irfft_spec(x, fft_length=None):
    real, _ = _complex_parts(x, 1)
    n = fft_length if fft_length is not None else \
        None if real.shape[-1] is None else 2 * (real.shape[-1] - 1)
    return KerasTensor(tuple(real.shape[:-1]) + (n,), real.dtype)


rfft.output_spec, irfft.output_spec = _rfft_spec, _irfft_spec


# --- short-time Fourier transform -------------------------------------------------------------
def _check_stride(sequence_stride):
    if not isinstance(sequence_stride, int) or isinstance(sequence_stride, bool) or sequence_stride <= 0:
        raise ValueError("`sequence_stride` must be a positive integer. "
                         f"Received: sequence_stride={sequence_stride}")


def _window(window, sequence_length, fft_length, dtype):
    """The window centred in fft_length samples: 'hann' = 0.5 - 0.5 cos(2 pi n / N), 'hamming' =
    0.54 - 0.46 cos(2 pi n / N) (periodic, as scipy.signal.get_window), a tensor, or None (ones)."""
    if window is None:
        return onp.ones(fft_length, dtype)
    if isinstance(window, str):
        phase = onp.cos(2 * onp.pi * onp.arange(sequence_length) / sequence_length)
        win = 0.5 - 0.5 * phase if window == "hann" else 0.54 - 0.46 * phase
    else:
        win = _as_tensor(window)
        if anp.ndim(win) != 1 or anp.shape(win)[-1] != sequence_length:
            raise ValueError("The shape of `window` must be equal to [sequence_length]."
                             f"Received: window shape={anp.shape(win)}")
    left = (fft_length - sequence_length) // 2
    right = fft_length - sequence_length - left
    return anp.concatenate([onp.zeros(left), win, onp.zeros(right)]).astype(dtype)


def _check_window_name(window):
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                         f'`"hamming"`. Received: window={window}')


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform of the last axis: rfft(frame * window) for frames of
    fft_length samples every sequence_stride (reflect-padded by fft_length // 2 when `center`);
    returns (real, imag) of shape (..., num_frames, fft_length // 2 + 1)."""
    _check_stride(sequence_stride)
    x = _as_tensor(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError("Invalid input type. Expected `float32` or `float64`. "
                        f"Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    _check_window_name(window)
    win = _window(window, sequence_length, fft_length, x.dtype)
    if center:
        pad = fft_length // 2
        x = x[..., onp.pad(onp.arange(anp.shape(x)[-1]), (pad, pad), mode="reflect")]
    frames = x[..., _frames(anp.shape(x)[-1], fft_length, sequence_stride)]
    total = float(onp.sum(getval(win)))
    # jax.scipy.signal.stft scales by 1 / sum(win); Keras undoes it with |sum(win)|
    real, imag = rfft(frames * win, fft_length)
    if total > 0:
        return real, imag
    sign = -1.0 if total < 0 else float("nan")
    return real * sign, imag * sign


def _stft_spec(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    _check_stride(sequence_stride)
    n = x.shape[-1]
    padded = (fft_length // 2) * 2 if center else 0
    count = None if n is None else 1 + (n + padded - fft_length) // sequence_stride
    shape = tuple(x.shape[:-1]) + (count, fft_length // 2 + 1)
    return KerasTensor(shape, x.dtype), KerasTensor(shape, x.dtype)


def _overlap_add(frames, stride):
    """sum_i frames[..., i, :] placed at offset i * stride (frames: (..., n, L)): each frame cut
    into k = ceil(L / stride) blocks of `stride` samples; block j of frame i lands in block i + j."""
    n, length = anp.shape(frames)[-2:]
    k = -(-length // stride)
    batch = anp.shape(frames)[:-2]
    frames = anp.concatenate([frames, onp.zeros(batch + (n, k * stride - length), frames.dtype)], -1)
    blocks = anp.reshape(frames, batch + (n, k, stride))
    out = 0
    for j in range(k):
        before, after = onp.zeros(batch + (j, stride)), onp.zeros(batch + (k - 1 - j, stride))
        out = out + anp.concatenate([before.astype(frames.dtype), blocks[..., j, :],
                                     after.astype(frames.dtype)], -2)
    return anp.reshape(out, batch + ((n + k - 1) * stride,))[..., :length + (n - 1) * stride]


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse of `stft`: the overlap-add of irfft(frame) * w, divided at each sample by the
    overlap-add of w^2 there (jax.scipy.signal.istft's normalisation, which Keras on JAX, numpy and
    torch give; no window: w = 1). `length` or the centre padding trims the ends."""
    _check_stride(sequence_stride)
    dtype = _complex(x, 2)[1]  # checks the (real, imag) pair
    _check_window_name(window)
    frames = irfft(x, fft_length)
    n = anp.shape(frames)[-2]
    if window is not None:
        win = getval(_window(window, sequence_length, fft_length, dtype))
        frames = frames * win
    else:  # no window: a window of ones, and JAX's scale win.sum() / hop
        win = onp.ones(fft_length, dtype)
        frames = frames * (fft_length / sequence_stride)
    overlap = _overlap_add(onp.tile(win.astype(dtype) ** 2, (n, 1)), sequence_stride)
    out = _overlap_add(frames, sequence_stride)
    out = out / onp.where(overlap > 1e-10, overlap, 1.0).astype(dtype)
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else -(fft_length // 2) if center else None
    return out[..., start:end]


def _istft_spec(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
                center=True):
    _check_stride(sequence_stride)
    real, _ = _complex_parts(x, 2)
    size = length
    if real.shape[-2] is not None and length is None:
        size = (real.shape[-2] - 1) * sequence_stride + fft_length - ((fft_length // 2) * 2 if center else 0)
    return KerasTensor(tuple(real.shape[:-2]) + (size,), real.dtype)


stft.output_spec, istft.output_spec = _stft_spec, _istft_spec


# --- special functions ------------------------------------------------------------------------
def _float(x):
    """`x` as a float tensor (ints become float32; float16 and bfloat16 stay)."""
    x = _as_tensor(x)
    return x if x.dtype.name == "bfloat16" else _as_float(x)


def _in_float32(fn, x):
    """fn computed in float32 (or float64) and returned in x's float dtype (float16, bfloat16)."""
    x = _float(x)
    if x.dtype.name in ("float32", "float64"):
        return fn(x)
    return fn(x.astype("float32")).astype(x.dtype)


def _erfc(x):
    pos = getval(x) >= 0
    a = anp.where(pos, x, -x)  # |x|, with gradient sign(x) also at 0
    t = 1.0 / (1.0 + 0.5 * a)
    poly = 0.0
    for c in (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
              0.09678418, 0.37409196, 1.00002368, -1.26551223):
        poly = c + t * poly
    tail = t * anp.exp(-a * a + poly)
    return anp.where(pos, tail, 2.0 - tail)


def _erf(x):
    small = onp.abs(getval(x)) < 0.5
    s = anp.where(small, x, 0.0)  # keeps the unused series branch finite (and its gradient 0)
    series, term = 0.0, s
    for n in range(1, 9):
        series = series + term / (2 * n - 1)
        term = -term * s * s / n
    return anp.where(small, 1.1283791670955126 * series, 1.0 - _erfc(x))


def erfc(x):
    """1 - erf(x) with relative error < 1.2e-7 (Numerical Recipes' erfcc: a Chebyshev fit of
    exp(x^2) erfc(x) in t = 1 / (1 + |x| / 2)); erfc(-x) = 2 - erfc(x)."""
    return _in_float32(_erfc, x)


def erf(x):
    """2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)) for |x| < 0.5, else 1 - erfc(x);
    relative error < 2e-7 everywhere."""
    return _in_float32(_erf, x)


_GILES_SMALL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_LARGE = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


@primitive
def _erfinv(x):
    """Giles' single-precision polynomial (the one XLA uses), polished by Newton steps on
    erf(y) - x = 0 with math.erf in float64."""
    x64 = onp.asarray(x, "float64")
    with onp.errstate(all="ignore"):
        w = -onp.log((1.0 - x64) * (1.0 + x64))
        small, large = w - 2.5, onp.sqrt(w) - 3.0
        p_small, p_large = onp.zeros_like(x64), onp.zeros_like(x64)
        for cs, cl in zip(_GILES_SMALL, _GILES_LARGE):
            p_small, p_large = p_small * small + cs, p_large * large + cl
        y = onp.where(w < 5.0, p_small, p_large) * x64
        erf = onp.vectorize(math.erf, otypes=["float64"])
        for _ in range(2):
            ok = onp.isfinite(y)
            y = onp.where(ok, y - (erf(onp.where(ok, y, 0)) - x64) * onp.sqrt(onp.pi) / 2 *
                          onp.exp(onp.where(ok, y, 0) ** 2), y)
        y = onp.where(onp.abs(x64) == 1, onp.sign(x64) * onp.inf, y)
        y = onp.where(onp.abs(x64) > 1, onp.nan, y)
    return y.astype(onp.asarray(x).dtype)


defvjp(_erfinv, lambda ans, x: lambda g: g * (onp.sqrt(onp.pi) / 2) * anp.exp(ans * ans))


def erfinv(x):
    """Inverse error function: erf(erfinv(x)) = x on (-1, 1), +-inf at +-1, nan outside;
    d/dx erfinv(x) = sqrt(pi)/2 * exp(erfinv(x)^2)."""
    return _in_float32(_erfinv, x)


def rsqrt(x): "1 / sqrt(x)."; return _in_float32(lambda x: 1.0 / anp.sqrt(x), x)


def logdet(x):
    """log |det(x)| of the last two axes (via slogdet, stable where det would under/overflow)."""
    x = _float(x)
    if x.dtype.name in ("float16", "bfloat16"):  # numpy's LAPACK has no half precision
        return anp.linalg.slogdet(x.astype("float32"))[1].astype(x.dtype)
    return anp.linalg.slogdet(x)[1]


def view_as_complex(x):
    """A (..., 2) float tensor as a complex64 tensor: x[..., 0] + 1j * x[..., 1]."""
    x = _as_tensor(x)
    if anp.ndim(x) < 1 or anp.shape(x)[-1] != 2:
        raise ValueError("Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {anp.shape(x)}")
    x = x if x.dtype == onp.float32 else x.astype("float32")  # complex64, as Keras gives
    return x[..., 0] + 1j * x[..., 1]


def view_as_real(x):
    """A complex tensor as (..., 2) floats: stack(real(x), imag(x), axis=-1)."""
    x = _as_tensor(x)
    return anp.stack([anp.real(x), anp.imag(x)], axis=-1)


def _view_as_complex_spec(x):
    return KerasTensor(tuple(x.shape[:-1]), "complex64")


def _view_as_real_spec(x):
    return KerasTensor(tuple(x.shape) + (2,), "float32")


view_as_complex.output_spec, view_as_real.output_spec = _view_as_complex_spec, _view_as_real_spec

__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__
           and not isinstance(f, type)]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
