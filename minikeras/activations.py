"""`keras.activations`: element-wise activation functions, and the name registry for them.

Every function accepts numpy arrays, traced autograd values and Variables, and is
differentiable by autograd. The maths lives in `minikeras.ops.nn`; this module adds the
Keras-level arguments (`relu`'s `negative_slope` / `max_value` / `threshold`, `gelu`'s
`approximate=False` default) and `get` / `serialize` / `deserialize`.
"""
import types

import numpy as onp
from autograd import numpy as anp

from minikeras.engine.config import floatx
from minikeras.ops import nn
from minikeras.ops.numpy import convert_to_tensor
from minikeras.utils.registry import lookup


def _as_tensor(x):
    """`x` as an array (Python lists of floats become floatx) or the traced value itself."""
    if isinstance(x, (list, tuple)):
        # converted here: ops.numpy.convert_to_tensor's `any(...)` is shadowed by ops.any,
        # which sends every list down its stack-of-boxes branch (float64 out)
        arr = onp.asarray(x)
        return arr.astype(floatx()) if arr.dtype == onp.float64 else arr
    return convert_to_tensor(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `max(x, 0)`, generalised as in Keras.

    Below `threshold` the output is `negative_slope * (x - threshold)`; above it, `x`,
    clipped at `max_value` when given.

    Args:
        x: input tensor.
        negative_slope: slope for values below the threshold.
        max_value: the largest value the function returns (`None`: no clipping).
        threshold: values at or below it are damped or set to zero.
    """
    x = _as_tensor(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return nn.leaky_relu(x, negative_slope=negative_slope)
        negative_part = nn.relu(threshold - x)
    if threshold != 0:
        out = nn.threshold(x, threshold, 0.0)
    else:
        out = nn.relu(x)
    if max_value is not None:
        out = anp.minimum(anp.maximum(out, 0.0), max_value)  # jax's clip: half gradient at ties
    if negative_slope != 0.0:
        out = out - negative_slope * negative_part
    return out


def leaky_relu(x, negative_slope=0.2):
    """`x` if `x >= 0` else `negative_slope * x`."""
    return nn.leaky_relu(_as_tensor(x), negative_slope=negative_slope)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return nn.relu6(_as_tensor(x))


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x), axis)`: a probability distribution along `axis`."""
    return nn.softmax(_as_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    """`x - log(sum(exp(x), axis))`."""
    return nn.log_softmax(_as_tensor(x), axis=axis)


def sparsemax(x, axis=-1):
    """`max(x - tau(x), 0)`: the Euclidean projection of `x` onto the probability simplex."""
    return nn.sparsemax(_as_tensor(x), axis=axis)


def elu(x, alpha=1.0):
    """`x` if `x > 0` else `alpha * (exp(x) - 1)`."""
    return nn.elu(_as_tensor(x), alpha=alpha)


def selu(x):
    """`scale * elu(x, alpha)`, alpha=1.67326324, scale=1.05070098 (Klambauer et al. 2017)."""
    return nn.selu(_as_tensor(x))


def celu(x, alpha=1.0):
    """`x` if `x >= 0` else `alpha * (exp(x / alpha) - 1)`."""
    return nn.celu(_as_tensor(x), alpha=alpha)


def softplus(x):
    """`log(exp(x) + 1)`."""
    return nn.softplus(_as_tensor(x))


def softsign(x):
    """`x / (|x| + 1)`."""
    return nn.softsign(_as_tensor(x))


def squareplus(x, b=4):
    """`(x + sqrt(x^2 + b)) / 2`."""
    return nn.squareplus(_as_tensor(x), b=b)


def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    return nn.soft_shrink(_as_tensor(x), threshold=threshold)


def hard_shrink(x, threshold=0.5):
    """`x` if `|x| > threshold` else 0."""
    return nn.hard_shrink(_as_tensor(x), threshold=threshold)


def sparse_plus(x):
    """0 for `x <= -1`, `(x + 1)^2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    return nn.sparse_plus(_as_tensor(x))


def silu(x):
    """Swish / SiLU: `x * sigmoid(x)`."""
    return nn.silu(_as_tensor(x))


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` for `X ~ N(0, 1)`.

    Exact: `0.5 * x * (1 + erf(x / sqrt(2)))`; approximate:
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
    """
    return nn.gelu(_as_tensor(x), approximate=approximate)


def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)`, `a` and `b` the halves of `x` along `axis`."""
    return nn.glu(_as_tensor(x), axis=axis)


def tanh(x):
    """`(exp(x) - exp(-x)) / (exp(x) + exp(-x))`."""
    return nn.tanh(_as_tensor(x))


def tanh_shrink(x):
    """`x - tanh(x)`."""
    return nn.tanh_shrink(_as_tensor(x))


def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return nn.hard_tanh(_as_tensor(x))


def threshold(x, threshold, default_value):
    """`x` if `x > threshold` else `default_value`."""
    return nn.threshold(_as_tensor(x), threshold, default_value)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return nn.sigmoid(_as_tensor(x))


def sparse_sigmoid(x):
    """`0.5 * clip(x + 1, 0, 2)`."""
    return nn.sparse_sigmoid(_as_tensor(x))


def exponential(x):
    """`exp(x)`."""
    return nn.exponential(_as_tensor(x))


def hard_sigmoid(x):
    """0 for `x <= -3`, 1 for `x >= 3`, `x / 6 + 0.5` between."""
    return nn.hard_sigmoid(_as_tensor(x))


def log_sigmoid(x):
    """`log(1 / (1 + exp(-x)))`."""
    return nn.log_sigmoid(_as_tensor(x))


def hard_silu(x):
    """Hard swish: `x * hard_sigmoid(x)`."""
    return nn.hard_silu(_as_tensor(x))


hard_swish = hard_silu


def linear(x):
    """The identity: returns `x` unmodified."""
    return x


def mish(x):
    """`x * tanh(softplus(x))`."""
    return nn.mish(_as_tensor(x))


ALL_OBJECTS_DICT = {fn.__name__: fn for fn in (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
    sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear,
    mish, log_softmax, log_sigmoid, sparsemax)}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu


def serialize(activation):
    """A built-in's name (`"relu"`); a config dict for other functions and for objects."""
    name = getattr(activation, "__name__", None)
    if ALL_OBJECTS_DICT.get(name) is activation:
        return name
    if isinstance(activation, types.FunctionType):
        from minikeras.saving.object_registration import get_registered_name
        return {"module": "builtins", "class_name": "function",
                "config": get_registered_name(activation), "registered_name": "function"}
    if hasattr(activation, "get_config"):
        from minikeras.utils.registry import class_config
        return class_config(activation)
    raise ValueError(
        f"Unknown activation function '{activation}' cannot be serialized due to invalid "
        "function name. Make sure to use an activation name that matches the references "
        "defined in activations.py or use `@keras.saving.register_keras_serializable()` "
        "to register any custom activations.")


def deserialize(config, custom_objects=None):
    """The function named by `config`: a name, or a dict from `serialize`."""
    table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
    return lookup("activation function", config, table)


def get(identifier):
    """`None` -> `linear`; a name or serialized dict -> the function; a callable -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")
