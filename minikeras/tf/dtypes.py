"""`tf.dtypes`: `tf.float32`, `tf.int32`, ... and `tf.as_dtype`.

A `DType` stands for a numpy dtype: numpy takes it wherever it takes a dtype (`x.astype(tf.float32)`,
`np.zeros(3, tf.int64)`: its `.dtype` is the numpy dtype), and it compares equal to the numpy
dtype, the numpy type and the name (`x.dtype == tf.float32` for a numpy `x`). `tf.string` tensors
are numpy object arrays of `bytes`.
"""
import builtins

import numpy as onp

from minikeras._install import missing_attribute as _missing_attribute


class DType:
    """A TensorFlow dtype: `name`, `as_numpy_dtype`, `is_floating`, `min`, `max`, ..."""

    def __init__(self, name, numpy_dtype):
        self.name = name
        self._numpy = onp.dtype(numpy_dtype)

    @property
    def dtype(self):
        """The numpy dtype (what lets numpy take a DType as a dtype)."""
        return self._numpy

    @property
    def as_numpy_dtype(self):
        """The numpy scalar type (`numpy.float32`; `object` for `tf.string`)."""
        return object if self.name == "string" else self._numpy.type

    base_dtype = property(lambda self: self, doc="The dtype itself (no reference dtypes here).")
    is_floating = property(lambda self: self._numpy.kind == "f", doc="Whether a float dtype.")
    is_integer = property(lambda self: self._numpy.kind in "iu", doc="Whether an integer dtype.")
    is_unsigned = property(lambda self: self._numpy.kind == "u", doc="Whether an unsigned int dtype.")
    is_complex = property(lambda self: self._numpy.kind == "c", doc="Whether a complex dtype.")
    is_bool = property(lambda self: self._numpy.kind == "b", doc="Whether `tf.bool`.")
    is_numeric = property(lambda self: self._numpy.kind in "iufc", doc="Whether a number dtype.")
    size = property(lambda self: self._numpy.itemsize if self.name != "string" else 0,
                    doc="Bytes per element (0 for tf.string, as TensorFlow).")

    @property
    def real_dtype(self):
        """float32 for complex64, float64 for complex128, the dtype itself otherwise."""
        return as_dtype(self._numpy.type(0).real.dtype) if self.is_complex else self

    @property
    def min(self):
        """The smallest value of the dtype (-max for floats)."""
        return self._limits()[0]

    @property
    def max(self):
        """The largest finite value of the dtype."""
        return self._limits()[1]

    @property
    def limits(self):
        """The range of image intensities, negative values clipped as TensorFlow does:
        (0, 1) for floats, (0, max) for ints."""
        return (0, 1) if self.is_floating else (0, self._limits()[1])

    def _limits(self):
        if self.is_floating:
            info = onp.finfo(self._numpy)
            return info.dtype.type(info.min), info.dtype.type(info.max)
        if self.is_integer:
            info = onp.iinfo(self._numpy)
            return info.min, info.max
        if self.is_bool:
            return False, True
        raise TypeError(f"Cannot find minimum / maximum value for {self!r}.")

    def is_compatible_with(self, other):
        """Whether `other` names the same dtype."""
        return self == other

    def __eq__(self, other):
        if isinstance(other, DType):
            return self.name == other.name
        if other is None:
            return False
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = half = DType("float16", "float16")
float32 = DType("float32", "float32")
float64 = double = DType("float64", "float64")
int8 = DType("int8", "int8")
int16 = DType("int16", "int16")
int32 = DType("int32", "int32")
int64 = DType("int64", "int64")
uint8 = DType("uint8", "uint8")
uint16 = DType("uint16", "uint16")
uint32 = DType("uint32", "uint32")
uint64 = DType("uint64", "uint64")
bool = DType("bool", "bool")  # noqa: A001  (TensorFlow's name)
string = DType("string", object)
complex64 = DType("complex64", "complex64")
complex128 = DType("complex128", "complex128")

_BY_NAME = {d.name: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                                uint16, uint32, uint64, bool, string, complex64, complex128)}
_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "str": "string",
            "object": "string"}


def as_dtype(type_value):
    """The `DType` of a DType, a numpy dtype or type, a name ("float32", "double") or Python's
    `float` / `bool`; anything else is a TypeError (Python's `int` and "int" too, as in TF)."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        name = _ALIASES.get(type_value, type_value)
        if name in _BY_NAME:
            return _BY_NAME[name]
    elif type_value is float:
        return float32
    elif type_value is builtins.bool:
        return bool
    else:
        try:
            numpy_dtype = onp.dtype(type_value)
        except TypeError:
            numpy_dtype = None
        if type_value is not int and numpy_dtype is not None:
            name = "string" if numpy_dtype.kind in "OSU" else numpy_dtype.name
            if name in _BY_NAME:
                return _BY_NAME[name]
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow "
                    f"DType.")

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
