"""`keras.random`: seeded random tensors."""
import numpy as onp

from minikeras.engine import config
from minikeras.engine.random import SeedGenerator, draw_seed  # noqa: F401


def _rng(seed):
    return onp.random.default_rng(draw_seed(seed))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of a normal distribution with `mean` and `stddev`."""
    return _rng(seed).normal(mean, stddev, size=shape).astype(dtype or config.floatx())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of a uniform distribution on [minval, maxval)."""
    return _rng(seed).uniform(minval, maxval, size=shape).astype(dtype or config.floatx())


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations of the mean."""
    rng = _rng(seed)
    out = rng.normal(size=shape)
    bad = onp.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(size=int(bad.sum()))
        bad = onp.abs(out) > 2
    return (mean + stddev * out).astype(dtype or config.floatx())


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Random integers in [minval, maxval)."""
    return _rng(seed).integers(minval, maxval, size=shape).astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """`inputs` with elements zeroed with probability `rate`, the rest scaled by 1 / (1 - rate)."""
    from minikeras.engine.variable import read_value
    x = read_value(inputs)
    shape = noise_shape or x.shape
    keep = (_rng(seed).uniform(size=shape) >= rate).astype(x.dtype)
    return x * keep / (1.0 - rate)


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` in a random order."""
    return onp.take(onp.asarray(x), _rng(seed).permutation(onp.shape(x)[axis]), axis=axis)


def _value(x):
    from minikeras.engine.variable import read_value
    return onp.asarray(read_value(x))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of a Gamma(alpha, 1) distribution: mean alpha, variance alpha."""
    return _rng(seed).gamma(_value(alpha), 1.0, size=shape).astype(dtype or config.floatx())


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of a Beta(alpha, beta) distribution on [0, 1]: mean alpha / (alpha + beta)."""
    return _rng(seed).beta(_value(alpha), _value(beta), size=shape).astype(dtype or config.floatx())


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes in `counts` trials of probability `probabilities`: mean n p, variance n p (1 - p)."""
    draws = _rng(seed).binomial(_value(counts).astype("int64"), _value(probabilities), size=shape)
    return draws.astype(dtype or config.floatx())


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from softmax(logits) per row: (batch, classes) -> (batch, num_samples)."""
    logits = _value(logits).astype("float64")
    if logits.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits={logits}")
    probs = onp.exp(logits - logits.max(axis=-1, keepdims=True))
    cdf = onp.cumsum(probs, axis=-1)
    cdf /= cdf[:, -1:]
    u = _rng(seed).uniform(size=(logits.shape[0], int(num_samples)))
    # inverse CDF: the first class whose cumulative probability exceeds u
    picks = (u[:, :, None] >= cdf[:, None, :]).sum(-1)
    return onp.minimum(picks, logits.shape[1] - 1).astype(dtype or config.floatx())
