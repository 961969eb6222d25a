"""Layer normalization over the last axis as one traced primitive.

    y = (x - mean) * rsqrt(var + eps) * gamma + beta,   mean, var over the last axis (n values)

As a composition this is about a dozen traced operations, and numpy's reductions over short rows
(n = 64 in a Transformer block) are slow; here the row sums are products with a ones vector (BLAS)
and the gradient is the textbook one, with x̂ = (x - mean) * inv and gx = g * gamma:

    dx = inv * (gx - mean(gx) - x̂ * mean(gx * x̂)),   dgamma = sum(g * x̂),   dbeta = sum(g)

(sums for gamma and beta over every leading axis). tests/test_ops_primitives.py checks it against
the composition and by finite differences.
"""
import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp_argnums, primitive
from autograd.tracer import isbox

from minikeras.ops.numpy import _row_sum


def _row_mean(x):
    """mean(x, axis=-1, keepdims=True), summed by BLAS."""
    return _row_sum(x) / x.shape[-1]


def _column_sum(x):
    """sum over every axis but the last, by BLAS."""
    rows = x.reshape(-1, x.shape[-1])
    return onp.ones(rows.shape[0], x.dtype) @ rows


def _normalized(x, epsilon):
    """(x̂, inv): x̂ = (x - mean) * inv, inv = rsqrt(var + epsilon) (keepdims)."""
    centered = x - _row_mean(x)
    inv = 1.0 / onp.sqrt(_row_mean(centered * centered) + epsilon)
    centered *= inv
    return centered, inv


@primitive
def layer_norm_last(x, gamma, beta, epsilon):
    """Layer normalization of `x` over its last axis; `gamma` / `beta` (shape (n,)) may be None."""
    y, _ = _normalized(x, epsilon)
    if gamma is not None:
        y *= gamma
    if beta is not None:
        y += beta
    return y


def _vjps(argnums, ans, args, kwargs):
    """The gradients asked for (x, gamma, beta), sharing one recomputation of x̂ and reusing
    temporaries (each fresh activation-sized array costs page faults as well as a pass)."""
    x, gamma, beta, epsilon = args

    def vjp(g):
        if any(isbox(v) for v in (g, x, gamma)):  # a higher-order derivative: traceable ops
            return _traced_vjps(argnums, g, x, gamma, epsilon)
        x_hat, inv = _normalized(x, epsilon)
        g_x_hat = g * x_hat
        grads = {1: _column_sum(g_x_hat) if 1 in argnums else None,
                 2: _column_sum(g) if 2 in argnums else None}
        if 0 in argnums:
            if gamma is None:
                dx = g - _row_mean(g)
            else:
                dx = g * gamma
                g_x_hat *= gamma  # now gx * x̂
                dx -= _row_mean(dx)
            correction = _row_mean(g_x_hat)
            dx -= onp.multiply(x_hat, correction, out=g_x_hat)
            dx *= inv
            grads[0] = dx
        return tuple(grads[i] for i in argnums)
    return vjp


def _traced_vjps(argnums, g, x, gamma, epsilon):
    """The same gradients in traceable autograd ops."""
    n = anp.shape(x)[-1]
    mean = lambda v: anp.mean(v, axis=-1, keepdims=True)
    centered = x - mean(x)
    inv = 1.0 / anp.sqrt(mean(centered * centered) + epsilon)
    x_hat = centered * inv
    gx = g if gamma is None else g * gamma
    grads = {0: (gx - mean(gx) - x_hat * mean(gx * x_hat)) * inv,
             1: anp.sum(anp.reshape(g * x_hat, (-1, n)), axis=0),
             2: anp.sum(anp.reshape(g, (-1, n)), axis=0)}
    return tuple(grads[i] for i in argnums)


defvjp_argnums(layer_norm_last, _vjps)
