"""TimeDistributed and Bidirectional: shapes, per-step maths, merge modes, states, masks,
gradients, errors, configs, and an Embedding -> Bidirectional(LSTM) -> Dense model that learns."""
import numpy as np
import pytest
from autograd import grad
from layer_testing import check_layer_grads

import minikeras as mk
from minikeras import layers, ops
from minikeras.engine.masking import get_keras_mask, set_keras_mask


# --- TimeDistributed ----------------------------------------------------------------------
def test_time_distributed_dense_is_per_step(rng):
    layer = layers.TimeDistributed(layers.Dense(4, activation="tanh"))
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert y.shape == (3, 5, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y, np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)
    assert layer.layer.built and len(layer.trainable_weights) == 2
    assert layer.compute_output_shape((None, 5, 2)) == (None, 5, 4)


def test_time_distributed_conv_matches_calling_each_step(rng):
    inner = layers.Conv2D(3, 2)
    layer = layers.TimeDistributed(inner)
    x = rng.normal(size=(2, 4, 5, 5, 1)).astype("float32")
    y = layer(x)
    assert y.shape == (2, 4, 4, 4, 3)
    for t in range(4):
        np.testing.assert_allclose(y[:, t], inner(x[:, t]), rtol=1e-5, atol=1e-6)
    assert tuple(layer(mk.Input((4, 5, 5, 1))).shape) == (None, 4, 4, 4, 3)


def test_time_distributed_passes_a_reshaped_mask_to_the_layer(rng):
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    mask = rng.random((2, 3, 4)) > 0.4
    mask[..., 0] = True
    y = layers.TimeDistributed(layers.GlobalAveragePooling1D())(x, mask=mask)
    expected = (x * mask[..., None]).sum(2) / mask.sum(-1, keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_time_distributed_keeps_the_input_mask(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    mask = np.array([[True, True, False], [True, False, False]])
    set_keras_mask(x, mask)
    layer = layers.TimeDistributed(layers.Dense(2))
    assert layer.supports_masking
    np.testing.assert_array_equal(get_keras_mask(layer(x)), mask)


def test_time_distributed_passes_training(rng):
    layer = layers.TimeDistributed(layers.Dropout(0.5, seed=1))
    x = np.ones((4, 6, 8), "float32")
    np.testing.assert_array_equal(layer(x, training=False), x)
    dropped = layer(x, training=True)
    assert set(np.unique(dropped)) == {0.0, 2.0}


def test_time_distributed_grads(rng):
    layer = layers.TimeDistributed(layers.Dense(3, dtype="float64"), dtype="float64")
    check_layer_grads(layer, rng.normal(size=(2, 4, 3)))


def test_time_distributed_errors(rng):
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer with a"):
        layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="at least 3 dimensions, received: \\(2, 3\\)"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3), "float32"))
    layer = layers.TimeDistributed(layers.Dense(2))
    x = np.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match="must be at least 2D"):
        layer(x, mask=np.ones((2,), bool))
    with pytest.raises(ValueError, match=r"incompatible with the input shape \(2, 3, 4\)"):
        layer(x, mask=np.ones((2, 4), bool))


def test_time_distributed_config_round_trip():
    layer = layers.TimeDistributed(layers.Dense(3, activation="relu", name="inner"), name="td")
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["module"] == "keras.layers"
    clone = layers.TimeDistributed.from_config(config)
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    assert clone.name == "td" and clone.get_config() == config


# --- Bidirectional ------------------------------------------------------------------------
def _bi(rnn="SimpleRNN", merge_mode="concat", units=3, dtype=None, **kwargs):
    inner = getattr(layers, rnn)(units, name="rnn", dtype=dtype, **kwargs)
    return layers.Bidirectional(inner, merge_mode=merge_mode, dtype=dtype)


def test_bidirectional_halves_names_and_weight_order(rng):
    bi = _bi("LSTM", return_sequences=True)
    bi(rng.normal(size=(2, 4, 5)).astype("float32"))
    fwd, bwd = bi.forward_layer, bi.backward_layer
    assert (fwd.name, bwd.name) == ("forward_rnn", "backward_rnn")
    assert not fwd.go_backwards and bwd.go_backwards
    assert [id(w) for w in bi.weights] == [id(w) for w in fwd.weights + bwd.weights]
    assert [w.shape for w in bi.weights] == [(5, 12), (3, 12), (12,)] * 2
    assert bi.return_sequences and not bi.return_state and bi.supports_masking


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_merges_the_two_directions(rng, merge_mode, return_sequences):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    bi = _bi("GRU", merge_mode, return_sequences=return_sequences)
    out = bi(x)
    y, r = bi.forward_layer(x), bi.backward_layer(x)
    if return_sequences:
        r = r[:, ::-1]  # the backward layer's outputs, put back in input order
    expected = {"concat": lambda: np.concatenate([y, r], -1), "sum": lambda: y + r,
                "ave": lambda: (y + r) / 2, "mul": lambda: y * r, None: lambda: (y, r)}[merge_mode]()
    if merge_mode is None:
        assert isinstance(out, tuple) and len(out) == 2
        for a, b in zip(out, expected):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-6)
    shape = bi.compute_output_shape((2, 5, 3))
    assert (tuple(o.shape for o in out) if merge_mode is None else out.shape) == shape


def test_backward_direction_is_the_rnn_on_the_reversed_sequence(rng):
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    bi = _bi("SimpleRNN", None, return_sequences=True)
    y, r = bi(x)
    plain = layers.SimpleRNN(3, return_sequences=True)
    plain(x)
    plain.set_weights(bi.backward_layer.get_weights())
    np.testing.assert_allclose(r, plain(x[:, ::-1])[:, ::-1], rtol=1e-5, atol=1e-6)
    plain.set_weights(bi.forward_layer.get_weights())
    np.testing.assert_allclose(y, plain(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rnn,n_states", [("LSTM", 2), ("GRU", 1)])
@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_return_state_and_initial_state(rng, rnn, n_states, merge_mode):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    bi = _bi(rnn, merge_mode, return_state=True)
    out = bi(x)
    n_out = 2 if merge_mode is None else 1
    assert isinstance(out, tuple) and len(out) == n_out + 2 * n_states
    fwd_states, bwd_states = bi.forward_layer(x)[1:], bi.backward_layer(x)[1:]
    for a, b in zip(out[n_out:], fwd_states + bwd_states):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    init = [rng.normal(size=(2, 3)).astype("float32") for _ in range(2 * n_states)]
    out2 = bi(x, initial_state=init)
    np.testing.assert_allclose(out2[n_out], bi.forward_layer(x, initial_state=init[:n_states])[1],
                               rtol=1e-6)
    np.testing.assert_allclose(out2[-1], bi.backward_layer(x, initial_state=init[n_states:])[-1],
                               rtol=1e-6)
    assert len(bi.compute_output_shape((2, 4, 3))) == len(out)


def test_bidirectional_passes_the_mask_to_both_directions(rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 0]], bool)
    bi = _bi("LSTM", "concat", return_sequences=True)
    out = bi(x, mask=mask)
    fwd, bwd = bi.forward_layer(x, mask=mask), bi.backward_layer(x, mask=mask)
    np.testing.assert_allclose(out, np.concatenate([fwd, bwd[:, ::-1]], -1), rtol=1e-6)
    assert np.all(out[~mask] == 0)  # masked steps output zeros when return_sequences
    noisy = np.where(mask[..., None], x, 100.0).astype("float32")  # padding values are ignored
    np.testing.assert_allclose(bi(noisy, mask=mask), out, rtol=1e-6)
    np.testing.assert_array_equal(bi.compute_mask(x, mask), mask)
    last = _bi("LSTM", "sum")
    np.testing.assert_allclose(last(noisy, mask=mask), last(x, mask=mask), rtol=1e-6)
    assert last.compute_mask(x, mask) is None
    assert _bi("GRU", None).compute_mask(x, mask) == [None, None]


def test_bidirectional_receives_the_embedding_mask(rng):
    ids = np.array([[4, 2, 7, 0, 0], [5, 0, 0, 0, 0]])
    emb = layers.Embedding(8, 3, mask_zero=True)
    bi = _bi("GRU", "concat", return_sequences=True)
    out = bi(emb(ids))
    np.testing.assert_allclose(out, bi(emb(ids), mask=ids != 0), rtol=1e-6)
    np.testing.assert_array_equal(get_keras_mask(out), ids != 0)
    assert np.all(out[ids == 0] == 0)


@pytest.mark.parametrize("rnn", ["SimpleRNN", "GRU", "LSTM"])
def test_bidirectional_grads(rng, rnn):
    bi = _bi(rnn, "concat", units=2, dtype="float64", return_sequences=True)
    check_layer_grads(bi, rng.normal(size=(2, 3, 2)))


def test_bidirectional_masked_grads(rng):
    from autograd.test_util import check_grads
    bi = _bi("LSTM", "mul", units=2, dtype="float64")
    mask = np.array([[1, 1, 0], [0, 1, 1]], bool)
    x = rng.normal(size=(2, 3, 2))
    check_grads(lambda v: bi(v, mask=mask), modes=["rev"], order=1)(x)
    g = grad(lambda v: ops.sum(bi(v, mask=mask)))(x)
    assert np.all(g[~mask] == 0) and np.all(np.abs(g[mask]).sum(-1) > 0)


def test_bidirectional_initial_weights(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    source = _bi("GRU")
    source(x)
    weights = source.get_weights()
    bi = layers.Bidirectional(layers.GRU(3), weights=weights)
    np.testing.assert_allclose(bi(x), source(x), rtol=1e-6)


def test_bidirectional_custom_backward_layer(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    backward = layers.SimpleRNN(2, go_backwards=True, name="back")
    bi = layers.Bidirectional(layers.LSTM(3), backward_layer=backward)
    assert bi.backward_layer is backward
    assert bi(x).shape == (2, 5)
    with pytest.raises(ValueError, match="should have different `go_backwards` value"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3))
    with pytest.raises(ValueError, match='same value for attribute "return_sequences"'):
        layers.Bidirectional(layers.LSTM(3, return_sequences=True),
                             backward_layer=layers.LSTM(3, go_backwards=True))


def test_bidirectional_argument_errors():
    with pytest.raises(ValueError, match="Please initialize `Bidirectional` layer with a"):
        layers.Bidirectional("lstm")
    with pytest.raises(ValueError, match="`backward_layer` need to be a `keras.layers.Layer`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=3)
    with pytest.raises(ValueError, match="Invalid merge mode. Received: max"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


def test_bidirectional_config_round_trip(rng):
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True, dropout=0.1, name="enc"),
                              merge_mode="ave", name="bi")
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    bi(x)
    config = bi.get_config()
    assert config["merge_mode"] == "ave" and config["layer"]["class_name"] == "LSTM"
    assert config["layer"]["config"]["name"] == "forward_enc"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = layers.Bidirectional.from_config(config)
    assert (clone.forward_layer.name, clone.backward_layer.name) == ("forward_enc", "backward_enc")
    clone(x)
    clone.set_weights(bi.get_weights())
    np.testing.assert_allclose(clone(x), bi(x), rtol=1e-6)
    assert clone.get_config()["layer"]["config"] == config["layer"]["config"]


def test_bidirectional_symbolic_model_shapes():
    inputs = mk.Input((6,), dtype="int32")
    h = layers.Embedding(10, 4, mask_zero=True)(inputs)
    seq, h_f, c_f, h_b, c_b = layers.Bidirectional(
        layers.LSTM(3, return_sequences=True, return_state=True))(h)
    assert tuple(seq.shape) == (None, 6, 6) and tuple(c_b.shape) == (None, 3)
    both = layers.Bidirectional(layers.GRU(2), merge_mode=None)(h)
    assert [tuple(t.shape) for t in both] == [(None, 2), (None, 2)]


def test_embedding_bidirectional_lstm_dense_learns():
    """Label: does token 3 occur in a zero-padded sequence? Needs the whole, masked sequence."""
    rng = np.random.default_rng(0)
    n, steps = 256, 8
    ids = rng.integers(4, 10, size=(n, steps))
    has = rng.random(n) < 0.5
    ids[has, rng.integers(0, steps, size=has.sum())] = 3
    lengths = rng.integers(3, steps + 1, size=n)
    ids[np.arange(steps) >= lengths[:, None]] = 0
    y = (ids == 3).any(1).astype("float32")[:, None]
    model = mk.Sequential([mk.Input((steps,), dtype="int32"), layers.Embedding(10, 8, mask_zero=True),
                           layers.Bidirectional(layers.LSTM(8)), layers.Dense(1, activation="sigmoid")])
    model.compile(mk.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ids, y, batch_size=64, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9, history.history


def test_bidirectional_stateful(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    bi = layers.Bidirectional(layers.GRU(3, stateful=True))
    first = bi(x)
    assert bi.stateful and len(bi.states) == 2
    assert not np.allclose(bi(x), first)  # the second batch starts from the carried states
    bi.reset_state()
    np.testing.assert_allclose(bi(x), first, rtol=1e-6)
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        layers.Bidirectional(layers.GRU(3)).reset_state()
