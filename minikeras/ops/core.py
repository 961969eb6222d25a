"""`keras.ops` core functions: tensors and dtypes, control flow, slices and scatters
(operand conversion and dtype promotion: promotion.py)."""
import builtins

import numpy as onp
from autograd import numpy as anp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.tensor import as_tensor
from autograd.tracer import getval, isbox

from minikeras.engine.variable import Variable, read_value
from minikeras.ops.promotion import _args, _as_tensor, _to_array
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor (float32 for Python floats, int32 for Python ints), of the type layers return
    (`Tensor`: a numpy array with `.numpy()`), or the traced value itself."""
    x = _to_array(x, dtype)
    return x if isbox(x) else as_tensor(x)


# --- core ------------------------------------------------------------------------------
def convert_to_numpy(x): "`x` as a plain numpy array (a Variable's or traced value's current value)."; return onp.asarray(getval(read_value(x)))
def is_tensor(x): "Whether `x` is an array, a traced value or a Variable."; return isinstance(x, onp.ndarray) or isbox(x) or type(x) is Variable
def shape(x): "The shape of `x` as a tuple (None for unknown sizes of a KerasTensor)."; return x.shape if isinstance(x, KerasTensor) else tuple(anp.shape(read_value(x)))
def dtype(x): "The dtype name of `x` (float32, int32, ...)."; return x.dtype if isinstance(x, KerasTensor) else _as_tensor(x).dtype.name
def stop_gradient(variable): "The value of `variable` with no gradient flowing back through it."; return getval(read_value(variable))
def cast(x, dtype):
    """`x` converted to `dtype`."""
    x, dtype = _as_tensor(x), onp.dtype(dtype).name
    return x if x.dtype == dtype else x.astype(dtype)
def cond(pred, true_fn, false_fn): "true_fn() if `pred` else false_fn()."; return true_fn() if pred else false_fn()
def switch(index, branches, *operands): "branches[index](*operands), the index clipped to the valid range."; return branches[builtins.min(builtins.max(int(index), 0), len(branches) - 1)](*operands)
def map(f, xs): "stack([f(x) for x in xs]) over the leading axis of `xs`."; return anp.stack(_args(*[f(x) for x in unstack(xs)]))
def vectorized_map(function, elements): "stack([function(e) for e in elements]) over the leading axis (a loop, as `map`)."; return map(function, elements)
def fori_loop(lower, upper, body_fun, init_val):
    """body_fun(i, val) applied for i in range(lower, upper)."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Applies `body` to `loop_vars` while `cond(*loop_vars)` (at most `maximum_iterations` times)."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    vs = tuple(_to_array(v) for v in (loop_vars if is_tuple else [loop_vars]))
    i = 0
    while (maximum_iterations is None or i < maximum_iterations) and cond(*vs):
        vs = tuple(body(*vs)) if is_tuple else (body(*vs),)
        i += 1
    return vs if is_tuple else vs[0]
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """carry, y = f(carry, x) over the leading axis of `xs`; returns (carry, stacked ys)."""
    items = [None] * length if xs is None else unstack(xs)
    carry, ys = init, []
    for x in (items[::-1] if reverse else items):
        carry, y = f(carry, x)
        ys.append(y)
    return carry, anp.stack(_args(*(ys[::-1] if reverse else ys)))
def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    x = _as_tensor(x)
    return [anp.squeeze(p, axis) for p in anp.split(x, anp.shape(x)[axis], axis=axis)]
def slice(inputs, start_indices, shape):
    """inputs[start : start + shape] on every axis (a size of -1 takes the rest)."""
    return _as_tensor(inputs)[tuple(builtins.slice(s, None if n == -1 else s + n) for s, n in zip(start_indices, shape))]
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates` (no in-place write)."""
    inputs, updates = _args(inputs, updates)
    widths = [(s, n - s - u) for s, n, u in zip(start_indices, anp.shape(inputs), anp.shape(updates))]
    mask = onp.pad(onp.ones(anp.shape(updates), bool), widths)
    return anp.where(mask, anp.pad(updates, widths, mode="constant"), inputs)
def scatter(indices, values, shape):
    """zeros(shape) with `values` added at `indices` (N x k), as one matmul with a 0/1 matrix."""
    idx = convert_to_numpy(indices).astype(int)
    values = _as_tensor(values)
    rows = onp.prod(shape[:idx.shape[-1]], dtype=int)
    flat = onp.ravel_multi_index(tuple(idx.reshape(-1, idx.shape[-1]).T), shape[:idx.shape[-1]])
    hits = (onp.arange(rows)[:, None] == flat).astype(values.dtype)
    return anp.reshape(anp.dot(hits, anp.reshape(values, (len(flat), -1))), shape)
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written (or added, reduction="add") at `indices` (N x k)."""
    inputs, updates = _args(inputs, updates)
    added = scatter(indices, updates, anp.shape(inputs))
    if reduction == "add":
        return inputs + added
    if reduction is not None:
        raise ValueError(f"Unsupported reduction: {reduction}")
    hit = scatter(indices, onp.ones(anp.shape(updates), bool), anp.shape(inputs)) > 0
    return anp.where(hit, added, inputs)


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
