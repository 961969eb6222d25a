"""Embedding, Masking, TimeDistributed, Bidirectional and masked GlobalAveragePooling1D against
real Keras 3 (JAX backend): same weights and inputs give the same outputs, masks, configs and
symbolic shapes; one SGD fit step per layer gives the same weights."""
import numpy as np
import pytest

import minikeras as mk

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RTOL, ATOL = 1e-5, 1e-6


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "build_config"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _same_config(ours, theirs, skip=("name",)):
    a, b = _unnamed(_plain(ours.get_config())), _unnamed(_plain(theirs.get_config()))
    assert sorted(a) == sorted(b)
    for key in b.keys() - set(skip):
        assert a[key] == b[key], key


def _unnamed(config):
    """Nested layer names depend on how many layers each library made before: drop them."""
    if isinstance(config, dict):
        return {k: _unnamed(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_unnamed(v) for v in config]
    return config


def _close(ours, theirs):
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _close(a, b)
        return
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=RTOL, atol=ATOL)


def _padded_ids(rng, batch=3, steps=6, vocab=9):
    """Token ids with trailing (and one leading) zero padding, every row non-empty."""
    ids = rng.integers(1, vocab, size=(batch, steps))
    ids[0, 4:] = 0
    ids[1, 2:] = 0
    ids[2, 0] = 0  # a masked step at the start, too
    return ids


# --- Embedding and Masking ----------------------------------------------------------------
def test_embedding_matches_keras(keras):
    rng = np.random.default_rng(0)
    theirs = keras.layers.Embedding(9, 4, mask_zero=True)
    ours = mk.layers.Embedding(9, 4, mask_zero=True)
    ids = _padded_ids(rng)
    ty = theirs(ids)
    ours.build()
    ours.set_weights(theirs.get_weights())
    _close(ours(ids), ty)
    _close(ours(ids.astype("float32")), theirs(ids.astype("float32")))
    np.testing.assert_array_equal(ours.compute_mask(ids), np.asarray(theirs.compute_mask(ids)))
    _same_config(ours, theirs)
    out_t = theirs(keras.Input((6,), dtype="int32"))
    assert tuple(ours(mk.Input((6,), dtype="int32")).shape) == tuple(out_t.shape)


def test_embedding_pretrained_weights_match_keras(keras):
    table = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    theirs = keras.layers.Embedding(5, 3, weights=[table], trainable=False)
    ours = mk.layers.Embedding(5, 3, weights=[table], trainable=False)
    ids = np.array([[4, 0, 2]])
    _close(ours(ids), theirs(ids))
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 0


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_matches_keras(keras, mask_value):
    x = np.random.default_rng(2).normal(size=(3, 5, 4)).astype("float32")
    x[0, 1] = mask_value
    x[2, [0, 4]] = mask_value
    x[1, 3, 1] = mask_value  # a partial match does not mask
    theirs, ours = keras.layers.Masking(mask_value), mk.layers.Masking(mask_value)
    _close(ours(x), theirs(x))
    np.testing.assert_array_equal(ours.compute_mask(x), np.asarray(theirs.compute_mask(x)))
    _same_config(ours, theirs)


# --- TimeDistributed ----------------------------------------------------------------------
TD_CASES = {
    "dense": ((5, 3), lambda L: L.Dense(4, activation="relu")),
    "conv1d": ((4, 7, 2), lambda L: L.Conv1D(3, 2, padding="same")),
    "gap1d": ((4, 6, 3), lambda L: L.GlobalAveragePooling1D()),
}


@pytest.mark.parametrize("case", sorted(TD_CASES))
def test_time_distributed_matches_keras(keras, case):
    shape, factory = TD_CASES[case]
    x = np.random.default_rng(3).normal(size=(2,) + shape).astype("float32")
    theirs = keras.layers.TimeDistributed(factory(keras.layers))
    ours = mk.layers.TimeDistributed(factory(mk.layers))
    ty = theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    _close(ours(x), ty)
    _same_config(ours, theirs)
    assert ours.get_config()["layer"]["config"].keys() == theirs.get_config()["layer"]["config"].keys()
    sym = (None,) + shape
    assert tuple(ours(mk.Input(shape)).shape) == tuple(theirs(keras.Input(shape)).shape) \
        == sym[:2] + tuple(ty.shape[2:])


def test_time_distributed_mask_matches_keras(keras):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5, 2)).astype("float32")
    mask = rng.random((2, 3, 5)) > 0.3
    mask[..., 0] = True
    theirs = keras.layers.TimeDistributed(keras.layers.GlobalAveragePooling1D())
    ours = mk.layers.TimeDistributed(mk.layers.GlobalAveragePooling1D())
    _close(ours(x, mask=mask), theirs(x, mask=mask))


# --- Bidirectional ------------------------------------------------------------------------
MERGES = ["concat", "sum", "ave", "mul", None]
RNNS = ["SimpleRNN", "GRU", "LSTM"]


def _pair(keras, rnn, merge_mode, **kwargs):
    theirs = keras.layers.Bidirectional(getattr(keras.layers, rnn)(3, **kwargs), merge_mode=merge_mode)
    ours = mk.layers.Bidirectional(getattr(mk.layers, rnn)(3, **kwargs), merge_mode=merge_mode)
    return theirs, ours


# every merge mode with LSTM; the merge is the same code for the other RNNs (each case ~1-3 s)
MERGE_CASES = [("LSTM", m) for m in MERGES] + [(r, m) for r in ("GRU", "SimpleRNN")
                                                for m in ("concat", None)]


@pytest.mark.parametrize("rnn,merge_mode", MERGE_CASES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_matches_keras(keras, rnn, merge_mode, return_sequences):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    theirs, ours = _pair(keras, rnn, merge_mode, return_sequences=return_sequences)
    theirs.build(x.shape)  # each eager Keras RNN call traces a scan (~0.5 s): call once
    ours(x)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights([w + rng.normal(size=w.shape).astype("float32") * 0.1
                      for w in theirs.get_weights()])  # a non-zero bias too
    theirs.set_weights(ours.get_weights())
    _close(ours(x), theirs(x))


@pytest.mark.parametrize("rnn", RNNS)
@pytest.mark.parametrize("merge_mode", ["concat", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_return_state_and_mask_match_keras(keras, rnn, merge_mode, return_sequences):
    """Masks from Embedding(mask_zero=True), passed explicitly, reach both directions."""
    rng = np.random.default_rng(6)
    ids = _padded_ids(rng)
    k_emb = keras.layers.Embedding(9, 4, mask_zero=True)
    x, mask = k_emb(ids), k_emb.compute_mask(ids)
    x, mask = np.asarray(x), np.asarray(mask)
    theirs, ours = _pair(keras, rnn, merge_mode, return_sequences=return_sequences,
                         return_state=True)
    theirs.build(x.shape)
    ours(x, mask=mask)
    ours.set_weights(theirs.get_weights())
    ty, oy = theirs(x, mask=mask), ours(x, mask=mask)
    assert len(oy) == len(ty) == (2 if merge_mode is None else 1) + (4 if rnn == "LSTM" else 2)
    _close(oy, ty)
    # without a mask the answer differs: the mask really was used
    assert not np.allclose(np.asarray(ours(x)[0]), np.asarray(ty[0]), atol=1e-4)


@pytest.mark.parametrize("rnn", RNNS)
def test_bidirectional_initial_state_matches_keras(keras, rnn):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    n = 4 if rnn == "LSTM" else 2
    states = [rng.normal(size=(2, 3)).astype("float32") for _ in range(n)]
    theirs, ours = _pair(keras, rnn, "concat", return_sequences=True)
    theirs.build(x.shape)
    ours(x)
    ours.set_weights(theirs.get_weights())
    _close(ours(x, initial_state=states), theirs(x, initial_state=states))


def test_bidirectional_config_and_shapes_match_keras(keras):
    theirs, ours = _pair(keras, "LSTM", "ave", return_sequences=True, return_state=True)
    _same_config(ours, theirs, skip=("name", "layer", "backward_layer"))
    for key in ("layer", "backward_layer"):
        a, b = _plain(ours.get_config()[key]), _plain(theirs.get_config()[key])
        assert a["class_name"] == b["class_name"] and a["module"] == b["module"]
        assert a["config"]["go_backwards"] == b["config"]["go_backwards"]
        assert a["config"]["name"].split("_")[0] == b["config"]["name"].split("_")[0]
    ts = theirs(keras.Input((5, 2)))
    os_ = ours(mk.Input((5, 2)))
    assert [tuple(t.shape) for t in os_] == [tuple(t.shape) for t in ts]
    clone = mk.layers.Bidirectional.from_config(ours.get_config())
    assert clone.merge_mode == "ave" and clone.backward_layer.go_backwards


def test_global_average_pooling_mask_from_embedding_matches_keras(keras):
    ids = _padded_ids(np.random.default_rng(8))
    k_emb = keras.layers.Embedding(9, 4, mask_zero=True)
    x, mask = np.asarray(k_emb(ids)), np.asarray(k_emb.compute_mask(ids))
    _close(mk.layers.GlobalAveragePooling1D()(x, mask=mask),
           keras.layers.GlobalAveragePooling1D()(x, mask=mask))


# --- one SGD step per layer -----------------------------------------------------------------
FIT_CASES = {
    # name: (input shape, input dtype, factory(lib) -> layers between Input and the last Dense)
    "embedding": ((6,), "int32", lambda L: [L.Embedding(9, 4), L.Flatten()]),
    "embedding_mask_gap": ((6,), "int32", lambda L: [L.Embedding(9, 4, mask_zero=True),
                                                     L.GlobalAveragePooling1D()]),
    "masking_td": ((6, 3), "float32", lambda L: [L.Masking(), L.TimeDistributed(L.Dense(4)),
                                                 L.GlobalAveragePooling1D()]),
    "bilstm_masked": ((6,), "int32", lambda L: [
        L.Embedding(9, 4, mask_zero=True), L.Bidirectional(L.LSTM(3), merge_mode="concat")]),
    "bigru_sequences": ((6,), "int32", lambda L: [
        L.Embedding(9, 4, mask_zero=True),
        L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum"),
        L.GlobalAveragePooling1D()]),
}


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_sgd_step_matches_keras(keras, case):
    shape, dtype, factory = FIT_CASES[case]
    rng = np.random.default_rng(9)
    if dtype == "int32":
        x = _padded_ids(rng, batch=4)
    else:
        x = rng.normal(size=(4,) + shape).astype("float32")
        x[0, 3:] = 0.0
        x[2, :2] = 0.0
    y = rng.normal(size=(4, 2)).astype("float32")

    def build(lib):
        model = lib.Sequential([lib.Input(shape, dtype=dtype)] + factory(lib.layers)
                               + [lib.layers.Dense(2)])
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model
    km, mm = build(keras), build(mk)
    mm.set_weights(km.get_weights())
    _close(mm.predict(x, verbose=0), km.predict(x, verbose=0))
    kh = km.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
