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
from autograd.extend import defvjp, primitive


def _row_mean(x):
    """mean(x, axis=-1, keepdims=True), summed by BLAS."""
    n = x.shape[-1]
    return (x @ onp.ones(n, x.dtype))[..., None] / n


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


def _grad_x(ans, x, gamma, beta, epsilon):
    def vjp(g):
        x_hat, inv = _normalized(x, epsilon)
        gx = g if gamma is None else g * gamma
        dx = gx - _row_mean(gx)
        dx -= x_hat * _row_mean(gx * x_hat)
        dx *= inv
        return dx
    return vjp


defvjp(layer_norm_last, _grad_x,
       lambda ans, x, gamma, beta, epsilon: lambda g: _column_sum(g * _normalized(x, epsilon)[0]),
       lambda ans, x, gamma, beta, epsilon: lambda g: _column_sum(g))
