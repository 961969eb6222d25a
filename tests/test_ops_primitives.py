"""The elementwise custom primitives in minikeras.ops.nn (relu, sigmoid, tanh) against their plain
compositions and finite differences."""
import numpy as np
import pytest
from autograd import grad
from autograd import numpy as anp
from autograd.test_util import check_grads

from minikeras.ops import nn


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(scale=6, size=(16, 9)).astype("float32")


def test_sigmoid_matches_composition_values_and_gradients(x):
    np.testing.assert_allclose(nn.sigmoid(x), nn._sigmoid_composed(x), rtol=1e-6)
    assert nn.sigmoid(x).dtype == np.float32
    w = np.cos(x)
    g_prim = grad(lambda v: anp.sum(nn.sigmoid(v) * w))(x)
    g_comp = grad(lambda v: anp.sum(nn._sigmoid_composed(v) * w))(x)
    np.testing.assert_allclose(g_prim, g_comp, rtol=1e-5, atol=1e-7)


def test_relu_matches_composition_values_and_gradients(x):
    x = np.concatenate([x, np.zeros((1, 9), "float32")])  # gradient 0 at 0, as jax.nn.relu
    np.testing.assert_array_equal(nn.relu(x), nn._relu_composed(x))
    assert nn.relu(x).dtype == np.float32
    w = np.cos(x)
    g_prim = grad(lambda v: anp.sum(nn.relu(v) * w))(x)
    g_comp = grad(lambda v: anp.sum(nn._relu_composed(v) * w))(x)
    np.testing.assert_array_equal(g_prim, g_comp)
    assert g_prim.dtype == np.float32 and np.count_nonzero(g_prim) == np.count_nonzero(x > 0)


def test_relu_finite_differences_ints_and_nan():
    check_grads(nn.relu, modes=["rev"], order=2)(np.linspace(-5, 5, 20))  # no sample at the kink
    ints = nn.relu(np.array([-3, 0, 4], "int32"))
    assert ints.dtype == np.int32 and ints.tolist() == [0, 0, 4]
    assert np.isnan(nn.relu(np.array([np.nan, 1.0], "float32"))[0])  # as jnp.maximum(x, 0)


def test_sigmoid_tails_and_finite_differences():
    t = np.array([-100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0])
    np.testing.assert_allclose(nn.sigmoid(t), 1 / (1 + np.exp(-t)), rtol=1e-12)
    check_grads(nn.sigmoid, modes=["rev"], order=2)(np.linspace(-20, 20, 41))


def test_tanh_primitive_finite_differences_and_no_overflow():
    check_grads(nn.tanh, modes=["rev"], order=2)(np.linspace(-5, 5, 21))
    with np.errstate(all="raise"):
        assert grad(lambda v: anp.sum(nn.tanh(v)))(np.array([200.0, -200.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
def test_flip_values_and_gradients(axis):
    from minikeras import ops
    v = np.random.default_rng(1).random((3, 4, 5))
    np.testing.assert_array_equal(ops.flip(v, axis), np.flip(v, axis))
    check_grads(lambda t: ops.flip(t, axis) * v, modes=["rev"])(v)


@pytest.mark.parametrize("axis", [-1, (-1,), 0, (0, 1)])
def test_softmax_matches_composition_values_and_gradients(x, axis):
    np.testing.assert_allclose(nn.softmax(x, axis), nn._softmax_composed(x, axis), rtol=1e-6, atol=1e-7)
    w = np.cos(x)
    g_prim = grad(lambda v: anp.sum(nn.softmax(v, axis) * w))(x)
    g_comp = grad(lambda v: anp.sum(nn._softmax_composed(v, axis) * w))(x)
    assert g_prim.dtype == np.float32
    np.testing.assert_allclose(g_prim, g_comp, rtol=1e-5, atol=1e-6)
    check_grads(lambda v: nn.softmax(v, axis), modes=["rev"], order=2)(x.astype("float64") / 6)


def _crossentropy_cases():
    rng = np.random.default_rng(3)
    probs = rng.random((6, 5)).astype("float32")
    probs[0] = [1.0, 0.0, 0.0, 0.0, 0.0]  # clipped at both ends
    probs[1, 2] = 1e-9
    soft = rng.random((6, 5)).astype("float32")
    hard = np.eye(5, dtype="float32")[rng.integers(0, 5, 6)]
    return probs, soft, hard


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("axis", [-1, 0])
def test_crossentropy_primitive_matches_composition(from_logits, axis):
    probs, soft, hard = _crossentropy_cases()
    output = np.log(probs + 1e-3) * 3 if from_logits else probs
    for target in (soft, hard):
        def composed(t, o):
            return -anp.sum(t * nn._log_probs(o, from_logits, axis), axis=axis)

        def fused(t, o):
            return nn._crossentropy(t, o, from_logits, axis)

        np.testing.assert_allclose(fused(target, output), composed(target, output), rtol=1e-6)
        w = np.linspace(0.5, 2.0, fused(target, output).size).astype("float32")
        for argnum in (0, 1):
            g_f = grad(lambda t, o: anp.sum(fused(t, o) * w), argnum)(target, output)
            g_c = grad(lambda t, o: anp.sum(composed(t, o) * w), argnum)(target, output)
            assert g_f.dtype == np.float32
            np.testing.assert_allclose(g_f, g_c, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
def test_crossentropy_primitive_finite_differences(from_logits):
    probs, soft, _ = _crossentropy_cases()
    output = probs[2:].astype("float64") + (0.0 if from_logits else 0.05)  # away from the clip
    check_grads(lambda t, o: nn._crossentropy(t, o, from_logits, -1), modes=["rev"])(
        soft[2:].astype("float64"), output)


@pytest.mark.parametrize("shape_a,shape_b", [((3, 4, 5), (5, 6)), ((2, 3, 4, 5), (5, 6)),
                                             ((4, 5), (5, 6)), ((3, 4, 5), (3, 5, 6))])
def test_matmul_gradient_matches_einsum_and_finite_differences(shape_a, shape_b):
    """matmul's gradient (flattened for rank > 2 times a matrix) against einsum's."""
    rng = np.random.default_rng(4)
    a, b = rng.random(shape_a).astype("float32"), rng.random(shape_b).astype("float32")
    w = rng.random(np.matmul(a, b).shape).astype("float32")
    eq = "...k,kn->...n" if len(shape_b) == 2 else "bik,bkn->bin"
    for argnum in (0, 1):
        g = grad(lambda p, q: anp.sum(anp.matmul(p, q) * w), argnum)(a, b)
        ref = grad(lambda p, q: anp.sum(anp.einsum(eq, p, q) * w), argnum)(a, b)
        assert g.dtype == np.float32 and g.shape == (a, b)[argnum].shape
        np.testing.assert_allclose(g, ref, rtol=1e-5)
    check_grads(lambda p, q: anp.matmul(p, q) * w, modes=["rev"], order=2)(
        a.astype("float64"), b.astype("float64"))


def _layer_norm_composed(x, gamma, beta, eps):
    mean = anp.mean(x, axis=-1, keepdims=True)
    y = (x - mean) / anp.sqrt(anp.mean((x - mean) ** 2, axis=-1, keepdims=True) + eps)
    y = y if gamma is None else y * gamma
    return y if beta is None else y + beta


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_primitive_matches_composition(affine):
    from minikeras.ops.layer_norm import layer_norm_last
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(4, 3, 16)) * 3 + 1).astype("float32")
    gamma, beta = (rng.normal(size=16).astype("float32"), rng.normal(size=16).astype("float32")) \
        if affine else (None, None)
    np.testing.assert_allclose(layer_norm_last(x, gamma, beta, 1e-3),
                               _layer_norm_composed(x, gamma, beta, 1e-3), rtol=1e-5, atol=1e-6)
    w = rng.normal(size=x.shape).astype("float32")
    args = (x, gamma, beta) if affine else (x,)
    for argnum in range(len(args)):
        def loss(fn):
            return lambda *a: anp.sum(fn(*(a + (None, None))[:3], 1e-3) * w)
        g = grad(loss(layer_norm_last), argnum)(*args)
        ref = grad(loss(_layer_norm_composed), argnum)(*args)
        assert g.dtype == np.float32 and g.shape == args[argnum].shape
        np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-5)
    check_grads(lambda *a: layer_norm_last(*(a + (None, None))[:3], 1e-3), modes=["rev"])(
        *(a.astype("float64") for a in args))


def test_layer_normalization_rejects_out_of_range_axes():
    from minikeras import ops
    x = np.ones((2, 3, 4), "float32")
    for axis in (3, -4, [1, 5], []):
        with pytest.raises(ValueError, match="out of bounds"):
            ops.layer_normalization(x, axis=axis)
    np.testing.assert_allclose(ops.layer_normalization(np.arange(4.0), axis=-1),
                               [-1.3416407, -0.4472136, 0.4472136, 1.3416407], rtol=1e-6)
