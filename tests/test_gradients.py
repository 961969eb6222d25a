"""minikeras.engine.autodiff.value_and_grads against autograd's value_and_grad on a list."""
import numpy as np
import pytest
from autograd import numpy as anp
from autograd import value_and_grad

from minikeras.engine.autodiff import value_and_grads
from minikeras.ops.rnn_kernels import time_step


def _values():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32"),
            rng.normal(size=(2, 5, 4)).astype("float32"), rng.normal(size=(7,)).astype("float32")]


def _loss(vs):
    w, b, seq, _unused = vs
    h = anp.tanh(anp.matmul(time_step(seq, 1), anp.transpose(w)) + anp.sum(b))
    h = h + anp.sum(time_step(seq, 3) * b)  # the sequence gets two sparse gradients
    return anp.sum(h * h) + anp.sum(w * b)   # w and b are used twice


def test_matches_autograd_value_and_grad():
    values = _values()
    value, grads = value_and_grads(_loss, values)
    ref_value, ref_grads = value_and_grad(_loss)(values)
    assert value == pytest.approx(float(ref_value), rel=1e-6)
    for g, r, v in zip(grads, ref_grads, values):
        assert g.shape == v.shape and g.dtype == v.dtype
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-7)
    assert not grads[3].any() and np.count_nonzero(grads[2][:, [0, 2, 4]]) == 0


def test_constant_output_gives_zero_gradients_and_non_scalar_is_refused():
    values = _values()
    value, grads = value_and_grads(lambda vs: np.float32(2.0), values)
    assert value == 2.0 and all(not g.any() and g.shape == v.shape for g, v in zip(grads, values))
    with pytest.raises(TypeError, match="scalar"):
        value_and_grads(lambda vs: vs[0] * 2.0, values)


def test_broadcast_to_a_higher_rank_differentiates():
    # autograd's own rule refuses extra leading axes (the CCT example's position embeddings)
    from autograd.test_util import check_grads
    from minikeras import ops
    weights = np.arange(24.0).reshape(3, 2, 4)
    check_grads(lambda x: (ops.broadcast_to(x, (3, 2, 4)) * weights).sum(), modes=["rev"], order=1)(
        np.random.default_rng(0).normal(size=(2, 4)))
