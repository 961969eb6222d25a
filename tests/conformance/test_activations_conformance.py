"""minikeras.activations against real Keras 3 on identical float32 inputs (incl. large |x|)."""
import numpy as np
import pytest

from minikeras import activations

RTOL, ATOL = 1e-5, 1e-6


def _inputs():
    rng = np.random.default_rng(0)
    grid = np.linspace(-10, 10, 161)
    tails = [-1000, -200, -88, -80, -50, -30, -20, -12, 12, 20, 30, 50, 80, 88]
    x = np.concatenate([grid, tails, rng.normal(scale=3, size=81)]).astype("float32")
    return x.reshape(16, 16)


X = _inputs()
# exp overflows float32 above ~88.7 in both libraries; compare it where it is finite
X_EXP = np.clip(X, -100, 80).astype("float32")

CASES = [
    ("relu", {}), ("relu", {"negative_slope": 0.1}), ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}), ("relu", {"threshold": 1.5}),
    ("relu", {"negative_slope": 0.2, "max_value": 4.0, "threshold": -1.0}),
    ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.01}), ("relu6", {}),
    ("sigmoid", {}), ("tanh", {}), ("softmax", {}), ("softmax", {"axis": 0}),
    ("log_softmax", {}), ("log_softmax", {"axis": 0}), ("elu", {}), ("elu", {"alpha": 0.3}),
    ("selu", {}), ("celu", {"alpha": 2.0}), ("gelu", {}), ("gelu", {"approximate": True}),
    ("silu", {}), ("swish", {}), ("softplus", {}), ("softsign", {}), ("hard_sigmoid", {}),
    ("hard_silu", {}), ("hard_swish", {}), ("exponential", {}), ("mish", {}), ("linear", {}),
    ("log_sigmoid", {}), ("tanh_shrink", {}), ("hard_tanh", {}), ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 2.0}), ("hard_shrink", {"threshold": 1.0}),
    ("sparse_plus", {}), ("sparse_sigmoid", {}), ("squareplus", {}), ("squareplus", {"b": 1.0}),
    ("glu", {}), ("glu", {"axis": 0}), ("threshold", {"threshold": 0.5, "default_value": -2.0}),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_keras(keras, name, kwargs):
    x = X_EXP if name == "exponential" else X
    expected = np.asarray(getattr(keras.activations, name)(x, **kwargs))
    ours = getattr(activations, name)(x, **kwargs)
    assert ours.dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=ATOL)


def test_sparsemax_matches_keras_when_the_support_is_one_element(keras):
    # Keras 3.15's sparsemax sums the cumulative sums over the support (keras-team/keras#23425,
    # fixed by #23469); both agree when a single logit is in the support.
    x = np.array([[5.0, 1.0, 0.0], [-2.0, 3.0, 1.5], [0.0, 0.1, 4.0]], dtype="float32")
    np.testing.assert_allclose(activations.sparsemax(x), np.asarray(keras.activations.sparsemax(x)),
                               rtol=RTOL, atol=ATOL)


def test_every_keras_activation_name_is_known(keras):
    from keras.src.activations import ALL_OBJECTS_DICT
    assert set(ALL_OBJECTS_DICT) <= set(activations.ALL_OBJECTS_DICT)
    for name in ALL_OBJECTS_DICT:
        assert activations.serialize(activations.get(name)) == keras.activations.serialize(
            keras.activations.get(name))


def test_get_none_is_linear_in_both(keras):
    assert keras.activations.get(None).__name__ == activations.get(None).__name__ == "linear"


GRAD_POINTS = np.array([-30.0, -3.5, -1.0, -0.3, 0.0, 0.2, 0.7, 2.0, 4.0, 30.0], dtype="float32")


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] not in ("glu", "softmax", "log_softmax")],
                         ids=[f"{n}-{k}" for n, k in CASES if n not in ("glu", "softmax", "log_softmax")])
def test_gradients_match_jax(keras, name, kwargs):
    """d/dx of each activation, including x = 0, against jax.grad of Keras's function."""
    import autograd
    import jax

    theirs = np.asarray(jax.vmap(jax.grad(lambda v: getattr(keras.activations, name)(v, **kwargs)))(GRAD_POINTS))
    ours = autograd.elementwise_grad(lambda v: getattr(activations, name)(v, **kwargs))(GRAD_POINTS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [("softmax", {}), ("log_softmax", {}), ("glu", {})])
def test_vector_gradients_match_jax(keras, name, kwargs):
    import autograd
    import jax

    x = X[:4, :8]
    w = np.linspace(-1, 1, x.shape[1] // (2 if name == "glu" else 1)).astype("float32")
    theirs = np.asarray(jax.grad(lambda v: (getattr(keras.activations, name)(v, **kwargs) * w).sum())(x))
    ours = autograd.grad(lambda v: (getattr(activations, name)(v, **kwargs) * w).sum())(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
