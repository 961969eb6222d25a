"""Gradients in minikeras's traces keep float32 (autograd's own rules for where/mean/max/... would
return float64) and keep their values (compared with the same gradient computed in float64); and
autograd itself is left as it was for everyone else."""
import numpy as np
import pytest
from autograd import numpy as anp

from minikeras import activations, layers, ops
from minikeras.engine.autodiff import value_and_grads

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


def grad(f):
    """d f / d x as `fit` computes it (minikeras's traces)."""
    return lambda x: value_and_grads(lambda values: f(values[0]), [x])[1][0]


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


def test_autograd_is_left_as_it_was_for_other_code():
    """After `import minikeras` and a fit, a user's own autograd.grad computes what it computed
    before (same dtype, same numbers) and autograd's tables hold the same entries: minikeras's
    float32 gradients come from its own node type (engine/autodiff.py), not a patched autograd."""
    import subprocess
    import sys
    code = '''
import numpy as np, autograd
from autograd import numpy as anp
from autograd.core import primitive_vjps
from autograd.tracer import notrace_primitives
f = lambda v: anp.sum(anp.where(v > 0, v, 0.0) * anp.mean(v))
x = np.linspace(-1, 1, 6, dtype=np.float32)
before = autograd.grad(f)(x)
table = dict(primitive_vjps)
notrace = {k: set(v) for k, v in notrace_primitives.items()}
import minikeras as K
m = K.Sequential([K.Input((6,)), K.layers.Dense(3, activation="relu"), K.layers.Dense(1)])
m.compile("adam", "mse")
m.fit(np.ones((8, 6), "float32"), np.ones((8, 1), "float32"), verbose=0)
after = autograd.grad(f)(x)
assert before.dtype == after.dtype and np.array_equal(before, after), (before.dtype, after.dtype)
assert all(primitive_vjps[k] is v for k, v in table.items()), "autograd's VJP table was changed"
assert all(notrace_primitives[k] == v for k, v in notrace.items()), "notrace sets changed"
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
