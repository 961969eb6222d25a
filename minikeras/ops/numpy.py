"""`keras.ops` numpy-like functions, differentiable by autograd.

Each function accepts numpy arrays, Python numbers, traced autograd values and minikeras
Variables (read through `.value`, so a variable being trained stays traced).
"""
import builtins

import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval, isbox

from minikeras.engine import config
from minikeras.engine.variable import Variable


def _v(x):
    return x.value if type(x) is Variable else x


def _vs(xs):
    return [_v(x) for x in xs]


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An array (float32 for Python floats) or the traced value itself."""
    x = _v(x)
    if isbox(x):
        return x if dtype is None else x.astype(dtype)
    if isinstance(x, (list, tuple)) and builtins.any(isbox(_v(e)) for e in x):
        return anp.stack(_vs(x))
    arr = onp.asarray(x)
    if dtype is not None:
        return arr.astype(dtype)
    if arr.dtype == onp.float64 and not isinstance(x, onp.ndarray):
        return arr.astype(config.floatx())
    if arr.dtype == onp.int64 and not isinstance(x, onp.ndarray):
        return arr.astype("int32")
    return arr


def convert_to_numpy(x):
    return onp.asarray(getval(_v(x)))


def is_tensor(x):
    return isinstance(x, onp.ndarray) or isbox(x) or type(x) is Variable


def cast(x, dtype):
    x = _v(x)
    dtype = onp.dtype(dtype).name
    if isbox(x) or isinstance(x, onp.ndarray):
        return x.astype(dtype) if x.dtype != dtype else x
    return onp.asarray(x, dtype=dtype)


def shape(x):
    return tuple(anp.shape(_v(x)))


def ndim(x):
    return anp.ndim(_v(x))


def size(x):
    return anp.size(_v(x))


def dtype(x):
    return _v(x).dtype.name


def _float(x):
    return convert_to_tensor(x)


# --- elementwise and arithmetic -------------------------------------------------------
def add(x1, x2): return anp.add(_v(x1), _v(x2))
def subtract(x1, x2): return anp.subtract(_v(x1), _v(x2))
def multiply(x1, x2): return anp.multiply(_v(x1), _v(x2))
def divide(x1, x2): return anp.true_divide(_v(x1), _v(x2))
def true_divide(x1, x2): return anp.true_divide(_v(x1), _v(x2))
def floor_divide(x1, x2): return anp.floor_divide(_v(x1), _v(x2))
def mod(x1, x2): return anp.mod(_v(x1), _v(x2))
def power(x1, x2): return anp.power(_v(x1), _v(x2))
def negative(x): return anp.negative(_v(x))
def maximum(x1, x2): return anp.maximum(_v(x1), _v(x2))
def minimum(x1, x2): return anp.minimum(_v(x1), _v(x2))
def exp(x): return anp.exp(_v(x))
def expm1(x): return anp.expm1(_v(x))
def log(x): return anp.log(_v(x))
def log1p(x): return anp.log1p(_v(x))
def log2(x): return anp.log2(_v(x))
def log10(x): return anp.log10(_v(x))
def sqrt(x): return anp.sqrt(_v(x))
def rsqrt(x): return 1.0 / anp.sqrt(_v(x))
def square(x): return anp.square(_v(x))
def abs(x):
    """|x|, with the gradient at 0 taken as +1 (as JAX, and so Keras, does)."""
    x = _v(x)
    return anp.where(getval(x) >= 0, x, -x)
absolute = abs
def sign(x): return anp.sign(_v(x))
def reciprocal(x): return 1.0 / _v(x)
def sin(x): return anp.sin(_v(x))
def cos(x): return anp.cos(_v(x))
def tan(x): return anp.tan(_v(x))
def tanh(x): return anp.tanh(_v(x))
def sinh(x): return anp.sinh(_v(x))
def cosh(x): return anp.cosh(_v(x))
def arctan(x): return anp.arctan(_v(x))
def floor(x): return anp.floor(_v(x))
def ceil(x): return anp.ceil(_v(x))
def round(x, decimals=0): return anp.round(_v(x), decimals)
def clip(x, x_min, x_max): return anp.clip(_v(x), _v(x_min), _v(x_max))
def where(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return onp.nonzero(convert_to_numpy(condition))
    return anp.where(getval(_v(condition)), _v(x1), _v(x2))
def logaddexp(x1, x2): return anp.logaddexp(_v(x1), _v(x2))


def erf(x):
    """Error function, to 1.5e-7 (Abramowitz & Stegun 7.1.26), as a differentiable composition."""
    x = _v(x)
    s = anp.sign(getval(x))
    a = anp.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * anp.exp(-a * a))


# --- comparison and logic (no gradients) ----------------------------------------------
def equal(x1, x2): return onp.equal(convert_to_numpy(x1), convert_to_numpy(x2))
def not_equal(x1, x2): return onp.not_equal(convert_to_numpy(x1), convert_to_numpy(x2))
def greater(x1, x2): return onp.greater(convert_to_numpy(x1), convert_to_numpy(x2))
def greater_equal(x1, x2): return onp.greater_equal(convert_to_numpy(x1), convert_to_numpy(x2))
def less(x1, x2): return onp.less(convert_to_numpy(x1), convert_to_numpy(x2))
def less_equal(x1, x2): return onp.less_equal(convert_to_numpy(x1), convert_to_numpy(x2))
def logical_and(x1, x2): return onp.logical_and(convert_to_numpy(x1), convert_to_numpy(x2))
def logical_or(x1, x2): return onp.logical_or(convert_to_numpy(x1), convert_to_numpy(x2))
def logical_not(x): return onp.logical_not(convert_to_numpy(x))
def isnan(x): return onp.isnan(convert_to_numpy(x))
def isinf(x): return onp.isinf(convert_to_numpy(x))
def isfinite(x): return onp.isfinite(convert_to_numpy(x))
def argmax(x, axis=None, keepdims=False): return onp.argmax(convert_to_numpy(x), axis=axis, keepdims=keepdims)
def argmin(x, axis=None, keepdims=False): return onp.argmin(convert_to_numpy(x), axis=axis, keepdims=keepdims)
def argsort(x, axis=-1): return onp.argsort(convert_to_numpy(x), axis=axis)
def count_nonzero(x, axis=None): return onp.count_nonzero(convert_to_numpy(x), axis=axis)
def any(x, axis=None, keepdims=False): return onp.any(convert_to_numpy(x), axis=axis, keepdims=keepdims)
def all(x, axis=None, keepdims=False): return onp.all(convert_to_numpy(x), axis=axis, keepdims=keepdims)


# --- reductions ----------------------------------------------------------------------
def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def sum(x, axis=None, keepdims=False): return anp.sum(_v(x), axis=_axis(axis), keepdims=keepdims)
def mean(x, axis=None, keepdims=False): return anp.mean(_v(x), axis=_axis(axis), keepdims=keepdims)
def max(x, axis=None, keepdims=False, initial=None): return anp.max(_v(x), axis=_axis(axis), keepdims=keepdims)
def min(x, axis=None, keepdims=False, initial=None): return anp.min(_v(x), axis=_axis(axis), keepdims=keepdims)
amax, amin = max, min
def prod(x, axis=None, keepdims=False, dtype=None): return anp.prod(_v(x), axis=_axis(axis), keepdims=keepdims)
def var(x, axis=None, keepdims=False): return anp.var(_v(x), axis=_axis(axis), keepdims=keepdims)
def std(x, axis=None, keepdims=False): return anp.std(_v(x), axis=_axis(axis), keepdims=keepdims)
def cumsum(x, axis=None, dtype=None): return anp.cumsum(_v(x), axis=axis)
def cumprod(x, axis=None, dtype=None): return anp.cumprod(_v(x), axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    x = _v(x)
    m = onp.max(getval(x), axis=_axis(axis), keepdims=True)
    out = anp.log(anp.sum(anp.exp(x - m), axis=_axis(axis), keepdims=True)) + m
    return out if keepdims else anp.squeeze(out, axis=_axis(axis)) if axis is not None else anp.reshape(out, ())


def moments(x, axes, keepdims=False, synchronized=False):
    x = _v(x)
    m = anp.mean(x, axis=tuple(axes), keepdims=True)
    v = anp.mean(anp.square(x - m), axis=tuple(axes), keepdims=True)
    if not keepdims:
        m, v = anp.squeeze(m, axis=tuple(axes)), anp.squeeze(v, axis=tuple(axes))
    return m, v


# --- linear algebra ------------------------------------------------------------------
def matmul(x1, x2): return anp.matmul(_v(x1), _v(x2))
def dot(x1, x2): return anp.dot(_v(x1), _v(x2))
def tensordot(x1, x2, axes=2): return anp.tensordot(_v(x1), _v(x2), axes=axes)
def einsum(subscripts, *operands, **kwargs): return anp.einsum(subscripts, *_vs(operands))
def outer(x1, x2): return anp.outer(_v(x1), _v(x2))
def trace(x, offset=0, axis1=0, axis2=1): return anp.trace(_v(x), offset, axis1, axis2)


def norm(x, ord=None, axis=None, keepdims=False):
    x = _v(x)
    if ord is None or ord == 2 and axis is not None and not isinstance(axis, (tuple, list)):
        return anp.sqrt(anp.sum(anp.square(x), axis=_axis(axis), keepdims=keepdims))
    if ord == 1:
        return anp.sum(anp.abs(x), axis=_axis(axis), keepdims=keepdims)
    return anp.linalg.norm(x, ord=ord, axis=_axis(axis), keepdims=keepdims)


# --- shapes --------------------------------------------------------------------------
def reshape(x, newshape): return anp.reshape(_v(x), tuple(-1 if d is None else d for d in newshape) if isinstance(newshape, (tuple, list)) else newshape)
def transpose(x, axes=None): return anp.transpose(_v(x), axes)
def expand_dims(x, axis): return anp.expand_dims(_v(x), axis)
def squeeze(x, axis=None): return anp.squeeze(_v(x), axis=_axis(axis))
def concatenate(xs, axis=0): return anp.concatenate(_vs(xs), axis=axis)
def stack(x, axis=0): return anp.stack(_vs(x), axis=axis)
def swapaxes(x, axis1, axis2): return anp.swapaxes(_v(x), axis1, axis2)
def moveaxis(x, source, destination): return anp.moveaxis(_v(x), source, destination)
def tile(x, repeats): return anp.tile(_v(x), repeats)
def repeat(x, repeats, axis=None): return anp.repeat(_v(x), repeats, axis=axis)
def broadcast_to(x, shape): return anp.broadcast_to(_v(x), shape)
def flip(x, axis=None):
    """Reverses `x` along `axis` (all axes when None); written as slicing so autograd can
    differentiate it (it has no rule for np.flip)."""
    x = _v(x)
    axes = range(anp.ndim(x)) if axis is None else ([axis] if isinstance(axis, int) else axis)
    index = [slice(None)] * anp.ndim(x)
    for a in axes:
        index[a] = slice(None, None, -1)
    return x[tuple(index)]
def ravel(x): return anp.ravel(_v(x))
def tril(x, k=0): return anp.tril(_v(x), k)
def triu(x, k=0): return anp.triu(_v(x), k)
def diagonal(x, offset=0, axis1=0, axis2=1): return anp.diagonal(_v(x), offset, axis1, axis2)
def split(x, indices_or_sections, axis=0): return anp.split(_v(x), indices_or_sections, axis=axis)
def pad(x, pad_width, mode="constant", constant_values=None):
    kw = {} if constant_values is None else {"constant_values": constant_values}
    return anp.pad(_v(x), pad_width, mode=mode, **kw)
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened `x` when None), as fancy
    indexing so autograd can differentiate it (it has no rule for np.take)."""
    x, idx = _v(x), convert_to_numpy(indices).astype(int)
    if axis is None:
        return anp.reshape(x, (-1,))[idx]
    return x[(slice(None),) * (axis % anp.ndim(x)) + (idx,)]
def take_along_axis(x, indices, axis=None):
    x, idx = _v(x), convert_to_numpy(indices).astype(int)
    grids = list(onp.ix_(*[onp.arange(n) for n in idx.shape]))
    grids[axis] = idx
    return x[tuple(grids)]
def sort(x, axis=-1): return anp.sort(_v(x), axis=axis)


# --- creation (no gradients) ---------------------------------------------------------
def _dt(dtype):
    return config.floatx() if dtype is None else onp.dtype(dtype).name


def zeros(shape, dtype=None): return onp.zeros(shape, dtype=_dt(dtype))
def ones(shape, dtype=None): return onp.ones(shape, dtype=_dt(dtype))
def full(shape, fill_value, dtype=None): return onp.full(shape, fill_value, dtype=_dt(dtype))
def zeros_like(x, dtype=None): return onp.zeros(shape(x), dtype=dtype or _v(x).dtype)
def ones_like(x, dtype=None): return onp.ones(shape(x), dtype=dtype or _v(x).dtype)
def full_like(x, fill_value, dtype=None): return onp.full(shape(x), fill_value, dtype=dtype or _v(x).dtype)
def eye(N, M=None, k=0, dtype=None): return onp.eye(N, M, k, dtype=_dt(dtype))
identity = lambda n, dtype=None: eye(n, dtype=dtype)
def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0): return onp.linspace(start, stop, num, endpoint, dtype=_dt(dtype), axis=axis)


def arange(start, stop=None, step=1, dtype=None):
    out = onp.arange(start, stop, step) if stop is not None else onp.arange(start)
    if dtype is not None:
        return out.astype(dtype)
    return out.astype("int32") if onp.issubdtype(out.dtype, onp.integer) else out.astype(config.floatx())


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    x = convert_to_numpy(x).astype(int)
    out = (x[..., None] == onp.arange(num_classes)).astype(_dt(dtype))
    return onp.moveaxis(out, -1, axis) if axis != -1 else out


def top_k(x, k, sorted=True):
    x = convert_to_numpy(x)
    idx = onp.argsort(-x, axis=-1, kind="stable")[..., :k]
    return onp.take_along_axis(x, idx, -1), idx.astype("int32")


def in_top_k(targets, predictions, k):
    p = convert_to_numpy(predictions)
    t = convert_to_numpy(targets).astype(int)
    target_score = onp.take_along_axis(p, t[:, None], axis=-1)
    return onp.sum(p > target_score, axis=-1) < k


def stop_gradient(x):
    return getval(_v(x))
