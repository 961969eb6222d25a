"""Mixed precision against real Keras 3: every layer built with `dtype="mixed_float16"` gives
outputs of Keras's dtype (what its symbolic output spec says, too), keeps its float weights in
float32, and computes the same values to float16 precision with identical weights."""
import warnings

import numpy as np
import pytest

import minikeras as mk
from conformance_helpers import plain

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

F = "float32"
I = "int32"
# name: (factory(layers, dtype) -> layer, [(input shape, input dtype), ...], call kwargs)
# One input: the layer gets an array; several: a list (merging, attention) or, with the
# "positional" kwarg, separate arguments (MultiHeadAttention(query, value)).
CASES = {
    "Dense": (lambda L, d: L.Dense(4, dtype=d), [((2, 3), F)], {}),
    "Dense_relu": (lambda L, d: L.Dense(4, activation="relu", dtype=d), [((2, 5, 3), F)], {}),
    "EinsumDense": (lambda L, d: L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", dtype=d),
                    [((2, 3), F)], {}),
    "Conv1D": (lambda L, d: L.Conv1D(2, 3, dtype=d), [((2, 6, 3), F)], {}),
    "Conv2D": (lambda L, d: L.Conv2D(2, 3, padding="same", dtype=d), [((2, 5, 5, 3), F)], {}),
    "Conv3D": (lambda L, d: L.Conv3D(2, 2, dtype=d), [((1, 3, 3, 3, 2), F)], {}),
    "Conv1DTranspose": (lambda L, d: L.Conv1DTranspose(2, 3, dtype=d), [((2, 5, 3), F)], {}),
    "Conv2DTranspose": (lambda L, d: L.Conv2DTranspose(2, 3, strides=2, dtype=d),
                        [((2, 4, 4, 3), F)], {}),
    "DepthwiseConv1D": (lambda L, d: L.DepthwiseConv1D(3, dtype=d), [((2, 6, 3), F)], {}),
    "DepthwiseConv2D": (lambda L, d: L.DepthwiseConv2D(3, dtype=d), [((2, 5, 5, 3), F)], {}),
    "SeparableConv1D": (lambda L, d: L.SeparableConv1D(2, 3, dtype=d), [((2, 6, 3), F)], {}),
    "SeparableConv2D": (lambda L, d: L.SeparableConv2D(2, 3, dtype=d), [((2, 5, 5, 3), F)], {}),
    "LSTM": (lambda L, d: L.LSTM(3, dtype=d), [((2, 4, 3), F)], {}),
    "LSTM_sequences": (lambda L, d: L.LSTM(3, return_sequences=True, return_state=True, dtype=d),
                       [((2, 4, 3), F)], {}),
    "GRU": (lambda L, d: L.GRU(3, dtype=d), [((2, 4, 3), F)], {}),
    "GRU_reset_before": (lambda L, d: L.GRU(3, reset_after=False, dtype=d), [((2, 4, 3), F)], {}),
    "SimpleRNN": (lambda L, d: L.SimpleRNN(3, dtype=d), [((2, 4, 3), F)], {}),
    "RNN_LSTMCell": (lambda L, d: L.RNN(L.LSTMCell(3), dtype=d), [((2, 4, 3), F)], {}),
    "Bidirectional": (lambda L, d: L.Bidirectional(L.LSTM(3), dtype=d), [((2, 4, 3), F)], {}),
    "TimeDistributed": (lambda L, d: L.TimeDistributed(L.Dense(2), dtype=d), [((2, 4, 3), F)], {}),
    "Embedding": (lambda L, d: L.Embedding(10, 3, dtype=d), [((2, 4), I)], {}),
    "BatchNormalization": (lambda L, d: L.BatchNormalization(dtype=d), [((4, 3), F)], {}),
    "BatchNormalization_training": (lambda L, d: L.BatchNormalization(dtype=d), [((4, 3), F)],
                                    {"training": True}),
    "LayerNormalization": (lambda L, d: L.LayerNormalization(dtype=d), [((2, 5), F)], {}),
    "LayerNormalization_rms": (lambda L, d: L.LayerNormalization(rms_scaling=True, dtype=d),
                               [((2, 5), F)], {}),
    "GroupNormalization": (lambda L, d: L.GroupNormalization(groups=2, dtype=d), [((2, 3, 4), F)], {}),
    "UnitNormalization": (lambda L, d: L.UnitNormalization(dtype=d), [((2, 5), F)], {}),
    "RMSNormalization": (lambda L, d: L.RMSNormalization(dtype=d), [((2, 5), F)], {}),
    "MultiHeadAttention": (lambda L, d: L.MultiHeadAttention(2, 3, dtype=d),
                           [((2, 4, 5), F), ((2, 3, 5), F)], {"positional": True}),
    "MultiHeadAttention_masked": (
        lambda L, d: L.MultiHeadAttention(2, 3, dtype=d), [((2, 4, 5), F), ((2, 3, 5), F)],
        {"positional": True, "attention_mask": np.array([[[1, 1, 0]] * 4, [[1, 0, 0]] * 4], bool)}),
    "Attention": (lambda L, d: L.Attention(dtype=d), [((2, 4, 5), F), ((2, 3, 5), F)], {}),
    "Attention_masked": (lambda L, d: L.Attention(dtype=d), [((2, 4, 5), F), ((2, 3, 5), F)],
                         {"mask": [None, np.array([[1, 1, 0], [0, 0, 0]], bool)]}),  # a fully masked row
    "AdditiveAttention": (lambda L, d: L.AdditiveAttention(dtype=d),
                          [((2, 4, 5), F), ((2, 3, 5), F)], {}),
    "Softmax": (lambda L, d: L.Softmax(dtype=d), [((2, 5), F)], {}),
    "Activation_softmax": (lambda L, d: L.Activation("softmax", dtype=d), [((2, 5), F)], {}),
    "Activation_tanh": (lambda L, d: L.Activation("tanh", dtype=d), [((2, 5), F)], {}),
    "ReLU": (lambda L, d: L.ReLU(dtype=d), [((2, 5), F)], {}),
    "LeakyReLU": (lambda L, d: L.LeakyReLU(dtype=d), [((2, 5), F)], {}),
    "ELU": (lambda L, d: L.ELU(dtype=d), [((2, 5), F)], {}),
    "PReLU": (lambda L, d: L.PReLU(dtype=d), [((2, 5), F)], {}),
    "Dropout": (lambda L, d: L.Dropout(0.5, dtype=d), [((2, 5), F)], {}),
    "SpatialDropout1D": (lambda L, d: L.SpatialDropout1D(0.5, dtype=d), [((2, 3, 5), F)], {}),
    "GaussianNoise": (lambda L, d: L.GaussianNoise(0.1, dtype=d), [((2, 5), F)], {}),
    "GaussianDropout": (lambda L, d: L.GaussianDropout(0.1, dtype=d), [((2, 5), F)], {}),
    "AlphaDropout": (lambda L, d: L.AlphaDropout(0.1, dtype=d), [((2, 5), F)], {}),
    "ActivityRegularization": (lambda L, d: L.ActivityRegularization(l1=0.1, dtype=d),
                               [((2, 5), F)], {}),
    "Add": (lambda L, d: L.Add(dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Subtract": (lambda L, d: L.Subtract(dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Multiply": (lambda L, d: L.Multiply(dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Average": (lambda L, d: L.Average(dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Maximum": (lambda L, d: L.Maximum(dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Minimum": (lambda L, d: L.Minimum(dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Concatenate": (lambda L, d: L.Concatenate(dtype=d), [((2, 5), F), ((2, 3), F)], {}),
    "Dot": (lambda L, d: L.Dot(axes=1, dtype=d), [((2, 5), F), ((2, 5), F)], {}),
    "Flatten": (lambda L, d: L.Flatten(dtype=d), [((2, 3, 4), F)], {}),
    "Reshape": (lambda L, d: L.Reshape((12,), dtype=d), [((2, 3, 4), F)], {}),
    "Permute": (lambda L, d: L.Permute((2, 1), dtype=d), [((2, 3, 4), F)], {}),
    "RepeatVector": (lambda L, d: L.RepeatVector(3, dtype=d), [((2, 4), F)], {}),
    "Cropping1D": (lambda L, d: L.Cropping1D(1, dtype=d), [((2, 5, 3), F)], {}),
    "Cropping2D": (lambda L, d: L.Cropping2D(1, dtype=d), [((2, 5, 5, 3), F)], {}),
    "ZeroPadding1D": (lambda L, d: L.ZeroPadding1D(1, dtype=d), [((2, 5, 3), F)], {}),
    "ZeroPadding2D": (lambda L, d: L.ZeroPadding2D(1, dtype=d), [((2, 4, 4, 3), F)], {}),
    "UpSampling1D": (lambda L, d: L.UpSampling1D(2, dtype=d), [((2, 4, 3), F)], {}),
    "UpSampling2D": (lambda L, d: L.UpSampling2D(2, dtype=d), [((2, 3, 3, 2), F)], {}),
    "UpSampling2D_bilinear": (lambda L, d: L.UpSampling2D(2, interpolation="bilinear", dtype=d),
                              [((2, 3, 3, 2), F)], {}),
    "MaxPooling1D": (lambda L, d: L.MaxPooling1D(2, dtype=d), [((2, 6, 3), F)], {}),
    "MaxPooling2D": (lambda L, d: L.MaxPooling2D(2, dtype=d), [((2, 4, 4, 3), F)], {}),
    "AveragePooling2D": (lambda L, d: L.AveragePooling2D(2, dtype=d), [((2, 4, 4, 3), F)], {}),
    "AveragePooling1D": (lambda L, d: L.AveragePooling1D(2, dtype=d), [((2, 6, 3), F)], {}),
    "MaxPooling3D": (lambda L, d: L.MaxPooling3D(2, dtype=d), [((1, 4, 4, 4, 2), F)], {}),
    "GlobalAveragePooling1D": (lambda L, d: L.GlobalAveragePooling1D(dtype=d), [((2, 6, 3), F)], {}),
    "GlobalAveragePooling2D": (lambda L, d: L.GlobalAveragePooling2D(dtype=d),
                               [((2, 4, 4, 3), F)], {}),
    "GlobalMaxPooling2D": (lambda L, d: L.GlobalMaxPooling2D(dtype=d), [((2, 4, 4, 3), F)], {}),
    "GlobalMaxPooling1D": (lambda L, d: L.GlobalMaxPooling1D(dtype=d), [((2, 6, 3), F)], {}),
    "Masking": (lambda L, d: L.Masking(dtype=d), [((2, 4, 3), F)], {}),
    "Identity": (lambda L, d: L.Identity(dtype=d), [((2, 5), F)], {}),
    "Rescaling": (lambda L, d: L.Rescaling(1 / 255, offset=0.5, dtype=d), [((2, 5), F)], {}),
    "Normalization": (lambda L, d: L.Normalization(mean=0.5, variance=2.0, dtype=d),
                      [((2, 5), F)], {}),
    "Resizing": (lambda L, d: L.Resizing(3, 3, dtype=d), [((2, 5, 5, 3), F)], {}),
    "Discretization": (lambda L, d: L.Discretization(bin_boundaries=[0.0, 1.0], dtype=d),
                       [((2, 5), F)], {}),
    "CategoryEncoding": (lambda L, d: L.CategoryEncoding(4, output_mode="multi_hot", dtype=d),
                         [((2, 3), I)], {}),
}
# Keras's own eager output and output spec disagree for these (CategoryEncoding encodes in the
# variable dtype, float32, and its spec says the compute dtype): minikeras follows the output.
SPEC_DIFFERS = ("CategoryEncoding",)
# Layers whose outputs are compared with Keras's values too (to float16 precision).
VALUES = ("Dense", "EinsumDense", "Conv2D", "LSTM", "GRU", "SimpleRNN", "Embedding",
          "BatchNormalization", "BatchNormalization_training", "LayerNormalization",
          "MultiHeadAttention", "Softmax", "Add", "Concatenate", "GlobalAveragePooling2D",
          "MaxPooling2D", "Conv1D", "Attention", "Attention_masked", "MultiHeadAttention_masked")


def _inputs(case, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for shape, dtype in CASES[case][1]:
        if dtype == I:
            out.append(rng.integers(0, 3, size=shape).astype("int32"))
        else:
            out.append(rng.normal(size=shape).astype("float32"))
    return out


def _call(layer, xs, kwargs):
    kwargs = dict(kwargs)
    positional = kwargs.pop("positional", False)
    if len(xs) == 1:
        return layer(xs[0], **kwargs)
    return layer(*xs, **kwargs) if positional else layer(xs, **kwargs)


def _spec(layer, lib, xs, kwargs):
    """The layer's `compute_output_spec` for KerasTensor inputs in its input dtype (float
    inputs cast to the compute dtype when it autocasts), as Keras's layer tests build them."""
    specs = []
    for x in xs:
        is_float = x.dtype.kind == "f"
        dtype = layer.compute_dtype if layer.autocast and is_float else x.dtype.name
        specs.append(lib.KerasTensor(x.shape, dtype=dtype))
    positional = kwargs.get("positional", False)
    kwargs = {k: v for k, v in kwargs.items() if k not in ("positional", "training")}
    if len(specs) == 1:
        return layer.compute_output_spec(specs[0], **kwargs)
    if positional:
        return layer.compute_output_spec(*specs, **kwargs)
    return layer.compute_output_spec(specs, **kwargs)


def _flat(value):
    if isinstance(value, (list, tuple)):
        return [y for v in value for y in _flat(v)]
    if isinstance(value, dict):
        return [y for v in value.values() for y in _flat(v)]
    return [value]


def _dtype_name(dtype):
    return getattr(dtype, "name", str(dtype))


def _pair(keras, case):
    factory = CASES[case][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = factory(keras.layers, "mixed_float16")
        ours = factory(mk.layers, "mixed_float16")
    xs = _inputs(case)
    kwargs = CASES[case][2]
    expected = _call(theirs, xs, kwargs)
    if theirs.weights:
        _call(ours, xs, kwargs)  # builds
        ours.set_weights([plain(w) for w in theirs.weights])
    got = _call(ours, xs, kwargs)
    return theirs, ours, xs, kwargs, expected, got


@pytest.mark.parametrize("case", sorted(CASES))
def test_mixed_float16_dtypes_match_keras(keras, case):
    theirs, ours, xs, kwargs, expected, got = _pair(keras, case)
    assert ours.compute_dtype == theirs.compute_dtype == "float16"
    assert ours.variable_dtype == theirs.variable_dtype == "float32"
    assert ours.dtype_policy.name == theirs.dtype_policy.name
    assert ours.autocast == theirs.autocast
    assert [w.autocast for w in ours.weights] == [w._autocast for w in theirs.weights]
    assert [_dtype_name(o.dtype) for o in _flat(got)] == \
        [_dtype_name(o.dtype) for o in _flat(expected)]
    assert [(w.name, _dtype_name(w.dtype)) for w in ours.weights] == \
        [(w.name, _dtype_name(w.dtype)) for w in theirs.weights]
    for w in ours.weights:  # Keras's layer tests: every float weight is float32
        if "float" in _dtype_name(w.dtype):
            assert _dtype_name(w.dtype) == "float32"
    # Keras's layer tests: eager outputs have the dtypes of the symbolic output spec
    spec = _spec(ours, mk, xs, kwargs)
    if case in SPEC_DIFFERS:
        assert [s.dtype for s in _flat(spec)] == \
            [s.dtype for s in _flat(_spec(theirs, keras, xs, kwargs))]
        return
    assert [_dtype_name(o.dtype) for o in _flat(got)] == [s.dtype for s in _flat(spec)]
    assert ours.get_config()["dtype"] == theirs.get_config()["dtype"]


@pytest.mark.parametrize("case", VALUES)
def test_mixed_float16_values_match_keras(keras, case):
    theirs, ours, xs, kwargs, expected, got = _pair(keras, case)
    for o, e in zip(_flat(got), _flat(expected)):
        np.testing.assert_allclose(np.asarray(o, dtype="float32"), plain(e).astype("float32"),
                                   rtol=2e-2, atol=2e-2)


def _mixed_model(lib):
    lib.config.set_dtype_policy("mixed_float16")
    try:
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(8, activation="relu"),
                               lib.layers.BatchNormalization(),
                               lib.layers.Dense(1, dtype="float32")])
    finally:
        lib.config.set_dtype_policy("float32")


def test_fit_mixed_float16_matches_keras(keras):
    theirs, ours = _mixed_model(keras), _mixed_model(mk)
    ours.set_weights([plain(w) for w in theirs.weights])
    for model, lib in ((theirs, keras), (ours, mk)):
        model.compile(lib.optimizers.SGD(0.05), "mse")
    # as Keras: compile wraps the optimizer of a mixed_float16 model for dynamic loss scaling
    assert type(ours.optimizer).__name__ == type(theirs.optimizer).__name__ == "LossScaleOptimizer"
    rng = np.random.default_rng(3)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True).astype("float32")
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=2e-2)
    for w_ours, w_theirs in zip(ours.weights, theirs.weights):
        assert _dtype_name(w_ours.dtype) == _dtype_name(w_theirs.dtype) == "float32"
        np.testing.assert_allclose(plain(w_ours), plain(w_theirs), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("direction", ["keras_to_minikeras", "minikeras_to_keras"])
def test_mixed_precision_keras_file_loads_across_libraries(keras, tmp_path, direction):
    source, target = (keras, mk) if direction == "keras_to_minikeras" else (mk, keras)
    model = _mixed_model(source)
    model.compile(source.optimizers.Adam(0.01), "mse")
    x = np.random.default_rng(4).normal(size=(16, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    loaded = target.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == \
        [layer.dtype_policy.name for layer in model.layers] == \
        ["mixed_float16", "mixed_float16", "float32"]
    # As in Keras: the compile config records the optimizer given to compile (Adam), and the
    # loaded Sequential takes the global policy, so it is not wrapped again (the saved loss
    # scaling state is skipped with a warning).
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded.get_compile_config()["optimizer"]["class_name"] == \
        model.get_compile_config()["optimizer"]["class_name"] == "Adam"
    expected = np.asarray(model.predict(x, verbose=0))
    got = np.asarray(loaded.predict(x, verbose=0))
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-2, atol=1e-2)
    for w_loaded, w in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(plain(w_loaded), plain(w))
