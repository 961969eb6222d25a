"""`tf.nn`: activations, the cross-entropies with logits, moments, dropout, convolution and
pooling, on `keras.ops`.

TensorFlow's conventions kept: `gelu` is exact by default (`keras.ops.gelu` approximates);
`leaky_relu`'s slope is `alpha=0.2`; `softmax(axis=None)` is the last axis; conv and pooling take
"SAME" / "VALID", "NHWC" / "NCHW", and strides given as an int, per spatial axis, or for every
axis ([1, s, s, 1]).
"""
import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.engine.autodiff import untraced as _untraced
from minikeras.engine.random import draw_seed as _draw_seed
from minikeras.tf._array_ops import gather as _gather
from minikeras.tf._core import integer as _integer, numpy as _numpy, op as _op, read as _read
from minikeras.tf.math import (  # noqa: F401  (tf.nn.* names of tf.math functions)
    in_top_k, l2_normalize, log_softmax, sigmoid, softmax, softplus, softsign, tanh, top_k)


# --- activations ------------------------------------------------------------------------------
@_op
def relu(features, name=None): "max(x, 0)."; return ops.relu(_read(features))
@_op
def relu6(features, name=None): "min(max(x, 0), 6)."; return ops.relu6(_read(features))
@_op
def elu(features, name=None): "x if x > 0 else exp(x) - 1."; return ops.elu(_read(features))
@_op
def selu(features, name=None): "scale * elu(x, alpha) with the self-normalising constants."; return ops.selu(_read(features))


@_op
def leaky_relu(features, alpha=0.2, name=None):
    """x if x >= 0 else alpha * x."""
    return ops.leaky_relu(_read(features), negative_slope=alpha)


@_op
def gelu(features, approximate=False, name=None):
    """x * Phi(x), Phi the standard normal CDF; `approximate=True` uses the tanh formula.
    Exact by default, as TensorFlow (`keras.ops.gelu` defaults to the approximation)."""
    return ops.gelu(_read(features), approximate=approximate)


@_op
def silu(features, beta=1.0, name=None):
    """x * sigmoid(beta * x)."""
    x = _read(features)
    return ops.multiply(x, ops.sigmoid(ops.multiply(x, beta))) if beta != 1.0 else ops.silu(x)


swish = silu


# --- losses -----------------------------------------------------------------------------------
@_op
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """-log softmax(logits)[label] per example: labels (...) int class ids, logits (..., C)."""
    y, z = _numpy(labels), _read(logits)
    if y.shape != anp.shape(z)[:-1]:
        raise ValueError(f"`labels` must have the shape of `logits` without its last axis: "
                         f"labels.shape={y.shape}, logits.shape={anp.shape(z)}")
    return ops.sparse_categorical_crossentropy(y, z, from_logits=True)


@_op
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log softmax(logits)) along `axis`: labels are probabilities."""
    y, z = _read(labels), _read(logits)
    if anp.shape(y) != anp.shape(z):
        raise ValueError(f"`labels` and `logits` must have the same shape: "
                         f"labels.shape={anp.shape(y)}, logits.shape={anp.shape(z)}")
    return ops.categorical_crossentropy(y, z, from_logits=True, axis=_integer(axis, "axis"))


@_op
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """-(z log sigmoid(x) + (1 - z) log(1 - sigmoid(x))) elementwise, z the labels."""
    y, z = _read(labels), _read(logits)
    if anp.shape(y) != anp.shape(z):
        raise ValueError(f"`logits` and `labels` must have the same shape: "
                         f"logits.shape={anp.shape(z)}, labels.shape={anp.shape(y)}")
    return ops.binary_crossentropy(y, z, from_logits=True)


@_op
def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """sigmoid cross-entropy with the positive term weighted by `pos_weight`."""
    y, z = _read(labels), _read(logits)
    return ops.subtract(ops.multiply(ops.subtract(1.0, y), z), ops.multiply(
        ops.add(1.0, ops.multiply(ops.subtract(pos_weight, 1.0), y)), ops.log_sigmoid(z)))


@_op
def l2_loss(t, name=None):
    """sum(t^2) / 2."""
    return ops.sum(ops.square(_read(t))) / 2.0


@_op
def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """sum(per-example loss * sample_weight) / global batch size (the number of examples when
    not given: one replica here)."""
    loss = _read(per_example_loss)
    if sample_weight is not None:
        loss = ops.multiply(loss, _read(sample_weight))
    n = anp.shape(loss)[0] if global_batch_size is None else global_batch_size
    return ops.divide(ops.sum(loss), ops.cast(n, _untraced(loss).dtype))


@_op
def scale_regularization_loss(regularization_loss):
    """The regularization loss divided by the number of replicas (one here)."""
    return _read(regularization_loss)


# --- statistics, normalization, dropout -------------------------------------------------------
@_op
def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`."""
    return ops.moments(_read(x), [int(a) for a in onp.atleast_1d(_numpy(axes))], keepdims=keepdims)


@_op
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset (statistics broadcast against x)."""
    inv = ops.rsqrt(ops.add(_read(variance), variance_epsilon))
    if scale is not None:
        inv = ops.multiply(inv, _read(scale))
    out = ops.multiply(ops.subtract(_read(x), _read(mean)), inv)
    return out if offset is None else ops.add(out, _read(offset))


@_op
def bias_add(value, bias, data_format=None, name=None):
    """value + bias, the 1-D bias along the channel axis (last; the second for "NC...")."""
    x, b = _read(value), _read(bias)
    if data_format is not None and data_format.startswith("NC"):
        b = ops.reshape(b, (-1,) + (1,) * (anp.ndim(x) - 2))
    return ops.add(x, b)


@_op
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """`x` with each element zeroed with probability `rate`, the others scaled by 1 / (1 - rate).
    Always applied (no training flag, as in TensorFlow)."""
    x = _read(x)
    rate = float(_numpy(rate))
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar in [0, 1). Received: rate={rate}")
    shape = anp.shape(x) if noise_shape is None else tuple(int(d) for d in _numpy(noise_shape))
    keep = onp.random.default_rng(_draw_seed(seed)).uniform(size=shape) >= rate
    return ops.multiply(x, (keep / (1.0 - rate)).astype(_untraced(x).dtype))


@_op
def embedding_lookup(params, ids, max_norm=None, name=None):
    """The rows of `params` at `ids` (tf.gather along axis 0)."""
    return _gather(params, ids)


# --- convolution and pooling ------------------------------------------------------------------
def _channels(data_format):
    if data_format is None or not data_format.startswith("NC"):
        return "channels_last"
    return "channels_first"


def _per_axis(value, n, data_format, what):
    """An int, n ints, or one per axis of the input (batch and channel entries dropped)."""
    if value is None:
        return (1,) * n
    v = [int(s) for s in onp.atleast_1d(_numpy(value))]
    if len(v) == 1:
        return tuple(v) * n
    if len(v) == n:
        return tuple(v)
    if len(v) == n + 2:
        return tuple(v[2:] if _channels(data_format) == "channels_first" else v[1:-1])
    raise ValueError(f"`{what}` must be an int or have {n} or {n + 2} entries. Received: {value}")


def _padding(padding, n, data_format):
    """"same" / "valid", or the spatial (before, after) pairs of an explicit padding list."""
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"`padding` must be 'SAME', 'VALID' or a list of pairs. "
                             f"Received: padding={padding!r}")
        return padding.lower()
    pairs = [tuple(int(p) for p in pair) for pair in padding]
    if len(pairs) == n + 2:
        pairs = pairs[2:] if _channels(data_format) == "channels_first" else pairs[1:-1]
    return tuple(pairs)


def _conv(input, filters, strides, padding, data_format, dilations, n):
    return ops.conv(_read(input), _read(filters), strides=_per_axis(strides, n, data_format, "strides"),
                    padding=_padding(padding, n, data_format), data_format=_channels(data_format),
                    dilation_rate=_per_axis(dilations, n, data_format, "dilations"))


@_op
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D cross-correlation: input (batch, width, in), filters (k, in, out)."""
    return _conv(input, filters, stride, padding, data_format, dilations, 1)


@_op
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D cross-correlation: input (batch, h, w, in), filters (kh, kw, in, out)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 2)


@_op
def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D cross-correlation: input (batch, d, h, w, in), filters (kd, kh, kw, in, out)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 3)


@_op
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Each input channel convolved with its own filters (kh, kw, in, multiplier)."""
    return ops.depthwise_conv(_read(input), _read(filter), strides=_per_axis(strides, 2, data_format, "strides"),
                              padding=_padding(padding, 2, data_format),
                              data_format=_channels(data_format),
                              dilation_rate=_per_axis(dilations, 2, data_format, "dilations"))


def _pool(fn, input, ksize, strides, padding, data_format, n):
    if not isinstance(padding, str):
        raise ValueError(f"`padding` must be 'SAME' or 'VALID' for pooling. Received: {padding!r}")
    return fn(_read(input), _per_axis(ksize, n, data_format, "ksize"),
              _per_axis(strides, n, data_format, "strides"), _padding(padding, n, data_format),
              _channels(data_format))


def _rank(input):
    return anp.ndim(_read(input)) - 2


@_op
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """The largest value of each window (batch, width, channels)."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, 1)


@_op
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The largest value of each window (batch, h, w, channels)."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, 2)


@_op
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """The mean of each window (batch, width, channels)."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, 1)


@_op
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each window (batch, h, w, channels); "SAME" windows average their unpadded
    elements."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, 2)


@_op
def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling over the 1, 2 or 3 spatial axes of `input`."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, _rank(input))


@_op
def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling over the 1, 2 or 3 spatial axes of `input`."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, _rank(input))

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
