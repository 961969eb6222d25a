"""`tf.experimental.numpy` (`tnp`): numpy's API on tensors, as `keras.ops` implements it.

Each function is the `keras.ops` function of the same numpy name, returning `Tensor`s (traced
values while differentiated). dtypes follow `keras.ops`: Python floats give float32, where
TensorFlow's tnp, like numpy, gives float64 unless `experimental_enable_numpy_behavior(
prefer_float32=True)` was called. `tnp.float32` ... are numpy's scalar types, as in TensorFlow.
"""
import numpy as onp

from minikeras import ops
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.engine.tensor import Tensor as _Tensor
from minikeras.tf._core import op as _op

ndarray = _Tensor
newaxis = None
pi, e, inf, nan = onp.pi, onp.e, onp.inf, onp.nan
(bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64,
 complex64, complex128) = (onp.bool_, onp.int8, onp.int16, onp.int32, onp.int64, onp.uint8,
                           onp.uint16, onp.uint32, onp.uint64, onp.float16, onp.float32,
                           onp.float64, onp.complex64, onp.complex128)

_SAME_NAME = (
    "abs absolute add all amax amin any arange arccos arccosh arcsin arcsinh arctan arctan2 "
    "arctanh argmax argmin argsort array average broadcast_to cbrt ceil clip concatenate copy cos "
    "cosh count_nonzero cumprod cumsum diag diagonal diff divide dot einsum equal exp expand_dims "
    "expm1 eye flip floor floor_divide full full_like greater greater_equal hstack identity "
    "isclose isfinite isinf isnan less less_equal linspace log log10 log1p log2 logaddexp "
    "logical_and logical_not logical_or logical_xor matmul max maximum mean meshgrid min minimum "
    "mod moveaxis multiply negative nonzero not_equal ones ones_like outer pad power prod ravel "
    "reciprocal repeat reshape roll round sign sin sinh sort split sqrt square squeeze stack std "
    "subtract sum swapaxes take take_along_axis tan tanh tensordot tile trace transpose tri tril "
    "triu true_divide var vstack where zeros zeros_like").split()


def _numpy_function(name, fn):
    """`fn` (a keras.ops function) as tnp.<name>."""
    def function(*args, **kwargs):
        return fn(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    function.__doc__ = fn.__doc__
    return _op(function)


for _name in _SAME_NAME:
    globals()[_name] = _numpy_function(_name, getattr(ops, _name))
asarray = _numpy_function("asarray", ops.convert_to_tensor)


def experimental_enable_numpy_behavior(prefer_float32=False, dtype_conversion_mode="legacy"):
    """Accepted: tensors already are numpy arrays (`.reshape`, `.T`, operators, ...)."""


__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
