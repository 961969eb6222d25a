"""Keep gradients in the dtype of what they are gradients of.

Several of autograd's VJP rules build float64 arrays (`where` pads with `zeros(g.shape)`, `mean`
divides by a numpy int64 count, `maximum`/`max` divide by integer counts), and numpy 2 then
promotes the whole backward pass upstream of them to float64: twice the memory traffic and slower
matmuls, silently. `keep_gradient_dtypes()` wraps every registered VJP so that a gradient with
respect to a float32 (or float16) array comes back in that dtype. Called once, by `minikeras.ops`.
It also gives matmul a faster gradient for rank > 2 inputs times a matrix (`_shared_matrix_matmul`).
"""
import numpy as onp
from autograd import numpy as anp
from autograd.core import primitive_vjps
from autograd.tracer import getval

_LOW_PRECISION = (onp.dtype("float32"), onp.dtype("float16"))
_done = set()


def _float_dtype(arg):
    value = getval(arg)
    dtype = getattr(value, "dtype", None)
    return dtype if isinstance(value, onp.ndarray) and dtype in _LOW_PRECISION else None


def _cast(grad, dtype):
    if dtype is not None and type(grad) is onp.ndarray and grad.dtype != dtype:
        return grad.astype(dtype)
    return grad


def _keeping_dtype(vjp_argnums):
    def vjp_maker(argnums, ans, args, kwargs):
        vjp = vjp_argnums(argnums, ans, args, kwargs)
        dtypes = [_float_dtype(args[i]) for i in argnums]
        if not any(dtypes):
            return vjp
        return lambda g: tuple(_cast(r, d) for r, d in zip(vjp(g), dtypes))
    return vjp_maker


def _shared_matrix_matmul(vjp_argnums):
    """autograd's matmul gradient for x (..., K) @ w (K, N) with x of rank > 2 (a Dense layer
    on sequences) runs one small product per leading index and then sums N x K results over
    them; flattening the leading axes makes each gradient one matrix product."""
    def flat(a):
        return anp.reshape(a, (-1, anp.shape(a)[-1]))

    def vjps(argnums, ans, args, kwargs):
        a, b = args
        if anp.ndim(a) <= 2 or anp.ndim(b) != 2:
            return vjp_argnums(argnums, ans, args, kwargs)
        rules = {0: lambda g: anp.reshape(anp.matmul(flat(g), anp.transpose(b)), anp.shape(a)),
                 1: lambda g: anp.matmul(anp.transpose(flat(a)), flat(g))}
        return lambda g: tuple(rules[i](g) for i in argnums)
    return vjps


def keep_gradient_dtypes():
    if anp.matmul not in _done:
        primitive_vjps[anp.matmul] = _shared_matrix_matmul(primitive_vjps[anp.matmul])
    for fun, vjp_argnums in list(primitive_vjps.items()):
        if fun not in _done:
            primitive_vjps[fun] = _keeping_dtype(vjp_argnums)
            _done.add(fun)
