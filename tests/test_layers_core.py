"""Dense, Dropout, Flatten: maths, weights, regularizers, randomness and gradients."""
import numpy as np
import pytest
from layer_testing import check_layer_grads

from minikeras import layers
from minikeras.engine.random import set_random_seed


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


ACTIVATIONS = {None: lambda z: z, "linear": lambda z: z, "relu": lambda z: np.maximum(z, 0),
               "sigmoid": _sigmoid, "tanh": np.tanh, "softmax": _softmax}


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_dense_maths(activation, rng):
    layer = layers.Dense(5, activation=activation, bias_initializer="glorot_uniform")
    x = rng.normal(size=(4, 3)).astype("float32")
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 5) and bias.shape == (5,)
    assert y.dtype == np.float32 and y.shape == (4, 5)
    np.testing.assert_allclose(y, ACTIVATIONS[activation](x @ kernel + bias), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", None])
def test_dense_grads(activation, rng):
    layer = layers.Dense(4, activation=activation, bias_initializer="random_normal", dtype="float64")
    check_layer_grads(layer, rng.normal(size=(3, 5)))


def test_dense_rank3_grads(rng):
    layer = layers.Dense(2, bias_initializer="random_normal", dtype="float64")
    y = check_layer_grads(layer, rng.normal(size=(2, 3, 4)))
    assert y.shape == (2, 3, 2)


def test_dense_weights_names_order_and_count(rng):
    layer = layers.Dense(3, name="d")
    layer.build((None, 7))
    assert [w.path for w in layer.weights] == ["d/kernel", "d/bias"]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert layer.count_params() == 7 * 3 + 3


def test_dense_without_bias(rng):
    layer = layers.Dense(3, use_bias=False, dtype="float64")
    x = rng.normal(size=(2, 4))
    y = check_layer_grads(layer, x)
    assert [w.name for w in layer.weights] == ["kernel"] and layer.bias is None
    assert layer.count_params() == 12
    np.testing.assert_allclose(y, x @ layer.kernel.numpy())
    assert layer.get_config()["use_bias"] is False


def test_dense_weight_regularizers(rng):
    layer = layers.Dense(3, kernel_regularizer="l2", bias_regularizer=layers_l1(0.5),
                         bias_initializer="ones")
    layer(rng.normal(size=(2, 4)).astype("float32"))
    kernel, bias = layer.get_weights()
    losses = [float(np.asarray(v)) for v in layer.losses]
    np.testing.assert_allclose(sorted(losses), sorted([0.01 * np.sum(kernel ** 2), 0.5 * 3.0]),
                               rtol=1e-5)


def test_dense_regularization_loss_is_differentiable_through_the_scope(rng):
    """Inside a StatelessScope `layer.losses` reads the bound (traced) kernel: d/dk 0.01*|k|^2 = 0.02 k."""
    from autograd import grad
    from autograd.test_util import check_grads
    from minikeras.engine.variable import StatelessScope
    layer = layers.Dense(3, kernel_regularizer="l2", dtype="float64")
    layer.build((None, 4))

    def penalty(kernel):
        with StatelessScope([(layer.kernel, kernel)]):
            return sum(layer.losses)
    k = rng.normal(size=(4, 3))
    check_grads(penalty, modes=["rev"], order=1)(k)
    np.testing.assert_allclose(grad(penalty)(k), 0.02 * k)


def layers_l1(value):
    from minikeras import regularizers
    return regularizers.L1(value)


def test_dense_activity_regularizer_is_divided_by_batch(rng):
    layer = layers.Dense(2, activity_regularizer="l2")
    x = rng.normal(size=(5, 3)).astype("float32")
    y = layer(x)
    (loss,) = layer.losses
    np.testing.assert_allclose(float(np.asarray(loss)), 0.01 * np.sum(y ** 2) / 5, rtol=1e-5)


def test_dense_config_round_trip():
    layer = layers.Dense(4, activation="relu", kernel_initializer="he_normal", name="dd")
    config = layer.get_config()
    assert config["units"] == 4 and config["activation"] == "relu"
    clone = layers.Dense.from_config(config)
    assert clone.get_config() == config


def test_dense_symbolic_shape():
    out = layers.Dense(6)(layers.Input((2, 3)))
    assert out.shape == (None, 2, 6)


# --- Dropout --------------------------------------------------------------------------------
def test_dropout_identity_at_inference(rng):
    x = rng.normal(size=(4, 10)).astype("float32")
    layer = layers.Dropout(0.5)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    check_layer_grads(layers.Dropout(0.5, dtype="float64"), x)


def test_dropout_inverted_scaling_in_training():
    x = np.ones((200, 50), dtype="float32")
    y = layers.Dropout(0.3, seed=1)(x, training=True)
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02  # 10,000 draws: sd ~0.005
    assert abs(y.mean() - 1.0) < 0.03  # scaling keeps the expectation


def test_dropout_seeded_repeatability():
    x = np.ones((8, 16), dtype="float32")
    a = layers.Dropout(0.5, seed=42)(x, training=True)
    b = layers.Dropout(0.5, seed=42)(x, training=True)
    np.testing.assert_array_equal(a, b)
    layer = layers.Dropout(0.5, seed=42)
    first, second = layer(x, training=True), layer(x, training=True)
    assert not np.array_equal(first, second)  # a fresh mask each call
    set_random_seed(7)
    c = layers.Dropout(0.5)(x, training=True)
    set_random_seed(7)
    d = layers.Dropout(0.5)(x, training=True)
    np.testing.assert_array_equal(c, d)


def test_dropout_training_gradient_is_the_mask(rng):
    """d(sum(y))/dx is the scaled mask used in the forward pass."""
    from autograd import grad
    x = rng.normal(size=(6, 5))
    layer = layers.Dropout(0.4, seed=3, dtype="float64")
    g = grad(lambda v: layer(v, training=True).sum())(x)
    mask = np.asarray(layers.Dropout(0.4, seed=3, dtype="float64")(np.ones_like(x), training=True))
    np.testing.assert_allclose(g, mask)


def test_dropout_noise_shape():
    x = np.ones((4, 3, 6), dtype="float32")
    y = layers.Dropout(0.5, noise_shape=(None, 1, 6), seed=0)(x, training=True)
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))


# --- Flatten --------------------------------------------------------------------------------
def test_flatten(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    y = check_layer_grads(layers.Flatten(dtype="float64"), x)
    np.testing.assert_array_equal(y, x.reshape(2, 60))
    assert layers.Flatten()(layers.Input((3, 4))).shape == (None, 12)


def test_flatten_channels_first(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    y = layers.Flatten(data_format="channels_first")(x)
    np.testing.assert_array_equal(y, x.transpose(0, 2, 1).reshape(2, 12))


def test_input_shape_on_a_layer_warns_like_keras():
    import pytest
    from minikeras import layers
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`/`input_dim` argument"):
        layers.Dense(2, input_shape=(3,))
    with pytest.warns(UserWarning, match="prefer using an `Input\\(shape\\)` object"):
        layers.Dense(2, input_dim=3)
