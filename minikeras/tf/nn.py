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
from minikeras.engine.autodiff import untraced
from minikeras.engine.random import draw_seed
from minikeras.tf._array_ops import gather
from minikeras.tf._core import integer, numpy, op, read
from minikeras.tf.math import (  # noqa: F401  (tf.nn.* names of tf.math functions)
    in_top_k, l2_normalize, log_softmax, sigmoid, softmax, softplus, softsign, tanh, top_k)


# --- activations ------------------------------------------------------------------------------
@op
def relu(features, name=None): "max(x, 0)."; return ops.relu(read(features))
@op
def relu6(features, name=None): "min(max(x, 0), 6)."; return ops.relu6(read(features))
@op
def elu(features, name=None): "x if x > 0 else exp(x) - 1."; return ops.elu(read(features))
@op
def selu(features, name=None): "scale * elu(x, alpha) with the self-normalising constants."; return ops.selu(read(features))


@op
def leaky_relu(features, alpha=0.2, name=None):
    """x if x >= 0 else alpha * x."""
    return ops.leaky_relu(read(features), negative_slope=alpha)


@op
def gelu(features, approximate=False, name=None):
    """x * Phi(x), Phi the standard normal CDF; `approximate=True` uses the tanh formula.
    Exact by default, as TensorFlow (`keras.ops.gelu` defaults to the approximation)."""
    return ops.gelu(read(features), approximate=approximate)


@op
def silu(features, beta=1.0, name=None):
    """x * sigmoid(beta * x)."""
    x = read(features)
    return ops.multiply(x, ops.sigmoid(ops.multiply(x, beta))) if beta != 1.0 else ops.silu(x)


swish = silu


# --- losses -----------------------------------------------------------------------------------
@op
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """-log softmax(logits)[label] per example: labels (...) int class ids, logits (..., C)."""
    y, z = numpy(labels), read(logits)
    if y.shape != anp.shape(z)[:-1]:
        raise ValueError(f"`labels` must have the shape of `logits` without its last axis: "
                         f"labels.shape={y.shape}, logits.shape={anp.shape(z)}")
    return ops.sparse_categorical_crossentropy(y, z, from_logits=True)


@op
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log softmax(logits)) along `axis`: labels are probabilities."""
    y, z = read(labels), read(logits)
    if anp.shape(y) != anp.shape(z):
        raise ValueError(f"`labels` and `logits` must have the same shape: "
                         f"labels.shape={anp.shape(y)}, logits.shape={anp.shape(z)}")
    return ops.categorical_crossentropy(y, z, from_logits=True, axis=integer(axis, "axis"))


@op
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """-(z log sigmoid(x) + (1 - z) log(1 - sigmoid(x))) elementwise, z the labels."""
    y, z = read(labels), read(logits)
    if anp.shape(y) != anp.shape(z):
        raise ValueError(f"`logits` and `labels` must have the same shape: "
                         f"logits.shape={anp.shape(z)}, labels.shape={anp.shape(y)}")
    return ops.binary_crossentropy(y, z, from_logits=True)


@op
def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """sigmoid cross-entropy with the positive term weighted by `pos_weight`."""
    y, z = read(labels), read(logits)
    return ops.subtract(ops.multiply(ops.subtract(1.0, y), z), ops.multiply(
        ops.add(1.0, ops.multiply(ops.subtract(pos_weight, 1.0), y)), ops.log_sigmoid(z)))


@op
def l2_loss(t, name=None):
    """sum(t^2) / 2."""
    return ops.sum(ops.square(read(t))) / 2.0


@op
def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """sum(per-example loss * sample_weight) / global batch size (the number of examples when
    not given: one replica here)."""
    loss = read(per_example_loss)
    if sample_weight is not None:
        loss = ops.multiply(loss, read(sample_weight))
    n = anp.shape(loss)[0] if global_batch_size is None else global_batch_size
    return ops.divide(ops.sum(loss), ops.cast(n, untraced(loss).dtype))


@op
def scale_regularization_loss(regularization_loss):
    """The regularization loss divided by the number of replicas (one here)."""
    return read(regularization_loss)


# --- statistics, normalization, dropout -------------------------------------------------------
@op
def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`."""
    return ops.moments(read(x), [int(a) for a in onp.atleast_1d(numpy(axes))], keepdims=keepdims)


@op
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset (statistics broadcast against x)."""
    inv = ops.rsqrt(ops.add(read(variance), variance_epsilon))
    if scale is not None:
        inv = ops.multiply(inv, read(scale))
    out = ops.multiply(ops.subtract(read(x), read(mean)), inv)
    return out if offset is None else ops.add(out, read(offset))


@op
def bias_add(value, bias, data_format=None, name=None):
    """value + bias, the 1-D bias along the channel axis (last; the second for "NC...")."""
    x, b = read(value), read(bias)
    if data_format is not None and data_format.startswith("NC"):
        b = ops.reshape(b, (-1,) + (1,) * (anp.ndim(x) - 2))
    return ops.add(x, b)


@op
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """`x` with each element zeroed with probability `rate`, the others scaled by 1 / (1 - rate).
    Always applied (no training flag, as in TensorFlow)."""
    x = read(x)
    rate = float(numpy(rate))
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar in [0, 1). Received: rate={rate}")
    shape = anp.shape(x) if noise_shape is None else tuple(int(d) for d in numpy(noise_shape))
    keep = onp.random.default_rng(draw_seed(seed)).uniform(size=shape) >= rate
    return ops.multiply(x, (keep / (1.0 - rate)).astype(untraced(x).dtype))


@op
def embedding_lookup(params, ids, max_norm=None, name=None):
    """The rows of `params` at `ids` (tf.gather along axis 0)."""
    return gather(params, ids)


# --- convolution and pooling ------------------------------------------------------------------
def _channels(data_format, rank):
    if data_format is None or not data_format.startswith("NC"):
        return "channels_last"
    return "channels_first"


def _per_axis(value, n, data_format, what):
    """An int, n ints, or one per axis of the input (batch and channel entries dropped)."""
    if value is None:
        return (1,) * n
    v = [int(s) for s in onp.atleast_1d(numpy(value))]
    if len(v) == 1:
        return tuple(v) * n
    if len(v) == n:
        return tuple(v)
    if len(v) == n + 2:
        return tuple(v[2:] if _channels(data_format, n) == "channels_first" else v[1:-1])
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
        pairs = pairs[2:] if _channels(data_format, n) == "channels_first" else pairs[1:-1]
    return tuple(pairs)


def _conv(input, filters, strides, padding, data_format, dilations, n):
    return ops.conv(read(input), read(filters), strides=_per_axis(strides, n, data_format, "strides"),
                    padding=_padding(padding, n, data_format), data_format=_channels(data_format, n),
                    dilation_rate=_per_axis(dilations, n, data_format, "dilations"))


@op
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D cross-correlation: input (batch, width, in), filters (k, in, out)."""
    return _conv(input, filters, stride, padding, data_format, dilations, 1)


@op
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D cross-correlation: input (batch, h, w, in), filters (kh, kw, in, out)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 2)


@op
def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D cross-correlation: input (batch, d, h, w, in), filters (kd, kh, kw, in, out)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 3)


@op
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Each input channel convolved with its own filters (kh, kw, in, multiplier)."""
    return ops.depthwise_conv(read(input), read(filter), strides=_per_axis(strides, 2, data_format, "strides"),
                              padding=_padding(padding, 2, data_format),
                              data_format=_channels(data_format, 2),
                              dilation_rate=_per_axis(dilations, 2, data_format, "dilations"))


def _pool(fn, input, ksize, strides, padding, data_format, n):
    if not isinstance(padding, str):
        raise ValueError(f"`padding` must be 'SAME' or 'VALID' for pooling. Received: {padding!r}")
    return fn(read(input), _per_axis(ksize, n, data_format, "ksize"),
              _per_axis(strides, n, data_format, "strides"), _padding(padding, n, data_format),
              _channels(data_format, n))


def _rank(input):
    return anp.ndim(read(input)) - 2


@op
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """The largest value of each window (batch, width, channels)."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, 1)


@op
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The largest value of each window (batch, h, w, channels)."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, 2)


@op
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """The mean of each window (batch, width, channels)."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, 1)


@op
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each window (batch, h, w, channels); "SAME" windows average their unpadded
    elements."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, 2)


@op
def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling over the 1, 2 or 3 spatial axes of `input`."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, _rank(input))


@op
def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling over the 1, 2 or 3 spatial axes of `input`."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, _rank(input))
