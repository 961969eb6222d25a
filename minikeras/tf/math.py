"""`tf.math`: elementwise math, reductions, comparisons and segment sums, on `keras.ops`.

Differences from TensorFlow, all in what TensorFlow refuses: mixed dtypes are promoted as
`keras.ops` promotes them (TensorFlow raises for int32 + float32), and functions defined only
for floats (sqrt, exp, log, reduce_std, ...) take integer tensors and give float32.
"""
import builtins
import collections

import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.engine.autodiff import untraced as _untraced
from minikeras.tf import dtypes
from minikeras.tf._core import (
    axis_arg as _axis_arg, check_axis as _check_axis, integer as _integer, numpy as _numpy, op
    as _op, read as _read)

_TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


# --- elementwise, one argument ----------------------------------------------------------------
@_op
def abs(x, name=None): "|x|."; return ops.abs(_read(x))
@_op
def negative(x, name=None): "-x."; return ops.negative(_read(x))
@_op
def sign(x, name=None): "-1, 0 or 1 by the sign of x."; return ops.sign(_read(x))
@_op
def square(x, name=None): "x^2."; return ops.square(_read(x))
@_op
def sqrt(x, name=None): "Square root of x."; return ops.sqrt(_read(x))
@_op
def rsqrt(x, name=None): "1 / sqrt(x)."; return ops.rsqrt(_read(x))
@_op
def reciprocal(x, name=None): "1 / x."; return ops.reciprocal(_read(x))
@_op
def exp(x, name=None): "e^x."; return ops.exp(_read(x))
@_op
def expm1(x, name=None): "e^x - 1, accurate for small x."; return ops.expm1(_read(x))
@_op
def log(x, name=None): "Natural logarithm of x."; return ops.log(_read(x))
@_op
def log1p(x, name=None): "log(1 + x), accurate for small x."; return ops.log1p(_read(x))
@_op
def sin(x, name=None): "Sine of x (radians)."; return ops.sin(_read(x))
@_op
def cos(x, name=None): "Cosine of x (radians)."; return ops.cos(_read(x))
@_op
def tan(x, name=None): "Tangent of x (radians)."; return ops.tan(_read(x))
@_op
def asin(x, name=None): "Inverse sine of x."; return ops.arcsin(_read(x))
@_op
def acos(x, name=None): "Inverse cosine of x."; return ops.arccos(_read(x))
@_op
def atan(x, name=None): "Inverse tangent of x."; return ops.arctan(_read(x))
@_op
def sinh(x, name=None): "Hyperbolic sine of x."; return ops.sinh(_read(x))
@_op
def cosh(x, name=None): "Hyperbolic cosine of x."; return ops.cosh(_read(x))
@_op
def tanh(x, name=None): "Hyperbolic tangent of x."; return ops.tanh(_read(x))
@_op
def asinh(x, name=None): "Inverse hyperbolic sine of x."; return ops.arcsinh(_read(x))
@_op
def acosh(x, name=None): "Inverse hyperbolic cosine of x."; return ops.arccosh(_read(x))
@_op
def atanh(x, name=None): "Inverse hyperbolic tangent of x."; return ops.arctanh(_read(x))
@_op
def floor(x, name=None): "The largest integer <= x."; return ops.floor(_read(x))
@_op
def ceil(x, name=None): "The smallest integer >= x."; return ops.ceil(_read(x))
@_op
def round(x, name=None): "x rounded to the nearest integer, halves to even."; return ops.round(_read(x))
@_op
def sigmoid(x, name=None): "1 / (1 + e^-x)."; return ops.sigmoid(_read(x))
@_op
def log_sigmoid(x, name=None): "log(sigmoid(x)) = -softplus(-x)."; return ops.log_sigmoid(_read(x))
@_op
def softplus(features, name=None): "log(1 + e^x)."; return ops.softplus(_read(features))
@_op
def softsign(features, name=None): "x / (|x| + 1)."; return ops.softsign(_read(features))
@_op
def erf(x, name=None): "The error function 2/sqrt(pi) * integral_0^x e^(-t^2) dt."; return ops.erf(_read(x))
@_op
def erfc(x, name=None): "1 - erf(x)."; return ops.erfc(_read(x))
@_op
def is_nan(x, name=None): "Whether each element is nan."; return ops.isnan(_read(x))
@_op
def is_inf(x, name=None): "Whether each element is +inf or -inf."; return ops.isinf(_read(x))
@_op
def is_finite(x, name=None): "Whether each element is neither inf nor nan."; return ops.isfinite(_read(x))
@_op
def logical_not(x, name=None): "not x, elementwise."; return ops.logical_not(_read(x))


# --- elementwise, two arguments ---------------------------------------------------------------
@_op
def add(x, y, name=None): "x + y, with broadcasting."; return ops.add(_read(x), _read(y))
@_op
def subtract(x, y, name=None): "x - y, with broadcasting."; return ops.subtract(_read(x), _read(y))
@_op
def multiply(x, y, name=None): "x * y, with broadcasting."; return ops.multiply(_read(x), _read(y))
@_op
def maximum(x, y, name=None): "The larger of x and y, elementwise."; return ops.maximum(_read(x), _read(y))
@_op
def minimum(x, y, name=None): "The smaller of x and y, elementwise."; return ops.minimum(_read(x), _read(y))
@_op
def pow(x, y, name=None): "x ** y, elementwise."; return ops.power(_read(x), _read(y))
@_op
def floordiv(x, y, name=None): "floor(x / y), elementwise."; return ops.floor_divide(_read(x), _read(y))
@_op
def floormod(x, y, name=None): "The remainder of x / y, with the sign of y."; return ops.mod(_read(x), _read(y))
@_op
def atan2(y, x, name=None): "The angle of the point (x, y): arctan(y / x) in the right quadrant."; return ops.arctan2(_read(y), _read(x))
@_op
def squared_difference(x, y, name=None): "(x - y)^2."; return ops.square(ops.subtract(_read(x), _read(y)))
@_op
def divide_no_nan(x, y, name=None): "x / y, and 0 where y == 0."; return ops.divide_no_nan(_read(x), _read(y))
@_op
def scalar_mul(scalar, x, name=None): "scalar * x."; return ops.multiply(_read(scalar), _read(x))
@_op
def equal(x, y, name=None): "x == y, elementwise (bool)."; return ops.equal(_read(x), _read(y))
@_op
def not_equal(x, y, name=None): "x != y, elementwise (bool)."; return ops.not_equal(_read(x), _read(y))
@_op
def greater(x, y, name=None): "x > y, elementwise (bool)."; return ops.greater(_read(x), _read(y))
@_op
def greater_equal(x, y, name=None): "x >= y, elementwise (bool)."; return ops.greater_equal(_read(x), _read(y))
@_op
def less(x, y, name=None): "x < y, elementwise (bool)."; return ops.less(_read(x), _read(y))
@_op
def less_equal(x, y, name=None): "x <= y, elementwise (bool)."; return ops.less_equal(_read(x), _read(y))
@_op
def logical_and(x, y, name=None): "x and y, elementwise."; return ops.logical_and(_read(x), _read(y))
@_op
def logical_or(x, y, name=None): "x or y, elementwise."; return ops.logical_or(_read(x), _read(y))
@_op
def logical_xor(x, y, name=None): "x xor y, elementwise."; return ops.logical_xor(_read(x), _read(y))
mod = floormod


@_op
def divide(x, y, name=None):
    """x / y. Integers divide as TensorFlow's `truediv` does: int8 / int16 give float32, int32 /
    int64 float64 (`keras.ops.divide` would give float32)."""
    x, y = _read(x), _read(y)
    kinds = [_untraced(v).dtype for v in (x, y)]
    if builtins.all(d.kind in "iu" for d in kinds):
        wide = builtins.max(d.itemsize for d in kinds) > 2
        x, y = ops.cast(x, "float64" if wide else "float32"), ops.cast(y, "float64" if wide else "float32")
    return ops.divide(x, y)


truediv = realdiv = divide


@_op
def multiply_no_nan(x, y, name=None):
    """x * y, and 0 where y == 0 (even where x is inf or nan)."""
    x, y = _read(x), _read(y)
    zero = _numpy(y) == 0
    return ops.multiply(ops.where(zero, ops.zeros_like(x), x), y)


@_op
def add_n(inputs, name=None):
    """The elementwise sum of the same-shape tensors `inputs`."""
    total = _read(inputs[0])
    for t in inputs[1:]:
        total = ops.add(total, _read(t))
    return total


# --- reductions -------------------------------------------------------------------------------
def _reduce_args(input_tensor, axis):
    x, axis = _read(input_tensor), _axis_arg(axis)
    _check_axis(axis, anp.ndim(x))
    return x, axis


def _is_int(x):
    return _untraced(x).dtype.kind in "iub"


@_op
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over `axis` (all axes when None); integer sums stay in the input's dtype."""
    x, axis = _reduce_args(input_tensor, axis)
    if _is_int(x):
        return onp.sum(_numpy(x), axis=axis, keepdims=bool(keepdims), dtype=_untraced(x).dtype)
    return ops.sum(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over `axis`. Of an integer tensor it is an integer, the quotient rounded towards zero,
    as in TensorFlow (`keras.ops.mean` gives float32)."""
    x, axis = _reduce_args(input_tensor, axis)
    if _is_int(x):
        v = _numpy(x)
        return onp.trunc(onp.mean(v, axis=axis, keepdims=bool(keepdims))).astype(v.dtype)
    return ops.mean(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product over `axis`; integer products stay in the input's dtype."""
    x, axis = _reduce_args(input_tensor, axis)
    if _is_int(x):
        return onp.prod(_numpy(x), axis=axis, keepdims=bool(keepdims), dtype=_untraced(x).dtype)
    return ops.prod(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Largest value over `axis`."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.max(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Smallest value over `axis`."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.min(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Whether any element over `axis` is true."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.any(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Whether every element over `axis` is true."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.all(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """mean((x - mean(x))^2) over `axis` (the biased variance)."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.var(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(reduce_variance(x)) over `axis`."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.std(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis`, computed without overflow."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.logsumexp(x, axis=axis, keepdims=bool(keepdims))


@_op
def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x^2)) over `axis`."""
    x, axis = _reduce_args(input_tensor, axis)
    return ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=bool(keepdims)))


@_op
def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):
    """The number of non-zero elements over `axis` (int64)."""
    x, axis = _reduce_args(input, axis)
    out = onp.sum(_numpy(x) != 0, axis=axis, keepdims=bool(keepdims))
    return out.astype(dtypes.as_dtype(dtype).dtype)


@_op
def argmax(input, axis=None, output_type=dtypes.int64, name=None):
    """The index of the largest value along `axis` (0 when None, as in TensorFlow), int64."""
    x = _numpy(input)
    axis = 0 if axis is None else _integer(axis, "axis")
    _check_axis(axis, x.ndim)
    return onp.argmax(x, axis=axis).astype(dtypes.as_dtype(output_type).dtype)


@_op
def argmin(input, axis=None, output_type=dtypes.int64, name=None):
    """The index of the smallest value along `axis` (0 when None), int64."""
    x = _numpy(input)
    axis = 0 if axis is None else _integer(axis, "axis")
    _check_axis(axis, x.ndim)
    return onp.argmin(x, axis=axis).astype(dtypes.as_dtype(output_type).dtype)


def _running(fn, x, axis, exclusive, reverse):
    """cumsum / cumprod along `axis`, optionally exclusive (shifted by one) and from the end."""
    x, axis = _read(x), _integer(axis, "axis")
    _check_axis(axis, anp.ndim(x))
    if reverse:
        x = ops.flip(x, axis=axis)
    out = fn(x, axis=axis)
    if exclusive:
        n = anp.shape(x)[axis] - 1
        first = ops.ones_like(ops.take(out, [0], axis=axis)) if fn is ops.cumprod else \
            ops.zeros_like(ops.take(out, [0], axis=axis))
        out = ops.concatenate([first, ops.take(out, onp.arange(n), axis=axis)], axis=axis)
    return ops.flip(out, axis=axis) if reverse else out


@_op
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sum along `axis`; `exclusive` leaves out each element itself, `reverse` runs from
    the end."""
    return _running(ops.cumsum, x, axis, exclusive, reverse)


@_op
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running product along `axis` (`exclusive`, `reverse` as in cumsum)."""
    return _running(ops.cumprod, x, axis, exclusive, reverse)


@_op
def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):
    """TopKV2(values, indices): the k largest entries of the last axis, largest first (the lower
    index first among equal values)."""
    x, k = _read(input), _integer(k, "k")
    if not 0 <= k <= anp.shape(x)[-1]:
        raise ValueError(f"`k`={k} must be in [0, {anp.shape(x)[-1]}] (the size of the last axis "
                         "of `input`).")
    values, indices = ops.top_k(x, k)
    return _TopKV2(values, indices.astype(dtypes.as_dtype(index_type).dtype))


@_op
def in_top_k(targets, predictions, k, name=None):
    """Whether each target's prediction is among the k largest of its row."""
    return ops.in_top_k(_numpy(targets), _numpy(predictions), _integer(k, "k"))


@_op
def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    """x / sqrt(max(sum(x^2), epsilon)) over `axis` (all axes when None)."""
    x, axis = _reduce_args(x, axis)
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(squares, epsilon)))


@_op
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """The number of occurrences of each value 0, 1, ... in the int tensor `arr` (the sum of
    `weights` there, when given), at least `minlength` and at most `maxlength` long."""
    values = _numpy(arr).astype(onp.int64).ravel()
    w = None if weights is None else _numpy(weights).ravel()
    if maxlength is not None:
        keep = values < int(maxlength)
        values, w = values[keep], None if w is None else w[keep]
    out = onp.bincount(values, weights=w, minlength=0 if minlength is None else int(minlength))
    if binary_output:
        out = out > 0
    return out.astype(w.dtype if w is not None else dtypes.as_dtype(dtype).dtype)


@_op
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """m[i, j] = the number of examples labelled i and predicted j (weighted by `weights`)."""
    y, p = _numpy(labels).astype(onp.int64).ravel(), _numpy(predictions).astype(onp.int64).ravel()
    n = int(builtins.max(y.max(initial=-1), p.max(initial=-1))) + 1 if num_classes is None \
        else _integer(num_classes, "num_classes")
    out = onp.zeros((n, n), dtype=dtypes.as_dtype(dtype).dtype)
    onp.add.at(out, (y, p), 1 if weights is None else _numpy(weights).ravel())
    return out


@_op
def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """out[s] = the sum of data[i] over i with segment_ids[i] == s."""
    return ops.segment_sum(_read(data), _numpy(segment_ids), _integer(num_segments, "num_segments"))


@_op
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """out[s] = the mean of data[i] over i with segment_ids[i] == s (0 for an empty segment)."""
    x, ids, n = _read(data), _numpy(segment_ids), _integer(num_segments, "num_segments")
    counts = onp.bincount(ids.ravel(), minlength=n)[:n].astype(_untraced(x).dtype)
    counts = counts.reshape((-1,) + (1,) * (anp.ndim(x) - ids.ndim))
    return ops.segment_sum(x, ids, n) / onp.maximum(counts, 1)


@_op
def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """out[s] = the max of data[i] over i with segment_ids[i] == s; an empty segment gets the
    dtype's lowest value (TensorFlow's convention, not -inf)."""
    x, n = _read(data), _integer(num_segments, "num_segments")
    out = ops.segment_max(x, _numpy(segment_ids), n)
    lowest = dtypes.as_dtype(_untraced(x).dtype).min
    return ops.where(onp.isneginf(_untraced(out)), lowest, out) if _untraced(x).dtype.kind == "f" else out


@_op
def segment_sum(data, segment_ids, name=None):
    """out[s] = the sum of data[i] over i with segment_ids[i] == s (ids sorted)."""
    return ops.segment_sum(_read(data), _numpy(segment_ids))


def _softmax_axis(axis):
    return -1 if axis is None else _integer(axis, "axis")


@_op
def softmax(logits, axis=None, name=None):
    """exp(x) / sum(exp(x)) along `axis` (the last when None)."""
    return ops.softmax(_read(logits), axis=_softmax_axis(axis))


@_op
def log_softmax(logits, axis=None, name=None):
    """x - log(sum(exp(x))) along `axis` (the last when None)."""
    return ops.log_softmax(_read(logits), axis=_softmax_axis(axis))

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
