"""`tf.random`: random tensors from numpy's generator, seeded as minikeras seeds everything.

`tf.random.set_seed(s)` seeds minikeras's global generator (as `keras.utils.set_random_seed`,
so Python's and numpy's global generators are seeded too). An op-level `seed=` makes that call
repeatable: the same numbers on every call (TensorFlow would continue a sequence). The numbers
differ from TensorFlow's for the same seed.
"""
import numpy as onp

from minikeras import ops
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.engine.random import draw_seed as _draw_seed, set_random_seed as _set_random_seed
from minikeras.tf import dtypes
from minikeras.tf._core import (
    integer as _integer, numpy as _numpy, op as _op, shape_arg as _shape_arg)


def _rng(seed):
    return onp.random.default_rng(_draw_seed(None if seed is None else _integer(seed, "seed")))


def set_seed(seed):
    """Seeds the global generator every `tf.random` function (and minikeras) draws from."""
    _set_random_seed(_integer(seed, "seed"))


@_op
def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of N(mean, stddev^2) (mean and stddev may be tensors that broadcast)."""
    z = _rng(seed).standard_normal(_shape_arg(shape))
    return (_numpy(mean) + _numpy(stddev) * z).astype(dtypes.as_dtype(dtype).dtype)


@_op
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples, each redrawn until within two standard deviations of the mean."""
    rng, shape = _rng(seed), _shape_arg(shape)
    z = rng.standard_normal(shape)
    bad = onp.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = onp.abs(z) > 2
    return (_numpy(mean) + _numpy(stddev) * z).astype(dtypes.as_dtype(dtype).dtype)


@_op
def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples uniform in [minval, maxval): floats (maxval defaults to 1), or integers, for which
    `maxval` is required."""
    rng, shape, dtype = _rng(seed), _shape_arg(shape), dtypes.as_dtype(dtype)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"`maxval` must be given for an integer dtype ({dtype.name}).")
        low, high = _numpy(minval), _numpy(maxval)
        if onp.any(low >= high):
            raise ValueError(f"`minval` must be less than `maxval`. Received: minval={low}, "
                             f"maxval={high}")
        return rng.integers(low, high, size=shape).astype(dtype.dtype)
    if not dtype.is_floating:
        raise ValueError(f"`dtype` must be a float or integer dtype. Received: {dtype.name}")
    low, high = _numpy(minval), _numpy(1.0 if maxval is None else maxval)
    return (low + (high - low) * rng.random(shape)).astype(dtype.dtype)


@_op
def shuffle(value, seed=None, name=None):
    """`value` with its slices along the first axis in a random order."""
    x = _numpy(value)
    return x[_rng(seed).permutation(len(x))] if x.ndim else x


@_op
def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """(batch, num_samples) int64 class ids drawn from softmax(logits[i]) for each row i."""
    z = _numpy(logits).astype(onp.float64)
    if z.ndim != 2:
        raise ValueError(f"`logits` must be 2-D (batch, classes). Received: shape {z.shape}")
    p = _numpy(ops.softmax(z, axis=-1))
    u = _rng(seed).random((len(p), _integer(num_samples, "num_samples"), 1))
    out = (u > onp.cumsum(p, axis=-1)[:, None, :]).sum(-1)  # inverse CDF per draw
    return onp.minimum(out, p.shape[-1] - 1).astype(dtypes.as_dtype(dtype or dtypes.int64).dtype)


@_op
def gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples of Gamma(alpha, rate beta), shape `shape` + the broadcast shape of alpha, beta."""
    a = _numpy(alpha)
    b = onp.ones_like(a) if beta is None else _numpy(beta)
    a, b = onp.broadcast_arrays(a, b)
    size = _shape_arg(shape) + a.shape
    return (_rng(seed).gamma(a, 1.0, size=size) / b).astype(dtypes.as_dtype(dtype).dtype)


@_op
def poisson(shape, lam, dtype=dtypes.float32, seed=None, name=None):
    """Samples of Poisson(lam), shape `shape` + lam.shape."""
    lam = _numpy(lam)
    return _rng(seed).poisson(lam, size=_shape_arg(shape) + lam.shape).astype(
        dtypes.as_dtype(dtype).dtype)

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
