"""Variables, and the stateless scope that binds them to traced values during a training step.

A `Variable` holds a float32 numpy array. Inside a `StatelessScope` (what `fit` opens around
the forward pass) `variable.value` is the value autograd is tracing instead, so a layer's
`call` reads `self.kernel` and gets something autograd can differentiate. Outside the scope it
is a plain array with `.numpy()` and `.assign()`.
"""
import contextlib
import math

import numpy as onp
from autograd import numpy as anp
from autograd.tracer import getval

from minikeras.engine import config

_scope = None  # dict id(variable) -> traced value, while a StatelessScope is open


def in_stateless_scope():
    return _scope is not None


class StatelessScope:
    """Binds variables to given values for the duration of a `with` block."""

    def __init__(self, bindings):
        self.bindings = {id(v): val for v, val in bindings}

    def __enter__(self):
        global _scope
        self._outer = _scope
        _scope = {**self._outer, **self.bindings} if self._outer else self.bindings
        return self

    def __exit__(self, *exc):
        global _scope
        _scope = self._outer
        return False


def scoped(obj):
    """The value bound to `obj` in the open scope if `obj` is a bound Variable, else `obj`."""
    if _scope is not None and type(obj) is Variable:
        return _scope.get(id(obj), obj)
    return obj


def standardize_dtype(dtype):
    """The canonical dtype name (float32, int32, ...) of a dtype; floatx for None."""
    if dtype is None:
        return config.floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    if dtype in ("string", "str", str, object, "object"):
        return "string"  # Keras's string tensors: numpy str / object arrays
    return onp.dtype(dtype).name


_budget = {"bytes": None, "what": None}


@contextlib.contextmanager
def allocation_budget(nbytes, what):
    """Within the block, creating variables larger in total than `nbytes` raises ValueError
    (a loaded config must not make us allocate far more than the file's weights hold)."""
    saved = dict(_budget)
    _budget.update(bytes=int(nbytes), what=what)
    try:
        yield
    finally:
        _budget.update(saved)


def _charge(name, shape, dtype):
    if _budget["bytes"] is None:
        return
    nbytes = math.prod(int(d) for d in shape) * onp.dtype(standardize_dtype(dtype)).itemsize
    if nbytes > _budget["bytes"]:
        raise ValueError(
            f"Refusing to create variable '{name}' of shape {tuple(shape)} ({nbytes:,} bytes): "
            f"{_budget['what']} declares more weights than its file holds.")
    _budget["bytes"] -= nbytes


class Variable:
    """A named, mutable array: a layer's weight or a piece of optimizer or metric state.

    Args:
        initializer: an initializer (string, callable `f(shape, dtype)`) or an initial array.
        shape: the shape, required when `initializer` is a callable.
        dtype: defaults to `keras.config.floatx()` ("float32").
        trainable: whether `fit` differentiates with respect to it.
        name: the bare name (`"kernel"`); `path` adds the owner (`"dense/kernel"`).
    """

    __array_priority__ = 100

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None,
                 regularizer=None, constraint=None, path=None, autocast=True,
                 aggregation="none", synchronization="auto"):
        self.name = name or "variable"
        self.path = path or self.name
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        if callable(initializer) and not isinstance(initializer, (onp.ndarray, Variable)):
            if shape is None:
                raise ValueError(
                    f"When creating a Variable from an initializer, the `shape` argument "
                    f"should be specified. Received: initializer={initializer} and shape={shape}")
            _charge(self.name, shape, dtype)
            value = initializer(tuple(shape), dtype=standardize_dtype(dtype))
        else:
            value = initializer
        arr = onp.asarray(getval(value.numpy() if isinstance(value, Variable) else value))
        if dtype is None and not onp.issubdtype(arr.dtype, onp.floating) and arr.dtype != bool:
            dtype = arr.dtype if onp.issubdtype(arr.dtype, onp.integer) else None
        self._value = onp.array(arr, dtype=standardize_dtype(dtype))
        if shape is not None and tuple(self._value.shape) != tuple(shape):
            raise ValueError(
                f"Initial value for variable '{self.name}' has shape {self._value.shape}, "
                f"which is not compatible with the declared shape {tuple(shape)}.")

    # --- reading -------------------------------------------------------------------------
    @property
    def value(self):
        if _scope is not None:
            return _scope.get(id(self), self._value)
        return self._value

    def numpy(self):
        """A copy of the current value as a numpy array."""
        return onp.array(self._value)

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype.name

    @property
    def ndim(self):
        return self._value.ndim

    def __len__(self):
        return len(self._value)

    def __array__(self, dtype=None, copy=None):
        if _scope is not None and id(self) in _scope and not isinstance(_scope[id(self)], onp.ndarray):
            raise TypeError(
                f"Variable '{self.path}' was passed to a plain numpy function while it is being "
                "differentiated, which would silently cut its gradient. Use `keras.ops` functions "
                "or operators on the variable instead.")
        return self._value if dtype is None else self._value.astype(dtype)

    # --- writing -------------------------------------------------------------------------
    def assign(self, value):
        """Sets the value (same shape; cast to the variable's dtype) and returns the variable."""
        if type(value) is onp.ndarray and value.dtype == self._value.dtype and value.shape == self._value.shape:
            self._value = value.copy()
            return self
        value = onp.asarray(getval(value.value if isinstance(value, Variable) else value))
        if value.shape != self._value.shape:
            raise ValueError(
                f"The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={self.shape}, "
                f"Received: value.shape={value.shape}. Target variable: {self}")
        self._value = value.astype(self._value.dtype, copy=True)
        return self

    def _adopt(self, array):
        """Takes a freshly computed array as the new value without copying it (the optimizers'
        updates; nobody else holds `array`). Falls back to `assign` on a dtype or shape change."""
        if type(array) is onp.ndarray and array.dtype == self._value.dtype \
                and array.shape == self._value.shape and array is not self._value:
            self._value = array
            return self
        return self.assign(array)

    def assign_add(self, value):
        """Adds `value` to the variable in place: v = v + value."""
        return self.assign(self._value + onp.asarray(getval(_plain(value))))

    def assign_sub(self, value):
        """Subtracts `value` from the variable in place: v = v - value."""
        return self.assign(self._value - onp.asarray(getval(_plain(value))))

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self._value}>")

    # --- arithmetic: delegates to the (possibly traced) value ---------------------------
    def __getitem__(self, idx):
        return self.value[idx]

    def __neg__(self):
        return -self.value

    def __pos__(self):
        return self.value

    def __abs__(self):
        return anp.abs(self.value)

    @property
    def T(self):
        return anp.transpose(self.value)

    def __bool__(self):
        return bool(self._value)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __hash__(self):
        return id(self)


def _plain(x):
    return x.value if isinstance(x, Variable) else x


def _binary(op, reflected=False):
    def method(self, other):
        a, b = self.value, _plain(other)
        return op(b, a) if reflected else op(a, b)
    return method


for _name, _op in [("add", anp.add), ("sub", anp.subtract), ("mul", anp.multiply),
                   ("truediv", anp.true_divide), ("floordiv", anp.floor_divide),
                   ("mod", anp.mod), ("pow", anp.power), ("matmul", anp.matmul)]:
    setattr(Variable, f"__{_name}__", _binary(_op))
    setattr(Variable, f"__r{_name}__", _binary(_op, reflected=True))
for _name, _op in [("lt", anp.less), ("le", anp.less_equal), ("gt", anp.greater),
                   ("ge", anp.greater_equal)]:
    setattr(Variable, f"__{_name}__", _binary(_op))
