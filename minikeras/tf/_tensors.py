"""Making tensors and reading their shapes: `tf.constant`, `tf.convert_to_tensor`, `tf.cast`,
`tf.Variable`, `tf.shape`, `tf.TensorShape`, `tf.TensorSpec`, `tf.zeros`, `tf.range`, ...

Python values convert as TensorFlow converts them: floats to float32, ints to int32 (int64 when
too large), bools to bool, strings to `tf.string` (an object array of bytes); numpy arrays and
numpy scalars keep their dtype (float64 stays float64).
"""
import builtins

import numpy as onp

from minikeras import ops
from minikeras.engine.autodiff import is_traced, untraced
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.tensor import Tensor
from minikeras.engine.variable import Variable as _KerasVariable, read_value
from minikeras.tf import dtypes
from minikeras.tf._core import integer, numpy, op, read, shape_arg

newaxis = None


# --- conversion -------------------------------------------------------------------------------
def _has_numpy(x):
    if isinstance(x, (onp.ndarray, onp.generic, _KerasVariable)):
        return True
    return isinstance(x, (list, tuple)) and builtins.any(_has_numpy(e) for e in x)


def _to_bytes(arr):
    """A numpy array of str / bytes as TensorFlow's string tensor: an object array of bytes."""
    flat = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in arr.ravel().tolist()]
    out = onp.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def _python_dtype(arr):
    """What TensorFlow makes of a Python value numpy read as `arr`: float32, int32 (int64 if too
    large for int32), bool, complex128, string."""
    if arr.dtype == onp.float64:
        return "float32"
    if arr.dtype == onp.int64:
        small = arr.size == 0 or (arr.min() >= -2**31 and arr.max() < 2**31)
        return "int32" if small else "int64"
    return arr.dtype


def _convert(x, dtype=None, what="value"):
    """An array (or traced value) of `x`, converted as the module docstring says."""
    x = read_value(x)
    if is_traced(x):
        return x if dtype is None else ops.cast(x, dtypes.as_dtype(dtype).dtype)
    if isinstance(x, (list, tuple)) and builtins.any(is_traced(read_value(e)) for e in x):
        return ops.convert_to_tensor(x, None if dtype is None else dtypes.as_dtype(dtype).dtype)
    if isinstance(x, KerasTensor):
        raise TypeError(f"`{what}` is a symbolic KerasTensor; tf functions compute on values. "
                        "Use `keras.ops` (or a Lambda layer) in a functional model.")
    try:
        arr = onp.asarray(x)
    except ValueError as e:
        raise ValueError(f"`{what}` can't be converted to a tensor (a ragged nested list?): "
                         f"{e}") from None
    if arr.dtype.kind in "SU" or arr.dtype == object and arr.size and builtins.all(
            isinstance(s, (str, bytes)) for s in arr.ravel().tolist()):
        arr = _to_bytes(arr)
    elif arr.dtype == object:
        raise TypeError(f"`{what}` can't be converted to a tensor: elements of types "
                        f"{sorted({type(e).__name__ for e in arr.ravel().tolist()})}.")
    if dtype is not None:
        target = dtypes.as_dtype(dtype).dtype
        if arr.dtype == object and target != object or target == object and arr.dtype != object:
            raise TypeError(f"`{what}` of dtype {dtypes.as_dtype(arr.dtype).name} can't be "
                            f"converted to {dtypes.as_dtype(dtype).name}.")
        return arr.astype(target, copy=False)
    if not _has_numpy(x):
        arr = arr.astype(_python_dtype(arr), copy=False)
    return arr


@op
def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """`value` as a tensor: Tensors and traced values as they are, Variables read, Python and
    numpy values converted (see the module docstring). A Tensor of another dtype than `dtype` is
    a ValueError, as in TensorFlow; `dtype_hint` applies to Python values only."""
    v = read_value(value)
    if dtype is not None and (type(v) is Tensor or is_traced(v)):
        have, want = dtypes.as_dtype(v.dtype), dtypes.as_dtype(dtype)
        if have != want:
            raise ValueError(f"Tensor conversion requested dtype {want.name} for Tensor with "
                             f"dtype {have.name}: {value!r}")
    if dtype is None and dtype_hint is not None and not _has_numpy(v) and not is_traced(v) \
            and type(v) is not Tensor:
        try:
            return _convert(v, dtype_hint)
        except (TypeError, ValueError):
            pass
    return _convert(v, dtype)


@op
def constant(value, dtype=None, shape=None, name="Const"):
    """A tensor of `value` (converted as `convert_to_tensor`), cast to `dtype` and, with
    `shape`, reshaped to it (a single value is repeated to fill it)."""
    out = onp.asarray(untraced(_convert(value, dtype)))
    if shape is None:
        return onp.array(out)
    shape = shape_arg(shape)
    if out.size == 1:
        return onp.full(shape, out.reshape(()), dtype=out.dtype)
    if out.size != int(onp.prod(shape)):
        raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                        f"{out!r} (converted from {value!r}) has {out.size} elements, but got "
                        f"`shape` {shape} with {int(onp.prod(shape))} elements).")
    return out.reshape(shape)


@op
def cast(x, dtype, name=None):
    """`x` converted to `dtype`: floats to ints round towards zero, numbers to bool are
    `x != 0`. Strings don't cast (`tf.strings.to_number`, `tf.strings.as_string` do)."""
    target = dtypes.as_dtype(dtype).dtype
    x = read(x)
    if (target == object) != (x.dtype == object):
        raise TypeError(f"Cast {dtypes.as_dtype(x.dtype).name} to {dtypes.as_dtype(dtype).name} "
                        "is not supported.")
    return ops.cast(x, target) if target != object else x


@op
def identity(input, name=None):
    """A tensor with the same value as `input` (a Variable's current value)."""
    x = read(input)
    return x if is_traced(x) else onp.array(x)


@op
def stop_gradient(input, name=None):
    """The value of `input` with no gradient flowing back through it."""
    return ops.stop_gradient(read(input))


def is_tensor(x):
    """Whether `x` is a tensor: a numpy array (minikeras's tensors are), a traced value or a
    Variable; not a Python number or list."""
    return isinstance(x, (onp.ndarray, _KerasVariable, KerasTensor)) or is_traced(x)


# --- shapes -----------------------------------------------------------------------------------
def _static_shape(x):
    x = read_value(x)
    return tuple(x.shape) if isinstance(x, KerasTensor) else onp.shape(untraced(read(x)))


@op
def shape(input, out_type=None, name=None):
    """The shape of `input` as a 1-D int32 tensor; `tf.shape(x)[0]` is an int usable in
    `tf.reshape`, `tf.zeros`, ..."""
    return onp.array(_static_shape(input), dtype=dtypes.as_dtype(out_type or dtypes.int32).dtype)


@op
def size(input, out_type=None, name=None):
    """The number of elements of `input` (a 0-d int32 tensor)."""
    n = int(onp.prod(_static_shape(input)))
    return onp.array(n, dtype=dtypes.as_dtype(out_type or dtypes.int32).dtype)


@op
def rank(input, name=None):
    """The number of axes of `input` (a 0-d int32 tensor)."""
    return onp.array(len(_static_shape(input)), dtype="int32")


class TensorShape(tuple):
    """A static shape: a tuple of ints and None (unknown sizes), equal to the list or tuple of the
    same sizes. `TensorShape(None)` has an unknown rank."""

    def __new__(cls, dims):
        if isinstance(dims, TensorShape) and dims.rank is None:
            dims = None
        known = dims is not None
        if isinstance(dims, (int, onp.integer)) or (known and not isinstance(dims, (list, tuple))
                                                    and onp.ndim(dims) == 0):
            dims = [dims]
        sizes = () if not known else tuple(
            None if d is None else integer(getattr(d, "value", d), "dims") for d in dims)
        self = super().__new__(cls, sizes)
        self._known_rank = known
        return self

    @property
    def rank(self):
        """The number of axes, or None for an unknown rank."""
        return len(self) if self._known_rank else None

    ndims = rank

    @property
    def dims(self):
        """The sizes as a list (None for an unknown rank)."""
        return list(self) if self._known_rank else None

    def as_list(self):
        """The sizes as a list of ints and None."""
        if not self._known_rank:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def is_fully_defined(self):
        """Whether the rank and every size are known."""
        return self._known_rank and None not in self

    def num_elements(self):
        """The number of elements, or None when a size is unknown."""
        return int(onp.prod(self, dtype=onp.int64)) if self.is_fully_defined() else None

    def concatenate(self, other):
        """This shape followed by `other`."""
        other = TensorShape(other)
        if self.rank is None or other.rank is None:
            return TensorShape(None)
        return TensorShape(tuple(self) + tuple(other))

    def is_compatible_with(self, other):
        """Whether the two shapes agree wherever both are known."""
        other = TensorShape(other)
        if self.rank is None or other.rank is None:
            return True
        return len(self) == len(other) and builtins.all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def merge_with(self, other):
        """The shape with every size either shape knows (ValueError if they disagree)."""
        other = TensorShape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        if self.rank is None:
            return other
        if other.rank is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self, other)])

    def __getitem__(self, key):
        out = super().__getitem__(key)
        return TensorShape(out) if isinstance(key, builtins.slice) else out

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return TensorShape(other).concatenate(self)

    def __eq__(self, other):
        if isinstance(other, TensorShape) and (self.rank is None or other.rank is None):
            return self.rank is None and other.rank is None
        if isinstance(other, (list, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __repr__(self):
        return f"TensorShape({self.dims})" if self._known_rank else "TensorShape(None)"

    def __str__(self):
        if not self._known_rank:
            return "<unknown>"
        return "(" + ", ".join(str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


class TensorSpec:
    """The shape and dtype a tensor is expected to have (`tf.function(input_signature=...)`,
    `tf.data` element specs)."""

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of a tensor's shape and dtype."""
        v = untraced(read(tensor))
        return cls(onp.shape(v), dtypes.as_dtype(v.dtype), name)

    def is_compatible_with(self, spec_or_tensor):
        """Whether a tensor or spec fits this spec's dtype and (partly known) shape."""
        other = spec_or_tensor if isinstance(spec_or_tensor, TensorSpec) else \
            TensorSpec.from_tensor(spec_or_tensor)
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        """Equal to any spec (tf.data's element specs too) of the same shape, dtype and name."""
        if not builtins.all(hasattr(other, a) for a in ("shape", "dtype", "name")):
            return False
        shape = TensorShape(None if getattr(other.shape, "rank", 0) is None else other.shape)
        return (self.shape.rank == shape.rank and tuple(self.shape) == tuple(shape)
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self):
        return hash((tuple(self.shape), self.dtype.name, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


# --- variables --------------------------------------------------------------------------------
class _VariableType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _KerasVariable)


class Variable(metaclass=_VariableType):
    """`tf.Variable(initial_value, trainable=True, name=None, dtype=None, shape=None, ...)`: a
    minikeras (Keras) Variable, so `isinstance(v, tf.Variable)` holds for Keras weights too.

    `initial_value` may be a callable of no arguments. Keras takes the variable's value where
    TensorFlow would take the variable (`.numpy()`, `.assign()`, arithmetic, every `tf.*`).
    """

    def __new__(cls, initial_value=None, trainable=None, validate_shape=True,
                caching_device=None, name=None, variable_def=None, dtype=None,
                import_scope=None, constraint=None, synchronization=None, aggregation=None,
                shape=None, **kwargs):
        if initial_value is None:
            raise ValueError("tf.Variable: the `initial_value` argument must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        arr = numpy(constant(initial_value, dtype=dtype))
        if shape is not None and validate_shape:
            wanted = TensorShape(shape)
            if not wanted.is_compatible_with(arr.shape):
                raise ValueError(f"tf.Variable: `initial_value` has shape {arr.shape}, which is "
                                 f"not compatible with `shape`={wanted}.")
        return _KerasVariable(arr, dtype=arr.dtype.name, trainable=True if trainable is None
                              else trainable, name=name or "Variable", constraint=constraint)


# --- creation ---------------------------------------------------------------------------------
def _dtype_of(*values):
    """The dtype TensorFlow gives a tensor made from these values (Python numbers: float32 /
    int32; numpy values keep theirs; ints meeting floats take the float dtype)."""
    kinds = [onp.asarray(untraced(_convert(v))).dtype for v in values if v is not None]
    floats = [d for d in kinds if d.kind in "fc"]
    return onp.result_type(*(floats or kinds))


@op
def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros (float32 unless `dtype`)."""
    return onp.zeros(shape_arg(shape), dtypes.as_dtype(dtype).dtype)


@op
def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones (float32 unless `dtype`)."""
    return onp.ones(shape_arg(shape), dtypes.as_dtype(dtype).dtype)


@op
def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with `value` (its dtype from `value`)."""
    v = numpy(_convert(value))
    return onp.full(shape_arg(dims, "dims"), v, dtype=v.dtype)


@op
def zeros_like(input, dtype=None, name=None):
    """Zeros with the shape (and, unless `dtype`, the dtype) of `input`."""
    x = numpy(input)
    return onp.zeros(x.shape, dtypes.as_dtype(dtype).dtype if dtype is not None else x.dtype)


@op
def ones_like(input, dtype=None, name=None):
    """Ones with the shape (and, unless `dtype`, the dtype) of `input`."""
    x = numpy(input)
    return onp.ones(x.shape, dtypes.as_dtype(dtype).dtype if dtype is not None else x.dtype)


@op
def range(start, limit=None, delta=1, dtype=None, name="range"):
    """start, start + delta, ... below `limit` (`tf.range(n)` counts 0 .. n - 1): int32 for
    Python ints, float32 if any argument is a Python float."""
    if limit is None:
        start, limit = 0, start
    out_dtype = dtypes.as_dtype(dtype).dtype if dtype is not None else _dtype_of(start, limit, delta)
    return onp.arange(*(numpy(_convert(v)).item() for v in (start, limit, delta))).astype(out_dtype)


@op
def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """Identity matrices (num_rows x num_columns), repeated over `batch_shape`."""
    m = onp.eye(integer(num_rows, "num_rows"),
                None if num_columns is None else integer(num_columns, "num_columns"),
                dtype=dtypes.as_dtype(dtype).dtype)
    if batch_shape is None:
        return m
    return onp.broadcast_to(m, shape_arg(batch_shape, "batch_shape") + m.shape).copy()


@op
def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, both included (dtype of `start`)."""
    first = numpy(_convert(start))
    dtype = first.dtype if first.dtype.kind == "f" else onp.dtype("float64")
    return onp.linspace(first, numpy(stop), integer(num, "num"), axis=axis).astype(dtype)


@op
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """on_value at each index's position along a new `axis` (last by default), off_value
    elsewhere; an index outside [0, depth) gives a row of off_value."""
    dtype = dtypes.as_dtype(dtype).dtype if dtype is not None else _dtype_of(
        on_value, off_value) if (on_value is not None or off_value is not None) else "float32"
    labels = numpy(indices)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers (uint8, int8, int32, int64). Received: "
                        f"dtype {labels.dtype}")
    hot = ops.one_hot(labels, integer(depth, "depth"), axis=-1 if axis is None else axis,
                      dtype="bool")
    on = 1 if on_value is None else numpy(on_value)
    off = 0 if off_value is None else numpy(off_value)
    return onp.where(hot, on, off).astype(dtype)
