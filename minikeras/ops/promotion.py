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

from minikeras.engine import config
from minikeras.engine.variable import read_value, read_values


def _cast(x, dtype):
    dtype = onp.dtype(dtype).name
    return x if x.dtype == dtype else x.astype(dtype)


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
