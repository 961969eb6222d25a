"""Gradients keep float32 (autograd's own rules for where/mean/max/... would return float64) and
keep their values (compared with the same gradient computed in float64)."""
import numpy as np
import pytest
from autograd import grad
from autograd import numpy as anp

from minikeras import activations, layers, ops

CASES = {
    "mean": lambda v: anp.mean(v, axis=1),
    "where": lambda v: anp.where(v > 0, v, 0.0),
    "var": lambda v: anp.var(v, axis=0),
    "std": lambda v: anp.std(v, axis=0),
    "maximum": lambda v: anp.maximum(v, 0.0),
    "max": lambda v: anp.max(v, axis=1),
    "relu": ops.relu,
    "ops.mean": lambda v: ops.mean(v, axis=0),
    "ops.where": lambda v: ops.where(v > 0, v, 0.0),
    "ops.minimum": lambda v: ops.minimum(v, 0.1),
    "ops.abs": ops.abs,
    "ops.moments": lambda v: ops.moments(v, axes=[0])[1],
    "gelu": activations.gelu,
    "elu": activations.elu,
    "selu": activations.selu,
    "leaky_relu": activations.leaky_relu,
    "batch_norm": lambda v: layers.BatchNormalization(dtype=v.dtype.name)(v, training=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_gradient_matches_float64(name):
    f = CASES[name]
    x = np.random.default_rng(0).normal(size=(4, 6))
    weights = np.cos(np.arange(24.0)).reshape(4, 6)

    def loss(v):
        out = f(v)
        return anp.sum(out * weights.ravel()[:anp.size(out)].reshape(anp.shape(out)))

    g32 = grad(loss)(x.astype("float32"))
    g64 = grad(loss)(x)
    assert g32.dtype == np.float32, g32.dtype
    np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=1e-5)
