"""`keras.ops` neural-network functions (activations, normalisations, losses' kernels)."""
import math
import warnings

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import getval, isbox

from minikeras.engine import config
from minikeras.engine.dtypes import result_type
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops.layer_norm import layer_norm_last
from minikeras.ops.promotion import _args, _as_float, _as_tensor
from minikeras.ops.conv import (_BFLOAT16, _bfloat16_via_float32, conv,  # noqa: F401
                                conv_transpose, depth_to_space, depthwise_conv, fold,
                                separable_conv, space_to_depth, unfold)
from minikeras.ops.core import convert_to_numpy
from minikeras.ops.ctc import ctc_decode, ctc_loss  # noqa: F401
from minikeras.ops.math import erfc
from minikeras.ops.numpy import _dt, _row_sum
from minikeras.ops.pooling import (adaptive_average_pool, adaptive_max_pool, average_pool,  # noqa: F401
                                   max_pool)
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


_HALF = (onp.dtype("float16"), _BFLOAT16)


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


@_bfloat16_via_float32
def relu6(x):
    """min(max(x, 0), 6); autograd's clip gives gradient 0 at both kinks, as jax.nn.relu6."""
    return anp.clip(_as_float(x), 0.0, 6.0)


@_bfloat16_via_float32
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


@_bfloat16_via_float32
def tanh(x): "Hyperbolic tangent of x."; return _tanh(_as_float(x))
@_bfloat16_via_float32
def tanh_shrink(x): "x - tanh(x)."; return _as_float(x) - _tanh(_as_float(x))
@_bfloat16_via_float32
def softplus(x): "log(1 + e^x), computed without overflow."; return anp.logaddexp(_as_float(x), 0.0)
@_bfloat16_via_float32
def log_sigmoid(x): "log(sigmoid(x)) = -softplus(-x)."; return -softplus(-_as_float(x))
@_bfloat16_via_float32
def exponential(x): "e^x."; return anp.exp(_as_float(x))


@_bfloat16_via_float32
def softsign(x):
    """x / (|x| + 1)."""
    x = _as_float(x)
    return x / (anp.abs(x) + 1.0)


@_bfloat16_via_float32
def silu(x):
    """x * sigmoid(x)."""
    x = _as_float(x)
    return x * sigmoid(x)


swish = silu


@_bfloat16_via_float32
def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    x = _as_float(x)
    return anp.where(getval(x) >= 0, x, negative_slope * x)


@_bfloat16_via_float32
def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return relu6(_as_float(x) + 3.0) / 6.0


@_bfloat16_via_float32
def hard_silu(x):
    """x * relu6(x + 3) / 6."""
    x = _as_float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@_bfloat16_via_float32
def hard_tanh(x):
    """clip(x, -1, 1)."""
    x = _as_float(x)
    return anp.where(getval(x) > 1, 1.0, anp.where(getval(x) < -1, -1.0, x))


@_bfloat16_via_float32
def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = _as_float(x)
    pos = getval(x) > 0
    return anp.where(pos, x, alpha * anp.expm1(anp.where(pos, 0.0, x)))


@_bfloat16_via_float32
def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


@_bfloat16_via_float32
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    x = _as_float(x)
    pos = getval(x) > 0
    return anp.where(pos, x, 0.0) + alpha * anp.expm1(anp.where(pos, 0.0, x) / alpha)


@_bfloat16_via_float32
def gelu(x, approximate=True):
    """x * Phi(x) = 0.5 x erfc(-x / sqrt 2); approximate: 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))."""
    x = _as_float(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return x * (0.5 * (1.0 + _tanh(c * (x + 0.044715 * x ** 3))))
    return 0.5 * x * erfc(-x * math.sqrt(0.5))


@_bfloat16_via_float32
def mish(x):
    """x * tanh(softplus(x))."""
    x = _as_float(x)
    return x * _tanh(softplus(x))


@_bfloat16_via_float32
def glu(x, axis=-1):
    """a * sigmoid(b) where a, b are the two halves of x along `axis`."""
    x = _as_float(x)
    if anp.shape(x)[axis] % 2:
        raise ValueError(
            "axis size must be divisible by 2. "
            f"Received: x.shape={anp.shape(x)} with axis={axis}")
    a, b = anp.split(x, 2, axis=axis)
    return a * sigmoid(b)


@_bfloat16_via_float32
def soft_shrink(x, threshold=0.5):
    """x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    x = _as_float(x)
    g = getval(x)
    return anp.where(g > threshold, x - threshold, anp.where(g < -threshold, x + threshold, 0.0))


@_bfloat16_via_float32
def hard_shrink(x, threshold=0.5):
    """x if |x| > threshold else 0."""
    x = _as_float(x)
    return anp.where(onp.abs(getval(x)) > threshold, x, 0.0)


@_bfloat16_via_float32
def threshold(x, threshold, default_value):
    """x if x > threshold else default_value."""
    x = _as_float(x)
    return anp.where(getval(x) > threshold, x, default_value)


@_bfloat16_via_float32
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _as_float(x)
    g = getval(x)
    return anp.where(g <= -1.0, 0.0, anp.where(g >= 1.0, x, (x + 1.0) ** 2 / 4.0))


@_bfloat16_via_float32
def sparse_sigmoid(x):
    """0.5 * clip(x + 1, 0, 2), as min(max(.)) so the kinks get jax's half gradient."""
    return 0.5 * anp.minimum(anp.maximum(_as_float(x) + 1.0, 0.0), 2.0)


@_bfloat16_via_float32
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    x = _as_float(x)
    return (x + anp.sqrt(anp.square(x) + b)) / 2.0


@_bfloat16_via_float32
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


@_bfloat16_via_float32
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the (untraced) max for stability.

    One traced primitive (attention calls it on every score matrix): its gradient is
    y * (g - sum(g * y, axis)), where the composition would trace four operations."""
    x = _as_float(x)
    if isinstance(axis, int) and -anp.ndim(x) <= axis < anp.ndim(x) and anp.shape(x)[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {anp.shape(x)}. This "
            "axis has size 1. The softmax operation will always return the value 1, which is "
            "likely not what you intended. Did you mean to use a sigmoid instead?")
    return _softmax(x, axis)


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


@_bfloat16_via_float32
def log_softmax(x, axis=-1):
    """x - log(sum(exp(x), axis)), computed from x - max(x)."""
    x = _as_float(x)
    shifted = x - onp.max(getval(x), axis=axis, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=axis, keepdims=True))


@_bfloat16_via_float32
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


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at every class listed in each row of `inputs` (the max of their one-hots);
    `num_tokens` is the old name of `num_classes`."""
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    x = onp.asarray(getval(_as_tensor(inputs)))
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


@_bfloat16_via_float32
def binary_crossentropy(target, output, from_logits=False):
    """-(t log p + (1 - t) log(1 - p)) elementwise, p clipped to [eps, 1 - eps] or p = sigmoid(logits)."""
    target, output = _as_float(target), _as_float(output)
    _same_shape(target, output)
    if from_logits:
        return -target * log_sigmoid(output) - (1.0 - target) * log_sigmoid(-output)
    eps = config.epsilon()
    output = anp.clip(output, eps, 1.0 - eps)
    return -(target * anp.log(output) + (1.0 - target) * anp.log(1.0 - output))


@_bfloat16_via_float32
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
    if output.dtype in _HALF:  # the float32 one-hot labels promote the result (as in Keras)
        output = output.astype("float32")
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
    """`layer_normalization` without the deprecation warning (LayerNormalization calls it).
    float16 / bfloat16 inputs are normalised in float32 and the result cast back, as Keras does."""
    x = _as_tensor(x)
    if x.dtype in _HALF:
        return _layer_normalization(x.astype("float32"), gamma, beta, axis, epsilon,
                                    rms_scaling).astype(x.dtype)
    x = _as_float(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    ndim = anp.ndim(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    if not axes or any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"Axis {axis} is out of bounds for input shape {anp.shape(x)}. "
                         f"Received: axis={axis}")
    axes = sorted(a % ndim for a in axes)
    gamma = None if gamma is None else _cast(_as_tensor(gamma), x.dtype)
    beta = None if beta is None else _cast(_as_tensor(beta), x.dtype)
    if axes == [ndim - 1] and not rms_scaling:
        flat = lambda v: None if v is None else anp.reshape(v, (-1,))
        return layer_norm_last(x, flat(gamma), flat(beta), epsilon)
    shape = [anp.shape(x)[d] if d in axes else 1 for d in range(ndim)]
    along = lambda v: None if v is None else anp.reshape(v, shape)
    gamma, beta = along(gamma), along(beta)
    if rms_scaling:
        out = x / anp.sqrt(anp.var(x, axis=tuple(axes), keepdims=True) + epsilon)
        return out if gamma is None else out * gamma
    mean = _mean(x, tuple(axes), keepdims=True)
    inv = 1.0 / anp.sqrt(_mean(anp.square(x - mean), tuple(axes), keepdims=True) + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    return x * inv + (res if beta is None else res + beta)


@_bfloat16_via_float32
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the 1-D statistics lying along `axis`."""
    x = _as_float(x)
    expected = (anp.shape(x)[axis],)
    for name, v in (("mean", mean), ("variance", variance), ("offset", offset), ("scale", scale)):
        if v is not None and tuple(anp.shape(_as_tensor(v))) != expected:
            raise ValueError(f"Arguments `{name}` must be a vector of length `x.shape[axis]`. "
                             f"Expected: `{expected}`. Received: `{tuple(anp.shape(_as_tensor(v)))}.")
    shape = [-1 if d == axis % anp.ndim(x) else 1 for d in range(anp.ndim(x))]
    along = lambda v: anp.reshape(_as_float(v), shape)
    inv = 1.0 / anp.sqrt(along(variance) + epsilon)
    if scale is not None:
        inv = inv * along(scale)
    out = (x - along(mean)) * inv
    return out if offset is None else out + along(offset)




def _mean(x, axis=None, keepdims=False):
    """sum(x, axis) / count: autograd's `mean` gradient divides by a numpy int64, which makes
    float32 gradients float64."""
    axes = range(anp.ndim(x)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    count = math.prod(anp.shape(x)[a] for a in axes)
    return anp.sum(x, axis=axis, keepdims=keepdims) * (1.0 / count)


def moments(x, axes, keepdims=False, synchronized=False):
    """mean and variance of `x` over `axes`; float16 / bfloat16 are reduced in float32 (their
    range is too small for sums of squares) and the results clipped to float16's range."""
    x = _as_tensor(x)
    half = x.dtype if x.dtype in _HALF else None
    x = _as_float(x if half is None else x.astype("float32"))
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    m = _mean(x, axes, keepdims=True)
    v = _mean(anp.square(x - m), axes, keepdims=keepdims)
    m = m if keepdims else anp.squeeze(m, axis=axes)
    if half is not None:
        big = float(onp.finfo(onp.float16).max)
        m, v = (anp.clip(t, -big, big).astype(half) for t in (m, v))
    return m, v


def _cast(x, dtype):
    return x if x.dtype == dtype else x.astype(dtype)


def _float_result(*xs):
    """Keras's result dtype of `xs`, except that float64 stays float64 (as elsewhere in
    minikeras; JAX without x64 would compute in float32)."""
    names = [x.dtype.name for x in xs]
    return onp.dtype("float64" if "float64" in names else result_type(*names))


def _same_as_x(x, *args, **kwargs):
    return KerasTensor(x.shape, dtype=x.dtype)


layer_normalization.output_spec = _same_as_x  # gamma / beta shapes are not checked (Keras)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x * rsqrt(mean(x^2, axis) + epsilon) * scale (Zhang & Sennrich 2019), computed in at
    least float32 and returned in x's dtype; `epsilon` defaults to `keras.config.epsilon()`."""
    x = _as_tensor(x)
    compute = _float_result(x, onp.zeros((), "float32"))
    y = _cast(x, compute)
    if anp.ndim(y) == 0:
        y = anp.expand_dims(y, 0)
    axis = tuple(sorted(axis)) if isinstance(axis, (tuple, list)) else axis
    epsilon = config.epsilon() if epsilon is None else epsilon
    y = y * (1.0 / anp.sqrt(_mean(anp.square(y), axis, keepdims=True) + epsilon))
    if scale is not None:
        y = y * _cast(_as_tensor(scale), compute)
    return _cast(y, x.dtype)


rms_normalization.output_spec = _same_as_x


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, 20 log10(max_val) - 10 log10(mean((x1 - x2)^2)), a scalar."""
    x1, x2 = _as_tensor(x1), _as_tensor(x2)
    if anp.shape(x1) != anp.shape(x2):
        raise ValueError(f"Input shapes {anp.shape(x1)} and {anp.shape(x2)} must match for PSNR "
                         "calculation. ")
    x1, x2 = _args(x1, x2)
    mse = _mean(anp.square(x1 - x2))
    max_val = onp.asarray(max_val, dtype=x2.dtype)
    return 20 * anp.log10(max_val) - 10 * anp.log10(mse)


def _psnr_spec(x1, x2, max_val):
    if len(x1.shape) != len(x2.shape):
        raise ValueError("Inputs must have the same rank")
    return KerasTensor(())


psnr.output_spec = _psnr_spec


def polar(abs_, angle):
    """The complex numbers abs_ * (cos(angle) + i sin(angle)) (as torch.polar)."""
    abs_, angle = _as_tensor(abs_), _as_tensor(angle)
    real, imag = abs_ * anp.cos(angle), abs_ * anp.sin(angle)
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        real, imag = _as_float(real), _as_float(imag)
    complex_dtype = "complex128" if real.dtype == onp.float64 else "complex64"
    return _cast(real, complex_dtype) + 1j * _cast(imag, complex_dtype)


polar.output_spec = lambda abs_, angle: KerasTensor(abs_.shape, dtype="complex64")


# --- dot-product attention (jax.nn.dot_product_attention's XLA path) ---------------------
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T * scale + bias, masked) V per head, scale = 1 / sqrt(H) by default.

    query (B, T, N, H); key / value (B, S, K, H) with K dividing N (grouped-query attention:
    query heads n*G .. n*G + G - 1 share key head n, G = N / K); bias / mask broadcastable to
    (B, N, T, S), mask True where attention is allowed; is_causal keeps s <= t. The logits are
    at least float32 and the softmax float32; the probabilities take the inputs' dtype.
    Returns (B, T, N, H_value) in the inputs' common dtype.
    """
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. Set "
                         "attn_logits_soft_cap=None when not using JAX on TPU.")
    query, key, value = _as_tensor(query), _as_tensor(key), _as_tensor(value)
    if anp.ndim(query) != 4 or anp.ndim(key) != 4 or anp.ndim(value) != 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={anp.shape(query)}, key.shape={anp.shape(key)}, "
                         f"value.shape={anp.shape(value)}.")
    dtype = _float_result(query, key, value)
    query, key, value = _cast(query, dtype), _cast(key, dtype), _cast(value, dtype)
    if flash_attention:  # JAX on CPU: flash attention needs cuDNN
        raise RuntimeError("cuDNN is not detected.")
    (b, t, n, h), heads = anp.shape(query), anp.shape(key)[2]
    if n % heads:
        raise ValueError("`dot_product_attention`: the number of query heads must be a multiple "
                         f"of the number of key/value heads. Received: query.shape="
                         f"{anp.shape(query)}, key.shape={anp.shape(key)}.")
    groups = n // heads
    scale = 1.0 / math.sqrt(h) if scale is None else scale
    logits_dtype = onp.promote_types(dtype, onp.float32)
    q = anp.reshape(query, (b, t, heads, groups, h))
    logits = anp.einsum("btkgh,bskh->bkgts", _cast(q, logits_dtype), _cast(key, logits_dtype))
    logits = logits * onp.asarray(scale, logits_dtype)
    if bias is not None:
        logits = _cast(logits + _grouped(_cast(_as_tensor(bias), dtype), n, heads, "bias"),
                       logits_dtype)
    keep = _attention_mask(mask, is_causal, n, heads, anp.shape(logits)[-2:])
    if keep is not None:
        big = onp.asarray(-0.7 * onp.finfo(logits_dtype).max, logits_dtype)
        logits = anp.where(keep, logits, big)
    probs = _softmax(logits, -1)  # in logits_dtype: float32 (float64 for float64 inputs)
    wide = onp.promote_types(dtype, onp.float32)  # numpy has no bfloat16 einsum
    out = anp.einsum("bkgts,bskh->btkgh", _cast(_cast(probs, dtype), wide), _cast(value, wide))
    return _cast(anp.reshape(out, (b, t, n, anp.shape(value)[-1])), dtype)


def _grouped(t, n, heads, name):
    """A bias or mask broadcastable to (B, N, T, S) (numpy's rule, as jax.nn's) as
    (B, K or 1, G or 1, T, S)."""
    if anp.ndim(t) > 4:
        raise ValueError(f"`{name}` must be broadcastable to (B, N, T, S). Received: "
                         f"{name}.shape={anp.shape(t)}")
    t = anp.reshape(t, (1,) * (4 - anp.ndim(t)) + tuple(anp.shape(t)))
    tb, tn, tt, ts = anp.shape(t)
    if tn == 1:
        return anp.reshape(t, (tb, 1, 1, tt, ts))
    if tn != n:
        raise ValueError(f"Expected `{name}` to have shape (B, 1, T, S) or (B, N, T, S) with "
                         f"N={n} but got {anp.shape(t)}.")
    return anp.reshape(t, (tb, heads, n // heads, tt, ts))


def _attention_mask(mask, is_causal, n, heads, ts):
    """Where attention is allowed, (B, K, G, T, S)-broadcastable bools, or None for everywhere."""
    keep = None
    if mask is not None:
        keep = _grouped(onp.asarray(getval(_as_tensor(mask))).astype(bool), n, heads, "mask")
    if is_causal:
        causal = onp.tril(onp.ones(ts, dtype=bool))
        keep = causal if keep is None else keep & causal
    return keep


def _attention_spec(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                    flash_attention=None, attn_logits_soft_cap=None):
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. Set "
                         "attn_logits_soft_cap=None when not using JAX on TPU.")
    return KerasTensor(query.shape, dtype=result_type(query.dtype, key.dtype, value.dtype))


dot_product_attention.output_spec = _attention_spec


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """1 at each label's position on a new `axis` (none for labels outside [0, num_classes))."""
    x = convert_to_numpy(x).astype(int)
    out = (x[..., None] == onp.arange(num_classes)).astype(_dt(dtype))
    return onp.moveaxis(out, -1, axis) if axis != -1 else out


def _hot_shape(x, num_classes, axis):
    shape = list(x.shape)
    if axis == -1:
        return shape + [num_classes]
    if 0 <= axis < len(shape):
        return shape[:axis] + [num_classes] + shape[axis:]
    raise ValueError(f"axis must be -1 or between [0, {len(shape)}), but received {axis}.")


def _one_hot_spec(x, num_classes, axis=-1, dtype=None, sparse=False):
    return KerasTensor(_hot_shape(x, num_classes, axis), dtype=dtype or config.floatx(),
                       sparse=sparse)


def _multi_hot_spec(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    num_classes = kwargs.get("num_tokens") if num_classes is None else num_classes
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    shape = _hot_shape(inputs, num_classes, axis)
    shape = shape[-1:] if len(shape) == 2 else shape[:1] + shape[2:]
    return KerasTensor(shape, dtype=dtype or config.floatx(), sparse=sparse)


def _sparse_crossentropy_spec(target, output, from_logits=False, axis=-1):
    if len(output.shape) < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={output.shape}")
    if not -len(output.shape) <= axis < len(output.shape):
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {len(output.shape)}")
    axis %= len(output.shape)
    target_shape = target.shape
    if len(target_shape) == len(output.shape) and target_shape[-1] == 1:
        target_shape = target_shape[:-1]
    without_class = output.shape[:axis] + output.shape[axis + 1:]
    if target_shape != without_class:
        raise ValueError("Arguments `target` and `output` must have the same shape up until the last "
                         f"dimension: target.shape={target.shape}, output.shape={output.shape}")
    return KerasTensor(without_class, dtype=output.dtype)


one_hot.output_spec, multi_hot.output_spec = _one_hot_spec, _multi_hot_spec
sparse_categorical_crossentropy.output_spec = _sparse_crossentropy_spec


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
__all__ += ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv", "conv_transpose",
            "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "fold", "max_pool",
            "separable_conv", "space_to_depth", "unfold"]  # keras.ops.nn's, kept in their modules

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
