"""What every `tf.*` function of the stand-in shares: how results come back and how errors read.

`@op` wraps each public function:
- arguments a recording `GradientTape` watches are replaced by their traced values, so a
  gradient flows through `tf.*` as it does through `keras.ops`;
- an eager result becomes a `Tensor` (the ndarray with TensorFlow's `.numpy()`); a traced result
  (an argument was being differentiated) stays traced, its value viewed as a Tensor by a
  primitive whose gradient is the identity; tuples and lists are converted item by item;
- a ValueError / IndexError raised below becomes `tf.errors.InvalidArgumentError` (a ValueError
  here) and a TypeError stays a TypeError, both prefixed with the function's `tf.` name.
"""
import functools

import numpy as onp
from autograd.extend import defvjp, primitive

from minikeras.engine import autodiff
from minikeras.engine.autodiff import is_traced, untraced
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.tensor import Tensor, as_tensor
from minikeras.engine.variable import Variable, read_value
from minikeras.tf.errors import InvalidArgumentError


def tf_name(fn):
    """`tf.math.reduce_sum` for minikeras.tf.math.reduce_sum; private modules are top-level."""
    parts = [p for p in fn.__module__.split(".")[2:] if not p.startswith("_")]
    return ".".join(["tf", *parts, fn.__name__])


@primitive
def _traced_tensor(x):
    """`x` viewed as a Tensor: traced, it becomes a TensorBox (which has `.numpy()` and takes a
    Variable operand: `tf.matmul(x, w) + b` with `b` a Variable being trained)."""
    return onp.asarray(x).view(Tensor)


defvjp(_traced_tensor, lambda ans, x: lambda g: g)


def tensor(value):
    """An eager result as a `Tensor`, a traced one as a traced Tensor (same gradient);
    KerasTensors and non-arrays unchanged; tuples and lists item by item."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple (TopKV2, ...)
        return type(value)(*(tensor(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(tensor(v) for v in value)
    if is_traced(value):
        if isinstance(untraced(value), (list, tuple)):  # a traced sequence: its traced items
            return [tensor(v) for v in value]
        return value if isinstance(untraced(value), Tensor) else _traced_tensor(value)
    if type(value) is Tensor or isinstance(value, KerasTensor):
        return value
    if isinstance(value, (onp.ndarray, onp.generic)):
        return as_tensor(value)
    return value


def watched(x):
    """`x`, or its traced value when a recording GradientTape watches it (one level into lists)."""
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(autodiff.watched_value(v) for v in x)
    return autodiff.watched_value(x)


def op(fn):
    """The public `tf.` function made of `fn` (see the module docstring)."""
    name = tf_name(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if autodiff._watched:  # tensors a recording GradientTape watches
            args = [watched(a) for a in args]
            kwargs = {k: watched(v) for k, v in kwargs.items()}
        try:
            return tensor(fn(*args, **kwargs))
        except (ValueError, IndexError) as e:
            if str(e).startswith("tf."):
                raise
            raise InvalidArgumentError(f"{name}: {e}") from None
        except TypeError as e:
            if str(e).startswith("tf."):
                raise
            raise TypeError(f"{name}: {e}") from None
    return wrapper


# --- reading arguments ------------------------------------------------------------------------
def read(x):
    """A tensor argument as an array or traced value (Variables read; lists and numbers as
    `tf.convert_to_tensor` makes them)."""
    from minikeras.tf._tensors import convert_to_tensor  # _tensors builds on this module
    x = read_value(x)
    if is_traced(x):
        return x
    if type(x) is onp.ndarray:
        return x
    if isinstance(x, Tensor):
        return x.view(onp.ndarray)
    return convert_to_tensor(x).view(onp.ndarray)


def numpy(x):
    """The current value of a tensor argument as a plain numpy array (never traced)."""
    return onp.asarray(untraced(read(x)))


def integer(x, what):
    """A Python int from an int, a numpy integer or a 0-d integer tensor (`tf.shape(x)[0]`)."""
    v = untraced(read_value(x))
    if isinstance(v, (bool, onp.bool_)) or onp.ndim(v) != 0 or not onp.issubdtype(
            onp.asarray(v).dtype, onp.integer):
        raise TypeError(f"`{what}` must be an integer. Received: {what}={x!r}")
    return int(v)


def shape_arg(shape, what="shape"):
    """A shape given as an int, a list / tuple of ints and 0-d tensors, a TensorShape or a 1-D
    int tensor (`tf.shape(x)`), as a tuple of ints (-1 and None kept as -1 / None)."""
    if isinstance(shape, (onp.ndarray, Variable)) or is_traced(shape):
        arr = onp.asarray(untraced(read_value(shape)))
        if arr.ndim > 1 or arr.size and not onp.issubdtype(arr.dtype, onp.integer):
            raise ValueError(f"`{what}` must be a 1-D integer tensor. Received: {what}={arr!r}")
        return tuple(int(d) for d in onp.atleast_1d(arr))
    if isinstance(shape, (int, onp.integer)):
        return (int(shape),)
    if not isinstance(shape, (list, tuple)):
        raise TypeError(f"`{what}` must be a list or tuple of integers. Received: {what}={shape!r}")
    return tuple(None if d is None else integer(d, what) for d in shape)


def axis_arg(axis):
    """An axis argument (int, list, tuple, or a tensor of them) as numpy reductions take it."""
    if axis is None or isinstance(axis, (int, onp.integer)):
        return None if axis is None else int(axis)
    arr = onp.asarray(untraced(read_value(axis)))
    return int(arr) if arr.ndim == 0 else tuple(int(a) for a in arr)


def check_axis(axis, ndim, what="axis"):
    """Raises a ValueError naming `what` unless every axis in `axis` is in [-ndim, ndim)."""
    for a in (() if axis is None else (axis,) if isinstance(axis, int) else axis):
        if not -ndim <= a < ndim:
            raise ValueError(f"`{what}`={a} is out of bounds for a tensor of rank {ndim}: "
                             f"it must be in [{-ndim}, {ndim}).")
