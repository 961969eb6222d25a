"""Recurrent layers: maths against numpy loops, shapes, states, masks, dropout, gradients, configs."""
import numpy as np
import pytest
from autograd.test_util import check_grads
from layer_testing import check_layer_grads

import minikeras as mk
from minikeras import layers, ops
from minikeras.engine.random import set_random_seed
from minikeras.engine.variable import StatelessScope

B, T, D = 3, 5, 4
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1], [0, 0, 1, 1, 1]], dtype=bool)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ref_step(kind, x, states, w, units, reset_after=True):
    """One step of the Keras equations in float64 numpy; returns (output, states)."""
    if kind == "simple_rnn":
        h = np.tanh(x @ w[0] + w[2] + states[0] @ w[1])
        return h, [h]
    if kind == "lstm":
        z = x @ w[0] + states[0] @ w[1] + w[2]
        i, f, g, o = np.split(z, 4, axis=-1)
        c = _sigmoid(f) * states[1] + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return h, [h, c]
    h = states[0]
    b_in, b_rec = (w[2][0], w[2][1]) if reset_after else (w[2], np.zeros_like(w[2]))
    x_z, x_r, x_h = np.split(x @ w[0] + b_in, 3, axis=-1)
    if reset_after:
        h_z, h_r, h_h = np.split(h @ w[1] + b_rec, 3, axis=-1)
        z, r = _sigmoid(x_z + h_z), _sigmoid(x_r + h_r)
        cand = np.tanh(x_h + r * h_h)
    else:
        h_z, h_r = np.split(h @ w[1][:, :2 * units], 2, axis=-1)
        z, r = _sigmoid(x_z + h_z), _sigmoid(x_r + h_r)
        cand = np.tanh(x_h + (r * h) @ w[1][:, 2 * units:])
    h = z * h + (1 - z) * cand
    return h, [h]


def ref_rnn(kind, x, w, units, mask=None, go_backwards=False, states=None, **kw):
    """The whole loop: masked steps keep the states and output the previous h."""
    n_states = 2 if kind == "lstm" else 1
    states = states or [np.zeros((x.shape[0], units))] * n_states
    outputs = []
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in order:
        out, new = ref_step(kind, x[:, t], states, w, units, **kw)
        if mask is not None:
            m = mask[:, t, None]
            out = np.where(m, out, states[0])
            new = [np.where(m, n, s) for n, s in zip(new, states)]
        states = new
        outputs.append(out)
    return np.stack(outputs, axis=1), states


KINDS = {
    "simple_rnn": (lambda **kw: layers.SimpleRNN(3, **kw), {}),
    "lstm": (lambda **kw: layers.LSTM(3, **kw), {}),
    "gru": (lambda **kw: layers.GRU(3, **kw), {}),
    "gru_reset_before": (lambda **kw: layers.GRU(3, reset_after=False, **kw), {"reset_after": False}),
}


def _random_weights(layer, rng):
    weights = [rng.normal(scale=0.5, size=w.shape) for w in layer.weights]
    layer.set_weights(weights)
    return weights


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_maths_match_numpy_loop(kind, masked, go_backwards, rng):
    factory, ref_kw = KINDS[kind]
    layer = factory(return_sequences=True, return_state=True, go_backwards=go_backwards)
    x = rng.normal(size=(B, T, D)).astype("float32")
    layer(x)
    w = _random_weights(layer, rng)
    mask = MASK if masked else None
    out, *states = layer(x, mask=mask)
    ref_out, ref_states = ref_rnn(kind.split("_reset")[0], x.astype("float64"), w, 3, mask=mask,
                                  go_backwards=go_backwards, **ref_kw)
    assert out.dtype == np.float32 and out.shape == (B, T, 3)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    for s, r in zip(states, ref_states):
        np.testing.assert_allclose(s, r, rtol=1e-5, atol=1e-6)


def test_weights_live_on_the_cell_in_keras_order():
    lstm = layers.LSTM(4)
    lstm(np.zeros((2, 3, 5), "float32"))
    assert [w.name for w in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in lstm.weights] == [(5, 16), (4, 16), (16,)]
    assert lstm.weights[0] is lstm.cell.kernel
    assert lstm.weights[0].path == f"{lstm.name}/lstm_cell/kernel"  # Keras: "lstm/lstm_cell/kernel"
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    r = lstm.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(r @ r.T, np.eye(4), atol=1e-5)  # orthogonal
    gru = layers.GRU(4)
    gru(np.zeros((2, 3, 5), "float32"))
    assert [w.shape for w in gru.weights] == [(5, 12), (4, 12), (2, 12)]
    gru = layers.GRU(4, reset_after=False, use_bias=False)
    gru(np.zeros((2, 3, 5), "float32"))
    assert [w.shape for w in gru.weights] == [(5, 12), (4, 12)]
    assert lstm.units == 4 and lstm.dropout == 0.0 and lstm.cell.units == 4


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_output_shapes(kind):
    factory = KINDS[kind][0]
    x = np.zeros((B, T, D), "float32")
    n_states = 2 if kind == "lstm" else 1
    assert factory()(x).shape == (B, 3)
    assert factory(return_sequences=True)(x).shape == (B, T, 3)
    outs = factory(return_state=True, go_backwards=True)(x)
    assert isinstance(outs, tuple) and [o.shape for o in outs] == [(B, 3)] * (1 + n_states)
    layer = factory(return_sequences=True, return_state=True)
    assert layer.compute_output_shape((None, T, D)) == ((None, T, 3),) + ((None, 3),) * n_states
    symbolic = layer(mk.Input((None, D)))
    assert [tuple(s.shape) for s in symbolic] == [(None, None, 3)] + [(None, 3)] * n_states


def test_sequential_model_stacks_and_summarises():
    model = mk.Sequential([mk.Input((T, D)), layers.LSTM(6, return_sequences=True),
                           layers.GRU(5), layers.Dense(2)])
    assert model.output_shape == (None, 2)
    assert model.predict(np.zeros((4, T, D), "float32"), verbose=0).shape == (4, 2)
    assert model.count_params() == (4 * 6 * (D + 6 + 1)) + (3 * 5 * (6 + 5 + 2)) + (5 * 2 + 2)


def test_go_backwards_reverses_processing_order(rng):
    x = rng.normal(size=(B, T, D)).astype("float32")
    fwd = layers.GRU(3, return_sequences=True)
    bwd = layers.GRU(3, return_sequences=True, go_backwards=True)
    fwd(x)
    bwd(x)
    bwd.set_weights(fwd.get_weights())
    np.testing.assert_allclose(bwd(x), fwd(x[:, ::-1]), rtol=1e-6)


def test_initial_state_and_return_state_chain(rng):
    """Running two halves with the state handed over equals running the whole sequence."""
    x = rng.normal(size=(B, 6, D)).astype("float32")
    lstm = layers.LSTM(3, return_sequences=True, return_state=True)
    whole, h, c = lstm(x)
    first, h1, c1 = lstm(x[:, :3])
    second, h2, c2 = lstm(x[:, 3:], initial_state=[h1, c1])
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h2, h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c2, c, rtol=1e-5, atol=1e-6)
    gru = layers.GRU(3)
    gru(x)
    assert not np.allclose(gru(x, initial_state=np.ones((B, 3), "float32")), gru(x))


def test_stateful_carries_state_between_batches_and_resets(rng):
    x = rng.normal(size=(2, 6, D)).astype("float32")
    plain = layers.LSTM(3)
    stateful = layers.LSTM(3, stateful=True)
    plain(x)
    stateful(x[:, :3])
    stateful.reset_states()
    stateful.set_weights(plain.get_weights())
    assert len(stateful.weights) == 3  # the states are not weights
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]), plain(x), rtol=1e-5, atol=1e-6)
    stateful.reset_state()
    np.testing.assert_allclose(stateful(x[:, :3]), plain(x[:, :3]), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        stateful(x[:1])
    with pytest.raises(ValueError, match="stateful=True.*static"):
        layers.GRU(2, stateful=True)(mk.Input((T, D)))


def test_stateful_model_fit_keeps_state():
    model = mk.Sequential([mk.Input(batch_shape=(2, T, D)), layers.SimpleRNN(3, stateful=True),
                           layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, T, D), "float32"), np.ones((4, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    state = model.layers[0].states[0].numpy()
    assert state.shape == (2, 3) and np.abs(state).max() > 0
    model.layers[0].reset_states()
    assert np.abs(model.layers[0].states[0].numpy()).max() == 0


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_masked_steps_keep_state_and_repeat_output(kind, rng):
    """Trailing masked steps: same final state as the truncated sequence; their outputs repeat
    the last unmasked output. A leading masked step outputs the initial state (zeros)."""
    x = rng.normal(size=(B, T, D)).astype("float32")
    layer = KINDS[kind][0](return_sequences=True, return_state=True)
    out, *states = layer(x, mask=MASK)
    short, *short_states = layer(x[:1, :3])
    np.testing.assert_allclose(states[0][:1], short_states[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[0, 3], out[0, 2])
    np.testing.assert_allclose(out[0, 4], out[0, 2])
    np.testing.assert_allclose(out[1, 1], out[1, 0])
    np.testing.assert_array_equal(out[2, :2], 0)
    zero = KINDS[kind][0](return_sequences=True, zero_output_for_mask=True)
    zero(x)
    zero.set_weights(layer.get_weights())
    zero_out = zero(x, mask=MASK)
    np.testing.assert_array_equal(zero_out[~MASK], 0)
    np.testing.assert_allclose(zero_out[MASK], out[MASK], rtol=1e-6)


def test_masked_output_rules_for_initial_state_and_unroll(rng):
    """As Keras's JAX backend: a masked first step outputs the initial h (scan), or zeros when
    unrolled; a masked last step ends the return_sequences=False output."""
    x = rng.normal(size=(B, T, D)).astype("float32")
    h0 = rng.normal(size=(B, 3)).astype("float32")
    scan, unrolled = layers.GRU(3, return_sequences=True), layers.GRU(3, return_sequences=True, unroll=True)
    scan(x)
    unrolled(x)
    unrolled.set_weights(scan.get_weights())
    np.testing.assert_allclose(scan(x, initial_state=h0, mask=MASK)[2, :2], np.stack([h0[2]] * 2))
    np.testing.assert_array_equal(unrolled(x, initial_state=h0, mask=MASK)[2, :2], 0)
    last = layers.GRU(3)
    last(x)
    last.set_weights(scan.get_weights())
    np.testing.assert_allclose(last(x, mask=MASK), scan(x, mask=MASK)[:, -1], rtol=1e-6)


def test_compute_mask():
    mask = MASK
    assert layers.LSTM(2).compute_mask(None, mask) is None
    assert layers.LSTM(2, return_sequences=True).compute_mask(None, mask) is mask
    assert layers.LSTM(2, return_sequences=True, return_state=True).compute_mask(None, mask) == \
        [mask, None, None]
    assert layers.GRU(2, return_state=True).compute_mask(None, mask) == [None, None]
    assert layers.SimpleRNN(2).supports_masking


class MinimalRNNCell(layers.Layer):
    """Keras's docstring example of a user-written cell."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        output = ops.tanh(ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel))
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_user_cell_trains_with_fit(rng):
    set_random_seed(0)
    x = rng.normal(size=(32, T, D)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None] * 0.1
    model = mk.Sequential([mk.Input((T, D)), layers.RNN(MinimalRNNCell(8)), layers.Dense(1)])
    model.compile(mk.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, batch_size=8, epochs=15, verbose=0).history["loss"]
    assert history[-1] < 0.3 * history[0]
    assert [w.name for w in model.layers[0].weights] == ["kernel", "recurrent_kernel"]


def test_user_cells_stacked_and_plain_objects(rng):
    """A list of cells stacks them; a plain (non-Layer) cell object with `call` also works."""
    x = rng.normal(size=(B, T, D)).astype("float32")
    stacked = layers.RNN([MinimalRNNCell(4), layers.LSTMCell(2)], return_state=True)
    out, s1, s2 = stacked(x)
    assert out.shape == (B, 2) and s1.shape == (B, 4) and [s.shape for s in s2] == [(B, 2)] * 2
    assert isinstance(stacked.cell, layers.StackedRNNCells)
    assert stacked.compute_output_shape((B, T, D))[0] == (B, 2)

    class Counter:
        state_size = 1

        def call(self, inputs, states):
            count = states[0] + 1.0
            return count, [count]
    np.testing.assert_array_equal(layers.RNN(Counter(), return_sequences=True)(x)[0, :, 0], np.arange(1, T + 1))


def test_generic_path_matches_fast_path(rng):
    """Stacked cells run step by step through each cell's `call`; single built-in cells project
    all steps at once. Both give the same numbers, masked and backwards."""
    x = rng.normal(size=(B, T, D)).astype("float32")
    stacked = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], go_backwards=True)
    first = layers.RNN(layers.LSTMCell(3), return_sequences=True, go_backwards=True)
    second = layers.RNN(layers.GRUCell(2))
    stacked(x)
    second(first(x))
    first.set_weights(stacked.get_weights()[:3])
    second.set_weights(stacked.get_weights()[3:])
    flipped = MASK[:, ::-1]  # `first` returns its outputs in processing (reversed) order
    np.testing.assert_allclose(stacked(x, mask=MASK), second(first(x, mask=MASK), mask=flipped),
                               rtol=1e-6, atol=1e-7)


class WithMask(layers.Layer):
    """Calls `inner` with a fixed mask / initial state, so check_layer_grads can drive it."""

    def __init__(self, inner, mask=None, initial_state=None):
        super().__init__(dtype="float64")
        self.inner, self.mask, self.initial_state = inner, mask, initial_state

    def call(self, x):
        out = self.inner(x, mask=self.mask, initial_state=self.initial_state)
        return ops.concatenate([ops.reshape(o, (o.shape[0], -1)) for o in out], axis=-1) \
            if isinstance(out, tuple) else out


GRAD_CASES = {
    "simple_rnn": lambda: layers.SimpleRNN(3, dtype="float64"),
    "lstm": lambda: layers.LSTM(3, return_sequences=True, dtype="float64"),
    "lstm_no_bias_state": lambda: layers.LSTM(2, use_bias=False, return_state=True, dtype="float64"),
    "gru": lambda: layers.GRU(3, return_sequences=True, go_backwards=True, dtype="float64"),
    "gru_reset_before": lambda: layers.GRU(3, reset_after=False, return_state=True, dtype="float64"),
    "rnn_stacked": lambda: layers.RNN([layers.SimpleRNNCell(2, dtype="float64"),
                                       layers.GRUCell(2, dtype="float64")], dtype="float64"),
    "rnn_user_cell": lambda: layers.RNN(MinimalRNNCell(3, dtype="float64"), return_sequences=True,
                                        dtype="float64"),
}


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients(case, masked, rng):
    x = rng.normal(size=(2, 4, 3))
    mask = MASK[:2, 1:] if masked else None
    check_layer_grads(WithMask(GRAD_CASES[case](), mask), x)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(2, dtype="float64", go_backwards=True),
                                  lambda: layers.GRU(2, dtype="float64", reset_after=False)])
def test_gradient_wrt_initial_state(make, rng):
    x = rng.normal(size=(2, 4, 3))
    layer = make()
    n_states = 2 if isinstance(layer, layers.LSTM) else 1
    layer(x)
    states = [rng.normal(size=(2, 2)) for _ in range(n_states)]
    check_grads(lambda s: layer(x, initial_state=[s[i] for i in range(n_states)], mask=MASK[:2, 1:]),
                modes=["rev"], order=1)(states)


def test_gradient_of_masked_fit_loss_flows_to_every_weight(rng):
    x = rng.normal(size=(2, 4, 3))
    layer = layers.LSTM(2, dtype="float64")
    layer(x)
    weights = layer.trainable_weights

    def loss(ws):
        with StatelessScope(list(zip(weights, ws))):
            return (layer(x, mask=MASK[:2, 1:]) ** 2).sum()
    check_grads(loss, modes=["rev"], order=1)([w.numpy() for w in weights])


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru", "gru_reset_before"])
def test_dropout_is_seeded_training_only_and_fixed_across_time(kind, rng):
    x = rng.normal(size=(B, T, D)).astype("float32")

    def run(seed):
        set_random_seed(seed)
        layer = KINDS[kind][0](dropout=0.4, recurrent_dropout=0.3, return_sequences=True)
        return layer, layer(x, training=True)
    layer, a = run(7)
    _, b = run(7)
    _, c = run(8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(layer(x, training=False), layer(x))
    assert not np.allclose(layer(x, training=True), layer(x))
    assert not np.allclose(layer(x, training=True), layer(x, training=True))  # fresh masks per call


def test_dropout_masks_are_fixed_across_time_steps():
    """SimpleRNN with identity kernel and linear activation: output_t = x_t * input_mask (+ h
    through a zero recurrent kernel), so constant inputs give the same output at every step."""
    set_random_seed(3)
    cell = layers.SimpleRNNCell(6, activation=None, kernel_initializer="identity",
                                recurrent_initializer="zeros", dropout=0.5)
    out = layers.RNN(cell, return_sequences=True)(np.ones((4, T, 6), "float32"), training=True)
    assert set(np.unique(out)) <= {0.0, 2.0} and 0 < (out == 0).mean() < 1
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], T, axis=1))
    # recurrent mask: zero kernel, identity recurrent kernel, h0 = 1 -> h_t = m^t
    cell = layers.SimpleRNNCell(6, activation=None, kernel_initializer="zeros",
                                recurrent_initializer="identity", recurrent_dropout=0.5)
    out = layers.RNN(cell, return_sequences=True)(np.ones((4, T, 6), "float32"),
                                                   initial_state=np.ones((4, 6), "float32"), training=True)
    m = out[:, 0]
    np.testing.assert_allclose(out, np.stack([m ** (t + 1) for t in range(T)], axis=1))


@pytest.mark.parametrize("make", [lambda: layers.LSTM(3), lambda: layers.GRU(3),
                                  lambda: layers.SimpleRNN(3), lambda: layers.RNN(layers.LSTMCell(3))])
def test_2d_input_is_rejected_at_build(make):
    layer = make()
    with pytest.raises(ValueError, match=rf"'{layer.name}'.*ndim=3.*\(4, 5\)"):
        layer(np.zeros((4, 5), "float32"))


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN, layers.LSTMCell,
                                 layers.GRUCell, layers.SimpleRNNCell])
@pytest.mark.parametrize("units", [0, -2, 2.5])
def test_bad_units_rejected_at_construction(cls, units):
    with pytest.raises(ValueError, match=rf"`units`.*got {units}"):
        cls(units)


def test_bad_cells_rejected():
    with pytest.raises(ValueError, match="`call`"):
        layers.RNN(object())

    class NoState:
        def call(self, inputs, states):
            return inputs, states
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(NoState())
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.LSTM(2, use_cudnn="yes")


def test_regularizers_and_constraints_reach_the_cell_weights(rng):
    lstm = layers.LSTM(3, kernel_regularizer="l2", recurrent_regularizer="l1",
                       bias_constraint="non_neg", activity_regularizer="l2")
    out = lstm(rng.normal(size=(2, T, D)).astype("float32"))
    assert len(lstm.losses) == 3
    assert lstm.cell.bias.constraint is not None and lstm.bias_constraint is lstm.cell.bias_constraint
    assert out.shape == (2, 3)


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, dropout=0.2, recurrent_dropout=0.1, return_sequences=True,
                        unit_forget_bias=False, recurrent_activation="hard_sigmoid", seed=4),
    lambda: layers.GRU(2, reset_after=False, go_backwards=True, stateful=True, seed=1),
    lambda: layers.SimpleRNN(5, activation="relu", use_bias=False, return_state=True,
                             kernel_regularizer="l2"),
])
def test_get_config_round_trip(make, rng):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert "cell" not in config and config["units"] == layer.units
    x = rng.normal(size=(2, T, D)).astype("float32")
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    layer.reset_states()
    clone.reset_states()
    ours, theirs = layer(x), clone(x)
    for a, b in zip(*((o,) if not isinstance(o, tuple) else o for o in (ours, theirs))):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_rnn_config_round_trip_with_user_cell():
    rnn = layers.RNN([MinimalRNNCell(3), layers.GRUCell(2)], return_sequences=True,
                     zero_output_for_mask=True)
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    with pytest.raises(ValueError, match="MinimalRNNCell"):
        layers.RNN.from_config(config)
    clone = layers.RNN.from_config(config, custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert clone.get_config() == config
    assert isinstance(clone.cell.cells[0], MinimalRNNCell) and clone.cell.cells[1].units == 2
