"""`keras.ops` neural-network functions (activations, normalisations, losses' kernels)."""
import math

import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval

from minikeras.ops.numpy import _v, erf


def relu(x): return anp.maximum(_v(x), 0.0)
def relu6(x): return anp.clip(_v(x), 0.0, 6.0)
def sigmoid(x):
    # 0.5 * (tanh(x/2) + 1) is sigmoid without overflow in exp for large |x|
    return 0.5 * (anp.tanh(0.5 * _v(x)) + 1.0)
def tanh(x): return anp.tanh(_v(x))
def softplus(x):
    x = _v(x)
    return anp.logaddexp(x, 0.0)
def softsign(x):
    x = _v(x)
    return x / (1.0 + anp.abs(x))
def silu(x):
    x = _v(x)
    return x * sigmoid(x)
swish = silu
def log_sigmoid(x): return -softplus(-_v(x))
def leaky_relu(x, negative_slope=0.2):
    x = _v(x)
    return anp.where(getval(x) >= 0, x, negative_slope * x)
def hard_sigmoid(x):
    return anp.clip(_v(x) / 6.0 + 0.5, 0.0, 1.0)
def hard_silu(x):
    x = _v(x)
    return x * hard_sigmoid(x)
hard_swish = hard_silu
def elu(x, alpha=1.0):
    x = _v(x)
    return anp.where(getval(x) > 0, x, alpha * anp.expm1(anp.minimum(x, 0.0)))
def selu(x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * elu(x, alpha)
def gelu(x, approximate=True):
    x = _v(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + anp.tanh(c * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
def mish(x):
    x = _v(x)
    return x * anp.tanh(softplus(x))
def exponential(x): return anp.exp(_v(x))


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
    x = _v(x)
    n = anp.sqrt(anp.sum(anp.square(x), axis=axis, keepdims=True)) if order == 2 else \
        anp.sum(anp.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    return x / anp.maximum(n, 1e-12 if epsilon is None else epsilon)
