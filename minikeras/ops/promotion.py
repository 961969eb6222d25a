"""The operands of an op: conversion to arrays and Keras's dtype promotion.

Ops accept numpy arrays, Python numbers and lists, traced autograd values and minikeras
Variables (read through `.value`, so a variable being trained stays traced).

dtypes follow Keras (JAX backend): Python floats become float32 and ints int32; a Python number
meeting a tensor takes the tensor's dtype; ints meeting floats become that float; transcendental
functions of ints give float32; integer sums stay int32. Unlike Keras on JAX, float64 inputs
stay float64 (gradient checks need them).
"""
import builtins

import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval, isbox

from minikeras.engine import config, dtypes
from minikeras.engine.variable import read_value, read_values


def _dtype_name(dtype):
    """A dtype argument's numpy name, as Keras standardizes it (Python `int` is int32)."""
    return dtype if type(dtype) is str and dtype != "int" else dtypes.standardize_dtype(dtype)


def _cast(x, dtype):
    dtype = _dtype_name(dtype)
    try:
        return x if x.dtype == dtype else x.astype(dtype)
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype}") from None


def _to_array(x, dtype=None):
    """`convert_to_tensor` for the ops themselves: a plain array (ops return plain arrays)."""
    x = read_value(x)
    if isbox(x):
        x = x if hasattr(getval(x), "dtype") else anp.array(x)  # a traced Python float
        return x if dtype is None else _cast(x, dtype)
    if isinstance(x, (list, tuple)) and builtins.any(isbox(read_value(e)) for e in x):
        return anp.stack(_args(*x)) if dtype is None else _cast(anp.stack(read_values(x)), dtype)
    arr = onp.asarray(x)
    if dtype is not None:
        return _cast(arr, dtype)
    if isinstance(x, (onp.ndarray, onp.generic)):
        return arr
    if arr.dtype == onp.float64:
        return arr.astype(config.floatx())
    return arr.astype("int32") if arr.dtype == onp.int64 else arr


def _as_tensor(x):
    """`x` as an array or traced array (Variables read, lists and numbers converted)."""
    x = read_value(x)
    return x if type(x) is onp.ndarray or isbox(x) and hasattr(getval(x), "dtype") else _to_array(x)


def _is_floating(dtype):
    """Whether `dtype` is a float or complex dtype (ml_dtypes' bfloat16 and float8 included)."""
    return dtype.kind in "fc" or dtype.kind == "V" and dtype.name.startswith(("bfloat", "float"))


def _as_float(x):
    """`x` as a float tensor: ints and bools become float32, as Keras does before exp, log, ...;
    float16 and bfloat16 stay."""
    x = _as_tensor(x)
    return x if _is_floating(x.dtype) else x.astype(config.floatx())


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, (bool, onp.bool_))


_TARGETS = {}  # (dtype or weak Python type, ..., floating, floatx) -> the operands' common dtype
_64 = ("int64", "uint64", "float64", "complex128")


def _target(key):
    """The common dtype of the operands `key` describes, by Keras's lattice (dtypes.promote):
    64-bit only when an operand is 64-bit (JAX without x64 computes uint32 + int32 in int32)."""
    *kinds, floating, floatx = key
    weak = [k is int or k is float for k in kinds]
    names = [("float" if k is float else "int") if w else k.name for k, w in zip(kinds, weak)]
    if floating:
        names, weak = names + ["float"], weak + [True]
    try:
        out = dtypes.promote(names, weak)
    except ValueError:  # a dtype outside Keras's lattice (complex, strings, ...): numpy's rule
        return onp.result_type(*(onp.dtype(n) if not w else 0 if n == "int" else 0.0
                                 for n, w in zip(names, weak)))
    if out in ("int", "float"):
        out = "int32" if out == "int" else floatx
    elif out in _64 and not builtins.any(n in _64 for n, w in zip(names, weak) if not w):
        out = out.replace("64", "32").replace("complex32", "complex64")
    return onp.dtype(out)


def _args(*xs, floating=False):
    """Operands cast to Keras's result dtype (JAX's lattice), so numpy never widens behind our back.

    Python numbers are weak (they take the tensors' dtype: int8 + 1 is int8, float16 + 1.0 is
    float16, int8 + 1.0 is float32); uint32 + int32 is int32 as on JAX; float64 stays float64.
    `floating=True` makes an integer result floating (float32), as Keras does for divide, arctan2, ...
    """
    xs = [(float(x) if isinstance(x, float) else int(x)) if _is_number(x) else _as_tensor(x) for x in xs]
    kinds = tuple(type(x) if type(x) is int or type(x) is float else x.dtype for x in xs)
    if not floating and len(kinds) == 2 and kinds[0] is kinds[1] and not isinstance(kinds[0], type):
        # the hot path: float32 with float32
        return xs
    if builtins.all(k is int or k is float for k in kinds):
        xs = [_to_array(x) for x in xs]
        kinds = tuple(x.dtype for x in xs)
    key = kinds + (floating, config.floatx())
    dtype = _TARGETS.get(key)
    if dtype is None:
        dtype = _TARGETS[key] = _target(key)
    return [onp.asarray(x, dtype) if _is_number(x) else x if x.dtype == dtype else x.astype(dtype)
            for x in xs]


def _acc(x):
    """The dtype Keras sums and multiplies ints and bools in: int32 or uint32 (numpy would use
    64 bits); None for floats, which keep their dtype."""
    if _is_floating(x.dtype):
        return None
    return ("u" if x.dtype.kind == "u" else "") + ("int64" if x.dtype.itemsize == 8 else "int32")


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _check_axis(axis, ndim):
    """`axis` in [0, ndim), or numpy's AxisError message as a ValueError (as Keras raises)."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim
