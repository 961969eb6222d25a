"""Recurrent layers against real Keras 3 (JAX backend): same weights and inputs -> same outputs
and states (return_sequences / return_state / go_backwards / initial_state / masks, the masked-step
rules of the scan and the unrolled loop), same SGD step, same weight names, shapes and configs."""
import re

import numpy as np
import pytest

import minikeras as mk

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

B, T, D = 3, 5, 4
# sample 0: trailing padding; 1: a hole; 2: leading padding (masked before any step ran)
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1], [0, 0, 1, 1, 1]], dtype=bool)


def minimal_cell_class(lib):
    """The user-written cell from Keras's RNN docstring, in either library."""
    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            output = lib.ops.tanh(lib.ops.matmul(inputs, self.kernel)
                                  + lib.ops.matmul(states[0], self.recurrent_kernel))
            return output, [output]
    return MinimalRNNCell


LAYERS = {
    # name: (factory(lib, **rnn_kwargs) -> layer, initial-state shapes)
    "simple_rnn": (lambda lib, **kw: lib.layers.SimpleRNN(3, **kw), [(B, 3)]),
    "simple_rnn_relu": (lambda lib, **kw: lib.layers.SimpleRNN(3, activation="relu", use_bias=False, **kw),
                        [(B, 3)]),
    "lstm": (lambda lib, **kw: lib.layers.LSTM(3, **kw), [(B, 3), (B, 3)]),
    "lstm_no_bias": (lambda lib, **kw: lib.layers.LSTM(2, use_bias=False, recurrent_activation="hard_sigmoid", **kw),
                     [(B, 2), (B, 2)]),
    "gru": (lambda lib, **kw: lib.layers.GRU(3, **kw), [(B, 3)]),
    "gru_reset_before": (lambda lib, **kw: lib.layers.GRU(3, reset_after=False, **kw), [(B, 3)]),
    "rnn_lstm_cell": (lambda lib, **kw: lib.layers.RNN(lib.layers.LSTMCell(3), **kw), [(B, 3), (B, 3)]),
    "rnn_stacked": (lambda lib, **kw: lib.layers.RNN(
        [lib.layers.LSTMCell(3), lib.layers.GRUCell(2, reset_after=False),
         lib.layers.SimpleRNNCell(4)], **kw), [[(B, 3), (B, 3)], [(B, 2)], [(B, 4)]]),
    "rnn_stacked_cells": (lambda lib, **kw: lib.layers.RNN(lib.layers.StackedRNNCells(
        [lib.layers.GRUCell(3), lib.layers.LSTMCell(2)]), **kw), [[(B, 3)], [(B, 2), (B, 2)]]),
    "rnn_user_cell": (lambda lib, **kw: lib.layers.RNN(minimal_cell_class(lib)(3), **kw), [(B, 3)]),
}

CALLS = {
    # name: (RNN kwargs, use initial_state, use mask)
    "last": ({}, False, False),
    "sequences": ({"return_sequences": True}, False, False),
    "state": ({"return_state": True}, False, False),
    "sequences_state": ({"return_sequences": True, "return_state": True}, False, False),
    "backwards": ({"go_backwards": True, "return_sequences": True, "return_state": True}, False, False),
    "initial_state": ({"return_sequences": True, "return_state": True}, True, False),
    "mask": ({"return_sequences": True, "return_state": True}, False, True),
    "mask_initial_state": ({"return_sequences": True, "return_state": True}, True, True),
    "mask_backwards": ({"return_sequences": True, "go_backwards": True}, True, True),
    "mask_zero_output": ({"return_sequences": True, "return_state": True,
                          "zero_output_for_mask": True}, True, True),
    "mask_unroll": ({"return_sequences": True, "return_state": True, "unroll": True}, True, True),
    "mask_last": ({}, True, True),
}


# every call variant for LSTM and GRU; the main ones for the other layers (Keras's per-call
# compilation makes the full cross product slow)
PAIRS = ([(layer, call) for layer in ("lstm", "gru") for call in sorted(CALLS)]
         + [(layer, call) for layer in sorted(LAYERS) if layer not in ("lstm", "gru")
            for call in ("sequences_state", "backwards", "mask_initial_state")]
         + [("simple_rnn", "mask_unroll"), ("rnn_stacked", "mask_zero_output"),
            ("rnn_user_cell", "mask_unroll"), ("rnn_stacked_cells", "mask_last"),
            ("gru_reset_before", "mask_zero_output")])


def _map(fn, shapes):
    if isinstance(shapes, list):
        return [_map(fn, s) for s in shapes]
    return fn(shapes)


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flat(item)]
    return [x]


def _perturbed(weights, rng):
    return [w + 0.3 * rng.normal(size=w.shape).astype("float32") for w in weights]


@pytest.mark.parametrize("layer, call", PAIRS)
def test_forward_matches_keras(keras, layer, call):
    factory, state_shapes = LAYERS[layer]
    kwargs, use_state, use_mask = CALLS[call]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D)).astype("float32")
    call_kwargs = {}
    if use_state:
        call_kwargs["initial_state"] = _map(lambda s: rng.normal(size=s).astype("float32"), state_shapes)
    if use_mask:
        call_kwargs["mask"] = MASK
    theirs, ours = factory(keras, **kwargs), factory(mk, **kwargs)
    theirs(x, **call_kwargs)
    ours(x, **call_kwargs)
    weights = _perturbed(theirs.get_weights(), rng)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected, got = _flat(theirs(x, **call_kwargs)), _flat(ours(x, **call_kwargs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert np.asarray(g).dtype == np.float32
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_weights_names_shapes_and_order_match_keras(keras, layer):
    x = np.zeros((B, T, D), dtype="float32")
    theirs, ours = LAYERS[layer][0](keras), LAYERS[layer][0](mk)
    theirs(x)
    ours(x)
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]
    if layer != "rnn_user_cell":  # the user cell's name is numbered per library
        # Auto-numbered names (lstm_cell_3) depend on how many each library made before.
        unnumbered = lambda path: re.sub(r"_\d+(?=/|$)", "", path.split("/", 1)[1])
        assert [unnumbered(w.path) for w in ours.weights] == \
            [unnumbered(w.path) for w in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)


@pytest.mark.parametrize("layer", ["simple_rnn", "lstm", "gru", "gru_reset_before"])
def test_initial_weights_follow_keras_rules(keras, layer):
    """Orthogonal recurrent kernels; LSTM's unit forget bias; zero biases elsewhere."""
    ours = LAYERS[layer][0](mk)
    ours(np.zeros((B, T, D), dtype="float32"))
    theirs = LAYERS[layer][0](keras)
    theirs(np.zeros((B, T, D), dtype="float32"))
    for mine, ref in zip(ours.weights, theirs.weights):
        if mine.name == "bias":
            np.testing.assert_array_equal(mine.numpy(), np.asarray(ref))
    r = ours.cell.recurrent_kernel.numpy()  # (u, k*u): orthonormal rows
    np.testing.assert_allclose(r @ r.T, np.eye(r.shape[0]), atol=1e-5)


@pytest.mark.parametrize("layer", ["simple_rnn", "lstm", "gru", "gru_reset_before", "rnn_stacked",
                                   "rnn_user_cell"])
def test_sgd_fit_step_matches_keras(keras, layer):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, T, D)).astype("float32")
    y = rng.normal(size=(6, 2)).astype("float32")

    def model(lib):
        m = lib.Sequential([lib.Input((T, D)), LAYERS[layer][0](lib), lib.layers.Dense(2)])
        m.compile(lib.optimizers.SGD(0.1), "mse")
        return m
    km, mm = model(keras), model(mk)
    weights = _perturbed(km.get_weights(), rng)
    km.set_weights(weights)
    mm.set_weights(weights)
    k_hist = km.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0).history
    m_hist = mm.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(m_hist["loss"], k_hist["loss"], rtol=1e-5)
    for mine, ref in zip(mm.weights, km.weights):
        np.testing.assert_allclose(mine.numpy(), np.asarray(ref), rtol=1e-5, atol=1e-5, err_msg=mine.path)


def test_masked_stack_matches_keras(keras):
    """LSTM(return_sequences) -> GRU(go_backwards) -> Dense, the mask passed explicitly to both."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, T, D)).astype("float32")
    rng.normal(size=(3, 2))  # (kept: the draws after it stay as they were)

    class Net:
        def __init__(self, lib):
            self.lstm = lib.layers.LSTM(3, return_sequences=True)
            self.gru = lib.layers.GRU(2, go_backwards=True)
            self.dense = lib.layers.Dense(2)

        def __call__(self, x):
            return self.dense(self.gru(self.lstm(x, mask=MASK), mask=MASK))

    km, mm = Net(keras), Net(mk)
    km(x)
    mm(x)
    layers = [(km.lstm, mm.lstm), (km.gru, mm.gru), (km.dense, mm.dense)]
    for k, m in layers:
        weights = _perturbed(k.get_weights(), rng)
        k.set_weights(weights)
        m.set_weights(weights)
    np.testing.assert_allclose(np.asarray(mm(x)), np.asarray(km(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer", ["simple_rnn", "lstm", "gru", "gru_reset_before"])
def test_config_matches_keras(keras, layer):
    kwargs = {"return_sequences": True, "go_backwards": True, "dropout": 0.25, "recurrent_dropout": 0.5}
    theirs, ours = LAYERS[layer][0](keras, **kwargs), LAYERS[layer][0](mk, **kwargs)
    k_config, m_config = theirs.get_config(), ours.get_config()
    assert sorted(m_config) == sorted(k_config)
    for key in k_config:
        if key != "name":
            assert m_config[key] == k_config[key], key
    clone = type(ours).from_config(m_config)
    assert clone.get_config() == m_config
    # and a Keras config loads into minikeras
    assert type(ours).from_config(k_config).get_config()["units"] == k_config["units"]


def test_rnn_config_matches_keras(keras):
    theirs = keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)], return_state=True)
    ours = mk.layers.RNN([mk.layers.LSTMCell(3), mk.layers.GRUCell(2)], return_state=True)
    k_config, m_config = theirs.get_config(), ours.get_config()
    assert sorted(m_config) == sorted(k_config)
    k_cells = k_config["cell"]["config"]["cells"]
    m_cells = m_config["cell"]["config"]["cells"]
    assert [c["class_name"] for c in m_cells] == [c["class_name"] for c in k_cells]
    for mc, kc in zip(m_cells, k_cells):
        drop_name = lambda c: {k: v for k, v in c.items() if k != "name"}  # numbered per library
        assert drop_name(mc["config"]) == drop_name(kc["config"])
    clone = mk.layers.RNN.from_config(k_config)
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "GRUCell"]
    assert clone.return_state is True
