"""`TensorSpec` and `TensorShape`: the shape and dtype of a tensor, with None for what is unknown.

A dataset's `element_spec` and `from_generator(output_signature=...)` speak in specs. A spec's
`dtype` is a numpy dtype (so `spec.dtype == "float32"` and `== numpy.float32` both hold), or the
string "string" for text, where TensorFlow would say `tf.string`.
"""
import numpy as onp


def dtype_of(dtype):
    """A dtype as a spec holds it: a numpy dtype, or "string" (str, bytes, object, "string")."""
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in ("string", "str"):
        return "string"
    numpy_dtype = getattr(dtype, "as_numpy_dtype", None)  # a TensorFlow-style DType
    if numpy_dtype is not None:
        dtype = numpy_dtype
    elif not isinstance(dtype, (str, type, onp.dtype)) and hasattr(dtype, "name"):
        dtype = dtype.name
    dtype = onp.dtype(dtype)
    return "string" if dtype.kind in "USO" else dtype


def dtype_repr(dtype):
    return f"tf.{dtype if isinstance(dtype, str) else dtype.name}"


class TensorShape(tuple):
    """A shape whose dimensions may be None (unknown); `TensorShape(None)` has unknown rank."""

    def __new__(cls, dims=()):
        if isinstance(dims, TensorShape):
            return dims
        known = dims is not None
        shape = super().__new__(cls, () if dims is None else (
            None if d is None or int(d) < 0 else int(d) for d in dims))
        shape._known_rank = known
        return shape

    @property
    def rank(self):
        return len(self) if self._known_rank else None

    ndims = rank

    def as_list(self):
        if not self._known_rank:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def is_compatible_with(self, other):
        """Whether some concrete shape fits both (None matches any size)."""
        other = TensorShape(other)
        if self.rank is None or other.rank is None:
            return True
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def most_specific_compatible_shape(self, other):
        """The shape that keeps the dimensions both agree on and leaves the rest None."""
        other = TensorShape(other)
        if self.rank is None or other.rank is None or len(self) != len(other):
            return TensorShape(None)
        return TensorShape([a if a == b else None for a, b in zip(self, other)])

    def __repr__(self):
        return f"TensorShape({self.as_list()})" if self._known_rank else "TensorShape(None)"

    def __str__(self):
        if not self._known_rank:
            return "<unknown>"
        return "(" + ", ".join(str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


class TensorSpec:
    """The shape (None for unknown dimensions) and dtype of the tensors a dataset yields.

    Args:
        shape: a tuple / list of ints and None, or None for an unknown rank.
        dtype: a numpy dtype or its name, "string", or a TensorFlow-style dtype.
        name: an optional name.
    """

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = TensorShape(shape)
        self.dtype = dtype_of(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        tensor = onp.asarray(tensor)
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other):
        """Whether `other` (a spec or an array) has a compatible shape and the same dtype."""
        if not isinstance(other, TensorSpec):
            other = TensorSpec.from_tensor(other)
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def most_specific_compatible_type(self, other):
        return TensorSpec(self.shape.most_specific_compatible_shape(other.shape), self.dtype)

    def __eq__(self, other):
        """Equal to any spec (ours or `tf.TensorSpec`) of the same shape, dtype and name."""
        if not all(hasattr(other, a) for a in ("shape", "dtype", "name")):
            return False
        shape = TensorShape(None if getattr(other.shape, "rank", 0) is None else other.shape)
        return (self.dtype == dtype_of(other.dtype) and self.name == other.name
                and self.shape.rank == shape.rank and tuple(self.shape) == tuple(shape))

    def __hash__(self):
        return hash((tuple(self.shape), str(self.dtype), self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={dtype_repr(self.dtype)}, name={self.name!r})"


def spec_of(tensor):
    """The spec of one concrete value."""
    return TensorSpec.from_tensor(tensor)
