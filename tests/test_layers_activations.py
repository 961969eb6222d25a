"""Activation layers: Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax."""
import numpy as np
import pytest
from layer_testing import check_layer_grads

from minikeras import layers

# values kept away from the kinks (0, threshold, max_value) so finite differences are valid
X = np.array([[-3.0, -1.3, -0.4, 0.3, 0.8, 1.7, 2.6, 5.2]])


def _relu_reference(x, max_value=None, negative_slope=0.0, threshold=0.0):
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    return y if max_value is None else np.minimum(y, max_value)


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 2.0}, {"negative_slope": 0.1},
                                    {"threshold": 0.5}, {"max_value": 2.0, "negative_slope": 0.2,
                                                         "threshold": 0.5}])
def test_relu(kwargs):
    y = check_layer_grads(layers.ReLU(dtype="float64", **kwargs), X)
    np.testing.assert_allclose(y, _relu_reference(X, **kwargs))


@pytest.mark.parametrize("kwargs", [{"max_value": -1.0}, {"negative_slope": -0.1},
                                    {"threshold": -1.0}, {"negative_slope": None}])
def test_relu_rejects_negative_arguments(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        layers.ReLU(**kwargs)


def test_leaky_relu_default_and_legacy_alpha():
    y = check_layer_grads(layers.LeakyReLU(dtype="float64"), X)
    np.testing.assert_allclose(y, np.where(X >= 0, X, 0.3 * X))
    with pytest.warns(UserWarning, match="alpha"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1 and layer.get_config()["negative_slope"] == 0.1
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-1)


def test_elu():
    y = check_layer_grads(layers.ELU(alpha=0.7, dtype="float64"), X)
    np.testing.assert_allclose(y, np.where(X > 0, X, 0.7 * (np.exp(X) - 1)))
    assert layers.ELU(alpha=0.7).get_config()["alpha"] == 0.7


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "softplus", "gelu", "selu"])
def test_activation_by_name(name):
    from minikeras import activations
    layer = layers.Activation(name, dtype="float64")
    y = check_layer_grads(layer, X)
    np.testing.assert_allclose(y, activations.get(name)(X))
    assert layer.get_config()["activation"] == name


def test_activation_callable_and_unknown():
    np.testing.assert_allclose(layers.Activation(lambda t: 2 * t)(X.astype("float32")), 2 * X)
    with pytest.raises(ValueError, match="relu"):
        layers.Activation("no_such_activation")


def test_prelu_weights_and_maths(rng):
    layer = layers.PReLU(alpha_initializer="random_uniform", dtype="float64")
    x = rng.normal(size=(3, 4, 5))
    y = check_layer_grads(layer, x)
    assert [w.name for w in layer.weights] == ["alpha"] and layer.alpha.shape == (4, 5)
    alpha = layer.alpha.numpy()
    np.testing.assert_allclose(y, np.where(x >= 0, x, alpha * x))


def test_prelu_default_alpha_is_zero_so_it_starts_as_relu(rng):
    x = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(layers.PReLU()(x), np.maximum(x, 0))


def test_prelu_shared_axes(rng):
    layer = layers.PReLU(shared_axes=[1, 2], alpha_initializer="ones", dtype="float64")
    x = rng.normal(size=(2, 4, 5, 3))
    check_layer_grads(layer, x)
    assert layer.alpha.shape == (1, 1, 3)
    assert layer.count_params() == 3
    assert layer.get_config()["shared_axes"] == [1, 2]
    with pytest.raises(ValueError, match="axis 3"):
        layer(np.zeros((2, 4, 5, 6)))
    assert layers.PReLU(shared_axes=1).shared_axes == [1]


def test_prelu_regularizer_and_constraint():
    layer = layers.PReLU(alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg")
    layer(np.zeros((2, 3), dtype="float32"))
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.01 * 3, rtol=1e-6)
    assert layer.alpha.constraint is not None


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_softmax(axis, rng):
    x = rng.normal(size=(2, 3, 4))
    y = check_layer_grads(layers.Softmax(axis=axis, dtype="float64"), x)
    ax = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(y.sum(axis=ax), 1.0)
    np.testing.assert_allclose(y, _softmax(x, ax), rtol=1e-12)


def test_softmax_mask(rng):
    x = rng.normal(size=(2, 4)).astype("float32")
    mask = np.array([[1, 0, 1, 1], [1, 1, 0, 0]])
    y = layers.Softmax()(x, mask=mask)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y[mask == 0], 0.0)
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[0, [0, 2, 3]], _softmax(x[0, [0, 2, 3]]), rtol=1e-6)
    # a boolean mask that broadcasts over the batch axis gives the same result per row
    y2 = layers.Softmax()(x, mask=np.array([True, False, True, True]))
    np.testing.assert_allclose(y2[0], y[0], rtol=1e-6)


def test_softmax_mask_must_broadcast():
    x = np.zeros((2, 4), dtype="float32")
    with pytest.raises(ValueError, match="broadcastable"):
        layers.Softmax()(x, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match="more dimensions"):
        layers.Softmax()(x, mask=np.ones((1, 2, 4)))


@pytest.mark.parametrize("cls", [layers.ReLU, layers.LeakyReLU, layers.ELU, layers.Softmax])
def test_weightless_layers_keep_shape_and_config(cls):
    layer = cls()
    assert layer.weights == [] and layer.count_params() == 0
    assert layer(layers.Input((3, 4))).shape == (None, 3, 4)
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
