"""Whole models where masks travel on their own (Embedding(mask_zero=True) / Masking -> RNNs,
attention, pooling, TimeDistributed, masked losses) agree with Keras: predictions and one SGD step."""
import numpy as np
import pytest

import minikeras as mk

T, V = 7, 20


def _tokens(n=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, V, size=(n, T))
    for i, length in enumerate(rng.integers(2, T + 1, size=n)):
        x[i, length:] = 0  # right-padded
    x[0, :] = 0
    x[0, 0] = 3
    return x.astype("int32")


def stacked_lstm(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((T,), dtype="int32"), L.Embedding(V, 8, mask_zero=True),
                           L.LSTM(6, return_sequences=True), L.LSTM(5), L.Dense(2)])


def bidirectional_gru_pool(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((T,), dtype="int32"), L.Embedding(V, 8, mask_zero=True),
                           L.Bidirectional(L.GRU(4, return_sequences=True)),
                           L.GlobalAveragePooling1D(), L.Dense(2)])


def self_attention(lib):
    L = lib.layers
    inp = lib.Input((T,), dtype="int32")
    x = L.Embedding(V, 8, mask_zero=True)(inp)
    x = L.LayerNormalization()(L.Add()([x, L.MultiHeadAttention(2, 4)(x, x)]))
    return lib.Model(inp, L.Dense(2)(L.GlobalAveragePooling1D()(x)))


def dot_attention(lib):
    L = lib.layers
    inp = lib.Input((T,), dtype="int32")
    x = L.Embedding(V, 6, mask_zero=True)(inp)
    seq = L.SimpleRNN(6, return_sequences=True)(x)
    att = L.Attention()([seq, x])
    return lib.Model(inp, L.Dense(1)(L.GlobalAveragePooling1D()(att)))


def sequence_labelling(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((T,), dtype="int32"), L.Embedding(V, 8, mask_zero=True),
                           L.LSTM(5, return_sequences=True), L.TimeDistributed(L.Dense(1))])


def masking_layer(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((T, 3)), L.Masking(0.0), L.SimpleRNN(4), L.Dense(2)])


def masked_merges(lib):
    """Two differently padded sequences merged by Maximum, Minimum, Multiply and Add: masked
    positions take the other operand, and the OR of the masks travels on."""
    L = lib.layers
    a, b = lib.Input((T,), dtype="int32"), lib.Input((T,), dtype="int32")
    xa = L.Embedding(V, 4, mask_zero=True)(a)
    xb = L.Embedding(V, 4, mask_zero=True)(b)
    merged = L.Concatenate()([L.Maximum()([xa, xb]), L.Minimum()([xa, xb]),
                              L.Multiply()([xa, xb]), L.Add()([xa, xb])])
    return lib.Model([a, b], L.Dense(2)(L.GRU(3)(merged)))


MODELS = [stacked_lstm, bidirectional_gru_pool, self_attention, dot_attention,
          sequence_labelling, masking_layer, masked_merges]


def _inputs(build):
    if build is masking_layer:
        x = np.random.default_rng(2).normal(size=(6, T, 3)).astype("float32")
        x[:, 5:] = 0
        x[1, 2] = 0  # a masked step in the middle
        return x
    if build is masked_merges:
        return [_tokens(), _tokens(seed=5)]
    return _tokens()


def _pair(keras, build):
    theirs, ours = build(keras), build(mk)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return theirs, ours


@pytest.mark.parametrize("build", MODELS, ids=lambda f: f.__name__)
def test_predictions_match(keras, build):
    theirs, ours = _pair(keras, build)
    x = _inputs(build)
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", MODELS, ids=lambda f: f.__name__)
def test_one_sgd_step_matches(keras, build):
    theirs, ours = _pair(keras, build)
    x = _inputs(build)
    y = np.random.default_rng(3).normal(size=np.shape(theirs.predict(x, verbose=0))).astype("float32")
    for model, lib in ((theirs, keras), (ours, mk)):
        model.compile(lib.optimizers.SGD(0.1), "mse")
        model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
