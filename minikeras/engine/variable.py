"""Variables: a layer's weights, optimizer slots and metric state.

A `Variable` holds a numpy array (float32 unless told otherwise). Inside a `StatelessScope` (engine/autodiff.py: what
`fit` opens around the forward pass) `variable.value` is the value autograd is tracing instead,
so a layer's `call` reads `self.kernel` and gets something autograd can differentiate. Outside
the scope it is a plain array with `.numpy()` and `.assign()`.

Mixed precision: inside an `AutocastScope("float16")` (what a layer with a "mixed_float16" policy
opens around its `call`) a float variable is read cast to float16, while it keeps its float32
value; the cast is differentiable, so gradients arrive in float32.
"""
import threading

import ml_dtypes  # noqa: F401  (registers bfloat16 with numpy, as Keras's backends do)
import numpy as onp
from autograd import numpy as anp

from minikeras.engine import config
from minikeras.engine import autodiff
from minikeras.engine.name_scope import current_path
from minikeras.engine.autodiff import (  # noqa: F401  (StatelessScope: re-exported)
    StatelessScope, bound, is_traced, untraced)


def read_value(x):
    """A Variable's current value (the traced one inside a StatelessScope); anything else as is."""
    return x.value if type(x) is Variable else x


def read_values(xs):
    """`read_value` of each item."""
    return [read_value(x) for x in xs]


def standardize_dtype(dtype):
    """The canonical dtype name (float32, int32, ...) of a dtype; floatx for None."""
    if dtype is None:
        return config.floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    if dtype in ("string", "str", str, object, "object"):
        return "string"  # Keras's string tensors: numpy str / object arrays
    try:
        return onp.dtype(dtype).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype}") from None


# Set by `saving.allocation_budget` while a loaded config is being built: called with the name,
# shape and dtype of every variable before it is allocated, it may refuse it (ValueError).
creation_check = None
# Set by `minikeras.initializers` when it loads: turns a name ("zeros") into an initializer.
named_initializer = None


class _AutocastState(threading.local):
    scope = None  # the innermost open AutocastScope of this thread


_autocast_state = _AutocastState()


def _is_float(dtype):
    return dtype.kind == "f" or dtype.name == "bfloat16"


class AutocastScope:
    """Within this scope, float variables (those created with `autocast=True`) are read cast to
    `dtype`; `AutocastScope(None)` turns autocasting off inside an outer scope."""

    def __init__(self, dtype):
        if dtype is not None:
            dtype = standardize_dtype(dtype)
            if not _is_float(onp.dtype(dtype)):
                raise ValueError("`AutocastScope` can only be used with a floating-point target "
                                 f"dtype, such as 'float16'. Received: dtype={dtype}")
        self.dtype = dtype
        self.original_scope = None

    def maybe_cast(self, value):
        """`value` cast to the scope's dtype if it is a float array (else unchanged)."""
        if self.dtype is not None and _is_float(onp.dtype(getattr(value, "dtype", "int32"))):
            return value if value.dtype == self.dtype else value.astype(self.dtype)
        return value

    def __enter__(self):
        self.original_scope = _autocast_state.scope
        _autocast_state.scope = self
        return self

    def __exit__(self, *exc):
        _autocast_state.scope = self.original_scope
        return False


def get_autocast_scope():
    """The innermost open AutocastScope, or None."""
    return _autocast_state.scope


def _scoped_path(name):
    parent = current_path()
    return f"{parent}/{name}" if parent else name


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
        self.path = path or _scoped_path(self.name)
        self._autocast = bool(autocast)
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        if isinstance(initializer, str):
            if named_initializer is None:
                raise ValueError(f"Variable '{self.name}': a named initializer needs "
                                 f"minikeras.initializers loaded. Received: "
                                 f"initializer={initializer!r}")
            initializer = named_initializer(initializer)
        if callable(initializer) and not isinstance(initializer, (onp.ndarray, Variable)):
            if shape is None:
                raise ValueError(
                    f"When creating a Variable from an initializer, the `shape` argument "
                    f"should be specified. Received: initializer={initializer} and shape={shape}")
            if creation_check is not None:
                creation_check(self.name, shape, standardize_dtype(dtype))
            value = initializer(tuple(shape), dtype=standardize_dtype(dtype))
        else:
            value = initializer
        arr = onp.asarray(untraced(value.numpy() if isinstance(value, Variable) else value))
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
        """The array, or inside a StatelessScope the value autograd traces in its place; inside
        an AutocastScope a float variable's value comes cast to the scope's dtype."""
        value = bound(self, self._value)
        scope = _autocast_state.scope
        if scope is not None and scope.dtype is not None:
            return self.autocast_value(value, scope.dtype)
        return value

    def autocast_value(self, value, dtype):
        """`value` (this variable's, maybe traced) cast to `dtype` if the variable autocasts and
        is float; a traced result keeps the variable's `assign` (a VariableBox)."""
        if not self._autocast or not _is_float(self._value.dtype) or self._value.dtype == dtype:
            return value
        cast = value.astype(dtype)
        if is_traced(cast) and not isinstance(cast, autodiff.VariableBox):
            cast = autodiff.VariableBox(cast._value, cast._trace, cast._node, self)
        return cast

    @property
    def autocast(self):
        """Whether the variable is read cast to the compute dtype inside an AutocastScope."""
        return self._autocast

    def numpy(self):
        """A copy of the current value as a numpy array (inside a StatelessScope, the scope's)."""
        return onp.array(untraced(bound(self, self._value)))

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        """The dtype of the value; inside an AutocastScope, the dtype it is read in."""
        scope = _autocast_state.scope
        if scope is not None and scope.dtype is not None and self._autocast \
                and _is_float(self._value.dtype):
            return scope.dtype
        return self._value.dtype.name

    @property
    def ndim(self):
        return self._value.ndim

    def __len__(self):
        return len(self._value)

    def __array__(self, dtype=None, copy=None):
        if is_traced(bound(self, None)):
            raise TypeError(
                f"Variable '{self.path}' was passed to a plain numpy function while it is being "
                "differentiated, which would silently cut its gradient. Use `keras.ops` functions "
                "or operators on the variable instead.")
        return self._value if dtype is None else self._value.astype(dtype)

    # --- writing -------------------------------------------------------------------------
    def assign(self, value):
        """Sets the value (same shape; cast to the variable's dtype) and returns the variable.
        Inside a StatelessScope that binds the variable, only the scope's value changes."""
        if autodiff._bindings and autodiff.rebind(self, value):
            return self
        if type(value) is onp.ndarray and value.dtype == self._value.dtype and value.shape == self._value.shape:
            self._value = value.copy()
            return self
        value = onp.asarray(untraced(value.value if isinstance(value, Variable) else value))
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
        return self.assign(self._value + onp.asarray(untraced(_plain(value))))

    def assign_sub(self, value):
        """Subtracts `value` from the variable in place: v = v - value."""
        return self.assign(self._value - onp.asarray(untraced(_plain(value))))

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
