"""`keras.ops.linalg`: norms, decompositions and solvers."""
import builtins

import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval

from minikeras.ops.promotion import _as_float
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm (sum |x|^ord)^(1/ord) along an int `axis`, or a matrix norm over two axes
    (a 2-D `x` with `axis=None`): 'fro', 'nuc', 1 / inf (largest column / row sum of |x|),
    2 (largest singular value). ord=None is the 2-norm of the flattened axes."""
    x = _as_float(x)
    if axis is None:
        axis = tuple(range(anp.ndim(x)))
    axis = tuple(a % anp.ndim(x) for a in ([axis] if isinstance(axis, int) else axis))
    a = abs(x)
    if ord is None or ord == "fro" or ord == 2 and len(axis) == 1:
        return anp.sqrt(anp.sum(anp.square(x), axis=axis, keepdims=keepdims))
    if len(axis) == 1:
        if ord in (onp.inf, -onp.inf):
            return (anp.max if ord > 0 else anp.min)(a, axis=axis, keepdims=keepdims)
        if ord == 0:
            return anp.sum((getval(a) != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
        return anp.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    row, col = axis
    if ord in (1, -1, onp.inf, -onp.inf):
        inner, outer = (row, col) if ord in (1, -1) else (col, row)
        out = (anp.max if ord > 0 else anp.min)(anp.sum(a, axis=inner, keepdims=True), axis=outer, keepdims=True)
    else:  # singular values: 'nuc', 2, -2
        s = anp.linalg.svd(anp.moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        out = {"nuc": anp.sum, 2: anp.max, -2: anp.min}[ord](s, axis=-1)
        out = anp.expand_dims(anp.expand_dims(out, builtins.min(axis)), builtins.max(axis))
    return out if keepdims else anp.squeeze(out, axis=axis)


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
