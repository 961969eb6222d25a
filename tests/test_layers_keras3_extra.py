"""Layers Keras 3 added late, on the behaviours Keras's own `*_test.py` files check (values,
shapes, errors, masks, training); the comparison with real Keras is in
tests/conformance/test_keras3_extra_layers_conformance.py."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from layer_testing import check_layer_grads


# --- RMSNormalization (keras/src/layers/normalization/rms_normalization_test.py) -----------------
def test_rms_normalization_values_and_weights():
    layer = layers.RMSNormalization()
    out = layer(np.arange(10).astype("float32")[None, :])
    np.testing.assert_allclose(out, [[0.0, 0.18731716, 0.37463433, 0.5619515, 0.74926865,
                                      0.9365858, 1.123903, 1.3112202, 1.4985373, 1.6858544]],
                               rtol=1e-6)
    assert [w.name for w in layer.trainable_weights] == ["scale"]
    assert layer.scale.shape == (10,)


def test_rms_normalization_formula_and_unsorted_axes():
    x = np.random.default_rng(0).normal(5.0, 10.0, size=(50, 2, 3, 4)).astype("float32")
    layer = layers.RMSNormalization(axis=[-1, -2])
    layer.build(x.shape)
    assert layer.axis == [-2, -1] and layer.scale.shape == (3, 4)
    layer.scale.assign(np.arange(12, dtype="float32").reshape(3, 4))
    expected = x / np.sqrt(np.mean(x ** 2, axis=(-2, -1), keepdims=True) + 1e-6) * layer.scale.numpy()
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5)
    other = layers.RMSNormalization(axis=[-2, -1])
    other.build(x.shape)
    other.set_weights(layer.get_weights())
    np.testing.assert_allclose(other(x), layer(x))


def test_rms_normalization_grads_and_shape_errors():
    check_layer_grads(layers.RMSNormalization(dtype="float64"), np.random.rand(3, 4) + 0.5)
    with pytest.raises(ValueError, match="out of bounds"):
        layers.RMSNormalization(axis=3).compute_output_shape((2, 3))


# --- ReversibleEmbedding (keras/src/layers/core/reversible_embedding_test.py) --------------------
def test_reversible_embedding_correctness():
    layer = layers.ReversibleEmbedding(input_dim=3, output_dim=2)
    layer.build()
    layer.embeddings.assign(np.array([[0.0, 0.0], [2.0, 2.0], [3.0, 3.0]]))
    np.testing.assert_allclose(layer(np.array([2, 1, 0])), [[3.0, 3.0], [2.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(layer(np.array([[1.0, 1.0]]), reverse=True), [[0.0, 4.0, 6.0]])
    capped = layers.ReversibleEmbedding(input_dim=3, output_dim=2, logit_soft_cap=5)
    capped.build()
    capped.embeddings.assign(layer.embeddings.numpy())
    np.testing.assert_allclose(capped(np.array([[1.0, 1.0]]), reverse=True),
                               [[0.0, 3.320184, 4.168273]], rtol=1e-6)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_reversible_embedding_weights_mask_and_saving(tie_weights, tmp_path):
    layer = layers.ReversibleEmbedding(100, 32, tie_weights=tie_weights, mask_zero=True,
                                       embeddings_initializer="HeNormal", logit_soft_cap=50)
    ids = np.random.default_rng(0).integers(0, 100, size=(4, 10))
    ids[:, -2:] = 0
    out = layer(ids)
    assert out.shape == (4, 10, 32) and len(layer.trainable_weights) == (1 if tie_weights else 2)
    np.testing.assert_array_equal(out._keras_mask, ids != 0)
    assert getattr(layer(out, reverse=True), "_keras_mask", None) is None
    model = keras.Sequential([keras.Input((10,), dtype="int32"), layer])
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored(ids), model(ids))


def test_reversible_embedding_reverse_dtype_and_symbolic_shapes():
    for dtype in ("float32", "float16"):
        out = layers.ReversibleEmbedding(100, 16, reverse_dtype=dtype)(np.ones((4, 10, 16)), reverse=True)
        assert out.shape == (4, 10, 100) and out.dtype == dtype
    layer = layers.ReversibleEmbedding(7, 3)
    hidden = layer(keras.Input((5,), dtype="int32"))
    assert hidden.shape == (None, 5, 3)
    assert layer(hidden, reverse=True).shape == (None, 5, 7)
    assert layer.compute_output_shape((2, 5, 3), reverse=True) == [2, 5, 7]


def test_reversible_embedding_trains_tied_weights():
    layer = layers.ReversibleEmbedding(6, 4)
    ids = keras.Input((3,), dtype="int32")
    model = keras.Model(ids, layer(layer(ids), reverse=True))
    model.compile(keras.optimizers.Adam(0.05), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(1).integers(0, 6, size=(64, 3))
    first = model.evaluate(x, x, verbose=0)
    model.fit(x, x, epochs=30, verbose=0)
    assert model.evaluate(x, x, verbose=0) < 0.5 * first


# --- Adaptive pooling (keras/src/layers/pooling/adaptive_pooling{1,2,3}d_test.py) -----------------
GRID = np.arange(1.0, 17.0, dtype="float32").reshape(1, 1, 4, 4)


def test_adaptive_pooling_2d_values():
    avg = layers.AdaptiveAveragePooling2D(output_size=2, data_format="channels_first")
    np.testing.assert_allclose(avg(GRID), [[[[3.5, 5.5], [11.5, 13.5]]]])
    top = layers.AdaptiveMaxPooling2D(output_size=2, data_format="channels_first")
    np.testing.assert_allclose(top(GRID), [[[[6.0, 8.0], [14.0, 16.0]]]])


def test_adaptive_pooling_overlapping_windows_follow_floor_ceil_rule():
    # L=5 into 3 windows: [0, 2), [1, 4), [3, 5).
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32").reshape(1, 5, 1)
    np.testing.assert_allclose(layers.AdaptiveAveragePooling1D(3)(x)[0, :, 0], [1.5, 3.0, 4.5])
    np.testing.assert_allclose(layers.AdaptiveMaxPooling1D(3)(x)[0, :, 0], [2.0, 4.0, 5.0])
    # More outputs than inputs repeats entries.
    np.testing.assert_allclose(layers.AdaptiveMaxPooling1D(7)(x)[0, :, 0], [1, 2, 3, 3, 4, 5, 5])


@pytest.mark.parametrize("cls, shape, size, fmt, expected", [
    (layers.AdaptiveAveragePooling1D, (2, 3, 8), 4, "channels_first", (2, 3, 4)),
    (layers.AdaptiveMaxPooling1D, (2, 8, 3), (4,), "channels_last", (2, 4, 3)),
    (layers.AdaptiveAveragePooling2D, (2, 8, 8, 3), (2, 4), "channels_last", (2, 2, 4, 3)),
    (layers.AdaptiveMaxPooling2D, (2, 3, 8, 8), 4, "channels_first", (2, 3, 4, 4)),
    (layers.AdaptiveAveragePooling3D, (1, 2, 6, 6, 6), (3, 2, 1), "channels_first", (1, 2, 3, 2, 1)),
    (layers.AdaptiveMaxPooling3D, (1, 6, 6, 6, 2), 3, "channels_last", (1, 3, 3, 3, 2)),
])
def test_adaptive_pooling_shapes_and_config(cls, shape, size, fmt, expected):
    layer = cls(output_size=size, data_format=fmt)
    out = layer(np.random.default_rng(0).normal(size=shape).astype("float32"))
    assert out.shape == expected == layer.compute_output_shape(shape)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected[1:]
    config = layer.get_config()
    assert config["data_format"] == fmt and config["output_size"] == tuple(
        size if isinstance(size, tuple) else (size,) * (len(shape) - 2))
    check_layer_grads(cls(output_size=size, data_format=fmt, dtype="float64"),
                      np.random.default_rng(1).normal(size=shape))


def test_adaptive_pooling_argument_errors():
    with pytest.raises(ValueError, match="For 1D input, `output_size` tuple must have length 1"):
        layers.AdaptiveAveragePooling1D((2, 2))
    with pytest.raises(TypeError, match=r"\(height, width\) tuple"):
        layers.AdaptiveMaxPooling2D((2, 2, 2))
    with pytest.raises(TypeError, match=r"\(depth, height, width\) tuple"):
        layers.AdaptiveAveragePooling3D("2")
    with pytest.raises(ValueError, match="Invalid data_format: nhwc"):
        layers.AdaptiveAveragePooling2D(2, data_format="nhwc")


# --- SpectralNormalization (keras/src/layers/normalization/spectral_normalization_test.py) ------
def test_spectral_normalization_weights_and_errors():
    layer = layers.SpectralNormalization(layers.Dense(2))
    assert layer(np.random.uniform(size=(10, 3, 4))).shape == (10, 3, 2)
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]
    assert [w.name for w in layer.weights] == ["kernel", "vector_u", "bias"]
    assert not layer.supports_masking
    emb = layers.SpectralNormalization(layers.Embedding(10, 4))
    assert emb(np.random.randint(10, size=(10,)).astype("float32")).shape == (10, 4)
    assert len(emb.trainable_weights) == 1 and len(emb.non_trainable_weights) == 1
    with pytest.raises(ValueError, match="`power_iterations` should be greater than zero."):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="object has no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.ReLU())(np.ones((4, 2)))


def test_spectral_normalization_divides_by_the_largest_singular_value():
    wrapper = layers.SpectralNormalization(
        layers.Conv2D(1, (2, 2), kernel_initializer=keras.initializers.Constant(value=1)),
        power_iterations=8)
    images = np.ones((1, 2, 2, 1))
    np.testing.assert_allclose(wrapper(images, training=False), [[[[4.0]]]])
    np.testing.assert_allclose(wrapper(images, training=True), [[[[2.0]]]], rtol=1e-5)
    # The normalized kernel is written back: inference now uses it.
    np.testing.assert_allclose(wrapper(images, training=False), [[[[2.0]]]], rtol=1e-5)
    dense = layers.SpectralNormalization(layers.Dense(4), power_iterations=30)
    dense(np.ones((1, 6)), training=True)
    assert abs(np.linalg.svd(dense.layer.kernel.numpy(), compute_uv=False)[0] - 1.0) < 1e-4


def test_spectral_normalization_trains_end_to_end():
    wrapper = layers.SpectralNormalization(layers.Conv2D(3, (2, 2), padding="same"),
                                           power_iterations=2)
    model = keras.Sequential([keras.Input((8, 8, 3)), wrapper])
    model.compile("rmsprop", loss="mse")
    x = np.random.default_rng(0).random((4, 8, 8, 3))
    u = wrapper.vector_u.numpy().copy()
    history = model.fit(x, x * 0.5, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert not np.allclose(wrapper.vector_u.numpy(), u)  # the power iteration state moved


# --- GroupQueryAttention (keras/src/layers/attention/grouped_query_attention_test.py) ------------
def _gqa(**kwargs):
    return layers.GroupQueryAttention(**{"head_dim": 2, "num_query_heads": 2,
                                         "num_key_value_heads": 2, **kwargs})


def test_gqa_weights_shapes_and_public_name():
    layer = layers.GroupQueryAttention(head_dim=4, num_query_heads=6, num_key_value_heads=2,
                                       use_gate=True)
    out, scores = layer(np.ones((2, 3, 8)), np.ones((2, 5, 8)), return_attention_scores=True)
    assert out.shape == (2, 3, 8) and scores.shape == (2, 6, 3, 5)
    assert [(w.path, w.shape) for w in layer.weights] == [
        ("grouped_query_attention/query/kernel", (8, 6, 4)), ("grouped_query_attention/query/bias", (6, 4)),
        ("grouped_query_attention/key/kernel", (8, 2, 4)), ("grouped_query_attention/key/bias", (2, 4)),
        ("grouped_query_attention/gate/kernel", (8, 6, 4)), ("grouped_query_attention/gate/bias", (6, 4)),
        ("grouped_query_attention/value/kernel", (8, 2, 4)), ("grouped_query_attention/value/bias", (2, 4)),
        ("grouped_query_attention/attention_output/kernel", (6, 4, 8)),
        ("grouped_query_attention/attention_output/bias", (8,))]
    assert keras.saving.serialize_keras_object(layer)["class_name"] == "GroupQueryAttention"
    q, v = keras.Input((3, 8)), keras.Input((5, 8))
    sym_out, sym_scores = layers.GroupQueryAttention(4, 6, 3)(q, v, return_attention_scores=True)
    assert sym_out.shape == (None, 3, 8) and sym_scores.shape == (None, 6, 3, 5)


def test_gqa_argument_and_shape_errors():
    with pytest.raises(ValueError, match="`num_query_heads` must be divisible"):
        layers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="sliding_window"):
        _gqa(sliding_window=0)
    with pytest.raises(ValueError, match="Dropout is not supported when flash attention"):
        _gqa(flash_attention=True, dropout=0.1)
    with pytest.raises(ValueError, match="Returning attention scores is not supported"):
        _gqa(flash_attention=True)(np.ones((2, 4, 8)), np.ones((2, 4, 8)), return_attention_scores=True)
    with pytest.raises(ValueError, match="must be equal"):
        _gqa().compute_output_shape((2, 4, 8), (2, 2, 4))


def test_gqa_masks_from_inputs_equal_explicit_mask_and_propagate():
    query = np.array([[1, 2, 3, 0, 0], [3, 3, 1, 1, 2], [1, 0, 0, 0, 0]])
    value = np.array([[5, 4, 0], [3, 0, 0], [2, 1, 1]])
    masked_query = layers.Embedding(4, 8, mask_zero=True)(query)
    masked_value = layers.Embedding(6, 8, mask_zero=True)(value)
    for causal in (False, True):
        layer = _gqa(use_gate=True)
        output = layer(query=masked_query, value=masked_value, use_causal_mask=causal)
        np.testing.assert_array_equal(output._keras_mask, query != 0)
        mask = (query != 0)[:, :, None] & (value != 0)[:, None, :]
        if causal:
            mask = mask & np.tri(5, 3, dtype=bool)[None]
        plain_q, plain_v = np.asarray(masked_query), np.asarray(masked_value)
        np.testing.assert_allclose(output, layer(plain_q, plain_v, attention_mask=mask), atol=1e-6)


def test_gqa_sliding_window_and_causal_scores():
    layer = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2,
                                       sliding_window=3)
    x = np.random.RandomState(0).randn(1, 6, 8).astype("float32")
    _, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    i, j = np.indices((6, 6))
    in_window = (j <= i) & (i - j < 3)
    assert (np.asarray(scores)[0, 0][in_window] > 0).all()
    assert (np.asarray(scores)[0, 0][~in_window] == 0).all()
    fast = layer(x, x, use_causal_mask=True)
    np.testing.assert_allclose(fast, layer(x, x, attention_mask=in_window[None]), atol=1e-6)


def test_gqa_correctness_and_training():
    head_dim = heads = 8
    query = key = np.identity(head_dim)[None]
    value = np.arange(64).reshape(1, 8, 8) / 100.0
    layer = layers.GroupQueryAttention(head_dim=head_dim, num_query_heads=heads,
                                       num_key_value_heads=heads)
    layer.build(query.shape, key.shape, value.shape)
    kernel = np.repeat(np.identity(head_dim)[:, None, :], heads, axis=1)
    layer.set_weights([kernel, np.zeros((heads, head_dim))] * 3 + [kernel, np.zeros(head_dim)])
    output, scores = layer(query=query, value=value, key=key, return_attention_scores=True)
    expected = [2.406, 2.440, 2.473, 2.504, 2.535, 2.568, 2.602, 2.633]
    np.testing.assert_allclose(output, np.tile(np.array(expected)[None, :, None], (1, 1, 8)), atol=1e-2)
    np.testing.assert_allclose(np.asarray(scores)[0, 0], np.where(np.eye(8), 0.1691, 0.1187), atol=1e-3)
    x = keras.Input((4, 6))
    model = keras.Model(x, layers.GlobalAveragePooling1D()(layers.GroupQueryAttention(3, 4, 2, dropout=0.1)(x, x)))
    model.compile(keras.optimizers.Adam(0.01), "mse")
    data = np.random.default_rng(0).normal(size=(32, 4, 6)).astype("float32")
    target = data.mean(axis=1) * 2.0
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=40, verbose=0)
    assert model.evaluate(data, target, verbose=0) < 0.5 * first


# --- ConvLSTM1D/2D/3D (keras/src/layers/rnn/conv_lstm*_test.py) ----------------------------------
from minikeras.layers.conv_lstm import ConvLSTM, ConvLSTMCell  # noqa: E402


def test_conv_lstm_cell_and_layer_checksums():
    x = np.arange(150).reshape((2, 5, 5, 3)).astype("float32") / 10
    s = np.arange(200).reshape((2, 5, 5, 4)).astype("float32") / 10
    cell = ConvLSTMCell(rank=2, filters=4, kernel_size=3, padding="same",
                        kernel_initializer=keras.initializers.Constant(0.01),
                        recurrent_initializer=keras.initializers.Constant(0.02))
    h, (h2, c) = cell(x, [s, s])
    np.testing.assert_allclose([np.sum(h), np.sum(h2), np.sum(c)], [188.89502, 188.89502, 2170.444],
                               rtol=1e-5)
    seq = np.arange(450).reshape((2, 3, 5, 5, 3)).astype("float32") / 100
    layer = ConvLSTM(rank=2, filters=4, kernel_size=3, padding="same",
                     kernel_initializer=keras.initializers.Constant(0.01),
                     recurrent_initializer=keras.initializers.Constant(0.02))
    np.testing.assert_allclose(np.sum(layer(seq, initial_state=[s / 10, s / 10])), 119.812454, rtol=1e-5)


def test_conv_lstm2d_values_and_shapes():
    sequence = np.arange(480).reshape((2, 3, 4, 4, 5)).astype("float32") / 100
    layer = layers.ConvLSTM2D(filters=2, kernel_size=3,
                              kernel_initializer=keras.initializers.Constant(0.01),
                              recurrent_initializer=keras.initializers.Constant(0.02),
                              bias_initializer=keras.initializers.Constant(0.03))
    expected = [[[[0.48694518] * 2, [0.50237733] * 2], [[0.5461202] * 2, [0.5598283] * 2]],
                [[[0.8661607] * 2, [0.86909103] * 2], [[0.8774414] * 2, [0.8800861] * 2]]]
    np.testing.assert_allclose(layer(sequence), expected, rtol=1e-5)
    assert [w.name for w in layer.trainable_weights] == ["kernel", "recurrent_kernel", "bias"]
    assert layer.filters == 2 and layer.kernel_size == (3, 3) and layer.supports_masking
    out, h, c = layers.ConvLSTM2D(5, 3, return_sequences=True, return_state=True)(
        np.ones((3, 2, 8, 8, 3), "float32"))
    assert out.shape == (3, 2, 6, 6, 5) and h.shape == c.shape == (3, 6, 6, 5)
    symbolic = layers.ConvLSTM1D(4, 3, strides=2, return_state=True)(keras.Input((5, 9, 2)))
    assert [t.shape for t in symbolic] == [(None, 4, 4)] * 3


def test_conv_lstm_errors():
    with pytest.raises(ValueError, match=r"Specifying `strides > 1` is not compatible with "
                                         r"`dilation_rate > 1`"):
        layers.ConvLSTM2D(filters=1, kernel_size=1, strides=2, padding="same", dilation_rate=3)
    with pytest.raises(ValueError, match="expected ndim=6, found ndim=5"):
        layers.ConvLSTM3D(2, 2)(np.ones((1, 2, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="only support static input shapes"):
        layers.ConvLSTM2D(2, 2)(keras.Input((3, None, 4, 1)))


def test_conv_lstm_mask_keeps_the_state_and_dropout_trains():
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 5, 2)).astype("float32")
    layer = layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    masked = layer(x, mask=mask)
    np.testing.assert_allclose(masked[0, 2], masked[0, 1])  # a masked step repeats the output
    np.testing.assert_allclose(masked[:, :2], layer(x[:, :2]), rtol=1e-6)
    check_layer_grads(layers.ConvLSTM1D(2, 2, dtype="float64"), np.random.rand(2, 3, 4, 2))
    model = keras.Sequential([keras.Input((3, 6, 6, 1)),
                              layers.ConvLSTM2D(4, 3, padding="same", dropout=0.2, recurrent_dropout=0.2),
                              layers.GlobalAveragePooling2D(), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    data = np.random.default_rng(1).normal(size=(32, 3, 6, 6, 1)).astype("float32")
    target = data.mean(axis=(1, 2, 3, 4))[:, None] * 5.0
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=15, verbose=0)
    assert model.evaluate(data, target, verbose=0) < 0.5 * first


# --- STFTSpectrogram and MelSpectrogram (keras/src/layers/preprocessing/{stft,mel}_spectrogram_test.py)
def _dft_frames(x, frame_length, step, fft_length, window):
    """|DFT|^2 of windowed frames of a 1-D signal, computed directly."""
    frames = np.stack([x[s:s + frame_length] for s in range(0, len(x) - frame_length + 1, step)])
    return np.abs(np.fft.rfft(frames * window, n=fft_length)) ** 2


def test_stft_spectrogram_psd_matches_a_direct_dft():
    x = np.random.default_rng(0).uniform(-1, 1, size=(1, 400, 1)).astype("float32")
    layer = layers.STFTSpectrogram(mode="psd", frame_length=64, frame_step=16, fft_length=128,
                                   scaling="spectrum", periodic=True)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(64) / 64)
    expected = _dft_frames(x[0, :, 0], 64, 16, 128, window) / window.sum() ** 2
    expected[:, 1:-1] *= 2  # one-sided
    out = layer(x)
    assert out.shape == (1, 22, 65) == layer.compute_output_shape((1, 400, 1))
    np.testing.assert_allclose(out[0], expected, rtol=1e-4, atol=1e-7)
    assert [w.name for w in layer.trainable_weights] == ["real_kernel", "imag_kernel"]


def test_stft_spectrogram_channels_are_independent_and_layouts_agree():
    audio = np.random.default_rng(1).uniform(-1, 1, size=(2, 500, 3)).astype("float32")
    single = layers.STFTSpectrogram(mode="log", frame_length=50)
    per_channel = [single(audio[..., i:i + 1]) for i in range(3)]
    np.testing.assert_allclose(layers.STFTSpectrogram(mode="log", frame_length=50)(audio),
                               np.concatenate(per_channel, axis=-1), rtol=1e-6, atol=1e-6)
    expanded = layers.STFTSpectrogram(mode="log", frame_length=50, expand_dims=True)(audio)
    np.testing.assert_allclose(expanded, np.stack(per_channel, axis=-1), rtol=1e-6, atol=1e-6)
    first = layers.STFTSpectrogram(mode="log", frame_length=50, data_format="channels_first")
    np.testing.assert_allclose(np.transpose(first(np.transpose(audio, (0, 2, 1))), (0, 2, 1)),
                               np.concatenate(per_channel, axis=-1), rtol=1e-6, atol=1e-6)


def test_stft_spectrogram_errors():
    for kwargs in [dict(frame_length=10, frame_step=11), dict(frame_length=10, frame_step=0),
                   dict(frame_length=10, fft_length=5), dict(mode="spectrum"),
                   dict(scaling="l2"), dict(padding="causal"), dict(window="gaussian-ish")]:
        with pytest.raises(ValueError):
            layers.STFTSpectrogram(**kwargs)
    with pytest.warns(UserWarning, match="power of two"):
        layers.STFTSpectrogram(frame_length=10, fft_length=12)
    with pytest.raises(TypeError, match="Invalid input type"):
        layers.STFTSpectrogram(frame_length=8, dtype="int32")(np.ones((1, 20, 1), "int32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.STFTSpectrogram(frame_length=8)(np.ones((20, 1), "float32"))


def test_mel_spectrogram_shapes_values_and_errors():
    with pytest.raises(ValueError, match="`fft_length` must be greater than or equal to"):
        layers.MelSpectrogram(fft_length=256, sequence_stride=256, sequence_length=512)
    layer = layers.MelSpectrogram(num_mel_bins=80, sampling_rate=8000, sequence_stride=128,
                                  fft_length=2048)
    audio = np.random.default_rng(2).uniform(-1, 1, size=(2, 16000)).astype("float32")
    out = layer(audio)
    assert out.shape == (2, 80, 126) == tuple(layer.compute_output_shape((2, 16000)))
    assert layer(audio[0]).shape == (80, 126)
    assert float(np.max(out)) - float(np.min(out)) <= 80.0 + 1e-4  # top_db clipping
    # A pure tone puts its energy in the mel band around its frequency.
    t = np.arange(8000) / 8000.0
    tone = np.sin(2 * np.pi * 1000.0 * t).astype("float32")[None]
    linear = layers.MelSpectrogram(fft_length=512, sequence_stride=256, sampling_rate=8000,
                                   num_mel_bins=40, power_to_db=False)(tone)[0]
    from minikeras.layers.preprocessing.mel_spectrogram import _hertz_to_mel
    edges = np.linspace(_hertz_to_mel(20.0), _hertz_to_mel(4000.0), 42)
    assert abs(edges[1 + int(np.argmax(linear.mean(axis=1)))] - _hertz_to_mel(1000.0)) < edges[1] - edges[0]
