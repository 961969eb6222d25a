"""Ops and operators on KerasTensors record weightless layers in the functional graph."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


def _residual_model():
    inp = keras.Input((6, 4))
    x = layers.Dense(4, name="proj")(inp)
    res = x + inp
    y = ops.mean(res * 2.0, axis=1)
    return keras.Model(inp, [y[:, :2] - 1, ops.exp(-y)]), inp


def test_operators_and_ops_compute_what_they_say():
    model, _ = _residual_model()
    a = np.random.default_rng(0).random((3, 6, 4)).astype("float32")
    kernel, bias = model.get_layer("proj").get_weights()
    ref = ((a @ kernel + bias + a) * 2).mean(1)
    first, second = model.predict(a, verbose=0)
    np.testing.assert_allclose(first, ref[:, :2] - 1, rtol=1e-5)
    np.testing.assert_allclose(second, np.exp(-ref), rtol=1e-5)


def test_op_layers_have_shapes_unique_names_and_no_weights():
    model, inp = _residual_model()
    names = [layer.name for layer in model.operations]
    assert len(set(names)) == len(names)
    ops_layers = [l for l in model.operations if l.name != "proj" and "input" not in l.name]
    assert {type(l).__name__ for l in ops_layers} >= {"Add", "Multiply", "Mean", "GetItem", "Exp"}
    assert all(l.count_params() == 0 for l in ops_layers)
    assert ops.shape(inp) == (None, 6, 4) and ops.ndim(inp) == 3
    assert (inp[:, 0] + 1).shape == (None, 4)
    assert (2 - inp).shape == (None, 6, 4)
    assert (inp @ np.ones((4, 3), "float32")).shape == (None, 6, 3)
    assert ops.concatenate([inp, inp], axis=-1).shape == (None, 6, 8)
    assert (inp > 0).dtype == "bool"


def test_functional_model_with_ops_trains():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(512, 8)).astype("float32")
    y = (x[:, :1] * 3 + x[:, 1:2] ** 2).astype("float32")
    inp = keras.Input((8,))
    h = layers.Dense(32, activation="relu")(inp)
    h = h + layers.Dense(32)(inp)  # a residual connection written with `+`
    out = layers.Dense(1)(ops.tanh(h) * 2.0)
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, epochs=40, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_symbolic_tensor_is_not_a_value():
    inp = keras.Input((3,))
    with pytest.raises(TypeError, match="cannot be used as a Python bool"):
        bool(inp > 0)
    with pytest.raises(TypeError, match="cannot be iterated"):
        list(inp)
    with pytest.raises(ValueError, match="symbolic"):
        np.asarray(inp)
