"""Layers Keras 3 added late (RMSNormalization, SpectralNormalization, ReversibleEmbedding,
GroupQueryAttention, the adaptive poolings, ConvLSTM1D/2D/3D, ...) against real Keras 3: the
same weights (names, shapes, order) give the same outputs and the same gradients (wrt the
inputs and every trainable weight), the same configs, and `.keras` files cross between the two
libraries in both directions."""
import inspect
import warnings

import numpy as np
import pytest

import minikeras as mk
from conformance_helpers import plain

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

RNG = np.random.default_rng(0)


def _floats(*shape):
    return RNG.normal(size=shape).astype("float32")


def _ids(*shape):
    return RNG.integers(0, 10, size=shape).astype("int32")


# name: (factory(L) -> layer, inputs (an array or a list: positional call args), call kwargs)
CASES = {
    "rms": (lambda L: L.RMSNormalization(), _floats(3, 5), {}),
    "rms_axes": (lambda L: L.RMSNormalization(axis=[-1, -2], epsilon=1e-3), _floats(2, 3, 4), {}),
    "rms_image": (lambda L: L.RMSNormalization(axis=[1, 2, 3]), _floats(2, 3, 3, 2), {}),
    "rev_emb": (lambda L: L.ReversibleEmbedding(10, 4), _ids(2, 5), {}),
    "rev_emb_reverse": (lambda L: L.ReversibleEmbedding(10, 4, logit_soft_cap=2.0),
                        _floats(2, 3, 4), {"reverse": True}),
    "rev_emb_untied": (lambda L: L.ReversibleEmbedding(10, 4, tie_weights=False, mask_zero=True),
                       _floats(2, 4), {"reverse": True}),
    "adaptive_avg1d": (lambda L: L.AdaptiveAveragePooling1D(3), _floats(2, 7, 3), {}),
    "adaptive_avg1d_up": (lambda L: L.AdaptiveAveragePooling1D(5, data_format="channels_first"),
                          _floats(2, 2, 3), {}),
    "adaptive_avg2d": (lambda L: L.AdaptiveAveragePooling2D((3, 2)), _floats(2, 7, 5, 3), {}),
    "adaptive_avg3d": (lambda L: L.AdaptiveAveragePooling3D((2, 3, 4), data_format="channels_first"),
                       _floats(2, 2, 5, 6, 7), {}),
    "adaptive_max1d": (lambda L: L.AdaptiveMaxPooling1D(4), _floats(2, 10, 3), {}),
    "adaptive_max2d": (lambda L: L.AdaptiveMaxPooling2D((3, 5), data_format="channels_first"),
                       _floats(2, 3, 7, 5), {}),
    "adaptive_max3d": (lambda L: L.AdaptiveMaxPooling3D(2), _floats(2, 5, 4, 3, 2), {}),
    "spectral_dense": (lambda L: L.SpectralNormalization(L.Dense(3)), _floats(4, 5), {}),
    "spectral_conv": (lambda L: L.SpectralNormalization(L.Conv2D(3, 2), power_iterations=3),
                      _floats(2, 5, 5, 2), {}),
    # Float ids, as Keras's test passes them: the wrapper casts its output to the input dtype.
    "spectral_embedding": (lambda L: L.SpectralNormalization(L.Embedding(10, 3)),
                           _ids(2, 4).astype("float32"), {}),
    "gqa": (lambda L: L.GroupQueryAttention(4, 4, 2), [_floats(2, 3, 6), _floats(2, 5, 6)], {}),
    "gqa_key_gate": (lambda L: L.GroupQueryAttention(3, 6, 3, use_gate=True),
                     [_floats(2, 3, 6), _floats(2, 5, 6), _floats(2, 5, 4)], {}),
    "gqa_causal": (lambda L: L.GroupQueryAttention(2, 4, 1, use_bias=False),
                   [_floats(2, 4, 5), _floats(2, 4, 5)], {"use_causal_mask": True}),
    "gqa_window": (lambda L: L.GroupQueryAttention(2, 2, 2, sliding_window=2),
                   [_floats(1, 6, 4), _floats(1, 6, 4)], {"use_causal_mask": True}),
    "gqa_mask": (lambda L: L.GroupQueryAttention(2, 4, 2), [_floats(2, 3, 4), _floats(2, 5, 4)],
                 {"attention_mask": np.array([[[1, 1, 0, 0, 0]] * 3,
                                              [[0, 0, 0, 0, 0]] + [[1, 0, 1, 0, 1]] * 2], bool)}),
    "conv_lstm1d": (lambda L: L.ConvLSTM1D(4, 2, strides=2, return_sequences=True),
                    _floats(2, 3, 7, 2), {}),
    "conv_lstm1d_state": (lambda L: L.ConvLSTM1D(2, 3, padding="same", return_state=True,
                                                 go_backwards=True, unit_forget_bias=False),
                          _floats(2, 4, 5, 3), {}),
    "conv_lstm2d": (lambda L: L.ConvLSTM2D(3, 2, padding="same", dilation_rate=2),
                    _floats(2, 3, 5, 5, 2), {}),
    # (No masked case: Keras's JAX backend cannot broadcast a (batch, time) mask over ConvLSTM's
    # states; tests/test_layers_keras3_extra.py checks ours.)
    "conv_lstm2d_seq": (lambda L: L.ConvLSTM2D(2, 3, return_sequences=True, recurrent_activation="hard_sigmoid"),
                        _floats(2, 4, 5, 5, 2), {}),
    "conv_lstm2d_first": (lambda L: L.ConvLSTM2D(2, (2, 3), data_format="channels_first",
                                                 use_bias=False), _floats(2, 3, 2, 4, 5), {}),
    "conv_lstm3d": (lambda L: L.ConvLSTM3D(2, 2, activation="relu"), _floats(1, 2, 3, 3, 3, 2), {}),
    "stft_log": (lambda L: L.STFTSpectrogram(frame_length=64), _floats(2, 300, 2), {}),
    "stft_psd_same": (lambda L: L.STFTSpectrogram("psd", 50, 10, 64, padding="same"),
                      _floats(2, 200, 1), {}),
    "stft_stft": (lambda L: L.STFTSpectrogram("stft", 32, window="hamming", periodic=True,
                                              scaling="spectrum", expand_dims=True),
                  _floats(1, 100, 3), {}),
    "stft_first": (lambda L: L.STFTSpectrogram("magnitude", 40, window="blackman",
                                               data_format="channels_first"), _floats(2, 2, 150), {}),
    "stft_imag": (lambda L: L.STFTSpectrogram("imag", 30, 5, window=None, scaling=None),
                  _floats(2, 90, 1), {}),
    "mel": (lambda L: L.MelSpectrogram(fft_length=256, sequence_stride=64, num_mel_bins=20,
                                       sampling_rate=8000), _floats(2, 1000), {}),
    "mel_linear": (lambda L: L.MelSpectrogram(fft_length=128, sequence_length=100,
                                              sequence_stride=32, window="hamming",
                                              num_mel_bins=16, power_to_db=False, mag_exp=1.0),
                   _floats(2, 600), {}),
}
# Float32 FFTs (Keras's) against float64 ones (numpy's), on values up to ~50.
TOLERANCE = {"mel": 3e-4, "mel_linear": 1e-4}


def _args(inputs):
    return list(inputs) if isinstance(inputs, list) else [inputs]


def _build_pair(keras, case):
    factory, inputs, kwargs = CASES[case]
    theirs, ours = factory(keras.layers), factory(mk.layers)
    theirs(*_args(inputs), **kwargs)  # builds (and runs once)
    ours(*_args(inputs), **kwargs)
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert [w.name for w in ours.trainable_weights] == [w.name for w in theirs.trainable_weights]
    rng = np.random.default_rng(len(case))
    weights = [(w + rng.normal(0, 0.3, size=w.shape)).astype(w.dtype) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours, inputs, kwargs


def _np(out):
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_match_keras(keras, case, training):
    theirs, ours, inputs, kwargs = _build_pair(keras, case)
    expected = _np(theirs(*_args(inputs), training=training, **kwargs))
    got = _np(ours(*_args(inputs), training=training, **kwargs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        tol = TOLERANCE.get(case, 2e-5)
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol)
    # Masks too, where Keras attaches one.
    theirs_mask = getattr(theirs(*_args(inputs), **kwargs), "_keras_mask", None)
    ours_mask = getattr(ours(*_args(inputs), **kwargs), "_keras_mask", None)
    assert (theirs_mask is None) == (ours_mask is None)
    if theirs_mask is not None:
        np.testing.assert_array_equal(np.asarray(ours_mask), np.asarray(theirs_mask))


def _training(layer):
    """`training=True` for layers whose call takes it (Keras's stateless_call passes it on)."""
    return {"training": True} if "training" in inspect.signature(layer.call).parameters else {}


def _keras_grads(keras, layer, inputs, kwargs, proj):
    import jax
    import jax.numpy as jnp
    ntv = [v.value for v in layer.non_trainable_variables]
    floats = [i for i, a in enumerate(_args(inputs)) if a.dtype.kind == "f"]

    def loss(tv, xs):
        args = _args(inputs)
        for i, x in zip(floats, xs):
            args[i] = x
        out, _ = layer.stateless_call(tv, ntv, *args, **_training(layer), **kwargs)
        out = out[0] if isinstance(out, (list, tuple)) else out
        return jnp.sum(out * proj)

    tv = [v.value for v in layer.trainable_variables]
    g_w, g_x = jax.grad(loss, argnums=(0, 1))(tv, [jnp.asarray(_args(inputs)[i]) for i in floats])
    return [np.asarray(g) for g in g_w], [np.asarray(g) for g in g_x]


def _our_grads(layer, inputs, kwargs, proj):
    import autograd
    from autograd import numpy as anp
    ntv = [v.value for v in layer.non_trainable_variables]
    floats = [i for i, a in enumerate(_args(inputs)) if a.dtype.kind == "f"]

    def loss(tv, xs):
        args = _args(inputs)
        for i, x in zip(floats, xs):
            args[i] = x
        out, _ = layer.stateless_call(list(tv), ntv, *args, **_training(layer), **kwargs)
        out = out[0] if isinstance(out, (list, tuple)) else out
        return anp.sum(out * proj)

    tv = [np.asarray(v.value) for v in layer.trainable_variables]
    g_w, g_x = autograd.grad(loss, argnum=(0, 1))(tv, [_args(inputs)[i] for i in floats])
    return [np.asarray(g) for g in g_w], [np.asarray(g) for g in g_x]


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients_match_keras(keras, case):
    theirs, ours, inputs, kwargs = _build_pair(keras, case)
    out = _np(ours(*_args(inputs), **kwargs))[0]  # gradients of a training call (W / sigma)
    proj = np.random.default_rng(7).normal(size=out.shape).astype("float32")
    expected_w, expected_x = _keras_grads(keras, theirs, inputs, kwargs, proj)
    got_w, got_x = _our_grads(ours, inputs, kwargs, proj)
    for g, e in zip(got_w + got_x, expected_w + expected_x):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_matches_keras_and_round_trips(keras, case):
    theirs, ours, inputs, kwargs = _build_pair(keras, case)
    mine, ref = ours.get_config(), theirs.get_config()
    assert sorted(mine) == sorted(ref)
    for key in ref.keys() - {"name"}:
        if key != "layer":
            assert plain(mine[key]) == plain(ref[key]), key
    # Each library rebuilds the layer from the other's config.
    clone = type(ours).from_config(theirs.get_config())
    clone(*_args(inputs), **kwargs)
    clone.set_weights(ours.get_weights())
    tol = TOLERANCE.get(case, 2e-5)
    for g, e in zip(_np(clone(*_args(inputs), **kwargs)), _np(theirs(*_args(inputs), **kwargs))):
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol)
    type(theirs).from_config(ours.get_config())


def _model(K, case):
    factory, inputs, kwargs = CASES[case]
    xs = [K.Input(a.shape[1:], dtype=a.dtype.name) for a in _args(inputs)]
    out = factory(K.layers)(*xs, **kwargs)
    return K.Model(xs if len(xs) > 1 else xs[0], out)


@pytest.mark.parametrize("direction", ["ours_to_keras", "keras_to_ours"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_file_crosses_libraries(keras, case, direction, tmp_path):
    _, inputs, _ = CASES[case]
    writer, reader = (mk, keras) if direction == "ours_to_keras" else (keras, mk)
    model = _model(writer, case)
    rng = np.random.default_rng(3)
    model.set_weights([(w + rng.normal(0, 0.3, size=w.shape)).astype(w.dtype)
                       for w in model.get_weights()])
    xs = _args(inputs)
    expected = _np(model.predict(xs if len(xs) > 1 else xs[0], verbose=0))
    path = tmp_path / "m.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = reader.saving.load_model(path)
    got = _np(loaded.predict(xs if len(xs) > 1 else xs[0], verbose=0))
    tol = TOLERANCE.get(case, 2e-5)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol)


MIXED = {
    "rms": lambda L: L.RMSNormalization(dtype="mixed_float16"),
    "rev_emb_reverse": lambda L: L.ReversibleEmbedding(10, 4, dtype="mixed_float16"),
    "adaptive_max1d": lambda L: L.AdaptiveMaxPooling1D(4, dtype="mixed_float16"),
    "gqa": lambda L: L.GroupQueryAttention(4, 4, 2, dtype="mixed_float16"),
    "conv_lstm1d": lambda L: L.ConvLSTM1D(4, 2, strides=2, return_sequences=True, dtype="mixed_float16"),
    "spectral_dense": lambda L: L.SpectralNormalization(L.Dense(3, dtype="mixed_float16")),
}


@pytest.mark.parametrize("case", sorted(MIXED))
def test_mixed_precision_dtypes_match_keras(keras, case):
    _, inputs, kwargs = CASES[case]
    theirs, ours = MIXED[case](keras.layers), MIXED[case](mk.layers)
    expected = _np(theirs(*_args(inputs), **kwargs))
    got = _np(ours(*_args(inputs), **kwargs))
    assert [g.dtype for g in got] == [e.dtype for e in expected]
    assert [w.dtype for w in ours.weights] == [w.dtype for w in theirs.weights]
