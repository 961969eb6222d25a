"""`keras.ops` neural-network functions (activations, normalisations, losses' kernels)."""
import math
import warnings

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import getval, isbox

from minikeras.engine import config
from minikeras.ops.layer_norm import layer_norm_last
from minikeras.ops.promotion import _as_float, _as_tensor
from minikeras.ops.core import convert_to_numpy
from minikeras.ops.math import erfc
from minikeras.ops.numpy import _dt, _row_sum
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


# --- activations (formulas as in jax.nn, which Keras's JAX backend calls) -----------------
def relu(x):
    """max(x, 0), with gradient 0 at x = 0 (as jax.nn.relu); ints stay ints; NaN stays NaN.

    One traced primitive: `where(x > 0, x, 0)` costs ten times `maximum(x, 0)` in numpy, and
    autograd's `where` gradient builds a float64 array of zeros the size of x.
    """
    return _relu(_as_tensor(x))


def _relu_composed(x):
    """The same function as a plain composition of traced ops (the reference for `relu`)."""
    x = _as_tensor(x)
    return anp.where(getval(x) > 0, x, 0)


_relu = primitive(lambda x: onp.maximum(x, 0))
defvjp(_relu, lambda ans, x: lambda g: g * (ans > 0))


def relu6(x):
    """min(max(x, 0), 6); autograd's clip gives gradient 0 at both kinks, as jax.nn.relu6."""
    return anp.clip(_as_float(x), 0.0, 6.0)


def sigmoid(x):
    """1 / (1 + exp(-x)). One traced primitive (RNN gates call it twice per step); the value comes
    from z = exp(-|x|) so neither tail overflows nor loses relative precision."""
    return _sigmoid(_as_float(x))


def _sigmoid_composed(x):
    """The same function as a plain composition of traced ops (the reference for `sigmoid`)."""
    x = _as_float(x)
    pos = getval(x) >= 0
    z = anp.exp(anp.where(pos, -x, x))  # not anp.abs: its gradient at 0 is 0
    return anp.where(pos, 1.0 / (1.0 + z), z / (1.0 + z))


def _sigmoid_value(x, out=None):
    """1 / (1 + z) where x >= 0, z / (1 + z) elsewhere, z = exp(-|x|): the same numbers as two
    `where`s, without them (a `where` on a random mask costs about as much as the `exp`)."""
    positive = x >= 0
    z = onp.abs(x, out=onp.empty_like(x) if out is None else out)  # `out=`: 0-d stays an array
    onp.negative(z, out=z)
    onp.exp(z, out=z)
    denominator = z + 1.0
    onp.maximum(z, positive, out=z)  # 1 where x >= 0 (z <= 1), else z (z >= 0); NaN stays NaN
    return onp.divide(z, denominator, out=z)


_sigmoid = primitive(_sigmoid_value)
defvjp(_sigmoid, lambda ans, x: lambda g: g * ans * (1.0 - ans))


# autograd's own tanh gradient divides by cosh(x)^2, which overflows (with a warning) for |x| > 89
_tanh = primitive(onp.tanh)
defvjp(_tanh, lambda ans, x: lambda g: g * (1.0 - ans * ans))


def tanh(x): "Hyperbolic tangent of x."; return _tanh(_as_float(x))
def tanh_shrink(x): "x - tanh(x)."; return _as_float(x) - _tanh(_as_float(x))
def softplus(x): "log(1 + e^x), computed without overflow."; return anp.logaddexp(_as_float(x), 0.0)
def log_sigmoid(x): "log(sigmoid(x)) = -softplus(-x)."; return -softplus(-_as_float(x))
def exponential(x): "e^x."; return anp.exp(_as_float(x))


def softsign(x):
    """x / (|x| + 1)."""
    x = _as_float(x)
    return x / (anp.abs(x) + 1.0)


def silu(x):
    """x * sigmoid(x)."""
    x = _as_float(x)
    return x * sigmoid(x)


swish = silu


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    x = _as_float(x)
    return anp.where(getval(x) >= 0, x, negative_slope * x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return relu6(_as_float(x) + 3.0) / 6.0


def hard_silu(x):
    """x * relu6(x + 3) / 6."""
    x = _as_float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x):
    """clip(x, -1, 1)."""
    x = _as_float(x)
    return anp.where(getval(x) > 1, 1.0, anp.where(getval(x) < -1, -1.0, x))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = _as_float(x)
    pos = getval(x) > 0
    return anp.where(pos, x, alpha * anp.expm1(anp.where(pos, 0.0, x)))


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    x = _as_float(x)
    pos = getval(x) > 0
    return anp.where(pos, x, 0.0) + alpha * anp.expm1(anp.where(pos, 0.0, x) / alpha)


def gelu(x, approximate=True):
    """x * Phi(x) = 0.5 x erfc(-x / sqrt 2); approximate: 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))."""
    x = _as_float(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return x * (0.5 * (1.0 + _tanh(c * (x + 0.044715 * x ** 3))))
    return 0.5 * x * erfc(-x * math.sqrt(0.5))


def mish(x):
    """x * tanh(softplus(x))."""
    x = _as_float(x)
    return x * _tanh(softplus(x))


def glu(x, axis=-1):
    """a * sigmoid(b) where a, b are the two halves of x along `axis`."""
    x = _as_float(x)
    if anp.shape(x)[axis] % 2:
        raise ValueError(
            "axis size must be divisible by 2. "
            f"Received: x.shape={anp.shape(x)} with axis={axis}")
    a, b = anp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def soft_shrink(x, threshold=0.5):
    """x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    x = _as_float(x)
    g = getval(x)
    return anp.where(g > threshold, x - threshold, anp.where(g < -threshold, x + threshold, 0.0))


def hard_shrink(x, threshold=0.5):
    """x if |x| > threshold else 0."""
    x = _as_float(x)
    return anp.where(onp.abs(getval(x)) > threshold, x, 0.0)


def threshold(x, threshold, default_value):
    """x if x > threshold else default_value."""
    x = _as_float(x)
    return anp.where(getval(x) > threshold, x, default_value)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _as_float(x)
    g = getval(x)
    return anp.where(g <= -1.0, 0.0, anp.where(g >= 1.0, x, (x + 1.0) ** 2 / 4.0))


def sparse_sigmoid(x):
    """0.5 * clip(x + 1, 0, 2), as min(max(.)) so the kinks get jax's half gradient."""
    return 0.5 * anp.minimum(anp.maximum(_as_float(x) + 1.0, 0.0), 2.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    x = _as_float(x)
    return (x + anp.sqrt(anp.square(x) + b)) / 2.0


def sparsemax(x, axis=-1):
    """max(x - tau, 0), tau chosen so the output sums to 1 (Martins & Astudillo 2016).

    The support is found on untraced values; tau = (sum of x over the support - 1) / k is traced.
    """
    x = _as_float(x)
    g = onp.asarray(getval(x))
    srt = -onp.sort(-g, axis=axis)
    shape = [1] * g.ndim
    shape[axis] = -1
    r = onp.arange(1, g.shape[axis] + 1).reshape(shape)
    k = onp.sum(srt - (onp.cumsum(srt, axis=axis) - 1) / r > 0, axis=axis, keepdims=True)
    kth = onp.take_along_axis(srt, k - 1, axis=axis)
    support = (g >= kth).astype(g.dtype)
    tau = (anp.sum(x * support, axis=axis, keepdims=True) - 1.0) / k.astype(g.dtype)
    return anp.maximum(x - tau, 0.0)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the (untraced) max for stability.

    One traced primitive (attention calls it on every score matrix): its gradient is
    y * (g - sum(g * y, axis)), where the composition would trace four operations."""
    return _softmax(_as_float(x), axis)


def _softmax_composed(x, axis=-1):
    """The same function as a plain composition of traced ops (the reference for `softmax`)."""
    x = _as_float(x)
    e = anp.exp(x - onp.max(getval(x), axis=axis, keepdims=True))
    return e / anp.sum(e, axis=axis, keepdims=True)


def _sum_keepdims(x, axis):
    """sum(x, axis, keepdims=True), by BLAS (`_row_sum`) over the last axis of a float array."""
    last = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis  # (-1,) from attention
    if last in (-1, x.ndim - 1) and x.ndim > 1 and x.dtype.kind == "f":
        return _row_sum(x)
    return onp.sum(x, axis=axis, keepdims=True)


def _softmax_value(x, axis):
    e = onp.subtract(x, onp.max(x, axis=axis, keepdims=True))
    onp.exp(e, out=e)
    e /= _sum_keepdims(e, axis)
    return e


_softmax = primitive(_softmax_value)


def _softmax_vjp(ans, x, axis):
    def vjp(g):
        gy = g * ans
        if isbox(gy):  # a higher-order derivative: stay traceable
            return gy - ans * anp.sum(gy, axis=axis, keepdims=True)
        gy -= ans * _sum_keepdims(gy, axis)
        return gy
    return vjp


defvjp(_softmax, _softmax_vjp)


def log_softmax(x, axis=-1):
    """x - log(sum(exp(x), axis)), computed from x - max(x)."""
    x = _as_float(x)
    shifted = x - onp.max(getval(x), axis=axis, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=axis, keepdims=True))


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(||x||_order, epsilon) along `axis`; `epsilon` defaults to `keras.config.epsilon()`.

    For order 2 the norm is sqrt(max(sum(x^2), epsilon^2)), the same value, so the gradient
    stays finite at x = 0.
    """
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _as_float(x)
    if anp.ndim(x) == 0:
        x = anp.expand_dims(x, 0)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        return x / anp.sqrt(anp.maximum(anp.sum(anp.square(x), axis=axis, keepdims=True), epsilon ** 2))
    n = anp.sum(anp.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    return x / anp.maximum(n, epsilon)


def multi_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """1 at every class listed in each row of `x` (the max of their one-hots)."""
    x = onp.asarray(getval(_as_tensor(x)))
    return onp.max(one_hot(x, num_classes, axis=axis, dtype=dtype), axis=1 if x.ndim > 1 else 0)


def _same_shape(target, output):
    if anp.shape(target) != anp.shape(output):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={anp.shape(target)}, output.shape={anp.shape(output)}")


def _log_probs(output, from_logits, axis):
    """log_softmax(logits), or log(clip(p / sum(p), eps, 1 - eps)) for probabilities: the plain
    composition (the reference for `_crossentropy`'s primitives)."""
    if from_logits:
        return log_softmax(output, axis=axis)
    eps = config.epsilon()
    return anp.log(anp.clip(output / anp.sum(output, axis=axis, keepdims=True), eps, 1.0 - eps))


def _crossentropy(target, output, from_logits, axis):
    """-sum(target * log p, axis) with p as in `_log_probs`, as one traced primitive (the
    composition traces six to seven operations on every training step's loss)."""
    if from_logits:
        return _crossentropy_from_logits(target, output, axis)
    return _crossentropy_from_probs(target, output, axis, config.epsilon())


@primitive
def _crossentropy_from_logits(target, logits, axis):
    shifted = logits - onp.max(logits, axis=axis, keepdims=True)
    log_p = shifted - onp.log(onp.sum(onp.exp(shifted), axis=axis, keepdims=True))
    return -onp.sum(target * log_p, axis=axis)


defvjp(_crossentropy_from_logits,
       lambda ans, target, logits, axis: lambda g: anp.expand_dims(-g, axis) * log_softmax(logits, axis),
       lambda ans, target, logits, axis: lambda g: anp.expand_dims(g, axis) * (
           _softmax_value(logits, axis) * onp.sum(target, axis=axis, keepdims=True) - target),
       argnums=(0, 1))


def _clipped_probs(probs, axis, eps):
    total = onp.sum(probs, axis=axis, keepdims=True)
    q = probs / total
    return total, q, onp.clip(q, eps, 1.0 - eps)


@primitive
def _crossentropy_from_probs(target, probs, axis, eps):
    return -onp.sum(target * onp.log(_clipped_probs(probs, axis, eps)[2]), axis=axis)


def _crossentropy_from_probs_vjp(ans, target, probs, axis, eps):
    """d/dp of -sum(t log clip(p / s)): through the log (1 / c), the clip (0 where it clips, as
    autograd's clip), and the normalisation ((gq - sum(gq q)) / s)."""
    def vjp(g):
        total, q, c = _clipped_probs(probs, axis, eps)
        gq = anp.expand_dims(-g, axis) * target / c * ((c != eps) & (c != 1.0 - eps))
        return (gq - anp.sum(gq * q, axis=axis, keepdims=True)) / total
    return vjp


defvjp(_crossentropy_from_probs,
       lambda ans, target, probs, axis, eps: lambda g: anp.expand_dims(-g, axis) * onp.log(
           _clipped_probs(probs, axis, eps)[2]),
       _crossentropy_from_probs_vjp, argnums=(0, 1))


def binary_crossentropy(target, output, from_logits=False):
    """-(t log p + (1 - t) log(1 - p)) elementwise, p clipped to [eps, 1 - eps] or p = sigmoid(logits)."""
    target, output = _as_float(target), _as_float(output)
    _same_shape(target, output)
    if from_logits:
        return -target * log_sigmoid(output) - (1.0 - target) * log_sigmoid(-output)
    eps = config.epsilon()
    output = anp.clip(output, eps, 1.0 - eps)
    return -(target * anp.log(output) + (1.0 - target) * anp.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(t * log p, axis), p normalised to sum 1 and clipped, or log_softmax(logits)."""
    target, output = _as_float(target), _as_float(output)
    _same_shape(target, output)
    if anp.ndim(target) < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={anp.shape(target)}, output.shape={anp.shape(output)}")
    return _crossentropy(target, output, from_logits, axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[target] along `axis`, for integer class labels `target`."""
    labels, output = onp.asarray(getval(_as_tensor(target))).astype("int32"), _as_float(output)
    if labels.ndim == anp.ndim(output) and labels.shape[-1] == 1:
        labels = onp.squeeze(labels, axis=-1)
    if anp.ndim(output) < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={anp.shape(output)}")
    if labels.shape != anp.shape(output)[:-1]:
        raise ValueError("Arguments `target` and `output` must have the same shape up until the last "
                         f"dimension: target.shape={labels.shape}, output.shape={anp.shape(output)}")
    hits = onp.moveaxis(labels[..., None] == onp.arange(anp.shape(output)[axis]), -1, axis)
    return _crossentropy(hits.astype(output.dtype), output, from_logits, axis)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) * rsqrt(var + epsilon) * gamma + beta, statistics over `axis` (an int or list);
    `epsilon` defaults to `keras.config.epsilon()`. Over the last axis alone it is one traced
    primitive (minikeras/ops/layer_norm.py)."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword arguments {sorted(kwargs)}")
    if rms_scaling:
        warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                      "incorrectly scales the input by the variance, not the root mean square. "
                      "To correctly use RMS Normalization, please use "
                      "`keras.ops.rms_normalization` / `keras.ops.nn.rms_normalization` instead.")
    return _layer_normalization(x, gamma, beta, axis, epsilon, rms_scaling)


def _layer_normalization(x, gamma, beta, axis, epsilon, rms_scaling=False):
    """`layer_normalization` without the deprecation warning (LayerNormalization calls it)."""
    x = _as_float(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    ndim = anp.ndim(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    if not axes or any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"Axis {axis} is out of bounds for input shape {anp.shape(x)}. "
                         f"Received: axis={axis}")
    axes = sorted(a % ndim for a in axes)
    gamma = None if gamma is None else _as_float(gamma)
    beta = None if beta is None else _as_float(beta)
    if axes == [ndim - 1] and not rms_scaling:
        flat = lambda v: None if v is None else anp.reshape(v, (-1,))
        return layer_norm_last(x, flat(gamma), flat(beta), epsilon)
    shape = [anp.shape(x)[d] if d in axes else 1 for d in range(ndim)]
    along = lambda v: None if v is None else anp.reshape(v, shape)
    gamma, beta = along(gamma), along(beta)
    if rms_scaling:
        out = x / anp.sqrt(anp.var(x, axis=tuple(axes), keepdims=True) + epsilon)
        return out if gamma is None else out * gamma
    mean = anp.mean(x, axis=tuple(axes), keepdims=True)
    inv = 1.0 / anp.sqrt(anp.mean(anp.square(x - mean), axis=tuple(axes), keepdims=True) + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    return x * inv + (res if beta is None else res + beta)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the 1-D statistics lying along `axis`."""
    x = _as_float(x)
    shape = [-1 if d == axis % anp.ndim(x) else 1 for d in range(anp.ndim(x))]
    along = lambda v: anp.reshape(_as_float(v), shape)
    inv = 1.0 / anp.sqrt(along(variance) + epsilon)
    if scale is not None:
        inv = inv * along(scale)
    out = (x - along(mean)) * inv
    return out if offset is None else out + along(offset)




def moments(x, axes, keepdims=False, synchronized=False):
    """mean and variance of `x` over `axes`."""
    x = _as_float(x)
    m = anp.mean(x, axis=tuple(axes), keepdims=True)
    v = anp.mean(anp.square(x - m), axis=tuple(axes), keepdims=keepdims)
    return (m if keepdims else anp.squeeze(m, axis=tuple(axes))), v


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """1 at each label's position on a new `axis` (none for labels outside [0, num_classes))."""
    x = convert_to_numpy(x).astype(int)
    out = (x[..., None] == onp.arange(num_classes)).astype(_dt(dtype))
    return onp.moveaxis(out, -1, axis) if axis != -1 else out


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
