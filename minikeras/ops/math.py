"""`keras.ops.math`: segment reductions, top-k, special functions, FFTs and signal windows."""
import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval

from minikeras.ops.promotion import _as_float, _as_tensor, _axis
from minikeras.ops.core import convert_to_numpy
from minikeras.ops.numpy import take_along_axis
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def _segments(segment_ids, num_segments):
    ids = convert_to_numpy(segment_ids).astype(int)
    n = int(ids.max()) + 1 if num_segments is None else int(num_segments)
    return onp.arange(n)[:, None] == ids  # (segments, rows)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """out[s] = sum of data[i] over rows i with segment_ids[i] == s."""
    data = _as_tensor(data)
    hits = _segments(segment_ids, num_segments)
    out = anp.dot(hits.astype(data.dtype), anp.reshape(data, (anp.shape(data)[0], -1)))
    return anp.reshape(out, (len(hits),) + anp.shape(data)[1:])


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """out[s] = max of data[i] over rows i with segment_ids[i] == s (-inf for an empty segment)."""
    data = _as_tensor(data)
    hits = _segments(segment_ids, num_segments).reshape((-1,) + anp.shape(data)[:1] + (1,) * (anp.ndim(data) - 1))
    low = -onp.inf if data.dtype.kind == "f" else onp.iinfo(data.dtype).min
    return anp.max(anp.where(hits, anp.expand_dims(data, 0), low), axis=1)


def erfc(x):
    """1 - erf(x) with relative error < 1.2e-7 (Numerical Recipes' erfcc: a Chebyshev fit of
    exp(x^2) erfc(x) in t = 1 / (1 + |x| / 2)); erfc(-x) = 2 - erfc(x)."""
    x = _as_float(x)
    pos = getval(x) >= 0
    a = anp.where(pos, x, -x)  # |x|, with gradient sign(x) also at 0
    t = 1.0 / (1.0 + 0.5 * a)
    poly = 0.0
    for c in (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
              0.09678418, 0.37409196, 1.00002368, -1.26551223):
        poly = c + t * poly
    tail = t * anp.exp(-a * a + poly)
    return anp.where(pos, tail, 2.0 - tail)


def erf(x):
    """2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)) for |x| < 0.5, else 1 - erfc(x);
    relative error < 2e-7 everywhere."""
    x = _as_float(x)
    small = onp.abs(getval(x)) < 0.5
    s = anp.where(small, x, 0.0)  # keeps the unused series branch finite (and its gradient 0)
    series, term = 0.0, s
    for n in range(1, 9):
        series = series + term / (2 * n - 1)
        term = -term * s * s / n
    return anp.where(small, 1.1283791670955126 * series, 1.0 - erfc(x))


def rsqrt(x): "1 / sqrt(x)."; return 1.0 / anp.sqrt(_as_float(x))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x - m))) + m, with m the (untraced, finite) max along `axis`."""
    x = _as_float(x)
    m = onp.max(getval(x), axis=_axis(axis), keepdims=True)
    m = onp.where(onp.isfinite(m), m, 0).astype(x.dtype)
    out = anp.log(anp.sum(anp.exp(x - m), axis=_axis(axis), keepdims=keepdims))
    return out + (m if keepdims else onp.squeeze(m, axis=_axis(axis)))


def top_k(x, k, sorted=True):
    """The k largest values along the last axis (differentiable) and their int32 indices."""
    x = _as_tensor(x)
    idx = onp.argsort(-getval(x), axis=-1, kind="stable")[..., :k].astype("int32")
    return take_along_axis(x, idx, -1), idx


def in_top_k(targets, predictions, k):
    """Whether each target's score is among the k largest of its row (nan counts as -inf)."""
    p = convert_to_numpy(predictions)
    t = onp.take_along_axis(p, convert_to_numpy(targets).astype(int)[:, None], axis=-1)
    return onp.sum(p > onp.where(onp.isnan(t), -onp.inf, t), axis=-1) < k


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
