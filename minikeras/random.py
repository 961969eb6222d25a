"""`keras.random`: seeded random tensors."""
import numpy as onp

from minikeras.engine import config
from minikeras.engine.random import SeedGenerator, draw_seed  # noqa: F401


def _rng(seed):
    return onp.random.default_rng(draw_seed(seed))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _rng(seed).normal(mean, stddev, size=shape).astype(dtype or config.floatx())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _rng(seed).uniform(minval, maxval, size=shape).astype(dtype or config.floatx())


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    rng = _rng(seed)
    out = rng.normal(size=shape)
    bad = onp.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(size=int(bad.sum()))
        bad = onp.abs(out) > 2
    return (mean + stddev * out).astype(dtype or config.floatx())


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return _rng(seed).integers(minval, maxval, size=shape).astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    from minikeras.ops.numpy import _v
    x = _v(inputs)
    shape = noise_shape or x.shape
    keep = (_rng(seed).uniform(size=shape) >= rate).astype(x.dtype)
    return x * keep / (1.0 - rate)


def shuffle(x, axis=0, seed=None):
    return onp.take(onp.asarray(x), _rng(seed).permutation(onp.shape(x)[axis]), axis=axis)
