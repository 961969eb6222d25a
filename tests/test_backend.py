"""minikeras.backend (`from keras import backend as K`): Keras 2 semantics and gradients."""
import autograd
import numpy as np
import pytest
from autograd.test_util import check_grads

from minikeras import backend as K
from minikeras.engine import config
from minikeras.engine.variable import StatelessScope, Variable

X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])


def test_settings():
    assert K.backend() == "numpy"
    assert K.floatx() == "float32" and K.epsilon() == 1e-7
    assert K.image_data_format() == "channels_last"
    try:
        K.set_epsilon(1e-5)
        K.set_floatx("float64")
        K.set_image_data_format("channels_first")
        assert (config.epsilon(), config.floatx(), config.image_data_format()) == \
            (1e-5, "float64", "channels_first")
        assert K.constant(1.0).dtype == np.float64
    finally:
        K.set_epsilon(1e-7)
        K.set_floatx("float32")
        K.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        K.set_floatx("float8")


def test_clear_session_resets_layer_names():
    layer_mod = pytest.importorskip("minikeras.layers.layer")
    layer_mod.uniquify("dense")
    assert layer_mod.uniquify("dense") != "dense"
    K.clear_session()
    assert layer_mod.uniquify("dense") == "dense"


@pytest.mark.parametrize("fn, ref", [
    (K.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    (K.tanh, np.tanh),
    (K.relu, lambda x: np.maximum(x, 0)),
    (lambda x: K.relu(x, alpha=0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    (lambda x: K.relu(x, max_value=1.0), lambda x: np.clip(x, 0, 1)),
    (K.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    (K.softplus, lambda x: np.log1p(np.exp(x))),
    (K.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    (lambda x: K.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    (K.exp, np.exp), (K.square, np.square), (K.abs, np.abs),
    (K.log, lambda x: np.log(np.abs(x))),
    (K.sqrt, lambda x: np.sqrt(np.maximum(x, 0))),
    (lambda x: K.pow(x, 3), lambda x: x ** 3),
    (lambda x: K.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1, 1)),
    (lambda x: K.maximum(x, 0.4), lambda x: np.maximum(x, 0.4)),
    (lambda x: K.minimum(x, 0.4), lambda x: np.minimum(x, 0.4)),
    (K.mean, np.mean), (K.sum, np.sum), (K.max, np.max), (K.min, np.min),
    (K.std, np.std), (K.var, np.var),
    (lambda x: K.mean(x, axis=1, keepdims=True), lambda x: x.mean(1, keepdims=True)),
    (lambda x: K.sum(x, axis=[0, 1]), lambda x: x.sum()),
    (lambda x: K.max(x, axis=0), lambda x: x.max(0)),
    (lambda x: K.std(x, axis=-1), lambda x: x.std(-1)),
    (lambda x: K.l2_normalize(x, axis=-1), lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)),
    (K.l2_normalize, lambda x: x / np.linalg.norm(x)),
    (K.transpose, lambda x: x.T),
    (lambda x: K.reshape(x, (3, 2)), lambda x: x.reshape(3, 2)),
    (lambda x: K.expand_dims(x), lambda x: x[..., None]),
    (lambda x: K.squeeze(K.expand_dims(x, 0), 0), lambda x: x),
    (lambda x: K.concatenate([x, 2 * x]), lambda x: np.concatenate([x, 2 * x], -1)),
    (lambda x: K.stack([x, x], axis=1), lambda x: np.stack([x, x], 1)),
    (lambda x: K.dot(x, x.T), lambda x: x @ x.T),
])
def test_values_and_gradients(fn, ref):
    x = np.abs(X) if fn is K.log else X
    np.testing.assert_allclose(fn(x), ref(x), rtol=1e-6, atol=1e-12)
    check_grads(fn, modes=["rev"], order=1)(x)


def test_float32_stays_float32():
    x = X.astype("float32")
    for fn in (K.sigmoid, K.relu, K.mean, K.l2_normalize, K.softmax, K.sqrt):
        assert np.asarray(fn(x)).dtype == np.float32


def test_clip_keras2_rules():
    np.testing.assert_allclose(K.clip(X, 0.0, None), np.maximum(X, 0))
    np.testing.assert_allclose(K.clip(X, 1.0, 0.5), np.ones_like(X))  # max < min -> min


def test_dot_nd_is_numpy_dot():
    a, b = np.random.default_rng(0).normal(size=(2, 3, 4)), np.random.default_rng(1).normal(size=(5, 4, 6))
    assert K.dot(a, b).shape == (2, 3, 5, 6)
    np.testing.assert_allclose(K.dot(a, b), np.dot(a, b))


@pytest.mark.parametrize("xs, ys, axes, out_shape, ref", [
    ((4, 3), (4, 3), None, (4, 1), lambda x, y: (x * y).sum(-1, keepdims=True)),
    ((4, 2, 3), (4, 3, 5), None, (4, 2, 5), lambda x, y: x @ y),
    ((4, 2, 3), (4, 3), None, (4, 2), lambda x, y: np.einsum("bij,bj->bi", x, y)),
    ((4, 3, 2), (4, 3, 5), (1, 1), (4, 2, 5), lambda x, y: np.einsum("bji,bjk->bik", x, y)),
    ((32, 20, 1), (32, 30, 20), (1, 2), (32, 1, 30), lambda x, y: np.einsum("bji,bkj->bik", x, y)),
    ((4, 3), (4, 3, 5), 1, (4, 5), lambda x, y: np.einsum("bj,bjk->bk", x, y)),
])
def test_batch_dot(xs, ys, axes, out_shape, ref):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=xs), rng.normal(size=ys)
    out = K.batch_dot(x, y, axes=axes)
    assert out.shape == out_shape
    np.testing.assert_allclose(out, ref(x, y).reshape(out_shape), rtol=1e-10)
    check_grads(lambda a: K.batch_dot(a, y, axes=axes), modes=["rev"], order=1)(x)


def test_batch_dot_errors():
    with pytest.raises(ValueError, match="rank < 2"):
        K.batch_dot(np.ones(3), np.ones((3, 3)))
    with pytest.raises(ValueError, match="axis 0"):
        K.batch_dot(np.ones((2, 3)), np.ones((2, 3)), axes=0)


def test_shapes_and_inspection():
    assert K.shape(X) == (2, 3) and K.shape(X)[0] == 2
    assert K.int_shape(X) == (2, 3) and K.ndim(X) == 2
    v = K.variable(X)
    assert isinstance(v, Variable) and v.dtype == "float32" and K.int_shape(v) == (2, 3)
    np.testing.assert_allclose(K.get_value(v), X.astype("float32"))
    K.set_value(v, np.zeros((2, 3)))
    assert K.get_value(v).sum() == 0 and v.dtype == "float32"
    assert K.count_params(v) == 6
    assert K.constant(2.0, shape=(2, 2)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert K.constant([1, 2]).dtype == np.float32
    assert K.cast(X, "int32").dtype == np.int32
    assert K.zeros((2, 2)).numpy().sum() == 0 and K.ones((2, 2)).numpy().sum() == 4
    assert not K.is_keras_tensor(X)


def test_is_keras_tensor_on_symbolic():
    kt = pytest.importorskip("minikeras.engine.keras_tensor")
    t = kt.KerasTensor((None, 3))
    assert K.is_keras_tensor(t) and K.int_shape(t) == (None, 3)


def test_argmax_equal_switch():
    np.testing.assert_array_equal(K.argmax(X), [2, 0])
    np.testing.assert_array_equal(K.argmax(X, axis=0), [1, 1, 0])
    np.testing.assert_array_equal(K.equal(K.argmax(X), np.array([2, 1])), [True, False])
    np.testing.assert_array_equal(K.switch(X > 0, X, -X), np.abs(X))
    np.testing.assert_array_equal(K.switch(np.array([True, False]), X, 0 * X), [X[0], [0, 0, 0]])
    assert K.switch(True, lambda: 1, lambda: 2) == 1 and K.switch(False, 1, 2) == 2
    check_grads(lambda a: K.switch(X > 0, a * a, 3 * a), modes=["rev"], order=1)(X)


def test_in_train_phase():
    assert K.in_train_phase(1, 2, training=True) == 1
    assert K.in_train_phase(lambda: 1, lambda: 2, training=False) == 2
    assert K.in_train_phase(1, 2) == 2  # outside a training call
    assert K.in_test_phase(1, 2, training=True) == 2


def test_binary_crossentropy_keras2():
    t = np.array([[1.0, 0.0, 1.0]])
    p = np.array([[0.9, 0.2, 1.0]])
    eps = 1e-7
    pc = np.clip(p, eps, 1 - eps)
    expected = -(t * np.log(pc + eps) + (1 - t) * np.log(1 - pc + eps))
    np.testing.assert_allclose(K.binary_crossentropy(t, p), expected, rtol=1e-10)
    z = np.array([[2.0, -1.0, 30.0]])
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(K.binary_crossentropy(t, z, from_logits=True),
                               -(t * np.log(s) + (1 - t) * np.log(1 - s)), rtol=1e-6, atol=1e-12)
    check_grads(lambda q: K.binary_crossentropy(t, q), modes=["rev"], order=1)(np.array([[0.9, 0.2, 0.6]]))
    check_grads(lambda q: K.binary_crossentropy(t, q, from_logits=True), modes=["rev"], order=1)(z)


def test_categorical_crossentropy_keras2():
    t = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    p = np.array([[0.2, 0.6, 0.2], [2.0, 1.0, 1.0]])  # second row unnormalised: rescaled
    np.testing.assert_allclose(K.categorical_crossentropy(t, p), [-np.log(0.6), -np.log(0.5)])
    logits = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    lsm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(K.categorical_crossentropy(t, logits, from_logits=True), -(t * lsm).sum(-1))
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(np.array([1, 0]), p),
                               K.categorical_crossentropy(t, p))
    check_grads(lambda q: K.categorical_crossentropy(t, q), modes=["rev"], order=1)(p)


def test_random_tensors_seeded_and_shape_from_K_shape():
    z = np.zeros((5, 3))
    eps = K.random_normal(shape=(K.shape(z)[0], K.int_shape(z)[1]), seed=1)
    assert eps.shape == (5, 3) and eps.dtype == np.float32
    np.testing.assert_array_equal(eps, K.random_normal((5, 3), seed=1))
    u = K.random_uniform((1000,), minval=2.0, maxval=3.0, seed=0)
    assert u.min() >= 2.0 and u.max() < 3.0
    n = K.random_normal((20000,), mean=1.0, stddev=2.0, seed=0)
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 2.0) < 0.05


def test_unseeded_random_is_repeatable_after_set_random_seed():
    from minikeras.engine.random import set_random_seed
    set_random_seed(3)
    a = K.random_normal((4,))
    set_random_seed(3)
    np.testing.assert_array_equal(K.random_normal((4,)), a)


def test_functions_trace_through_variables():
    v = Variable(X.astype("float32"))

    def loss(w):
        with StatelessScope([(v, w)]):
            return K.sum(K.square(v)) + K.mean(K.sigmoid(v))
    g = autograd.grad(loss)(X)
    s = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(g, 2 * X + s * (1 - s) / X.size, rtol=1e-6)


def test_custom_activation_from_the_seeds():
    def custom_activation(x):
        return x * K.sigmoid(x)
    np.testing.assert_allclose(custom_activation(X), X / (1 + np.exp(-X)), rtol=1e-12)
    check_grads(custom_activation, modes=["rev"], order=1)(X)
