"""`keras.ops` core functions: tensors and dtypes, control flow, slices and scatters.

Each op accepts numpy arrays, Python numbers and lists, traced autograd values and minikeras
Variables (read through `.value`, so a variable being trained stays traced).

dtypes follow Keras (JAX backend): Python floats become float32 and ints int32; a Python number
meeting a tensor takes the tensor's dtype; ints meeting floats become that float; transcendental
functions of ints give float32; integer sums stay int32. Unlike Keras on JAX, float64 inputs
stay float64 (gradient checks need them).
"""
import builtins

import numpy as onp
from autograd import numpy as anp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.tensor import as_tensor
from autograd.tracer import getval, isbox

from minikeras.engine import config
from minikeras.engine.variable import Variable, read_value, read_values
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor (float32 for Python floats, int32 for Python ints), of the type layers return
    (`Tensor`: a numpy array with `.numpy()`), or the traced value itself."""
    x = _to_array(x, dtype)
    return x if isbox(x) else as_tensor(x)


def _to_array(x, dtype=None):
    """`convert_to_tensor` for the ops themselves: a plain array (ops return plain arrays)."""
    x = read_value(x)
    if isbox(x):
        x = x if hasattr(getval(x), "dtype") else anp.array(x)  # a traced Python float
        return x if dtype is None else cast(x, dtype)
    if isinstance(x, (list, tuple)) and builtins.any(isbox(read_value(e)) for e in x):
        return anp.stack(_args(*x)) if dtype is None else cast(anp.stack(read_values(x)), dtype)
    arr = onp.asarray(x)
    if dtype is not None:
        return arr.astype(onp.dtype(dtype).name, copy=False)
    if isinstance(x, (onp.ndarray, onp.generic)):
        return arr
    if arr.dtype == onp.float64:
        return arr.astype(config.floatx())
    return arr.astype("int32") if arr.dtype == onp.int64 else arr


def _as_tensor(x):
    """`x` as an array or traced array (Variables read, lists and numbers converted)."""
    x = read_value(x)
    return x if type(x) is onp.ndarray or isbox(x) and hasattr(getval(x), "dtype") else _to_array(x)


def _as_float(x):
    """`x` as a float tensor: ints and bools become float32, as Keras does before exp, log, ..."""
    x = _as_tensor(x)
    return x if x.dtype.kind in "fc" else x.astype(config.floatx())


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, (bool, onp.bool_))


def _args(*xs, floating=False):
    """Operands cast to Keras's result dtype, so numpy never widens behind our back.

    Python numbers are weak (they take the tensors' dtype; a Python float makes ints float32);
    ints or bools meeting floats become that float (numpy would give float64 for int32 + float32).
    `floating=True` makes an integer result float32, as Keras does for divide, arctan2, ...
    """
    xs = [(float(x) if isinstance(x, float) else int(x)) if _is_number(x) else _as_tensor(x) for x in xs]
    arrays = [x for x in xs if not _is_number(x)]
    if not arrays:
        xs = [_to_array(x) for x in xs]
        arrays = xs
    floats = [a.dtype for a in arrays if a.dtype.kind in "fc"]
    dtype = onp.result_type(*(floats or [a.dtype for a in arrays]))
    if not floats and (floating or builtins.any(isinstance(x, float) for x in xs)):
        dtype = onp.dtype(config.floatx())
    elif dtype == bool and builtins.any(_is_number(x) for x in xs):
        dtype = onp.dtype("int32")
    return [onp.asarray(x, dtype) if _is_number(x) else x if x.dtype == dtype else x.astype(dtype)
            for x in xs]


def _acc(x):
    """The dtype Keras sums and multiplies ints in: int32 (numpy would use int64)."""
    return None if x.dtype.kind in "fc" else "uint32" if x.dtype.kind == "u" else "int32"


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


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
