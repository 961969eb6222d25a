"""`tf.random`: random tensors from numpy's generator, seeded as minikeras seeds everything.

`tf.random.set_seed(s)` seeds minikeras's global generator (as `keras.utils.set_random_seed`,
so Python's and numpy's global generators are seeded too). An op-level `seed=` makes that call
repeatable: the same numbers on every call (TensorFlow would continue a sequence). The numbers
differ from TensorFlow's for the same seed.
"""
import numpy as onp

from minikeras import ops
from minikeras.engine.random import draw_seed, set_random_seed
from minikeras.tf import dtypes
from minikeras.tf._core import integer, numpy, op, shape_arg


def _rng(seed):
    return onp.random.default_rng(draw_seed(None if seed is None else integer(seed, "seed")))


def set_seed(seed):
    """Seeds the global generator every `tf.random` function (and minikeras) draws from."""
    set_random_seed(integer(seed, "seed"))


@op
def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of N(mean, stddev^2) (mean and stddev may be tensors that broadcast)."""
    z = _rng(seed).standard_normal(shape_arg(shape))
    return (numpy(mean) + numpy(stddev) * z).astype(dtypes.numpy_dtype(dtype))


@op
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples, each redrawn until within two standard deviations of the mean."""
    rng, shape = _rng(seed), shape_arg(shape)
    z = rng.standard_normal(shape)
    bad = onp.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = onp.abs(z) > 2
    return (numpy(mean) + numpy(stddev) * z).astype(dtypes.numpy_dtype(dtype))


@op
def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples uniform in [minval, maxval): floats (maxval defaults to 1), or integers, for which
    `maxval` is required."""
    rng, shape, dtype = _rng(seed), shape_arg(shape), dtypes.as_dtype(dtype)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"`maxval` must be given for an integer dtype ({dtype.name}).")
        low, high = numpy(minval), numpy(maxval)
        if onp.any(low >= high):
            raise ValueError(f"`minval` must be less than `maxval`. Received: minval={low}, "
                             f"maxval={high}")
        return rng.integers(low, high, size=shape).astype(dtype.dtype)
    if not dtype.is_floating:
        raise ValueError(f"`dtype` must be a float or integer dtype. Received: {dtype.name}")
    low, high = numpy(minval), numpy(1.0 if maxval is None else maxval)
    return (low + (high - low) * rng.random(shape)).astype(dtype.dtype)


@op
def shuffle(value, seed=None, name=None):
    """`value` with its slices along the first axis in a random order."""
    x = numpy(value)
    return x[_rng(seed).permutation(len(x))] if x.ndim else x


@op
def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """(batch, num_samples) int64 class ids drawn from softmax(logits[i]) for each row i."""
    z = numpy(logits).astype(onp.float64)
    if z.ndim != 2:
        raise ValueError(f"`logits` must be 2-D (batch, classes). Received: shape {z.shape}")
    p = numpy(ops.softmax(z, axis=-1))
    u = _rng(seed).random((len(p), integer(num_samples, "num_samples"), 1))
    out = (u > onp.cumsum(p, axis=-1)[:, None, :]).sum(-1)  # inverse CDF per draw
    return onp.minimum(out, p.shape[-1] - 1).astype(dtypes.numpy_dtype(dtype or dtypes.int64))


@op
def gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples of Gamma(alpha, rate beta), shape `shape` + the broadcast shape of alpha, beta."""
    a = numpy(alpha)
    b = onp.ones_like(a) if beta is None else numpy(beta)
    a, b = onp.broadcast_arrays(a, b)
    size = shape_arg(shape) + a.shape
    return (_rng(seed).gamma(a, 1.0, size=size) / b).astype(dtypes.numpy_dtype(dtype))


@op
def poisson(shape, lam, dtype=dtypes.float32, seed=None, name=None):
    """Samples of Poisson(lam), shape `shape` + lam.shape."""
    lam = numpy(lam)
    return _rng(seed).poisson(lam, size=shape_arg(shape) + lam.shape).astype(
        dtypes.numpy_dtype(dtype))
