"""minikeras's TensorFlow stand-in: what `import tensorflow as tf` gives after `minikeras.install()`
(or under `python -m minikeras run`).

It covers `tf.keras` (minikeras itself) and the `tf.*` functions Keras tutorials use, measured on
the keras.io examples and guides: tensor creation and shapes, `tf.math`, `tf.nn`, `tf.random`,
`tf.image`, `tf.linalg`, `tf.strings`, `tf.io`, `tf.config`, `tf.distribute` (one replica),
`tf.experimental.numpy`, `tf.function` (runs eagerly), `tf.GradientTape` and `tf.data`.
docs/tensorflow.md lists what is covered and what is not; any other `tf.` name raises one error
that names it.

Results are `minikeras.engine.tensor.Tensor`s (numpy arrays with TensorFlow's `.numpy()`); while a
gradient is being taken, results computed from traced values stay traced, so gradients flow
through every differentiable `tf.*` function.
"""
import importlib

from minikeras._install import unavailable_message as _unavailable_message
from minikeras.engine.tensor import Tensor  # noqa: F401  (tf.Tensor: the type of results)
from minikeras.tf import dtypes, errors, linalg, math, nn, random  # noqa: F401  (tf.math, ...)
from minikeras.tf._array_ops import (  # noqa: F401
    argsort, boolean_mask, broadcast_to, clip_by_global_norm, clip_by_norm, clip_by_value,
    concat, expand_dims, gather, gather_nd, meshgrid, pad, repeat, reshape, reverse, roll,
    scatter_nd, sequence_mask, slice, sort, split, squeeze, stack, tensor_scatter_nd_add,
    tensor_scatter_nd_update, tile, transpose, unique, unstack, where)
from minikeras.tf._control import (  # noqa: F401
    autograph, cond, control_dependencies, device, ensure_shape, executing_eagerly, function,
    get_logger, get_static_value, group, map_fn, nest, no_op, numpy_function, print,
    py_function, vectorized_map, while_loop)
from minikeras.tf._tensors import (  # noqa: F401
    TensorShape, TensorSpec, Variable, cast, constant, convert_to_tensor, eye, fill, identity,
    is_tensor, linspace, newaxis, one_hot, ones, ones_like, range, rank, shape, size,
    stop_gradient, zeros, zeros_like)
from minikeras.tf.dtypes import (  # noqa: F401
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half, int8,
    int16, int32, int64, string, uint8, uint16, uint32, uint64)
from minikeras.tf.linalg import einsum, matmul, norm, tensordot  # noqa: F401
from minikeras.tf.math import (  # noqa: F401  (TensorFlow's top-level names of tf.math functions)
    abs, acos, acosh, add, add_n, argmax, argmin, asin, asinh, atan, atan2, atanh, cos, cosh,
    cumsum, divide, equal, exp, floor, greater, greater_equal, less, less_equal, logical_and,
    logical_not, logical_or, maximum, minimum, multiply, negative, not_equal, pow, realdiv,
    reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod,
    reduce_sum, round, scalar_mul, sigmoid, sign, sin, sinh, sqrt, square, subtract, tan, tanh,
    truediv)

__version__ = "2.21.0"  # the TensorFlow release whose API the stand-in follows

# Imported on first use: names TensorFlow itself hands to Keras (tf.keras, tf.initializers, ...),
# `tf.GradientTape` (it lives in the engine), `tf.data` (written separately), and the submodules
# that import minikeras's layers or utils, which import `tf.data` and so this package.
_KERAS = {"keras": "minikeras", "initializers": "minikeras.initializers",
          "optimizers": "minikeras.optimizers", "losses": "minikeras.losses",
          "metrics": "minikeras.metrics"}
_SUBMODULES = ("audio", "config", "debugging", "distribute", "experimental", "image", "io",
               "strings")


def __getattr__(name):
    if name in _KERAS:
        return importlib.import_module(_KERAS[name])
    if name in _SUBMODULES:
        return importlib.import_module(f"minikeras.tf.{name}")
    if name == "data":
        try:
            return importlib.import_module("minikeras.tf.data")
        except ImportError as e:  # tf.data is written separately: not there (yet)
            if e.name != "minikeras.tf.data":
                raise
    if name == "GradientTape":
        from minikeras.engine.tape import GradientTape
        return GradientTape
    if name.startswith("__"):
        raise AttributeError(name)
    message = _unavailable_message(name)
    homes = [m.__name__ for m in (math, nn, linalg) if name in vars(m) and not name.startswith("_")]
    if homes:  # tf.reduce_std: TensorFlow too has it only as tf.math.reduce_std
        message += f" TensorFlow has it as `{homes[0].replace('minikeras.', '')}.{name}`."
    raise AttributeError(message)


def __dir__():
    return sorted(set(globals()) | set(_KERAS) | set(_SUBMODULES) | {"data", "GradientTape"})
