"""`keras.ops.numpy`: numpy-like functions, differentiable by autograd (dtype rules: see promotion.py)."""
import builtins

import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval, isbox

from minikeras.engine import config
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.variable import read_value
from minikeras.ops.core import cast, convert_to_numpy, convert_to_tensor, shape, unstack  # noqa: F401
from minikeras.ops.promotion import _acc, _args, _as_float, _as_tensor, _axis, _to_array
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def ndim(x): "The number of axes of `x`."; return len(x.shape) if isinstance(x, KerasTensor) else anp.ndim(read_value(x))
def size(x): "The number of elements of `x`."; return anp.size(read_value(x))
def array(x, dtype=None): "`x` as an array of `dtype` (see convert_to_tensor)."; return _to_array(x, dtype)
def copy(x):
    """A copy of `x`."""
    x = _as_tensor(x)
    return x if isbox(x) else x.copy()


# --- elementwise and arithmetic ---------------------------------------------------------
def add(x1, x2): "x1 + x2, elementwise with broadcasting."; return anp.add(*_args(x1, x2))
def subtract(x1, x2): "x1 - x2, elementwise with broadcasting."; return anp.subtract(*_args(x1, x2))
def multiply(x1, x2): "x1 * x2, elementwise with broadcasting."; return anp.multiply(*_args(x1, x2))
def divide(x1, x2): "x1 / x2, elementwise (ints give float32)."; return anp.true_divide(*_args(x1, x2, floating=True))
true_divide = divide
def floor_divide(x1, x2): "floor(x1 / x2), elementwise."; return anp.floor_divide(*_args(x1, x2))
def mod(x1, x2): "The remainder of x1 / x2, with the sign of x2."; return anp.mod(*_args(x1, x2))
def power(x1, x2): "x1 ** x2, elementwise."; return anp.power(*_args(x1, x2))
def maximum(x1, x2): "The larger of x1 and x2, elementwise."; return anp.maximum(*_args(x1, x2))
def minimum(x1, x2): "The smaller of x1 and x2, elementwise."; return anp.minimum(*_args(x1, x2))
def logaddexp(x1, x2): "log(exp(x1) + exp(x2)), computed without overflow."; return anp.logaddexp(*_args(x1, x2, floating=True))
def arctan2(x1, x2): "The angle of the point (x2, x1): arctan(x1 / x2) in the right quadrant."; return anp.arctan2(*_args(x1, x2, floating=True))
def hypot(x1, x2): "sqrt(x1^2 + x2^2), elementwise."; return anp.hypot(*_args(x1, x2, floating=True))
def negative(x): "-x."; return anp.negative(_as_tensor(x))
def square(x): "x^2."; return anp.square(_as_tensor(x))
def sign(x): "-1, 0 or 1 by the sign of x."; return anp.sign(_as_tensor(x))
def exp(x): "e^x (ints become float32)."; return anp.exp(_as_float(x))
def expm1(x): "e^x - 1, accurate for small x."; return anp.expm1(_as_float(x))
def log(x): "Natural logarithm of x."; return anp.log(_as_float(x))
def log1p(x): "log(1 + x), accurate for small x."; return anp.log1p(_as_float(x))
def log2(x): "Base-2 logarithm of x."; return anp.log2(_as_float(x))
def log10(x): "Base-10 logarithm of x."; return anp.log10(_as_float(x))
def sqrt(x): "Square root of x."; return anp.sqrt(_as_float(x))
def reciprocal(x): "1 / x."; return 1.0 / _as_float(x)
def sin(x): "Sine of x (radians)."; return anp.sin(_as_float(x))
def cos(x): "Cosine of x (radians)."; return anp.cos(_as_float(x))
def tan(x): "Tangent of x (radians)."; return anp.tan(_as_float(x))
def tanh(x): "Hyperbolic tangent of x."; return anp.tanh(_as_float(x))
def sinh(x): "Hyperbolic sine of x."; return anp.sinh(_as_float(x))
def cosh(x): "Hyperbolic cosine of x."; return anp.cosh(_as_float(x))
def arcsin(x): "Inverse sine of x."; return anp.arcsin(_as_float(x))
def arccos(x): "Inverse cosine of x."; return anp.arccos(_as_float(x))
def arctan(x): "Inverse tangent of x."; return anp.arctan(_as_float(x))
def arcsinh(x): "Inverse hyperbolic sine of x."; return anp.arcsinh(_as_float(x))
def arccosh(x): "Inverse hyperbolic cosine of x."; return anp.arccosh(_as_float(x))
def arctanh(x): "Inverse hyperbolic tangent of x."; return anp.arctanh(_as_float(x))
def floor(x): "The largest integer <= x (as a float)."; return anp.floor(_as_float(x))
def ceil(x): "The smallest integer >= x (as a float)."; return anp.ceil(_as_float(x))
def trunc(x): "x rounded towards zero."; return anp.trunc(_as_tensor(x))


def abs(x):
    """|x|, with the gradient at 0 taken as +1 (as JAX, and so Keras, does)."""
    x = _as_tensor(x)
    return anp.where(getval(x) >= 0, x, -x)


absolute = abs


def cbrt(x):
    """sign(x) |x|^(1/3) (autograd has no rule for np.cbrt)."""
    x = _as_float(x)
    root = anp.abs(x) ** (1.0 / 3.0)
    return anp.where(getval(x) >= 0, root, -root)


def round(x, decimals=0):
    """Rounds half to even; ints stay ints (negative `decimals` rounds them to tens, ...)."""
    x = _as_tensor(x)
    if x.dtype.kind in "iu" and decimals < 0:
        return (anp.round(x.astype(config.floatx()) * 10.0 ** decimals) / 10.0 ** decimals).astype(x.dtype)
    return anp.round(x, decimals)


def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]."""
    x, x_min, x_max = _args(x, x_min, x_max)
    return anp.clip(x, x_min, x_max)


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0."""
    x1, x2 = _args(x1, x2, floating=True)
    zero = getval(x2) == 0
    return anp.where(zero, 0, x1 / anp.where(zero, 1, x2))


def where(condition, x1=None, x2=None):
    """x1 where `condition`, else x2; with only `condition`, the indices where it holds."""
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should have non-None value.")
    return anp.where(convert_to_numpy(condition).astype(bool), *_args(x1, x2))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """`x` with nan, +inf and -inf replaced (infinities by the dtype's largest finite values)."""
    x = _as_tensor(x)
    if x.dtype.kind not in "fc":
        return x
    g, big = getval(x), float(onp.finfo(x.dtype).max)
    x = anp.where(onp.isnan(g), nan, x)
    x = anp.where(g == onp.inf, big if posinf is None else posinf, x)
    return anp.where(g == -onp.inf, -big if neginf is None else neginf, x)


# --- comparison and logic (no gradients) ------------------------------------------------
def _np2(x1, x2):
    return convert_to_numpy(x1), convert_to_numpy(x2)


def equal(x1, x2): "x1 == x2, elementwise (booleans, no gradient)."; return onp.equal(*_np2(x1, x2))
def not_equal(x1, x2): "x1 != x2, elementwise (booleans)."; return onp.not_equal(*_np2(x1, x2))
def greater(x1, x2): "x1 > x2, elementwise (booleans)."; return onp.greater(*_np2(x1, x2))
def greater_equal(x1, x2): "x1 >= x2, elementwise (booleans)."; return onp.greater_equal(*_np2(x1, x2))
def less(x1, x2): "x1 < x2, elementwise (booleans)."; return onp.less(*_np2(x1, x2))
def less_equal(x1, x2): "x1 <= x2, elementwise (booleans)."; return onp.less_equal(*_np2(x1, x2))
def logical_and(x1, x2): "x1 and x2, elementwise (booleans)."; return onp.logical_and(*_np2(x1, x2))
def logical_or(x1, x2): "x1 or x2, elementwise (booleans)."; return onp.logical_or(*_np2(x1, x2))
def logical_xor(x1, x2): "x1 xor x2, elementwise (booleans)."; return onp.logical_xor(*_np2(x1, x2))
def logical_not(x): "not x, elementwise (booleans)."; return onp.logical_not(convert_to_numpy(x))
def isnan(x): "Whether each element is nan."; return onp.isnan(convert_to_numpy(x))
def isinf(x): "Whether each element is +inf or -inf."; return onp.isinf(convert_to_numpy(x))
def isfinite(x): "Whether each element is neither inf nor nan."; return onp.isfinite(convert_to_numpy(x))
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False): "|x1 - x2| <= atol + rtol * |x2|, elementwise."; return onp.isclose(*_np2(x1, x2), rtol, atol, equal_nan)
def any(x, axis=None, keepdims=False): "Whether any element along `axis` is true."; return onp.any(convert_to_numpy(x), axis=_axis(axis), keepdims=keepdims)
def all(x, axis=None, keepdims=False): "Whether every element along `axis` is true."; return onp.all(convert_to_numpy(x), axis=_axis(axis), keepdims=keepdims)
def argmax(x, axis=None, keepdims=False): "The int32 index of the largest value along `axis` (the first one on ties)."; return onp.argmax(convert_to_numpy(x), axis=axis, keepdims=keepdims).astype("int32")
def argmin(x, axis=None, keepdims=False): "The int32 index of the smallest value along `axis` (the first one on ties)."; return onp.argmin(convert_to_numpy(x), axis=axis, keepdims=keepdims).astype("int32")
def argsort(x, axis=-1): "The int32 indices that sort `x` along `axis` (stable)."; return onp.argsort(convert_to_numpy(x), axis=axis, kind="stable").astype("int32")
def count_nonzero(x, axis=None): "The number of non-zero elements along `axis` (int32)."; return onp.asarray(onp.count_nonzero(convert_to_numpy(x), axis=_axis(axis)), "int32")
def nonzero(x): "The int32 indices of the non-zero elements, one array per axis."; return tuple(i.astype("int32") for i in onp.nonzero(convert_to_numpy(x)))


# --- reductions ------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):
    """Sum along `axis` (ints summed in int32)."""
    x = _as_tensor(x)
    return anp.sum(x, axis=_axis(axis), keepdims=keepdims, dtype=_acc(x))


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product along `axis`."""
    x = _as_tensor(x) if dtype is None else cast(x, dtype)
    axes = range(anp.ndim(x)) if axis is None else [axis] if isinstance(axis, int) else axis
    for a in sorted((a % anp.ndim(x) for a in axes), reverse=True):  # autograd: one axis at a time
        x = anp.prod(x, axis=a, keepdims=keepdims)
    return x if _acc(x) is None else cast(x, _acc(x))


def max(x, axis=None, keepdims=False, initial=None):
    """Largest value along `axis` (at least `initial` when given)."""
    out = anp.max(_as_tensor(x), axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):
    """Smallest value along `axis` (at most `initial` when given)."""
    out = anp.min(_as_tensor(x), axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else minimum(out, initial)


amax, amin = max, min
def mean(x, axis=None, keepdims=False): "Arithmetic mean along `axis` (ints give float32)."; return anp.mean(_as_float(x), axis=_axis(axis), keepdims=keepdims)
def var(x, axis=None, keepdims=False): "Variance along `axis`: mean((x - mean(x))^2)."; return anp.var(_as_float(x), axis=_axis(axis), keepdims=keepdims)
def std(x, axis=None, keepdims=False): "Standard deviation along `axis`: sqrt(var(x))."; return anp.std(_as_float(x), axis=_axis(axis), keepdims=keepdims)


def cumsum(x, axis=None, dtype=None):
    """Running sum along `axis` (of the flattened `x` when None)."""
    x = _as_tensor(x) if dtype is None else cast(x, dtype)
    out = anp.cumsum(x, axis=axis)
    return out if _acc(x) is None else cast(out, _acc(x))


def cumprod(x, axis=None, dtype=None):
    """Running product, as a chain of multiplies (autograd has no rule for np.cumprod)."""
    x = _as_tensor(x) if dtype is None else cast(x, dtype)
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    out = unstack(x, axis=axis)
    for i in range(1, len(out)):
        out[i] = out[i - 1] * out[i]
    return stack(out, axis=axis)


def average(x, axis=None, weights=None):
    """sum(x * w) / sum(w) along `axis` (a 1-D `w` lies along `axis`); the mean without weights."""
    if weights is None:
        return mean(x, axis=axis)
    x, weights = _args(x, weights, floating=True)
    if anp.ndim(weights) == 1 and anp.ndim(x) > 1:
        weights = anp.reshape(weights, [-1 if d == axis % anp.ndim(x) else 1 for d in range(anp.ndim(x))])
    return anp.sum(x * weights, axis=axis) / anp.sum(weights * anp.ones_like(getval(x)), axis=axis)


# --- linear algebra ---------------------------------------------------------------------
def matmul(x1, x2): "Matrix product x1 @ x2 (batched over leading axes)."; return _same_dtype(anp.matmul, *_args(x1, x2))
def dot(x1, x2): "Dot product as numpy's dot: the last axis of x1 against the second-to-last of x2."; return _same_dtype(anp.dot, *_args(x1, x2))
def tensordot(x1, x2, axes=2): "Sum of products over `axes` of x1 and x2 (numpy's tensordot)."; return _same_dtype(anp.tensordot, *_args(x1, x2), axes=axes)


def _same_dtype(product, a, b, **kwargs):
    """`product(a, b)` in the operands' dtype: ml_dtypes multiplies bfloat16 matrices into
    float32, where Keras's backends keep bfloat16 (mixed_bfloat16 layers)."""
    out = product(a, b, **kwargs)
    return out.astype(a.dtype) if a.dtype.name == "bfloat16" and out.dtype != a.dtype else out
def einsum(subscripts, *operands, **kwargs): "Einstein summation over the operands as `subscripts` describe."; return anp.einsum(subscripts, *_args(*operands))
def outer(x1, x2): "The outer product of the flattened x1 and x2."; return anp.outer(*_args(x1, x2))
def trace(x, offset=0, axis1=0, axis2=1): "Sum along a diagonal of `x`."; return anp.trace(_as_tensor(x), offset, axis1, axis2)
def diagonal(x, offset=0, axis1=0, axis2=1): "The diagonal of `x` (with `offset`) over axes axis1 and axis2."; return anp.diagonal(_as_tensor(x), offset, axis1, axis2)
def diag(x, k=0): "The k-th diagonal of a 2-D `x`, or a 2-D array with 1-D `x` on its k-th diagonal."; return anp.diag(_as_tensor(x), k)
def tril(x, k=0): "`x` with the elements above the k-th diagonal set to zero."; return anp.tril(_as_tensor(x), k)
def triu(x, k=0): "`x` with the elements below the k-th diagonal set to zero."; return anp.triu(_as_tensor(x), k)


# --- shapes ---------------------------------------------------------------------------
def reshape(x, newshape):
    """`x` with shape `newshape` (None or -1 for one inferred size)."""
    if isinstance(newshape, (tuple, list)):
        newshape = tuple(-1 if d is None else d for d in newshape)
    return anp.reshape(_as_tensor(x), newshape)


def transpose(x, axes=None): "`x` with its axes permuted (reversed when `axes` is None)."; return anp.transpose(_as_tensor(x), axes)
def expand_dims(x, axis): "`x` with a new axis of size 1 at `axis`."; return anp.expand_dims(_as_tensor(x), axis)
def squeeze(x, axis=None): "`x` without its size-1 axes (only `axis` when given)."; return anp.squeeze(_as_tensor(x), axis=_axis(axis))
def ravel(x): "`x` flattened to one axis."; return anp.reshape(_as_tensor(x), (-1,))
def concatenate(xs, axis=0): "The arrays `xs` joined along an existing `axis`."; return anp.concatenate(_args(*xs), axis=axis)
def stack(x, axis=0): "The arrays `x` stacked along a new `axis`."; return anp.stack(_args(*x), axis=axis)
def hstack(xs): "The arrays `xs` joined horizontally (along axis 1, axis 0 for 1-D)."; return anp.hstack(_args(*xs))
def vstack(xs): "The arrays `xs` joined vertically (along axis 0)."; return anp.vstack(_args(*xs))
def swapaxes(x, axis1, axis2): "`x` with axes axis1 and axis2 swapped."; return anp.swapaxes(_as_tensor(x), axis1, axis2)
def moveaxis(x, source, destination): "`x` with axes moved from `source` to `destination`."; return anp.moveaxis(_as_tensor(x), source, destination)
def tile(x, repeats): "`x` repeated `repeats` times along each axis."; return anp.tile(_as_tensor(x), repeats)
def broadcast_to(x, shape):
    "`x` broadcast to `shape`."
    x, shape = _as_tensor(x), tuple(shape)
    if anp.ndim(x) < len(shape):  # autograd's gradient needs equal ranks: add the leading axes
        x = anp.reshape(x, (1,) * (len(shape) - anp.ndim(x)) + anp.shape(x))
    return anp.broadcast_to(x, shape)
def split(x, indices_or_sections, axis=0): "`x` split into equal sections, or at the given indices, along `axis`."; return anp.split(_as_tensor(x), indices_or_sections, axis=axis)
def diff(a, n=1, axis=-1): "The n-th discrete difference along `axis`: x[i + 1] - x[i], n times."; return anp.diff(_as_tensor(a), n, axis)


def repeat(x, repeats, axis=None):
    """Each element repeated `repeats` times (an int, or one count per element along `axis`)."""
    x = _as_tensor(x)
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    if isinstance(repeats, int):
        return anp.repeat(x, repeats, axis=axis)
    return take(x, onp.repeat(onp.arange(anp.shape(x)[axis]), convert_to_numpy(repeats)), axis=axis)


def flip(x, axis=None):
    """Reverses `x` along `axis` (all axes when None): per axis, move it first and `flipud`
    (whose gradient is a flipud; a reversed slice's gradient would be a dense np.add.at)."""
    x = _as_tensor(x)
    axes = range(anp.ndim(x)) if axis is None else [axis] if isinstance(axis, int) else axis
    for a in sorted({a % anp.ndim(x) for a in axes}):
        x = anp.swapaxes(anp.flipud(anp.swapaxes(x, 0, a)), 0, a)
    return x


def roll(x, shift, axis=None):
    """Elements shifted by `shift` along `axis` (of the flattened `x` when None), wrapping round."""
    x = _as_tensor(x)
    if axis is None:
        return anp.reshape(anp.roll(anp.reshape(x, (-1,)), shift), anp.shape(x))
    for s, a in zip(onp.atleast_1d(shift), onp.atleast_1d(axis)):  # autograd rolls one axis at a time
        x = anp.roll(x, int(s), int(a))
    return x


def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded by pad_width[i] = (before, after) on axis i. Non-constant modes are gathers of
    `np.pad(arange(n), mode)` indices, so they stay differentiable."""
    x = _as_tensor(x)
    widths = onp.broadcast_to(onp.asarray(pad_width, dtype=int), (anp.ndim(x), 2))
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return anp.pad(x, widths, mode="constant", constant_values=value)
    if constant_values is not None:
        raise ValueError("Argument `constant_values` can only be provided when `mode == 'constant'`. "
                         f"Received: mode={mode}")
    if mode not in ("reflect", "symmetric", "edge", "wrap"):
        return anp.pad(x, widths, mode=mode)
    for axis, w in enumerate(widths):
        x = take(x, onp.pad(onp.arange(anp.shape(x)[axis]), w, mode=mode), axis=axis)
    return x


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened `x` when None), as fancy
    indexing so autograd can differentiate it (it has no rule for np.take)."""
    x, idx = _as_tensor(x), convert_to_numpy(indices).astype(int)
    if axis is None:
        return anp.reshape(x, (-1,))[idx]
    return x[(builtins.slice(None),) * (axis % anp.ndim(x)) + (idx,)]


def take_along_axis(x, indices, axis=None):
    """x[..., indices[...], ...] along `axis`, the other axes broadcast (fancy indexing)."""
    x, idx = _as_tensor(x), convert_to_numpy(indices).astype(int)
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    n = anp.ndim(x)
    grids = [onp.arange(d).reshape([-1 if i == j else 1 for j in range(n)]) for i, d in enumerate(anp.shape(x))]
    grids[axis % n] = idx
    return x[tuple(grids)]


def sort(x, axis=-1):
    """`x` sorted along `axis`, as a gather (autograd sorts only 1-D arrays)."""
    x = _as_tensor(x)
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    return take_along_axis(x, argsort(x, axis=axis), axis=axis)


def meshgrid(*x, indexing="xy"):
    """Coordinate arrays for the 1-D inputs; 'xy' swaps the first two output axes."""
    xs = [ravel(a) for a in _args(*x)]
    order = list(range(len(xs)))
    if indexing == "xy" and len(xs) > 1:
        order[0], order[1] = 1, 0
    shape = [anp.size(xs[i]) for i in order]
    return [anp.broadcast_to(anp.reshape(a, [-1 if order[d] == i else 1 for d in range(len(xs))]), shape)
            for i, a in enumerate(xs)]


def select(condlist, choicelist, default=0):
    """choicelist[i] where condlist[i] first holds, else `default`."""
    *choices, out = _args(*choicelist, default)
    for c, choice in zip(condlist[::-1], choices[::-1]):
        out = anp.where(convert_to_numpy(c), choice, out)
    return out


# --- creation (no gradients) ------------------------------------------------------------
def _dt(dtype):
    return config.floatx() if dtype is None else onp.dtype(dtype).name


def zeros(shape, dtype=None): "A new array of zeros (floatx by default)."; return onp.zeros(shape, dtype=_dt(dtype))
def ones(shape, dtype=None): "A new array of ones (floatx by default)."; return onp.ones(shape, dtype=_dt(dtype))
def full(shape, fill_value, dtype=None): "A new array filled with `fill_value` (floatx by default)."; return onp.full(shape, fill_value, dtype=_dt(dtype))
def zeros_like(x, dtype=None): "Zeros with the shape and dtype of `x`."; return onp.zeros(shape(x), dtype=dtype or _as_tensor(x).dtype)
def ones_like(x, dtype=None): "Ones with the shape and dtype of `x`."; return onp.ones(shape(x), dtype=dtype or _as_tensor(x).dtype)
def full_like(x, fill_value, dtype=None): "`fill_value` with the shape and dtype of `x`."; return onp.full(shape(x), fill_value, dtype=dtype or _as_tensor(x).dtype)
def eye(N, M=None, k=0, dtype=None): "A 2-D array with ones on the k-th diagonal and zeros elsewhere."; return onp.eye(N, M, k, dtype=_dt(dtype))
def identity(n, dtype=None): "The n x n identity matrix."; return eye(n, dtype=dtype)
def tri(N, M=None, k=0, dtype=None): "A 2-D array with ones at and below the k-th diagonal."; return onp.tri(N, M, k, dtype=_dt(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`."""
    return onp.linspace(convert_to_numpy(start), convert_to_numpy(stop), num, endpoint, retstep,
                        _dt(dtype), axis)


def arange(start, stop=None, step=None, dtype=None):
    """start, start + step, ... below stop: int32 for int arguments, float32 if any is a float."""
    out = onp.arange(start, stop, step)
    if dtype is not None:
        return out.astype(dtype)
    return out.astype("int32" if out.dtype.kind in "iu" else config.floatx())


def _row_sum(x):
    """sum(x, axis=-1, keepdims=True) of a float array as a product with a ones vector: BLAS does
    it about 4x faster than numpy's reduction over short rows (attention scores, layer norm)."""
    return (x @ onp.ones(x.shape[-1], x.dtype))[..., None]


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
