"""`tf.debugging`: assertions on tensor values and shapes.

A failed value assertion raises `tf.errors.InvalidArgumentError` (a ValueError here), a failed
rank assertion a ValueError, as in TensorFlow; a passing one returns None.
"""
import numpy as onp

from minikeras._install import missing_attribute as _missing_attribute
from minikeras.tf import dtypes
from minikeras.tf._core import integer as _integer, numpy as _numpy, read as _read
from minikeras.tf.errors import InvalidArgumentError as _InvalidArgumentError


def _check(holds, condition, message, x, y=None):
    if onp.all(holds):
        return None
    shown = f"x = {_numpy(x)!r}" + ("" if y is None else f", y = {_numpy(y)!r}")
    raise _InvalidArgumentError(f"{message + chr(10) if message else ''}Condition {condition} did "
                               f"not hold: {shown}")


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raises unless x == y everywhere (broadcast)."""
    return _check(_numpy(x) == _numpy(y), "x == y", message, x, y)


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    """Raises unless x != y everywhere."""
    return _check(_numpy(x) != _numpy(y), "x != y", message, x, y)


def assert_less(x, y, message=None, summarize=None, name=None):
    """Raises unless x < y everywhere."""
    return _check(_numpy(x) < _numpy(y), "x < y", message, x, y)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """Raises unless x <= y everywhere."""
    return _check(_numpy(x) <= _numpy(y), "x <= y", message, x, y)


def assert_greater(x, y, message=None, summarize=None, name=None):
    """Raises unless x > y everywhere."""
    return _check(_numpy(x) > _numpy(y), "x > y", message, x, y)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """Raises unless x >= y everywhere."""
    return _check(_numpy(x) >= _numpy(y), "x >= y", message, x, y)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raises unless |x - y| <= atol + rtol * |y| everywhere (10 eps of the dtype by default)."""
    a, b = _numpy(x), _numpy(y)
    eps = onp.finfo(a.dtype).eps if a.dtype.kind == "f" else 0
    rtol, atol = 10 * eps if rtol is None else rtol, 10 * eps if atol is None else atol
    return _check(onp.abs(a - b) <= atol + rtol * onp.abs(b), "|x - y| <= atol + rtol * |y|",
                  message, x, y)


def assert_positive(x, message=None, summarize=None, name=None):
    """Raises unless x > 0 everywhere."""
    return _check(_numpy(x) > 0, "x > 0", message, x)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """Raises unless x >= 0 everywhere."""
    return _check(_numpy(x) >= 0, "x >= 0", message, x)


def assert_negative(x, message=None, summarize=None, name=None):
    """Raises unless x < 0 everywhere."""
    return _check(_numpy(x) < 0, "x < 0", message, x)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """Raises unless x <= 0 everywhere."""
    return _check(_numpy(x) <= 0, "x <= 0", message, x)


def assert_all_finite(t, message, name=None):
    """Raises unless every element is finite; returns `t`."""
    if not onp.all(onp.isfinite(_numpy(t))):
        raise _InvalidArgumentError(f"{message} : Tensor had Inf or NaN values")
    return t


def check_numerics(tensor, message, name=None):
    """`tensor`, after checking it has no NaN or Inf."""
    v = _numpy(tensor)
    if onp.isnan(v).any() or onp.isinf(v).any():
        kind = "NaN" if onp.isnan(v).any() else "Inf"
        raise _InvalidArgumentError(f"{message} : Tensor had {kind} values")
    return tensor


def assert_rank(x, rank, message=None, name=None):
    """Raises a ValueError unless `x` has rank `rank`."""
    have = onp.ndim(_numpy(x))
    if have != _integer(rank, "rank"):
        raise ValueError(f"{message or ''} Tensor must have rank {int(rank)}. Received rank "
                         f"{have}, shape {onp.shape(_numpy(x))}".strip())


def assert_rank_at_least(x, rank, message=None, name=None):
    """Raises a ValueError unless `x` has rank >= `rank`."""
    have = onp.ndim(_numpy(x))
    if have < _integer(rank, "rank"):
        raise ValueError(f"{message or ''} Tensor must have rank at least {int(rank)}. Received "
                         f"rank {have}, shape {onp.shape(_numpy(x))}".strip())


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Raises a ValueError unless each (tensor, shape) pair's shape matches, with named sizes
    ("N") equal wherever they appear."""
    sizes = {}
    for tensor, spec in (shapes.items() if isinstance(shapes, dict) else shapes):
        shape = onp.shape(_numpy(tensor))
        if len(shape) != len(spec):
            raise ValueError(f"{message or ''} Specified by tensor with shape {shape}: wrong "
                             f"rank, expected {len(spec)} dimensions {tuple(spec)}.".strip())
        for size, want in zip(shape, spec):
            if isinstance(want, str):
                want = sizes.setdefault(want, size)
            if want is not None and size != want:
                raise ValueError(f"{message or ''} Specified by tensor with shape {shape}: "
                                 f"expected {tuple(spec)}.".strip())


def assert_type(tensor, tf_type, message=None, name=None):
    """Raises a TypeError unless `tensor` has dtype `tf_type`."""
    have = dtypes.as_dtype(_numpy(tensor).dtype)
    if have != dtypes.as_dtype(tf_type):
        raise TypeError(f"{message or ''} {have.name} must be of type {dtypes.as_dtype(tf_type)!r}"
                        .strip())


def is_numeric_tensor(tensor):
    """Whether `tensor` holds numbers (not strings)."""
    return dtypes.as_dtype(_numpy(_read(tensor)).dtype).is_numeric


def set_log_device_placement(enabled):
    """Accepted (everything is placed on the CPU)."""


def enable_check_numerics(*args, **kwargs):
    """Accepted; no effect."""


def disable_check_numerics():
    """Accepted; no effect."""


def Assert(condition, data, summarize=None, name=None):
    """Raises InvalidArgumentError with `data` in its message unless `condition` holds."""
    if not bool(onp.all(_numpy(condition))):
        raise _InvalidArgumentError("assertion failed: " + " ".join(str(_numpy(d)) for d in data))

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
