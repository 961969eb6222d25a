"""`keras.ops.numpy`: numpy-like functions, differentiable by autograd (dtype rules: see promotion.py)."""
import builtins

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.numpy.numpy_vjps import unbroadcast_f
from autograd.tracer import getval, isbox

from minikeras.engine import config
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.variable import read_value
from minikeras.ops.core import cast, convert_to_numpy, convert_to_tensor, shape, unstack  # noqa: F401
from minikeras.ops.promotion import (_acc, _args, _as_float, _as_tensor, _axis, _check_axis, _is_floating,
                                     _to_array)
from minikeras.ops.operation_utils import broadcast_shapes, shape_equal  # noqa: F401  (Keras keeps them here)
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
def square(x):
    """x^2 (booleans give int32, as JAX's x * x)."""
    x = _as_tensor(x)
    return anp.square(x if x.dtype != bool else x.astype("int32"))
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
    if x.dtype.kind == "c":
        return anp.abs(x)  # the modulus, a real number
    return x if x.dtype == bool or x.dtype.kind == "u" else anp.where(getval(x) >= 0, x, -x)


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
    out = anp.clip(x, x_min, x_max)
    return out if out.dtype == x.dtype else out.astype(x.dtype)  # numpy clips bfloat16 in float32


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
    if not _is_floating(x.dtype):
        return x
    g, big, dtype = getval(x), float(onp.finfo(x.dtype).max), x.dtype
    x = anp.where(onp.isnan(g), nan, x)
    x = anp.where(g == onp.inf, big if posinf is None else posinf, x)
    return cast(anp.where(g == -onp.inf, -big if neginf is None else neginf, x), dtype)


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
    x = x if _acc(x) is None else cast(x, _acc(x))
    axes = range(anp.ndim(x)) if axis is None else [axis] if isinstance(axis, int) else axis
    for a in sorted((a % anp.ndim(x) for a in axes), reverse=True):  # autograd: one axis at a time
        x = anp.prod(x, axis=a, keepdims=keepdims, dtype=x.dtype)
    return x


def max(x, axis=None, keepdims=False, initial=None):
    """Largest value along `axis` (at least `initial` when given)."""
    x = _as_tensor(x)
    if initial is not None and anp.size(x) == 0:  # nothing to reduce: `initial` fills the result
        return onp.max(getval(x), axis=_axis(axis), keepdims=keepdims, initial=initial)
    out = anp.max(x, axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else anp.maximum(out, onp.asarray(initial, out.dtype))


def min(x, axis=None, keepdims=False, initial=None):
    """Smallest value along `axis` (at most `initial` when given)."""
    x = _as_tensor(x)
    if initial is not None and anp.size(x) == 0:  # nothing to reduce: `initial` fills the result
        return onp.min(getval(x), axis=_axis(axis), keepdims=keepdims, initial=initial)
    out = anp.min(x, axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else anp.minimum(out, onp.asarray(initial, out.dtype))


amax, amin = max, min


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean along `axis` (ints give float32; float16 and bfloat16 stay)."""
    x, axis = _as_float(x), _axis(axis)
    if x.dtype.itemsize < 4:  # numpy accumulates half floats in float32 for us
        return anp.mean(x, axis=axis, keepdims=keepdims)
    shape = anp.shape(x)
    axes = range(len(shape)) if axis is None else [axis] if isinstance(axis, int) else axis
    count = int(onp.prod([shape[a] for a in axes]))
    return anp.sum(x, axis=axis, keepdims=keepdims) / count  # autograd's mean has a float64 gradient


def var(x, axis=None, keepdims=False): "Variance along `axis`: mean((x - mean(x))^2)."; return anp.var(_as_float(x), axis=_axis(axis), keepdims=keepdims)
def std(x, axis=None, keepdims=False): "Standard deviation along `axis`: sqrt(var(x))."; return anp.std(_as_float(x), axis=_axis(axis), keepdims=keepdims)


def cumsum(x, axis=None, dtype=None):
    """Running sum along `axis` (of the flattened `x` when None)."""
    x = _as_tensor(x) if dtype is None else cast(x, dtype)
    out = anp.cumsum(x, axis=axis)  # ints keep their dtype, as on JAX; booleans count in int32
    return cast(out, "int32" if x.dtype == bool else x.dtype)


def cumprod(x, axis=None, dtype=None):
    """Running product, as a chain of multiplies (autograd has no rule for np.cumprod)."""
    x = _as_tensor(x) if dtype is None else cast(x, dtype)
    x = x.astype("int32") if x.dtype == bool else x  # booleans multiply in int32, as on JAX
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    axis = _check_axis(axis, anp.ndim(x))
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
def matmul(x1, x2): "Matrix product x1 @ x2 (batched over leading axes; int8 @ int8 gives int32)."; return _same_dtype(anp.matmul, *_int8_to_int32(_args(x1, x2), (x1, x2)))
def dot(x1, x2): "Dot product as numpy's dot: the last axis of x1 against the second-to-last of x2."; return _same_dtype(anp.dot, *_args(x1, x2))
def tensordot(x1, x2, axes=2): "Sum of products over `axes` of x1 and x2 (numpy's tensordot)."; return _same_dtype(anp.tensordot, *_args(x1, x2), axes=axes)


def _same_dtype(product, a, b, **kwargs):
    """`product(a, b)` in the operands' dtype: ml_dtypes multiplies bfloat16 matrices into
    float32, where Keras's backends keep bfloat16 (mixed_bfloat16 layers)."""
    out = product(a, b, **kwargs)
    return out.astype(a.dtype) if a.dtype.name == "bfloat16" and out.dtype != a.dtype else out


def _int8_to_int32(xs, operands):
    """int8 operands (all of them, before promotion) multiplied in int32, as Keras asks of JAX
    (preferred_element_type)."""
    if not xs or xs[0].dtype != "int8" or not builtins.all(_as_tensor(o).dtype == "int8" for o in operands):
        return xs
    return [x.astype("int32") for x in xs]


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over the operands as `subscripts` describe (int8 operands give int32)."""
    xs = _int8_to_int32(_args(*operands), operands)
    dtype = xs[0].dtype if xs else None
    if dtype is not None and dtype.kind == "V":  # numpy's einsum has no bfloat16 loop
        xs = [x.astype("float32") for x in xs]
    out = anp.einsum(subscripts, *xs)
    return out.astype(dtype) if dtype is not None and out.dtype != dtype else out
def outer(x1, x2): "The outer product of the flattened x1 and x2."; return anp.outer(*_args(x1, x2))
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal of `x` (ints summed in int32, as `sum`)."""
    x = _as_tensor(x)
    out = anp.trace(x, offset, axis1, axis2)
    return out if _acc(x) is None else cast(out, _acc(x))
def diagonal(x, offset=0, axis1=0, axis2=1): "The diagonal of `x` (with `offset`) over axes axis1 and axis2."; return anp.diagonal(_as_tensor(x), offset, axis1, axis2)
def diag(x, k=0): "The k-th diagonal of a 2-D `x`, or a 2-D array with 1-D `x` on its k-th diagonal."; return anp.diag(_as_tensor(x), k)
def tril(x, k=0): "`x` with the elements above the k-th diagonal set to zero."; return anp.tril(_as_tensor(x), k)
def triu(x, k=0): "`x` with the elements below the k-th diagonal set to zero."; return anp.triu(_as_tensor(x), k)


# --- shapes ---------------------------------------------------------------------------
def reshape(x, newshape):
    """`x` with shape `newshape` (None or -1 for one inferred size)."""
    if isinstance(newshape, (tuple, list)):
        dims = [d for d in newshape if isinstance(d, (int, onp.integer))]
        if builtins.any(d < -1 for d in dims):
            raise ValueError("Each dimension in `newshape` must be a non-negative integer, or `-1` "
                             f"for a single unknown dimension. Received: newshape={newshape}.")
        if dims.count(-1) > 1:
            raise ValueError("There must be at most one unknown dimension (-1) in `newshape`. "
                             f"Received: newshape={newshape}.")
        newshape = tuple(-1 if d is None else d for d in newshape)
    return anp.reshape(_as_tensor(x), newshape)


def transpose(x, axes=None):
    """`x` with its axes permuted (reversed when `axes` is None)."""
    x = _as_tensor(x)
    if axes is not None:
        n = anp.ndim(x)
        if len(axes) != n:
            raise ValueError("axis must be a list of the same length as the input shape, "
                             f"expected {n}, but received {len(axes)}.")
        if not builtins.all(isinstance(a, (int, onp.integer)) and -n <= a < n for a in axes):
            raise ValueError(f"Each axis in `axes` must be an integer in [-{n}, {n}). "
                             f"Received: axes={list(axes)}.")
        if len({a % n for a in axes}) != n:
            raise ValueError("`axes` must be a valid permutation of the input dimensions (no "
                             f"duplicates). Received: axes={list(axes)} for input of rank {n}.")
    return anp.transpose(x, axes)
def expand_dims(x, axis): "`x` with a new axis of size 1 at `axis`."; return anp.expand_dims(_as_tensor(x), axis)
def squeeze(x, axis=None): "`x` without its size-1 axes (only `axis` when given)."; return anp.squeeze(_as_tensor(x), axis=_axis(axis))
def ravel(x): "`x` flattened to one axis."; return anp.reshape(_as_tensor(x), (-1,))
def concatenate(xs, axis=0): "The arrays `xs` joined along an existing `axis`."; return anp.concatenate(_args(*xs), axis=axis)
def stack(x, axis=0):
    """The arrays `x` stacked along a new `axis`."""
    xs = _args(*x)
    return anp.stack(xs, axis=_check_axis(axis, anp.ndim(xs[0]) + 1) if xs else axis)
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
def split(x, indices_or_sections, axis=0):
    """`x` split into equal sections, or at the given indices, along `axis`."""
    x = _as_tensor(x)
    return anp.split(x, indices_or_sections, axis=_check_axis(axis, anp.ndim(x)))
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
    for a in sorted({_check_axis(a, anp.ndim(x)) for a in axes}):
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
    return x[(builtins.slice(None),) * _check_axis(axis, anp.ndim(x)) + (idx,)]


def take_along_axis(x, indices, axis=None):
    """x[..., indices[...], ...] along `axis`, the other axes broadcast (fancy indexing)."""
    x, idx = _as_tensor(x), convert_to_numpy(indices).astype(int)
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    n = anp.ndim(x)
    axis = _check_axis(axis, n)
    others = [i for i in range(n) if i != axis]
    if idx.ndim != n or builtins.any(idx.shape[i] not in (1, anp.shape(x)[i]) and anp.shape(x)[i] != 1
                                     for i in others):
        raise ValueError("`indices` must have the rank of `x` and broadcast with it off `axis`. "
                         f"Received: x.shape={anp.shape(x)}, indices.shape={idx.shape}, axis={axis}")
    grids = [onp.arange(d).reshape([-1 if i == j else 1 for j in range(n)]) for i, d in enumerate(anp.shape(x))]
    grids[axis] = idx
    return x[tuple(grids)]


def sort(x, axis=-1):
    """`x` sorted along `axis`, as a gather (autograd sorts only 1-D arrays)."""
    x = _as_tensor(x)
    if axis is None:
        x, axis = anp.reshape(x, (-1,)), 0
    return take_along_axis(x, argsort(x, axis=axis), axis=axis)


def meshgrid(*x, indexing="xy"):
    """Coordinate arrays for the 1-D inputs; 'xy' swaps the first two output axes."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for `indexing` are 'xy' and 'ij', but received {indexing}.")
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


# --- more elementwise -------------------------------------------------------------------
def _fmod_value(x1, x2):
    return onp.fmod(x1, x2)


_fmod = primitive(_fmod_value)  # autograd has no rule for np.fmod
defvjp(_fmod, lambda ans, x1, x2: unbroadcast_f(x1, lambda g: g),
       lambda ans, x1, x2: unbroadcast_f(x2, lambda g: -g * onp.trunc(x1 / x2)))


def _np(x):
    """`x` as a plain array (for ops without gradients)."""
    return getval(_as_tensor(x))


def _result_float(x):
    """Keras's `result_type(x.dtype, float)` (of an array or a dtype): floats keep their
    dtype, the rest become floatx."""
    dtype = onp.dtype(getattr(x, "dtype", x))
    return dtype if _is_floating(dtype) else onp.dtype(config.floatx())


def angle(x): "The argument of complex x (0 or pi for reals)."; return anp.angle(_as_float(x))
def _conj(x):
    x = _as_tensor(x)
    return x if x.dtype == bool else anp.conjugate(x)  # numpy's conjugate makes booleans int8


def conjugate(x): "The complex conjugate of x."; return _conj(x)
def conj(x): "The complex conjugate of x."; return _conj(x)
def real(x): "The real part of x."; return anp.real(_as_tensor(x))
def imag(x): "The imaginary part of x."; return anp.imag(_as_tensor(x))
def isreal(x): "Whether each element has no imaginary part."; return onp.isreal(_np(x))
def deg2rad(x): "x degrees in radians: x * pi / 180."; return anp.deg2rad(_as_float(x))
def rad2deg(x): "x radians in degrees: x * 180 / pi."; return anp.rad2deg(_as_float(x))
def exp2(x): "2^x (ints become float32)."; return anp.exp2(_as_float(x))
def sinc(x): "sin(pi x) / (pi x), and 1 at x = 0."; return anp.sinc(_as_float(x))
def fmax(x1, x2): "The larger of x1 and x2, elementwise, ignoring nans."; return anp.fmax(*_args(x1, x2))
def fmin(x1, x2): "The smaller of x1 and x2, elementwise, ignoring nans."; return anp.fmin(*_args(x1, x2))
def logaddexp2(x1, x2): "log2(2^x1 + 2^x2), computed without overflow."; return anp.logaddexp2(*_args(x1, x2, floating=True))
def nextafter(x1, x2): "The next float after x1 towards x2."; return onp.nextafter(*map(getval, _args(x1, x2, floating=True)))
def heaviside(x1, x2): "0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0."; return onp.heaviside(*map(getval, _args(x1, x2, floating=True)))
def gcd(x1, x2): "The greatest common divisor of |x1| and |x2|, elementwise."; return onp.gcd(*map(getval, _args(x1, x2)))
def lcm(x1, x2): "The least common multiple of |x1| and |x2|, elementwise."; return onp.lcm(*map(getval, _args(x1, x2)))
def isneginf(x): "Whether each element is -inf."; return onp.isneginf(_np(x))
def isposinf(x): "Whether each element is +inf."; return onp.isposinf(_np(x))
def signbit(x): "Whether each element has its sign bit set (-0.0 and negatives)."; return onp.signbit(_np(x))


def fabs(x):
    """|x| as a float (ints become float32); complex inputs are refused."""
    x = _as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"fabs does not support complex inputs. Received: x.dtype={x.dtype}")
    return anp.fabs(_as_float(x))


def fmod(x1, x2):
    """The remainder of x1 / x2 with the sign of x1 (C's fmod); d/dx2 = -trunc(x1 / x2)."""
    x1, x2 = _bool_as_int32(*_args(x1, x2))
    if not _is_floating(x1.dtype):
        return onp.fmod(getval(x1), getval(x2))
    return _fmod(x1, x2)


def ldexp(x1, x2):
    """x1 * 2^x2 for an integer x2 (ints x1 become float32)."""
    x1, x2 = _as_tensor(x1), _as_tensor(x2)
    if x2.dtype.kind not in "iu":
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={x2.dtype}")
    x1 = x1 if _is_floating(x1.dtype) else x1.astype(config.floatx())
    scale = onp.ldexp(onp.float32(1), getval(x2)).astype(x1.dtype)  # numpy has no bfloat16 ldexp
    out = x1 * scale
    return out if out.dtype == x1.dtype else out.astype(x1.dtype)  # bfloat16 scalars multiply into float32


def i0(x):
    """The modified Bessel function of the first kind, order 0 (float16 stays float16); its
    derivative is I1."""
    x = _as_tensor(x)
    dtype = x.dtype if x.dtype.name in ("float16", "bfloat16", "float64") else config.floatx()
    compute = "float64" if dtype == "float64" else "float32"
    return _bessel_i0(cast(x, compute)).astype(dtype)


@primitive
def _bessel_i0(x):
    return onp.i0(x).astype(x.dtype)


def _bessel_i1(x):
    """I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!), summed in float64 (150 terms reach |x| = 60);
    beyond, the asymptotic e^|x| / sqrt(2 pi |x|) (1 - 3/(8|x|) - 15/(128 x^2)) with x's sign."""
    x64 = onp.asarray(x, "float64")
    half, term = x64 / 2, x64 / 2
    total = term.copy()
    for k in range(1, 150):
        term = term * half * half / (k * (k + 1))
        total = total + term
    a = onp.maximum(onp.abs(x64), 60.0)  # only used where |x| > 60
    with onp.errstate(over="ignore"):
        asymptotic = onp.sign(x64) * onp.exp(a) / onp.sqrt(2 * onp.pi * a) * (
            1 - 3 / (8 * a) - 15 / (128 * a * a))
    return onp.where(onp.abs(x64) > 60, asymptotic, total).astype(x.dtype)


defvjp(_bessel_i0, lambda ans, x: lambda g: g * _bessel_i1(x))


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether |x1 - x2| <= atol + rtol * |x2| everywhere (a boolean scalar)."""
    return onp.asarray(onp.allclose(_np(x1), _np(x2), rtol, atol, equal_nan))


# --- bitwise (integers and booleans; no gradients) --------------------------------------
def bitwise_and(x, y): "x & y, bit by bit."; return onp.bitwise_and(*map(getval, _args(x, y)))
def bitwise_or(x, y): "x | y, bit by bit."; return onp.bitwise_or(*map(getval, _args(x, y)))
def bitwise_xor(x, y): "x ^ y, bit by bit."; return onp.bitwise_xor(*map(getval, _args(x, y)))
def bitwise_invert(x): "~x, bit by bit (logical not for booleans)."; return onp.invert(_np(x))
def bitwise_not(x): "~x, bit by bit (logical not for booleans)."; return onp.invert(_np(x))
def bitwise_left_shift(x, y): "x << y, bit by bit."; return onp.left_shift(*map(getval, _bool_as_int32(*_args(x, y))))
def bitwise_right_shift(x, y): "x >> y, bit by bit."; return onp.right_shift(*map(getval, _bool_as_int32(*_args(x, y))))


def _bool_as_int32(*xs):
    """Booleans as int32, as JAX computes shifts and fmod of booleans (numpy would give int8)."""
    return [x.astype("int32") if x.dtype == bool else x for x in xs]
def left_shift(x, y): "x << y, bit by bit."; return bitwise_left_shift(x, y)
def right_shift(x, y): "x >> y, bit by bit."; return bitwise_right_shift(x, y)


# --- nan-ignoring reductions ------------------------------------------------------------
def _nan_filled(x, fill):
    """`x` with its nans replaced by `fill` (a differentiable where)."""
    x = _as_tensor(x)
    return x if not _is_floating(x.dtype) else anp.where(onp.isnan(getval(x)), onp.asarray(fill, x.dtype), x)


def _nan_count(x, axis, keepdims):
    g = getval(x)
    return onp.sum(~onp.isnan(g), axis=_axis(axis), keepdims=keepdims).astype(g.dtype)


def nansum(x, axis=None, keepdims=False): "Sum along `axis`, nans counted as zero."; return sum(_nan_filled(x, 0), axis=axis, keepdims=keepdims)
def nanprod(x, axis=None, keepdims=False): "Product along `axis`, nans counted as one."; return prod(_nan_filled(x, 1), axis=axis, keepdims=keepdims)
def _nan_cumulative(running, fill, x, axis, dtype):
    """`running` (cumsum or cumprod) with nans as `fill`; axis=() leaves `x` as it is."""
    x = _nan_filled(x, fill)
    if isinstance(axis, (tuple, list)) and len(axis) <= 1:
        if not axis:
            return x if dtype is None else cast(x, dtype)
        axis = axis[0]
    return running(x, axis=axis, dtype=dtype)


def nancumsum(x, axis=None, dtype=None): "Running sum along `axis`, nans counted as zero."; return _nan_cumulative(cumsum, 0, x, axis, dtype)
def nancumprod(x, axis=None, dtype=None): "Running product along `axis`, nans counted as one."; return _nan_cumulative(cumprod, 1, x, axis, dtype)


def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-nan elements along `axis` (nan where all are nan)."""
    x = _as_float(x)
    with onp.errstate(invalid="ignore", divide="ignore"):
        return anp.sum(_nan_filled(x, 0), axis=_axis(axis), keepdims=keepdims) / _nan_count(x, axis, keepdims)


def nanvar(x, axis=None, keepdims=False):
    """Variance of the non-nan elements along `axis`: nanmean((x - nanmean(x))^2)."""
    x = _as_float(x)
    centred = _nan_filled(x - nanmean(x, axis, keepdims=True), 0)
    with onp.errstate(invalid="ignore", divide="ignore"):
        return anp.sum(centred * centred, axis=_axis(axis), keepdims=keepdims) / _nan_count(x, axis, keepdims)


def nanstd(x, axis=None, keepdims=False): "Standard deviation of the non-nan elements along `axis`."; return anp.sqrt(nanvar(x, axis, keepdims))


def _nan_extreme(reduce, fill, x, axis, keepdims):
    x = _as_tensor(x)
    if not _is_floating(x.dtype):
        return reduce(x, axis=_axis(axis), keepdims=keepdims)
    nan = onp.isnan(getval(x))
    out = reduce(anp.where(nan, onp.asarray(fill, x.dtype), x), axis=_axis(axis), keepdims=keepdims)
    return anp.where(onp.all(nan, axis=_axis(axis), keepdims=keepdims), onp.asarray(onp.nan, x.dtype), out)


def nanmax(x, axis=None, keepdims=False): "Largest non-nan value along `axis` (nan where all are nan)."; return _nan_extreme(anp.max, -onp.inf, x, axis, keepdims)
def nanmin(x, axis=None, keepdims=False): "Smallest non-nan value along `axis` (nan where all are nan)."; return _nan_extreme(anp.min, onp.inf, x, axis, keepdims)


def _nan_arg(arg, fill, x, axis, keepdims):
    x = _np(x)
    nan = onp.isnan(x) if _is_floating(x.dtype) else onp.zeros(x.shape, bool)
    out = arg(onp.where(nan, fill, x), axis=axis, keepdims=keepdims)
    return onp.where(onp.all(nan, axis=axis, keepdims=keepdims), -1, out).astype("int32")


def nanargmax(x, axis=None, keepdims=False): "Index of the largest non-nan value along `axis` (-1 where all are nan)."; return _nan_arg(onp.argmax, -onp.inf, x, axis, keepdims)
def nanargmin(x, axis=None, keepdims=False): "Index of the smallest non-nan value along `axis` (-1 where all are nan)."; return _nan_arg(onp.argmin, onp.inf, x, axis, keepdims)


def ptp(x, axis=None, keepdims=False): "max - min along `axis` (peak to peak)."; return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


# --- quantiles and histograms -----------------------------------------------------------
_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, axis, method, keepdims, ignore_nan):
    """The q-th quantiles along `axis`: sort the reduced axes (flattened last; nans sort
    last), then interpolate between the values at floor and ceil of q * (n - 1), as numpy.
    A 1-D q puts its axis first."""
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"`method` must be one of {_QUANTILE_METHODS}. Received: method={method}")
    x = _as_tensor(x)
    compute = _result_float(x)  # q takes x's float dtype, as in Keras
    x, q = cast(x, compute), cast(_as_tensor(q), compute)
    qs = onp.asarray(getval(q), "float64")
    nd, shape_ = anp.ndim(x), anp.shape(x)
    axes = tuple(range(nd)) if axis is None else tuple(
        a % nd for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
    kept = [d for d in range(nd) if d not in axes]
    xs = sort(anp.reshape(anp.transpose(x, kept + list(axes)), [shape_[d] for d in kept] + [-1]), axis=-1)
    nan = onp.isnan(getval(xs))
    length = anp.shape(xs)[-1]
    n = length - nan.sum(-1, keepdims=True) if ignore_nan else onp.full(nan.shape[:-1] + (1,), length)
    pos = qs.reshape(-1) * (n - 1)  # (..., Q)
    low, high = onp.floor(pos), onp.ceil(pos)
    if method == "lower":
        high = low
    elif method == "higher":
        low = high
    elif method == "nearest":
        low = high = onp.round(pos)
    weight = (pos - low if method == "linear" else onp.full(pos.shape, 0.5)).astype(x.dtype)
    low, high = (onp.clip(i, 0, length - 1).astype(int) for i in (low, high))
    a, b = take_along_axis(xs, low, -1), take_along_axis(xs, high, -1)
    with onp.errstate(invalid="ignore"):  # inf * 0 where the weight is 0: that value is not used
        out = anp.where(low == high, a, a * (1 - weight) + b * weight)
    missing = onp.all(nan, -1, keepdims=True) if ignore_nan else onp.any(nan, -1, keepdims=True)
    out = anp.where(missing, onp.asarray(onp.nan, out.dtype), out)
    out = anp.moveaxis(out, -1, 0) if qs.ndim else out[..., 0]
    if keepdims:
        out = anp.reshape(out, qs.shape + tuple(1 if d in axes else shape_[d] for d in range(nd)))
    return out


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1]) of `x` along `axis` (see _quantile)."""
    return _quantile(x, q, axis, method, keepdims, ignore_nan=False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles of the non-nan elements of `x` along `axis`."""
    return _quantile(x, q, axis, method, keepdims, ignore_nan=True)


def _percent(q):
    """q / 100, a Python number staying one (weak: it keeps a float16 `x` float16)."""
    return q / 100 if isinstance(q, (int, float)) else divide(q, 100)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100]) of `x` along `axis`."""
    return _quantile(x, _percent(q), axis, method, keepdims, ignore_nan=False)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentiles of the non-nan elements of `x` along `axis`."""
    return _quantile(x, _percent(q), axis, method, keepdims, ignore_nan=True)


def median(x, axis=None, keepdims=False): "The median along `axis` (the mean of the middle two for even sizes)."; return _quantile(x, 0.5, axis, "linear", keepdims, False)
def nanmedian(x, axis=None, keepdims=False): "The median of the non-nan elements along `axis`."; return _quantile(x, 0.5, axis, "linear", keepdims, True)


def histogram(x, bins=10, range=None):
    """(counts, edges) of `bins` equal-width bins of a 1-D `x` over `range` (its min and max)."""
    if not isinstance(bins, int):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins}")
    if bins < 0:
        raise ValueError(f"Argument `bins` should be a non-negative integer. Received: bins={bins}")
    if range:
        if len(range) < 2 or not isinstance(range, tuple):
            raise ValueError(f"Argument `range` must be a tuple of two elements. Received: range={range}")
        if range[1] < range[0]:
            raise ValueError("The second element of `range` must be greater than the first. "
                             f"Received: range={range}")
    x = _np(x)
    if x.ndim > 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={x.shape}")
    dtype = _result_float(x)
    counts, edges = onp.histogram(x.astype("float32"), bins=bins, range=range)
    return counts.astype(dtype), edges.astype(dtype)


def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each value 0, 1, ... occurs in `x` (1-D, or per row of a 2-D `x`), summing
    `weights` instead of ones when given; at least `minlength` bins."""
    if sparse:
        raise ValueError("minikeras has no sparse tensors: `sparse=True` is not supported.")
    x = _np(x).astype(int)
    w = None if weights is None else _np(weights)
    length = builtins.max(int(x.max()) + 1 if x.size else 0, minlength)
    if x.ndim == 1:
        out = onp.bincount(x, None if w is None else w.astype("float64"), length)
    else:
        out = onp.stack([onp.bincount(r, None if w is None else rw.astype("float64"), length)
                         for r, rw in zip(x, x if w is None else w)])
    return out.astype("int32" if w is None else w.dtype)


def digitize(x, bins): "The int32 index of the bin each element falls in (numpy's digitize)."; return onp.digitize(_np(x), _np(bins)).astype("int32")


def searchsorted(sorted_sequence, values, side="left"):
    """The int32 indices where `values` would be inserted to keep a 1-D `sorted_sequence` sorted."""
    seq = _np(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences. You can use "
                         "`keras.ops.vectorized_map` to extend it to N-D sequences. Received: "
                         f"sorted_sequence.shape={seq.shape}")
    return onp.searchsorted(seq, _np(values), side=side).astype("int32")


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 occurs in x2 (or not, with `invert`)."""
    return onp.isin(_np(x1), _np(x2), assume_unique=assume_unique, invert=invert)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The sorted unique elements of `x` (with first indices, inverse and counts on request);
    `size` pads (with `fill_value`, else the smallest value) or truncates them, as JAX does."""
    x = _np(x)
    axis = None if axis is None else axis % x.ndim
    out = onp.unique(x, return_index=return_index, return_inverse=return_inverse,
                     return_counts=return_counts, axis=axis, equal_nan=False)
    out = list(out) if isinstance(out, tuple) else [out]
    if return_inverse:
        k = 1 + return_index
        out[k] = out[k].reshape(x.shape if axis is None else -1)
    if size is not None:
        values, n = out[0], out[0].shape[0 if axis is None else axis]
        ax = 0 if axis is None else axis
        idx = onp.where(onp.arange(size) < n, onp.arange(size), 0)  # JAX pads with the smallest
        padded = onp.take(values, idx, axis=ax)
        if size > n and fill_value is not None:
            tail = (builtins.slice(None),) * ax + (builtins.slice(n, None),)
            padded[tail] = fill_value
        out[0] = padded
        if return_index:  # first indices pad as the values do, counts with zeros
            out[1] = out[1][idx]
        if return_counts:
            out[-1] = onp.concatenate([out[-1], onp.zeros(builtins.max(size - n, 0), out[-1].dtype)])[:size]
    out = [out[0]] + [o.astype("int32") for o in out[1:]]
    return out[0] if len(out) == 1 else tuple(out)


def unravel_index(indices, shape):
    """The int32 coordinates in an array of `shape` of flat `indices`."""
    indices = _np(indices)
    dtype = indices.dtype if indices.dtype.kind in "iu" else "int32"  # JAX: the indices' dtype
    return tuple(i.astype(dtype) for i in onp.unravel_index(indices.astype(int), shape))


def argpartition(x, kth, axis=-1):
    """int32 indices that put the k-th smallest element in place along `axis`, smaller ones
    before it and larger ones after."""
    if not isinstance(kth, int):
        raise ValueError(f"kth must be an integer. Received:kth = {kth}")
    x = _np(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return onp.argpartition(x, kth, axis=axis).astype("int32")


# --- signal windows (from an int length; not for symbolic tensors) ---------------------
def _window_length(x, name):
    if isinstance(x, KerasTensor):
        raise TypeError(f"{name} operation does not support symbolic tensors. "
                        f"Received input x = {x} of type {type(x)}")
    return int(_np(x))


def bartlett(x): "The Bartlett (triangular) window of length x."; return onp.bartlett(_window_length(x, "Bartlett")).astype(config.floatx())
def blackman(x): "The Blackman window of length x."; return onp.blackman(_window_length(x, "Blackman")).astype(config.floatx())
def hamming(x): "The Hamming window of length x."; return onp.hamming(_window_length(x, "Hamming")).astype(config.floatx())
def hanning(x): "The Hann window of length x."; return onp.hanning(_window_length(x, "Hanning")).astype(config.floatx())
def kaiser(x, beta): "The Kaiser window of length x and shape `beta`."; return onp.kaiser(_window_length(x, "Kaiser"), beta).astype(config.floatx())


for _f in (bartlett, blackman, hamming, hanning, kaiser):
    _f._symbolic_dispatch = True  # _wrap_namespace leaves them be: they refuse KerasTensors, as Keras's do


# --- more creation ----------------------------------------------------------------------
def empty(shape, dtype=None): "A new array (of zeros, as JAX gives) of `shape` (floatx by default)."; return onp.zeros(shape, dtype=_dt(dtype))
def empty_like(x, dtype=None): "A new array (of zeros) with the shape and dtype of `x`."; return zeros_like(x, dtype)


def _space_dtype(start, stop, dtype):
    if dtype is not None:
        return onp.dtype(dtype).name
    return _result_float(onp.result_type(*map(getval, _args(start, stop))))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from `start` to `stop`, evenly spaced on a log scale."""
    start_, stop_ = (onp.where(a == 0, onp.nan, a) for a in (_np(start).astype("float64"), _np(stop).astype("float64")))
    with onp.errstate(all="ignore"):  # a zero end gives nans, as in JAX (numpy raises)
        out = onp.geomspace(start_, stop_, num, endpoint, axis=axis)
    return out.astype(_space_dtype(start, stop, dtype))


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """base ** linspace(start, stop, num): `num` values evenly spaced on a log scale."""
    out = onp.logspace(_np(start).astype("float64"), _np(stop).astype("float64"), num, endpoint, base, axis=axis)
    return out.astype(_space_dtype(start, stop, dtype))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D x: columns x^(N-1), ..., x^0 (reversed if `increasing`)."""
    x = _as_tensor(x)
    if anp.ndim(x) != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={anp.shape(x)}")
    if N is not None and not isinstance(N, int):
        raise TypeError(f"Argument `N` must be of type `int`. Received: N={N} of type {type(N)}")
    if N is not None and N < 0:
        raise ValueError(f"Argument 'N' must be nonnegative. Received: N={N}")
    if not isinstance(increasing, bool):
        raise TypeError("Argument `increasing` must be of type `bool`. "
                        f"Received: increasing={increasing} of type {type(increasing)}")
    n = anp.shape(x)[0] if N is None else N
    powers = onp.arange(n) if increasing else onp.arange(n)[::-1]
    return anp.reshape(x, (-1, 1)) ** powers.astype(x.dtype)


def diagflat(x, k=0): "A 2-D array with the flattened x on its k-th diagonal."; return anp.diag(anp.reshape(_as_tensor(x), (-1,)), k)


# --- more products ----------------------------------------------------------------------
def inner(x1, x2):
    """Sum of products over the last axes of x1 and x2 (a product when either is a scalar)."""
    x1, x2 = _args(x1, x2)
    if anp.ndim(x1) == 0 or anp.ndim(x2) == 0:
        return x1 * x2
    return anp.tensordot(x1, x2, axes=(anp.ndim(x1) - 1, anp.ndim(x2) - 1))


def vdot(x1, x2):
    """The dot product of the flattened x1 (conjugated) and x2."""
    x1, x2 = _args(x1, x2)
    return anp.dot(anp.reshape(_conj(x1), (-1,)), anp.reshape(x2, (-1,)))


def kron(x1, x2):
    """The Kronecker product: blocks x1[i, j] * x2, as an outer product with interleaved axes."""
    a, b = _args(x1, x2)
    nd = builtins.max(anp.ndim(a), anp.ndim(b))
    sa = (1,) * (nd - anp.ndim(a)) + anp.shape(a)
    sb = (1,) * (nd - anp.ndim(b)) + anp.shape(b)
    out = anp.reshape(a, [d for s in sa for d in (s, 1)]) * anp.reshape(b, [d for s in sb for d in (1, s)])
    return anp.reshape(out, [p * r for p, r in zip(sa, sb)])


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or 2-vectors) along the given axes."""
    return anp.cross(*_args(x1, x2), axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def correlate(x1, x2, mode="valid"):
    """numpy's correlate of 1-D x1 and x2: c[k] = sum_n x1[n + k] * x2[n] over the overlaps
    'valid', 'same' (len max) or 'full', as a gather of shifted windows times x2."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"`mode` must be one of 'valid', 'same' or 'full'. Received: mode={mode}")
    a, v = _args(x1, x2, floating=True)
    if anp.ndim(a) != 1 or anp.ndim(v) != 1:
        raise ValueError(f"correlate only supports 1-D inputs. Received: x1.shape={anp.shape(a)}, "
                         f"x2.shape={anp.shape(v)}")
    n, m = anp.shape(a)[0], anp.shape(v)[0]
    padded = anp.concatenate([onp.zeros(m - 1, a.dtype), a, onp.zeros(m - 1, a.dtype)])
    full_ = _same_dtype(anp.matmul, padded[onp.arange(n + m - 1)[:, None] + onp.arange(m)[None, :]], v)
    if mode == "full":
        return full_
    size = builtins.max(n, m) if mode == "same" else builtins.max(n, m) - builtins.min(n, m) + 1
    start = (n + m - 1 - size) // 2 if mode == "same" else builtins.min(n, m) - 1
    return full_[start:start + size]


def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x` (variables), clipped to [-1, 1]."""
    x = _as_float(x)
    rows = anp.reshape(x, (1, -1)) if anp.ndim(x) == 1 else x
    centred = rows - anp.mean(rows, axis=1, keepdims=True)
    cov = centred @ anp.transpose(centred)
    std = anp.sqrt(anp.diagonal(cov))
    with onp.errstate(invalid="ignore", divide="ignore"):
        out = anp.clip(cov / std[:, None] / std[None, :], -1, 1)
    out = out if out.dtype == x.dtype else out.astype(x.dtype)  # bfloat16 matmul gives float32
    return out[0, 0] if anp.ndim(x) == 1 else out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y by the trapezoidal rule: sum((y[i] + y[i + 1]) / 2 * dx_i) along
    `axis`, dx_i from the sample points `x` when given."""
    y = _as_float(y)
    n = anp.shape(y)[axis]
    lo = take(y, onp.arange(n - 1), axis=axis)
    hi = take(y, onp.arange(1, n), axis=axis)
    if x is None:
        d = _args(y, dx)[1]
    else:
        y, x = _args(y, x)
        d = diff(x, axis=axis if anp.ndim(x) > 1 else -1)
        if anp.ndim(x) == 1:
            d = anp.reshape(d, [-1 if i == axis % anp.ndim(y) else 1 for i in builtins.range(anp.ndim(y))])
    return anp.sum((lo + hi) * d / 2, axis=axis)


def slogdet(x):
    """(sign, log|det|) of square matrices `x` (batched over leading axes)."""
    sign_, logdet = anp.linalg.slogdet(_as_float(x))
    return sign_, logdet


# --- more shapes ------------------------------------------------------------------------
def get_item(x, key): "x[key]."; return _as_tensor(x)[key]


def append(x1, x2, axis=None):
    """x2 appended to x1 along `axis` (both flattened when None)."""
    x1, x2 = _args(x1, x2)
    if axis is None:
        return anp.concatenate([anp.reshape(x1, (-1,)), anp.reshape(x2, (-1,))])
    return anp.concatenate([x1, x2], axis=axis)


def array_split(x, indices_or_sections, axis=0):
    """`x` split into `indices_or_sections` parts along `axis`; the first parts one longer
    when the size does not divide."""
    if not isinstance(indices_or_sections, int):
        raise TypeError("Argument `indices_or_sections` must be of type `int`. "
                        f"Received: indices_or_sections={indices_or_sections}")
    if indices_or_sections <= 0:
        raise ValueError("Argument `indices_or_sections` must be a positive integer. "
                         f"Received: indices_or_sections={indices_or_sections}")
    if not isinstance(axis, int):
        raise TypeError(f"Argument `axis` must be of type `int`. Received: {axis}")
    x = _as_tensor(x)
    axis = axis % anp.ndim(x)
    n, parts = anp.shape(x)[axis], indices_or_sections
    bounds = onp.cumsum([0] + [n // parts + (i < n % parts) for i in builtins.range(parts)])
    return [x[(builtins.slice(None),) * axis + (builtins.slice(int(a), int(b)),)]
            for a, b in zip(bounds[:-1], bounds[1:])]


def hsplit(x, indices_or_sections): "`x` split along axis 1 (axis 0 for 1-D)."; return split(x, indices_or_sections, axis=1 if anp.ndim(_as_tensor(x)) > 1 else 0)
def vsplit(x, indices_or_sections): "`x` split along axis 0."; return split(x, indices_or_sections, axis=0)
def dsplit(x, indices_or_sections): "`x` split along axis 2."; return split(x, indices_or_sections, axis=2)


def dstack(xs):
    """The arrays `xs` joined along a third axis ((n,) -> (1, n, 1), (m, n) -> (m, n, 1))."""
    xs = [anp.reshape(a, (1, -1, 1)) if anp.ndim(a) <= 1 else a[..., None] if anp.ndim(a) == 2 else a
          for a in _args(*xs)]
    return anp.concatenate(xs, axis=2)


def fliplr(x):
    """`x` reversed along axis 1."""
    if anp.ndim(_as_tensor(x)) < 2:
        raise ValueError(f"fliplr requires an input with at least 2 dimensions. Received: x.shape={shape(x)}")
    return flip(x, 1)


def flipud(x): "`x` reversed along axis 0."; return flip(x, 0)


def rot90(array, k=1, axes=(0, 1)):
    """`array` rotated by k * 90 degrees in the plane of `axes`, from the first towards the second."""
    array = _as_tensor(array)
    if anp.ndim(array) < 2:
        raise ValueError(f"Input array must have at least 2 dimensions. Received: array.ndim={anp.ndim(array)}")
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different dimensions.")
    k = k % 4
    if k == 0:
        return array
    if k == 2:
        return flip(array, axes)
    perm = list(builtins.range(anp.ndim(array)))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    if k == 1:
        return anp.transpose(flip(array, axes[1]), perm)
    return flip(anp.transpose(array, perm), axes[1])


def view(x, dtype=None):
    """The bytes of `x` read as `dtype` (the last axis rescaled by the itemsizes)."""
    x = _np(x)
    return x.view() if dtype is None else x.view(onp.dtype(dtype))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` applied elementwise (or over the core axes of `signature`) with broadcasting."""
    if not callable(pyfunc):
        raise ValueError(f"Expected argument `pyfunc` to be a callable. Received: pyfunc={pyfunc}")
    return onp.vectorize(pyfunc, excluded=excluded or set(), signature=signature)


# --- symbolic output specs (ops whose shapes a trial run on zeros cannot give) ------------
def _zeros_of(t, size):
    if not isinstance(t, KerasTensor):
        return t
    return onp.zeros([size if d is None else d for d in t.shape], t.dtype)


def _lenient_spec(lenient):
    """A spec from running `lenient` (the op without its value checks) on zeros, the None
    dims sized 2 then 3: dims that differ are None."""
    def spec(*args, **kwargs):
        runs = [lenient(*[_zeros_of(a, n) for a in args], **{k: _zeros_of(v, n) for k, v in kwargs.items()})
                for n in (2, 3)]
        shapes = [onp.shape(r) for r in runs]
        dims = tuple(d if d == e else None for d, e in zip(*shapes))
        return KerasTensor(dims, onp.asarray(runs[0]).dtype.name)
    return spec


def _as_int_if_float(x):
    x = _np(x)
    return x.astype("int32") if _is_floating(x.dtype) else x


def _broadcast_dims(*xs):
    """The broadcast shape of the inputs' shapes, None where a None dim meets only 1s or Nones."""
    shapes = [tuple(getattr(x, "shape", ())) for x in xs]
    n = builtins.max(len(s) for s in shapes)
    columns = list(zip(*[(1,) * (n - len(s)) + s for s in shapes]))
    if builtins.any(len({d for d in col if d not in (None, 1)}) > 1 for col in columns):
        raise ValueError(f"Cannot broadcast shapes {', '.join(map(str, shapes))}.")
    return tuple(builtins.max([d for d in col if d not in (None, 1)], default=None if None in col else 1)
                 for col in columns)


def _bitwise_spec(op):
    """Keras infers a symbolic bitwise op's dtype without checking it is an integer."""
    def lenient(x, y=None):
        out_dtype = onp.result_type(*map(getval, _args(x, y))) if y is not None else _np(x).dtype
        xs = [_as_int_if_float(x)] + ([] if y is None else [y if _is_python_int(y) else _as_int_if_float(y)])
        return op(*xs).astype(out_dtype)

    def spec(x, y=None):
        return KerasTensor(_broadcast_dims(x, y), _spec_dtype(lenient, *([x] if y is None else [x, y])))
    return spec


def _is_python_int(y):
    return isinstance(y, int) and not isinstance(y, bool)


for _f, _op in ((bitwise_and, onp.bitwise_and), (bitwise_or, onp.bitwise_or), (bitwise_xor, onp.bitwise_xor),
                (bitwise_invert, onp.invert), (bitwise_not, onp.invert), (gcd, onp.gcd), (lcm, onp.lcm),
                (bitwise_left_shift, onp.left_shift), (bitwise_right_shift, onp.right_shift),
                (left_shift, onp.left_shift), (right_shift, onp.right_shift)):
    _f.output_spec = _bitwise_spec(_op)
ldexp.output_spec = lambda x1, x2: KerasTensor(
    _broadcast_dims(x1, x2), _spec_dtype(lambda a, b: ldexp(a, _as_int_if_float(b)), x1, x2))


def _argpartition_spec(x, kth, axis=-1):
    if not isinstance(kth, int):
        raise ValueError(f"kth must be an integer. Received:kth = {kth}")
    return KerasTensor((_prod_or_none(x.shape),) if axis is None else x.shape, "int32")


argpartition.output_spec = _argpartition_spec
corrcoef.output_spec = lambda x: KerasTensor(x.shape, _result_float(onp.dtype(x.dtype)).name)
searchsorted.output_spec = lambda sorted_sequence, values, side="left": KerasTensor(
    values.shape, "int64" if sorted_sequence.shape[0] is None else "int32")
bincount.output_spec = lambda x, weights=None, minlength=0, sparse=False: KerasTensor(
    tuple(x.shape[:-1]) + (None,), "int32" if weights is None else _np(weights).dtype.name)


def _prod_or_none(dims):
    return None if None in dims else int(onp.prod(dims))


def _inner_spec(x1, x2):
    s1, s2 = tuple(getattr(x1, "shape", ())), tuple(getattr(x2, "shape", ()))
    if s1 and s2 and None not in (s1[-1], s2[-1]) and s1[-1] != s2[-1]:
        raise ValueError(f"`inner` requires the last dimension of `x1` and `x2` to match. "
                         f"Received: x1.shape={s1}, x2.shape={s2}.")
    shape_ = s2 if not s1 else s1 if not s2 else s1[:-1] + s2[:-1]
    return KerasTensor(shape_, _spec_dtype(inner, x1, x2))


def _spec_dtype(fn, *xs):
    """The dtype `fn` gives on all-ones-shaped zeros of the inputs' dtypes."""
    zeros = [onp.zeros((1,) * len(x.shape), x.dtype) if isinstance(x, KerasTensor) else x for x in xs]
    return onp.asarray(fn(*zeros)).dtype.name


def _correlate_spec(x1, x2, mode="valid"):
    n, m = x1.shape[0], x2.shape[0]
    known = n is not None and m is not None
    size = {"valid": known and builtins.max(n, m) - builtins.min(n, m) + 1,
            "same": known and builtins.max(n, m), "full": known and n + m - 1}[mode]
    return KerasTensor((size if known else None,), _spec_dtype(correlate, x1, x2))


def _split_spec(axis_of):
    """Keras's split shapes: None stays None; int sections must divide a known size."""
    def spec(x, indices_or_sections, *args):
        axis = axis_of(x, *args) % len(x.shape)
        size = x.shape[axis]
        if isinstance(indices_or_sections, int):
            if size is not None and size % indices_or_sections:
                raise ValueError("`x` size on given `axis` must be divisible by `indices_or_sections` "
                                 f"when `indices_or_sections` is an int. But received {size} and "
                                 f"{indices_or_sections}.")
            sizes = [None if size is None else size // indices_or_sections] * indices_or_sections
        else:
            bounds = [0, *indices_or_sections, size]
            sizes = [None if a is None or b is None else b - a for a, b in zip(bounds[:-1], bounds[1:])]
        return [KerasTensor(x.shape[:axis] + (s,) + x.shape[axis + 1:], x.dtype) for s in sizes]
    return spec


def _array_split_spec(x, indices_or_sections, axis=0):
    axis %= len(x.shape)
    size, parts = x.shape[axis], indices_or_sections
    sizes = [None if size is None else size // parts + (i < size % parts) for i in builtins.range(parts)]
    return [KerasTensor(x.shape[:axis] + (s,) + x.shape[axis + 1:], x.dtype) for s in sizes]


def _unique_spec(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
                 axis=None, size=None, fill_value=None):
    shape_ = (size,) if axis is None else tuple(size if i == axis % len(x.shape) else d
                                                 for i, d in enumerate(x.shape))
    outs = [KerasTensor(shape_, x.dtype)]
    if return_index:
        outs.append(KerasTensor((size,), "int32"))
    if return_inverse:
        outs.append(KerasTensor(x.shape if axis is None else (x.shape[axis],), "int32"))
    if return_counts:
        outs.append(KerasTensor((size,), "int32"))
    return outs[0] if len(outs) == 1 else tuple(outs)


def _unravel_index_spec(indices, shape):
    dims = [None] if None in shape else list(indices.shape)
    return [KerasTensor(dims, indices.dtype) for _ in shape]


def _get_item_spec(x, key):
    """x[key] for basic keys (ints, slices, None, Ellipsis): a slice of a None dim stays None;
    an int out of range or a bad key is a ValueError, as in Keras."""
    key = key if isinstance(key, tuple) else (key,)
    if builtins.any(isinstance(k, (list, onp.ndarray, KerasTensor)) for k in key):
        return _lenient_spec(lambda a: a[key])(x)
    if builtins.sum(k is Ellipsis for k in key) > 1:
        raise ValueError(f"Only one Ellipsis may appear in the key of get_item. Received: key={key}")
    used = builtins.sum(k is not None and k is not Ellipsis for k in key)
    if used > len(x.shape):
        raise ValueError(f"Too many indices for a tensor of rank {len(x.shape)}. Received: key={key}")
    i = key.index(Ellipsis) if Ellipsis in key else len(key)
    key = key[:i] + (builtins.slice(None),) * (len(x.shape) - used) + key[i + 1:]
    dims, rest = [], list(x.shape)
    for k in key:
        if k is None:
            dims.append(1)
            continue
        d = rest.pop(0)
        if isinstance(k, builtins.slice):
            dims.append(None if d is None else len(builtins.range(*k.indices(d))))
        elif d is not None and not -d <= int(k) < d:
            raise ValueError(f"Index {k} is out of bounds for an axis of size {d}.")
    return KerasTensor(tuple(dims), x.dtype)


inner.output_spec, correlate.output_spec = _inner_spec, _correlate_spec
slogdet.output_spec = lambda x: (KerasTensor((), _result_float(onp.dtype(x.dtype)).name),  # as Keras's
                                 KerasTensor(x.shape[:-2], _result_float(onp.dtype(x.dtype)).name))
array_split.output_spec, unique.output_spec = _array_split_spec, _unique_spec
unravel_index.output_spec, get_item.output_spec = _unravel_index_spec, _get_item_spec
hsplit.output_spec = _split_spec(lambda x: 1 if len(x.shape) > 1 else 0)
vsplit.output_spec = _split_spec(lambda x: 0)
dsplit.output_spec = _split_spec(lambda x: 2)


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
