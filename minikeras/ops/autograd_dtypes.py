"""Keep gradients in the dtype of what they are gradients of.

Several of autograd's VJP rules build float64 arrays (`where` pads with `zeros(g.shape)`, `mean`
divides by a numpy int64 count, `maximum`/`max` divide by integer counts), and numpy 2 then
promotes the whole backward pass upstream of them to float64: twice the memory traffic and slower
matmuls, silently. `keep_gradient_dtypes()` wraps every registered VJP so that a gradient with
respect to a float32 (or float16) array comes back in that dtype. Called once, by `minikeras.ops`.
"""
import numpy as onp
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


def keep_gradient_dtypes():
    for fun, vjp_argnums in list(primitive_vjps.items()):
        if fun not in _done:
            primitive_vjps[fun] = _keeping_dtype(vjp_argnums)
            _done.add(fun)
