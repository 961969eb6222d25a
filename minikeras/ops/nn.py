"""`keras.ops` neural-network functions (activations, normalisations, losses' kernels)."""
import math

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from minikeras.engine import config
from minikeras.ops.numpy import _v


# --- activations (formulas as in jax.nn, which Keras's JAX backend calls) -----------------
def relu(x):
    """max(x, 0), with gradient 0 at x = 0 (as jax.nn.relu)."""
    x = _v(x)
    return anp.where(getval(x) > 0, x, 0.0)


def relu6(x):
    """min(max(x, 0), 6); autograd's clip gives gradient 0 at both kinks, as jax.nn.relu6."""
    return anp.clip(_v(x), 0.0, 6.0)


def sigmoid(x):
    """1 / (1 + exp(-x)), from z = exp(-|x|) so neither tail overflows nor rounds to 0."""
    x = _v(x)
    pos = getval(x) >= 0
    z = anp.exp(anp.where(pos, -x, x))  # not anp.abs: its gradient at 0 is 0
    return anp.where(pos, 1.0 / (1.0 + z), z / (1.0 + z))


# autograd's own tanh gradient divides by cosh(x)^2, which overflows (with a warning) for |x| > 89
_tanh = primitive(onp.tanh)
defvjp(_tanh, lambda ans, x: lambda g: g * (1.0 - ans * ans))


def tanh(x): return _tanh(_v(x))
def tanh_shrink(x): return _v(x) - _tanh(_v(x))
def softplus(x): return anp.logaddexp(_v(x), 0.0)
def log_sigmoid(x): return -softplus(-_v(x))
def exponential(x): return anp.exp(_v(x))


def softsign(x):
    """x / (|x| + 1)."""
    x = _v(x)
    return x / (anp.abs(x) + 1.0)


def silu(x):
    """x * sigmoid(x)."""
    x = _v(x)
    return x * sigmoid(x)


swish = silu


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    x = _v(x)
    return anp.where(getval(x) >= 0, x, negative_slope * x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return relu6(_v(x) + 3.0) / 6.0


def hard_silu(x):
    """x * relu6(x + 3) / 6."""
    x = _v(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x):
    """clip(x, -1, 1)."""
    x = _v(x)
    return anp.where(getval(x) > 1, 1.0, anp.where(getval(x) < -1, -1.0, x))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = _v(x)
    pos = getval(x) > 0
    return anp.where(pos, x, alpha * anp.expm1(anp.where(pos, 0.0, x)))


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    x = _v(x)
    pos = getval(x) > 0
    return anp.where(pos, x, 0.0) + alpha * anp.expm1(anp.where(pos, 0.0, x) / alpha)


def _erfc(x):
    """Complementary error function, relative error < 1.2e-7 everywhere (Numerical Recipes erfcc)."""
    pos = getval(x) >= 0
    a = anp.where(pos, x, -x)  # |x|, with gradient sign(x) also at 0
    t = 1.0 / (1.0 + 0.5 * a)
    coeffs = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
              -1.13520398, 1.48851587, -0.82215223, 0.17087277)
    poly = coeffs[-1]
    for c in coeffs[-2::-1]:
        poly = c + t * poly
    tail = t * anp.exp(-a * a + poly)
    return anp.where(pos, tail, 2.0 - tail)


def gelu(x, approximate=True):
    """x * Phi(x) = 0.5 x erfc(-x / sqrt 2); approximate: 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))."""
    x = _v(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return x * (0.5 * (1.0 + _tanh(c * (x + 0.044715 * x ** 3))))
    return 0.5 * x * _erfc(-x * math.sqrt(0.5))


def mish(x):
    """x * tanh(softplus(x))."""
    x = _v(x)
    return x * _tanh(softplus(x))


def glu(x, axis=-1):
    """a * sigmoid(b) where a, b are the two halves of x along `axis`."""
    x = _v(x)
    if anp.shape(x)[axis] % 2:
        raise ValueError(
            "axis size must be divisible by 2. "
            f"Received: x.shape={anp.shape(x)} with axis={axis}")
    a, b = anp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def soft_shrink(x, threshold=0.5):
    """x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    x = _v(x)
    g = getval(x)
    return anp.where(g > threshold, x - threshold, anp.where(g < -threshold, x + threshold, 0.0))


def hard_shrink(x, threshold=0.5):
    """x if |x| > threshold else 0."""
    x = _v(x)
    return anp.where(onp.abs(getval(x)) > threshold, x, 0.0)


def threshold(x, threshold, default_value):
    """x if x > threshold else default_value."""
    x = _v(x)
    return anp.where(getval(x) > threshold, x, default_value)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _v(x)
    g = getval(x)
    return anp.where(g <= -1.0, 0.0, anp.where(g >= 1.0, x, (x + 1.0) ** 2 / 4.0))


def sparse_sigmoid(x):
    """0.5 * clip(x + 1, 0, 2), as min(max(.)) so the kinks get jax's half gradient."""
    return 0.5 * anp.minimum(anp.maximum(_v(x) + 1.0, 0.0), 2.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    x = _v(x)
    return (x + anp.sqrt(anp.square(x) + b)) / 2.0


def sparsemax(x, axis=-1):
    """max(x - tau, 0), tau chosen so the output sums to 1 (Martins & Astudillo 2016).

    The support is found on untraced values; tau = (sum of x over the support - 1) / k is traced.
    """
    x = _v(x)
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
    """exp(x) / sum(exp(x)) along `axis`, shifted by the (untraced) max for stability."""
    x = _v(x)
    e = anp.exp(x - onp.max(getval(x), axis=axis, keepdims=True))
    return e / anp.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    x = _v(x)
    shifted = x - onp.max(getval(x), axis=axis, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=axis, keepdims=True))


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(||x||_order, epsilon) along `axis`; `epsilon` defaults to `keras.config.epsilon()`.

    For order 2 the norm is sqrt(max(sum(x^2), epsilon^2)), the same value, so the gradient
    stays finite at x = 0.
    """
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _v(x)
    if anp.ndim(x) == 0:
        x = anp.expand_dims(x, 0)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        return x / anp.sqrt(anp.maximum(anp.sum(anp.square(x), axis=axis, keepdims=True), epsilon ** 2))
    n = anp.sum(anp.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    return x / anp.maximum(n, epsilon)
