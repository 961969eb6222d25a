"""minikeras.saving's configs: round trips of every layer and model, user objects, and a
loader that refuses to be turned against its user."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.layers.layer import Layer
from minikeras.saving import (
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects,
    get_registered_name, get_registered_object, register_keras_serializable,
    serialize_keras_object)
from minikeras.saving import object_registration, serialization_lib
from minikeras.saving.serialization_lib import ObjectSharingScope


def _json(obj):
    return json.loads(json.dumps(obj))


def roundtrip(obj, **kwargs):
    return deserialize_keras_object(_json(serialize_keras_object(obj)), **kwargs)


def scale(x, factor=2.0):
    return x * factor


# --- every public layer ---------------------------------------------------------------------------
# name -> (builder, input shapes without the batch axis; None: a cell, compared by config only)
SPECS = {
    "Activation": (lambda: layers.Activation("softsign"), [(3,)]),
    "ActivityRegularization": (lambda: layers.ActivityRegularization(l1=0.1, l2=0.2), [(3,)]),
    "Add": (lambda: layers.Add(), [(3,), (3,)]),
    "AdaptiveAveragePooling1D": (lambda: layers.AdaptiveAveragePooling1D(3), [(7, 2)]),
    "AdaptiveAveragePooling2D": (lambda: layers.AdaptiveAveragePooling2D((2, 3), data_format="channels_first"), [(2, 5, 7)]),
    "AdaptiveAveragePooling3D": (lambda: layers.AdaptiveAveragePooling3D(2), [(3, 4, 5, 1)]),
    "AdaptiveMaxPooling1D": (lambda: layers.AdaptiveMaxPooling1D(4), [(7, 2)]),
    "AdaptiveMaxPooling2D": (lambda: layers.AdaptiveMaxPooling2D((3, 2)), [(5, 7, 2)]),
    "AdaptiveMaxPooling3D": (lambda: layers.AdaptiveMaxPooling3D((1, 2, 3), data_format="channels_first"), [(1, 3, 4, 5)]),
    "AdditiveAttention": (lambda: layers.AdditiveAttention(use_scale=False, dropout=0.1), [(4, 3), (2, 3)]),
    "AlphaDropout": (lambda: layers.AlphaDropout(0.2, seed=4), [(3,)]),
    "Attention": (lambda: layers.Attention(use_scale=True, score_mode="concat", seed=2), [(4, 3), (2, 3)]),
    "Average": (lambda: layers.Average(), [(3,), (3,)]),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(3, strides=1, padding="same"), [(5, 2)]),
    "AveragePooling2D": (lambda: layers.AveragePooling2D((2, 1), strides=(1, 1)), [(4, 4, 2)]),
    "AveragePooling3D": (lambda: layers.AveragePooling3D(2, padding="same"), [(4, 4, 4, 1)]),
    "BatchNormalization": (lambda: layers.BatchNormalization(momentum=0.8, epsilon=1e-2, scale=False), [(4,)]),
    "Bidirectional": (lambda: layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="mul"), [(4, 3)]),
    "Concatenate": (lambda: layers.Concatenate(axis=1), [(2, 3), (4, 3)]),
    "Conv1D": (lambda: layers.Conv1D(3, 2, strides=2, padding="causal", activation="relu"), [(7, 2)]),
    "Conv1DTranspose": (lambda: layers.Conv1DTranspose(2, 3, strides=2, padding="same"), [(4, 2)]),
    "Conv2D": (lambda: layers.Conv2D(4, (2, 3), dilation_rate=(2, 1), use_bias=False), [(7, 7, 2)]),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(3, 2, strides=2), [(3, 3, 2)]),
    "Conv3D": (lambda: layers.Conv3D(2, 2, strides=2, kernel_initializer="he_uniform"), [(4, 4, 4, 1)]),
    "Conv3DTranspose": (lambda: layers.Conv3DTranspose(2, 2, strides=2), [(2, 2, 2, 1)]),
    "ConvLSTM1D": (lambda: layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True, dropout=0.1), [(3, 5, 2)]),
    "ConvLSTM2D": (lambda: layers.ConvLSTM2D(2, (2, 3), strides=2, unit_forget_bias=False), [(3, 5, 6, 2)]),
    "ConvLSTM3D": (lambda: layers.ConvLSTM3D(1, 2, data_format="channels_first", go_backwards=True), [(2, 1, 3, 3, 3)]),
    "Cropping1D": (lambda: layers.Cropping1D((2, 1)), [(6, 2)]),
    "Cropping2D": (lambda: layers.Cropping2D(((1, 0), (0, 2))), [(4, 5, 1)]),
    "Cropping3D": (lambda: layers.Cropping3D(1), [(4, 4, 4, 1)]),
    "Dense": (lambda: layers.Dense(3, activation="selu", kernel_regularizer="l1",
                                   bias_constraint="non_neg", bias_initializer="ones"), [(5,)]),
    "DepthwiseConv1D": (lambda: layers.DepthwiseConv1D(3, depth_multiplier=2), [(6, 2)]),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(2, strides=2, depth_multiplier=3), [(4, 4, 2)]),
    "Dot": (lambda: layers.Dot(axes=(1, 1), normalize=True), [(3,), (3,)]),
    "Dropout": (lambda: layers.Dropout(0.4, noise_shape=(None, 1), seed=7), [(3,)]),
    "ELU": (lambda: layers.ELU(alpha=0.3), [(3,)]),
    "EinsumDense": (lambda: layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c",
                                               activation="tanh"), [(3,)]),
    "Embedding": (lambda: layers.Embedding(12, 3, mask_zero=True, embeddings_initializer="ones"), [(5,)]),
    "Flatten": (lambda: layers.Flatten(), [(2, 3)]),
    "GRU": (lambda: layers.GRU(3, reset_after=False, go_backwards=True, dropout=0.1), [(4, 2)]),
    "GRUCell": (lambda: layers.GRUCell(3, recurrent_activation="hard_sigmoid"), None),
    "GaussianDropout": (lambda: layers.GaussianDropout(0.2, seed=1), [(3,)]),
    "GaussianNoise": (lambda: layers.GaussianNoise(0.5, seed=1), [(3,)]),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(keepdims=True), [(4, 2)]),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(), [(3, 3, 2)]),
    "GlobalAveragePooling3D": (lambda: layers.GlobalAveragePooling3D(keepdims=True), [(2, 2, 2, 1)]),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), [(4, 2)]),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(keepdims=True), [(3, 3, 2)]),
    "GlobalMaxPooling3D": (lambda: layers.GlobalMaxPooling3D(), [(2, 2, 2, 1)]),
    "GroupedQueryAttention": (lambda: layers.GroupQueryAttention(2, 4, 2, dropout=0.1, use_gate=True,
                                                                 sliding_window=3), [(4, 6), (3, 6)]),
    "GroupNormalization": (lambda: layers.GroupNormalization(groups=2, epsilon=1e-2), [(3, 4)]),
    "Identity": (lambda: layers.Identity(), [(3,)]),
    "InputLayer": (lambda: layers.InputLayer(shape=(3, 2), name="some_input"), None),
    "LSTM": (lambda: layers.LSTM(3, return_sequences=True, unit_forget_bias=False,
                                 recurrent_dropout=0.1), [(4, 2)]),
    "LSTMCell": (lambda: layers.LSTMCell(2, use_bias=False), None),
    "Lambda": (lambda: layers.Lambda(scale, output_shape=(3,), arguments={"factor": 3.0}), [(3,)]),
    "LayerNormalization": (lambda: layers.LayerNormalization(axis=1, center=False), [(3, 4)]),
    "LeakyReLU": (lambda: layers.LeakyReLU(negative_slope=0.05), [(3,)]),
    "Masking": (lambda: layers.Masking(mask_value=2.0), [(3, 2)]),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(3, strides=2), [(7, 2)]),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(2, padding="same"), [(5, 5, 2)]),
    "MaxPooling3D": (lambda: layers.MaxPooling3D((1, 2, 2)), [(2, 4, 4, 1)]),
    "Maximum": (lambda: layers.Maximum(), [(3,), (3,)]),
    "Minimum": (lambda: layers.Minimum(), [(3,), (3,)]),
    "MultiHeadAttention": (lambda: layers.MultiHeadAttention(2, 3, dropout=0.1, output_shape=4), [(4, 5), (3, 5)]),
    "Multiply": (lambda: layers.Multiply(), [(3,), (3,)]),
    "Normalization": (lambda: layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]), [(2,)]),
    "Discretization": (lambda: layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.5]), [(3,)]),
    # Integer / string inputs: the config round trip only.
    "CategoryEncoding": (lambda: layers.CategoryEncoding(num_tokens=4, output_mode="count"), None),
    "Hashing": (lambda: layers.Hashing(num_bins=5, mask_value="", name="hash"), None),
    "HashedCrossing": (lambda: layers.HashedCrossing(num_bins=7, output_mode="one_hot"), None),
    "IntegerLookup": (lambda: layers.IntegerLookup(vocabulary=[3, 1, 2], num_oov_indices=2), None),
    "StringLookup": (lambda: layers.StringLookup(vocabulary=["b", "a"], output_mode="one_hot"), None),
    "PReLU": (lambda: layers.PReLU(alpha_initializer="ones", shared_axes=[1]), [(3, 2)]),
    "Permute": (lambda: layers.Permute((2, 1)), [(2, 3)]),
    "RMSNormalization": (lambda: layers.RMSNormalization(axis=[1, 2], epsilon=1e-4), [(3, 2)]),
    "RNN": (lambda: layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(3)], return_sequences=True), [(4, 2)]),
    "RandomCrop": (lambda: layers.RandomCrop(3, 2, seed=3), [(4, 4, 1)]),
    # image augmentation: predict runs at inference (random layers are the identity there)
    "AugMix": (lambda: layers.AugMix(num_chains=2, factor=0.4, all_ops=False, seed=3), [(4, 4, 3)]),
    "AutoContrast": (lambda: layers.AutoContrast(value_range=(-3, 3)), [(4, 4, 3)]),
    "CenterCrop": (lambda: layers.CenterCrop(3, 2), [(4, 4, 3)]),
    "ContrastLimitedAdaptiveHistogramEqualization": (
        lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(
            value_range=(-3, 3), clip_limit=2.0, tile_grid_size=(2, 2)), [(4, 4, 3)]),
    "CutMix": (lambda: layers.CutMix(0.5, seed=3), [(4, 4, 3)]),
    "Equalization": (lambda: layers.Equalization(value_range=(-3, 3), bins=32), [(4, 4, 3)]),
    "MaxNumBoundingBoxes": (lambda: layers.MaxNumBoundingBoxes(5, fill_value=-2), [(4, 4, 3)]),
    "MixUp": (lambda: layers.MixUp(alpha=0.3, seed=3), [(4, 4, 3)]),
    "Pipeline": (lambda: layers.Pipeline([layers.AutoContrast(), layers.CenterCrop(3, 3)]),
                 [(4, 4, 3)]),
    "RandAugment": (lambda: layers.RandAugment(num_ops=3, factor=0.3, seed=3), [(4, 4, 3)]),
    "RandomBrightness": (lambda: layers.RandomBrightness(0.3, value_range=(0, 1), seed=3), [(4, 4, 3)]),
    "RandomColorDegeneration": (lambda: layers.RandomColorDegeneration(0.4, seed=3), [(4, 4, 3)]),
    "RandomColorJitter": (lambda: layers.RandomColorJitter(
        brightness_factor=0.2, hue_factor=0.3, seed=3), [(4, 4, 3)]),
    "RandomContrast": (lambda: layers.RandomContrast(0.3, seed=3), [(4, 4, 3)]),
    "RandomElasticTransform": (lambda: layers.RandomElasticTransform(
        0.5, scale=0.4, fill_mode="wrap", seed=3), [(4, 4, 3)]),
    "RandomErasing": (lambda: layers.RandomErasing(0.5, fill_value=2.0, seed=3), [(4, 4, 3)]),
    "RandomGaussianBlur": (lambda: layers.RandomGaussianBlur(0.5, kernel_size=5, sigma=0.5), [(4, 4, 3)]),
    "RandomGrayscale": (lambda: layers.RandomGrayscale(0.3, seed=3), [(4, 4, 3)]),
    "RandomHue": (lambda: layers.RandomHue(0.3, seed=3), [(4, 4, 3)]),
    "RandomInvert": (lambda: layers.RandomInvert(0.4, value_range=(0, 1), seed=3), [(4, 4, 3)]),
    "RandomPerspective": (lambda: layers.RandomPerspective(0.5, scale=0.3, seed=3), [(4, 4, 3)]),
    "RandomPosterization": (lambda: layers.RandomPosterization(4, seed=3), [(4, 4, 3)]),
    "RandomSaturation": (lambda: layers.RandomSaturation(0.3, seed=3), [(4, 4, 3)]),
    "RandomSharpness": (lambda: layers.RandomSharpness(0.3, seed=3), [(4, 4, 3)]),
    "RandomShear": (lambda: layers.RandomShear((0.0, 0.2), (0.1, 0.3), fill_mode="constant", seed=3),
                    [(4, 4, 3)]),  # a number f is stored as (-f, f), which Keras itself rejects
    "Solarization": (lambda: layers.Solarization(0.2, 0.5, seed=3), [(4, 4, 3)]),
    "RandomFlip": (lambda: layers.RandomFlip("vertical", seed=3), [(4, 4, 1)]),
    "RandomRotation": (lambda: layers.RandomRotation(0.2, fill_mode="nearest", seed=3), [(4, 4, 1)]),
    "RandomTranslation": (lambda: layers.RandomTranslation(0.1, 0.2, seed=3), [(4, 4, 1)]),
    "RandomZoom": (lambda: layers.RandomZoom(0.1, 0.2, seed=3), [(4, 4, 1)]),
    "ReLU": (lambda: layers.ReLU(max_value=1.5, negative_slope=0.1), [(3,)]),
    "RepeatVector": (lambda: layers.RepeatVector(2), [(3,)]),
    "Rescaling": (lambda: layers.Rescaling(np.array([0.5, 2.0], "float32"), offset=1.0), [(2,)]),
    "Reshape": (lambda: layers.Reshape((2, -1)), [(6,)]),
    "Resizing": (lambda: layers.Resizing(3, 5, interpolation="nearest"), [(4, 4, 1)]),
    "ReversibleEmbedding": (lambda: layers.ReversibleEmbedding(12, 3, tie_weights=False, logit_soft_cap=3.0), [(5,)]),
    "SeparableConv1D": (lambda: layers.SeparableConv1D(3, 2, depth_multiplier=2), [(5, 2)]),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(3, 2, padding="same"), [(4, 4, 2)]),
    "SimpleRNN": (lambda: layers.SimpleRNN(3, activation="relu", return_state=False), [(4, 2)]),
    "SimpleRNNCell": (lambda: layers.SimpleRNNCell(3, dropout=0.2), None),
    "Softmax": (lambda: layers.Softmax(axis=1), [(3, 2)]),
    "STFTSpectrogram": (lambda: layers.STFTSpectrogram("psd", 16, 4, 32, window="hamming", padding="same"), [(40, 2)]),
    "MelSpectrogram": (lambda: layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8,
                                                      sampling_rate=8000), [(200,)]),
    "SpectralNormalization": (lambda: layers.SpectralNormalization(layers.Dense(3), power_iterations=2), [(4,)]),
    "SpatialDropout1D": (lambda: layers.SpatialDropout1D(0.3, seed=2), [(4, 2)]),
    "SpatialDropout2D": (lambda: layers.SpatialDropout2D(0.3, seed=2), [(3, 3, 2)]),
    "SpatialDropout3D": (lambda: layers.SpatialDropout3D(0.3, seed=2), [(2, 2, 2, 2)]),
    "StackedRNNCells": (lambda: layers.StackedRNNCells([layers.LSTMCell(2), layers.SimpleRNNCell(3)]), None),
    "Subtract": (lambda: layers.Subtract(), [(3,), (3,)]),
    "TextVectorization": (lambda: layers.TextVectorization(max_tokens=10, output_sequence_length=4,
                                                           vocabulary=["a", "b", "c"]), None),
    "TimeDistributed": (lambda: layers.TimeDistributed(layers.Dense(2, activation="relu")), [(3, 4)]),
    "UnitNormalization": (lambda: layers.UnitNormalization(axis=1), [(3, 2)]),
    "UpSampling1D": (lambda: layers.UpSampling1D(3), [(2, 2)]),
    "UpSampling2D": (lambda: layers.UpSampling2D((2, 1), interpolation="bilinear"), [(2, 2, 1)]),
    "UpSampling3D": (lambda: layers.UpSampling3D(2), [(2, 2, 2, 1)]),
    "ZeroPadding1D": (lambda: layers.ZeroPadding1D((1, 2)), [(3, 2)]),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(((1, 0), (0, 2))), [(3, 3, 1)]),
    "ZeroPadding3D": (lambda: layers.ZeroPadding3D(1), [(2, 2, 2, 1)]),
}
NOT_STANDALONE = {"Layer", "Wrapper",  # base classes
                  # refused: they wrap another framework's model (docs/differences.md)
                  "FlaxLayer", "JaxLayer", "TFSMLayer", "TorchModuleWrapper"}


def _public_layer_classes():
    out = {}
    for name in dir(layers):
        obj = getattr(layers, name)
        if isinstance(obj, type) and issubclass(obj, Layer):
            out.setdefault(obj.__name__, obj)
    return out


def test_every_public_layer_has_a_round_trip_spec():
    missing = sorted(set(_public_layer_classes()) - set(SPECS) - NOT_STANDALONE)
    assert not missing, f"add a SPECS entry (non-default arguments) for: {missing}"


def _call(layer, shapes):
    inputs = [keras.Input(s, dtype="int32" if type(layer).__name__ in ("Embedding", "ReversibleEmbedding") else None)
              for s in shapes]
    if type(layer).__name__ in ("MultiHeadAttention", "GroupedQueryAttention"):
        out = layer(inputs[0], inputs[1])
    else:
        out = layer(inputs if len(inputs) > 1 else inputs[0])
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], out)


def _inputs(layer, shapes):
    rng = np.random.default_rng(0)
    if type(layer).__name__ in ("Embedding", "ReversibleEmbedding"):
        return [rng.integers(0, 12, size=(2,) + shapes[0]).astype("int32")]
    return [rng.normal(size=(2,) + s).astype("float32") for s in shapes]


def _outputs(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_layer_round_trip(name):
    builder, shapes = SPECS[name]
    layer = builder()
    model = _call(layer, shapes) if shapes else None
    config = _json(serialize_keras_object(layer))
    # Keras writes GroupedQueryAttention under its public name.
    public = {"GroupedQueryAttention": "GroupQueryAttention"}.get(name, name)
    assert config["module"] == "keras.layers" and config["class_name"] == public
    assert config["registered_name"] is None
    clone = deserialize_keras_object(_json(config), custom_objects={"scale": scale})
    assert type(clone) is type(layer) and clone is not layer
    assert _json(serialize_keras_object(clone))["config"] == config["config"]
    assert type(clone).from_config(_json(layer.get_config()), custom_objects={"scale": scale}) \
        if name == "Lambda" else type(clone).from_config(_json(layer.get_config()))
    assert layers.deserialize(layers.serialize(layer), custom_objects={"scale": scale}).name == layer.name
    if model is None:
        return
    clone_model = _call(clone, shapes)
    clone_model.set_weights(model.get_weights())
    xs = _inputs(layer, shapes)
    for a, b in zip(_outputs(model, xs), _outputs(clone_model, xs)):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)


def test_layer_serialization_matches_wrappers_helpers():
    from minikeras.layers.wrappers import deserialize_layer, serialize_layer
    layer = layers.Dense(2, name="helper_dense")
    assert serialize_layer(layer) == serialize_keras_object(layer)
    assert deserialize_layer(serialize_layer(layer)).get_config() == layer.get_config()


# --- models ------------------------------------------------------------------------------------------
def _predict_all(model, xs):
    out = model.predict(xs, verbose=0)
    return out if isinstance(out, list) else [out]


def _check_model_round_trip(model, xs, **kwargs):
    text = model.to_json()
    clone = keras.models.model_from_json(text, **kwargs)
    assert type(clone) is type(model)
    assert json.loads(clone.to_json()) == json.loads(text)
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    clone.set_weights(model.get_weights())
    for a, b in zip(_predict_all(model, xs), _predict_all(clone, xs)):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)
    return clone


def test_sequential_config_layout():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="d"), layers.Dropout(0.1)],
                             name="seq")
    config = serialize_keras_object(model)
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras", "Sequential", None)
    inner = config["config"]
    assert list(inner) == ["name", "trainable", "dtype", "layers", "build_input_shape"]
    assert [l["class_name"] for l in inner["layers"]] == ["InputLayer", "Dense", "Dropout"]
    assert tuple(inner["build_input_shape"]) == (None, 4)
    assert config["build_config"] == {"input_shape": (None, 4)} and config["compile_config"] == {}
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    _check_model_round_trip(model, x)


def test_sequential_input_shape_argument_and_unbuilt():
    model = keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)])
    _check_model_round_trip(model, np.ones((2, 4), "float32"))
    unbuilt = keras.Sequential([layers.Dense(3), layers.Dense(1)], name="later")
    clone = keras.models.model_from_json(unbuilt.to_json())
    assert not clone.built and [type(l).__name__ for l in clone.layers] == ["Dense", "Dense"]
    assert clone.predict(np.ones((2, 5), "float32"), verbose=0).shape == (2, 1)


def _multi_io():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(3, activation="relu", name="shared")
    x, y = shared(a), shared(b)
    z = x + y
    s = ops.sum(z, axis=1, keepdims=True)
    c = layers.Concatenate(name="cat")([ops.exp(z), z[:, 0:2], s, 2.0 * x - 1.0, ops.clip(y, 0, 1)])
    return keras.Model([a, b], {"main": layers.Dense(2, name="head")(c), "aux": x}, name="multi")


def test_functional_config_layout_and_op_layers():
    keras.backend.clear_session()  # op layers are named like Keras's: "add", "sum", ...
    model = _multi_io()
    config = serialize_keras_object(model)
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras.src.models.functional", "Functional", "Functional")
    inner = config["config"]
    by_name = {l["name"]: l for l in inner["layers"]}
    assert inner["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert inner["output_layers"] == {"main": ["head", 0, 0], "aux": ["shared", 0, 0]}
    shared_nodes = by_name["shared"]["inbound_nodes"]
    assert [n["args"][0]["config"]["keras_history"] for n in shared_nodes] == [["a", 0, 0], ["b", 0, 0]]
    add = by_name["add"]
    assert (add["module"], add["class_name"], add["registered_name"], add["config"]) == \
        ("keras.src.ops.numpy", "Add", "Add", {"name": "add"})
    assert [a["config"]["keras_history"] for a in add["inbound_nodes"][0]["args"]] == \
        [["shared", 0, 0], ["shared", 1, 0]]
    total = by_name["sum"]
    assert total["config"] == {"name": "sum", "axis": 1, "keepdims": True}
    assert len(total["inbound_nodes"][0]["args"]) == 1
    item = by_name["get_item"]["inbound_nodes"][0]["args"][1]
    assert item[1] == {"class_name": "__slice__", "config": {"start": 0, "stop": 2, "step": None}}
    assert by_name["multiply"]["inbound_nodes"][0]["args"][0] == 2.0
    xs = [np.random.default_rng(i).normal(size=(3, 4)).astype("float32") for i in range(2)]
    clone = keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    out, out2 = model.predict(xs, verbose=0), clone.predict(xs, verbose=0)
    for key in ("main", "aux"):
        np.testing.assert_allclose(out2[key], out[key], rtol=1e-6)


def test_nested_models_and_layer_shared_across_nesting():
    shared = layers.Dense(4, name="shared4")
    si = keras.Input((4,), name="sub_in")
    sub = keras.Model(si, layers.Dense(4, activation="tanh", name="sub_dense")(shared(si)), name="sub")
    seq = keras.Sequential([layers.Dense(4, name="seq_dense"), layers.ReLU(name="relu")], name="seq")
    x = keras.Input((4,), name="x")
    out = layers.Add(name="sum")([sub(seq(x)), shared(x), sub(x)])
    model = keras.Model(x, [out, sub(x)], name="outer")
    xs = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    with ObjectSharingScope():
        config = _json(serialize_keras_object(model))
    text = json.dumps(config)
    assert text.count('"shared_object_id"') == 2  # the shared Dense, once in each graph
    with ObjectSharingScope():
        clone = deserialize_keras_object(config)
    assert len(clone.weights) == len(model.weights) == 6
    assert clone.get_layer("sub").get_layer("shared4") is clone.get_layer("shared4")
    clone.set_weights(model.get_weights())
    for a, b in zip(model.predict(xs, verbose=0), clone.predict(xs, verbose=0)):
        np.testing.assert_allclose(b, a, rtol=1e-6)
    assert config["config"]["output_layers"] == [["sum", 0, 0], ["sub", 3, 0]]


def test_shared_layer_at_two_depths():
    """A(B(A(x))): the loader replays calls whose inputs exist yet, then retries the others."""
    inner, outer = layers.Dense(3, name="inner"), layers.Dense(3, name="outer")
    x = keras.Input((3,))
    model = keras.Model(x, outer(inner(outer(inner(x)))))
    _check_model_round_trip(model, np.ones((2, 3), "float32"))


def test_model_to_json_and_clone_model():
    model = _multi_io()
    clone = keras.models.clone_model(model)
    assert clone is not model and [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert not any(a is b for a, b in zip(clone.weights, model.weights))
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    copy = keras.models.clone_model(seq, clone_function=lambda l: l.__class__.from_config(l.get_config()))
    assert copy.predict(np.ones((1, 3), "float32"), verbose=0).shape == (1, 2)


def test_compile_config_round_trip():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
    assert model.get_compile_config() == {}
    sched = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    model.compile(keras.optimizers.Adam(sched, beta_1=0.8), loss=keras.losses.Huber(delta=2.0),
                  metrics=["mae", keras.metrics.AUC(num_thresholds=20)], loss_weights=[0.5])
    config = model.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["optimizer"]["config"]["learning_rate"]["class_name"] == "ExponentialDecay"
    assert config["loss"]["class_name"] == "Huber" and config["metrics"][0] == "mae"
    clone = keras.models.model_from_json(model.to_json())
    assert clone.compiled and clone.optimizer.beta_1 == 0.8
    assert _json(clone.get_compile_config()) == _json(config)
    x, y = np.ones((4, 3), "float32"), np.eye(2, dtype="float32")[[0, 1, 0, 1]]
    clone.fit(x, y, epochs=1, verbose=0)
    string_model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    string_model.compile("sgd", "mse", metrics=[keras.metrics.mean_absolute_error])
    config = string_model.get_compile_config()
    assert config["optimizer"]["class_name"] == "SGD" and config["loss"] == "mse"
    assert config["metrics"] == [{"module": "builtins", "class_name": "function",
                                  "config": "mean_absolute_error", "registered_name": "function"}]
    assert keras.models.model_from_json(string_model.to_json()).loss == "mse"


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.RMSprop(0.01, rho=0.8, centered=True),
    lambda: keras.optimizers.schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
    lambda: keras.losses.CategoricalCrossentropy(label_smoothing=0.2),
    lambda: keras.metrics.Precision(thresholds=0.7),
    lambda: keras.initializers.TruncatedNormal(stddev=0.3, seed=2),
    lambda: keras.regularizers.L2(0.03),
    lambda: keras.constraints.MaxNorm(2.0, axis=1),
])
def test_other_objects_round_trip(make):
    obj = make()
    config = _json(serialize_keras_object(obj))
    assert config["module"].startswith("keras.") and config["registered_name"] is None
    clone = deserialize_keras_object(config)
    assert type(clone) is type(obj) and _json(serialize_keras_object(clone)) == config


def test_functions_and_special_values():
    relu = deserialize_keras_object(serialize_keras_object(keras.activations.relu))
    assert relu is keras.activations.relu
    assert deserialize_keras_object({"module": "builtins", "class_name": "function",
                                     "config": "mean_squared_error", "registered_name": "function"}) \
        is keras.losses.mean_squared_error
    values = [np.arange(6, dtype="float32").reshape(2, 3), b"bytes", slice(1, None, 2), Ellipsis,
              (1, 2.5, "s", None, True), np.float32(1.5)]
    back = deserialize_keras_object(_json(serialize_keras_object(values)))
    np.testing.assert_array_equal(back[0], values[0])
    assert back[0].dtype == np.float32
    assert back[1:4] == [b"bytes", slice(1, None, 2), Ellipsis]
    assert back[4] == [1, 2.5, "s", None, True] and back[5] == 1.5
    tensor = deserialize_keras_object({"class_name": "__tensor__",
                                       "config": {"value": [1, 2], "dtype": "int32"}})
    assert tensor.dtype == np.int32
    kt = serialize_keras_object(keras.Input((3,), name="kt_in"))
    assert kt["class_name"] == "__keras_tensor__" and kt["config"]["keras_history"] == ["kt_in", 0, 0]
    assert deserialize_keras_object(kt).shape == (None, 3)


# --- user objects ----------------------------------------------------------------------------------
@register_keras_serializable(package="TestPkg")
class ScaledDense(layers.Dense):
    def __init__(self, units, factor=1.0, **kwargs):
        super().__init__(units, **kwargs)
        self.factor = factor

    def call(self, inputs, training=None):
        return super().call(inputs) * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_keras_serializable(package="TestPkg", name="double")
def double_activation(x):
    return x * 2.0


@register_keras_serializable("TestPkg")
class HalfRegularizer(keras.regularizers.Regularizer):
    def __call__(self, x):
        return 0.5 * ops.sum(x)

    def get_config(self):
        return {}


class Unregistered(layers.Layer):
    def call(self, x):
        return x + 1.0


def test_registration_names():
    assert get_registered_name(ScaledDense) == "TestPkg>ScaledDense"
    assert get_registered_name(double_activation) == "TestPkg>double"
    assert get_registered_object("TestPkg>ScaledDense") is ScaledDense
    assert get_custom_objects()["TestPkg>double"] is double_activation
    assert get_registered_name(Unregistered) == "Unregistered"
    assert get_registered_object("Unregistered", custom_objects={"Unregistered": Unregistered}) is Unregistered
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(type("NoConfig", (), {}))


def test_registered_custom_layer_function_and_regularizer():
    layer = ScaledDense(3, factor=0.5, activation=double_activation,
                        kernel_regularizer=HalfRegularizer())
    x = keras.Input((2,))
    model = keras.Model(x, layer(x))
    config = serialize_keras_object(layer)
    assert config["module"] == __name__ and config["class_name"] == "ScaledDense"
    assert config["registered_name"] == "TestPkg>ScaledDense"
    assert config["config"]["activation"] == {"module": "builtins", "class_name": "function",
                                              "config": "TestPkg>double", "registered_name": "function"}
    assert config["config"]["kernel_regularizer"]["registered_name"] == "TestPkg>HalfRegularizer"
    clone = keras.models.model_from_json(model.to_json())
    inner = clone.layers[-1]
    assert type(inner) is ScaledDense and inner.factor == 0.5
    assert inner.activation is double_activation and isinstance(inner.kernel_regularizer, HalfRegularizer)
    clone.set_weights(model.get_weights())
    xs = np.ones((2, 2), "float32")
    np.testing.assert_allclose(clone.predict(xs, verbose=0), model.predict(xs, verbose=0))


def test_unregistered_class_needs_custom_objects_or_scope():
    x = keras.Input((2,))
    model = keras.Model(x, Unregistered(name="plus_one")(x))
    text = model.to_json()
    with pytest.raises(ValueError, match=r"'Unregistered'.*only loads its built-in.*registered"):
        keras.models.model_from_json(text)
    clone = keras.models.model_from_json(text, custom_objects={"Unregistered": Unregistered})
    np.testing.assert_allclose(clone.predict(np.zeros((1, 2), "float32"), verbose=0), 1.0)
    with custom_object_scope({"Unregistered": Unregistered}):
        assert type(keras.models.model_from_json(text).layers[-1]) is Unregistered
    with CustomObjectScope({"Unregistered": Unregistered}):
        with CustomObjectScope({}):  # an inner scope keeps the outer one's objects
            assert deserialize_keras_object(serialize_keras_object(Unregistered())).__class__ is Unregistered
    with pytest.raises(ValueError):
        keras.models.model_from_json(text)  # the scope is gone


def test_lambda_layer_named_function_and_python_lambda():
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(scale, arguments={"factor": 4.0})])
    with pytest.raises(ValueError, match="'scale'"):
        keras.models.model_from_json(model.to_json())
    clone = keras.models.model_from_json(model.to_json(), custom_objects={"scale": scale})
    np.testing.assert_allclose(clone.predict(np.ones((1, 3), "float32"), verbose=0), 4.0)
    lam = keras.Sequential([keras.Input((3,)), layers.Lambda(lambda t: t - 1.0)])
    config = json.loads(lam.to_json())
    with pytest.raises(ValueError, match="lambda"):
        deserialize_keras_object(config)
    clone = deserialize_keras_object(config, safe_mode=False)
    np.testing.assert_allclose(clone.predict(np.ones((1, 3), "float32"), verbose=0), 0.0)


# --- attacks -----------------------------------------------------------------------------------------
@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "canary"
    yield path
    assert not path.exists(), "a refused config still ran code"


def _dense_with(**extra):
    config = serialize_keras_object(layers.Dense(2, name="victim"))
    config["config"].update(extra)
    return config


def _functional_with(layer_config):
    """A functional model whose second layer is `layer_config`, called on the input."""
    x = keras.Input((3,), name="x")
    base = _json(serialize_keras_object(keras.Model(x, layers.Dense(3, name="d")(x))))
    layer_config = dict(layer_config, name="evil", inbound_nodes=[{"args": [
        {"class_name": "__keras_tensor__", "config": {"shape": [None, 3], "dtype": "float32",
                                                      "keras_history": ["x", 0, 0]}}], "kwargs": {}}])
    base["config"]["layers"].append(layer_config)
    base["config"]["output_layers"] = [["evil", 0, 0]]
    return base


def _command(canary):
    return f"touch {canary}"


ATTACKS = {
    "os.system class": lambda c: {"module": "os", "class_name": "system", "config": {"command": _command(c)},
                                  "registered_name": None},
    "os.system function": lambda c: {"module": "os", "class_name": "function", "config": "system",
                                     "registered_name": "function"},
    "builtins.eval": lambda c: {"module": "builtins", "class_name": "function", "config": "eval",
                                "registered_name": "function"},
    "builtins.exec class": lambda c: {"module": "builtins", "class_name": "exec",
                                      "config": {"source": f"open('{c}', 'w')"}},
    "subprocess.Popen": lambda c: {"module": "subprocess", "class_name": "Popen",
                                   "config": {"args": ["touch", str(c)]}, "registered_name": None},
    "keras.utils.get_file": lambda c: {"module": "keras.utils", "class_name": "get_file",
                                       "config": {"fname": str(c), "origin": "http://127.0.0.1:9/x"},
                                       "registered_name": None},
    "keras.utils.get_file function": lambda c: {"module": "keras.utils", "class_name": "function",
                                                "config": "get_file", "registered_name": "function"},
    "importlib": lambda c: {"module": "importlib", "class_name": "import_module",
                            "config": {"name": "os"}, "registered_name": None},
    "internal keras path to a loader": lambda c: {"module": "keras.src.saving.saving_lib",
                                                  "class_name": "load_model", "config": {"filepath": str(c)}},
    "ops module, non-op name": lambda c: {"module": "keras.src.ops.numpy", "class_name": "Popen",
                                          "config": {"name": "p"}},
    "registered-name smuggling": lambda c: {"module": "os", "class_name": "Dense",
                                            "config": {"units": 2}, "registered_name": "os>system"},
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_configs_naming_other_callables_are_refused(attack, canary):
    payload = ATTACKS[attack](canary)
    with pytest.raises(ValueError) as info:
        deserialize_keras_object(payload)
    message = str(info.value)
    assert "registered" in message and str(payload.get("module")) in message
    with pytest.raises(ValueError):  # as a layer inside a model
        keras.models.model_from_json(json.dumps(_functional_with(payload)))
    with pytest.raises(ValueError):  # as a layer argument
        deserialize_keras_object(_dense_with(activation=payload))
    with pytest.raises(ValueError):
        layers.deserialize(payload, safe_mode=False)  # unsafe mode does not widen the table


def test_dense_activation_naming_os_system_is_refused(canary):
    config = _dense_with(activation={"module": "os", "class_name": "function", "config": "system"})
    with pytest.raises(ValueError):
        deserialize_keras_object(config)


def _evil_lambda_config(canary):
    evil = eval(f"lambda t: (open({str(canary)!r}, 'w').close(), t)[1]")  # noqa: S307 - test payload
    return serialize_keras_object(layers.Lambda(evil, name="evil"))


@pytest.mark.parametrize("safe_mode", [True, None])
def test_lambda_bytecode_refused_unless_safe_mode_is_false(canary, safe_mode):
    config = _evil_lambda_config(canary)
    assert config["config"]["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="lambda"):
        deserialize_keras_object(config, safe_mode=safe_mode)
    with pytest.raises(ValueError, match="lambda"):
        deserialize_keras_object(_functional_with(config), safe_mode=safe_mode)
    raw = {"class_name": "__lambda__", "config": {"value": config["config"]["function"]["config"]["code"]}}
    with pytest.raises(ValueError, match="lambda"):
        deserialize_keras_object(raw, safe_mode=safe_mode)
    with pytest.raises(ValueError, match="lambda"):
        layers.Lambda.from_config(config["config"])


def test_safe_mode_false_is_the_callers_choice(tmp_path):
    marker = tmp_path / "ran"
    config = _evil_lambda_config(marker)
    layer = deserialize_keras_object(config, safe_mode=False)
    layer(np.ones((1, 2), "float32"))
    assert marker.exists()


def test_nothing_in_a_config_turns_safe_mode_off(canary):
    flip = {"module": "keras.config", "class_name": "function",
            "config": "enable_unsafe_deserialization", "registered_name": "function"}
    with pytest.raises(ValueError):
        deserialize_keras_object(flip)
    with pytest.raises(ValueError):
        deserialize_keras_object([_dense_with(activation=flip), _evil_lambda_config(canary)])
    assert serialization_lib._state["unsafe_enabled"] is False
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(_dense_with(safe_mode=False))
    lam = _evil_lambda_config(canary)
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(dict(lam, config=dict(lam["config"], safe_mode=False)))
    with pytest.raises(ValueError, match="lambda"):  # keys beside class_name are ignored
        deserialize_keras_object(dict(lam, safe_mode=False))


@register_keras_serializable("TestPkg")
class SneakyLayer(layers.Layer):
    """A layer whose from_config tries to load a nested lambda with safe_mode=False."""

    def __init__(self, payload=None, **kwargs):
        super().__init__(**kwargs)
        self.payload = payload

    def get_config(self):
        return {**super().get_config(), "payload": self.payload}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["payload"] = deserialize_keras_object(config["payload"], safe_mode=False)
        return super().from_config(config)


def test_nested_call_cannot_loosen_the_outer_safe_mode(canary):
    config = serialize_keras_object(SneakyLayer(payload=_evil_lambda_config(canary)))
    with pytest.raises(ValueError, match="lambda"):
        deserialize_keras_object(config)
    assert isinstance(deserialize_keras_object(config, safe_mode=False).payload, layers.Lambda)


def test_enable_unsafe_deserialization_is_a_caller_switch(monkeypatch, tmp_path):
    monkeypatch.setitem(serialization_lib._state, "unsafe_enabled", False)
    config = _evil_lambda_config(tmp_path / "x")
    with pytest.raises(ValueError):
        deserialize_keras_object(config)
    keras.config.enable_unsafe_deserialization()
    assert isinstance(deserialize_keras_object(config), layers.Lambda)


@register_keras_serializable("TestPkg")
class VocabLayer(layers.Layer):
    def __init__(self, vocabulary=None, note="", **kwargs):
        super().__init__(**kwargs)
        self.vocabulary, self.note = vocabulary, note

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "note": self.note}


@pytest.mark.parametrize("kwargs", [
    {"vocabulary": "https://example.com/vocab.txt"},
    {"vocabulary": "http://127.0.0.1/v"},
    {"note": "file:///etc/passwd"},
    {"vocabulary": "vocab.txt"},
    {"vocabulary": ["ok", "https://evil.example/x"]},
    {"note": "PATH_TO_EXISTING"},
])
def test_urls_and_paths_in_layer_configs_are_refused(kwargs, tmp_path):
    existing = tmp_path / "secret.txt"
    existing.write_text("secret")
    kwargs = {k: (str(existing) if v == "PATH_TO_EXISTING" else v) for k, v in kwargs.items()}
    config = serialize_keras_object(VocabLayer(**kwargs))
    with pytest.raises(ValueError, match="Refusing the config of 'VocabLayer'"):
        deserialize_keras_object(config)
    with pytest.raises(ValueError, match="Refusing"):
        keras.models.model_from_json(json.dumps(_functional_with(config)))
    assert type(deserialize_keras_object(config, safe_mode=False)) is VocabLayer
    fine = serialize_keras_object(VocabLayer(vocabulary=["a", "b"], note="a/b not a file"))
    assert deserialize_keras_object(fine).vocabulary == ["a", "b"]


@pytest.mark.parametrize("bad", [
    {"module": "keras.layers", "class_name": "Dense", "config": {"units": "x" * 3}},
    {"module": "keras.layers", "class_name": "Dense", "config": {"unknown_kwarg": 1, "units": 2}},
    {"module": "keras.layers", "class_name": "Dense", "config": [1, 2]},
    {"module": "keras.layers", "class_name": ["Dense"], "config": {}},
    {"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}},
    {"class_name": "__numpy__", "config": {"value": [[1], [2, 3]], "dtype": "float32"}},
    {"class_name": "__keras_tensor__", "config": {"shape": "abc", "dtype": "float32"}},
    {"class_name": "__typespec__", "config": []},
    {"class_name": "function", "config": {"x": 1}, "module": "builtins"},
])
def test_malformed_configs_raise_value_error(bad):
    with pytest.raises(ValueError):
        deserialize_keras_object(bad)


def test_malformed_functional_configs_raise_value_error():
    good = _json(serialize_keras_object(_multi_io()))
    loops = _json(good)
    loops["config"]["layers"][2]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["head", 0, 0]
    missing = _json(good)
    missing["config"]["output_layers"] = [["nowhere", 0, 0]]
    bad_index = _json(good)
    bad_index["config"]["output_layers"] = {"main": ["head", 7, 0]}
    for config in (loops, missing, bad_index):
        with pytest.raises(ValueError):
            deserialize_keras_object(config)


def test_no_dynamic_imports_in_the_loader():
    """The resolver is a table: the loading code never imports by a computed name."""
    import inspect as _inspect
    from minikeras.layers import lambda_layer, op_layer, wrappers
    from minikeras.models import functional
    from minikeras.saving import known_objects
    for module in (serialization_lib, known_objects, object_registration, lambda_layer, op_layer,
                   wrappers, functional):
        source = _inspect.getsource(module)
        for word in ("importlib", "__import__", "eval(", "exec(", "pickle"):
            assert word not in source, (module.__name__, word)
    assert os.path.basename(serialization_lib.__file__) == "serialization_lib.py"


# --- Keras 2 configs (no "module" key, inbound nodes as lists) ------------------------------------
_K2_DENSE = {"name": "dense", "trainable": True, "dtype": "float32", "units": 2, "activation": "relu",
             "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
             "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
             "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
             "bias_constraint": None}
_K2_INPUT = {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
             "name": "input_1"}


def test_keras2_sequential_and_functional_configs_load():
    seq = deserialize_keras_object({"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": _K2_INPUT}, {"class_name": "Dense", "config": _K2_DENSE}]}})
    assert seq.built and seq.input_shape == (None, 3) and seq.layers[0].units == 2
    old_style = deserialize_keras_object({"class_name": "Sequential", "config": {"name": "s2", "layers": [
        {"class_name": "Dense", "config": {**_K2_DENSE, "batch_input_shape": [None, 3]}}]}})
    assert old_style.built and old_style.input_shape == (None, 3)
    model = deserialize_keras_object({"class_name": "Model", "config": {
        "name": "model", "layers": [
            {"class_name": "InputLayer", "config": _K2_INPUT, "name": "input_1", "inbound_nodes": []},
            {"class_name": "Dense", "config": _K2_DENSE, "name": "dense",
             "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}})
    assert type(model).__name__ == "Functional"
    assert model.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 2)
    with pytest.raises(ValueError, match="'system'"):
        deserialize_keras_object({"class_name": "system", "config": {}})


@register_keras_serializable("TestPkg")
class TwoLayerModel(keras.Model):
    def __init__(self, hidden=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.d1, self.d2 = layers.Dense(hidden, activation="relu"), layers.Dense(1)

    def call(self, x):
        return self.d2(self.d1(x))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def test_registered_subclassed_model_round_trip():
    model = TwoLayerModel(hidden=5, name="two")
    model.compile("adam", "mse")
    x = np.ones((2, 4), "float32")
    model.predict(x, verbose=0)
    config = _json(serialize_keras_object(model))
    assert config["registered_name"] == "TestPkg>TwoLayerModel"
    assert config["config"]["hidden"] == 5 and config["compile_config"]["loss"] == "mse"
    clone = deserialize_keras_object(config)
    assert type(clone) is TwoLayerModel and clone.hidden == 5 and clone.name == "two"
    assert clone.compiled and clone.predict(x, verbose=0).shape == (2, 1)


def test_text_vectorization_vocabulary_file_is_refused(tmp_path):
    """CVE-2025-12058: a vocabulary path in a config must not make the loader read a file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root\nhunter2\n")
    config = _json(serialize_keras_object(layers.TextVectorization(vocabulary=["a", "b"])))
    for value in (str(secret), "https://example.com/vocab.txt", "relative/vocab.txt"):
        config["config"]["vocabulary"] = value
        with pytest.raises(ValueError, match="Refusing the config of 'TextVectorization'"):
            deserialize_keras_object(config)
    config["config"]["vocabulary"] = ["x", "y"]
    assert deserialize_keras_object(config).get_vocabulary()[-2:] == ["x", "y"]


def test_custom_layer_without_get_config_round_trips_its_plain_arguments(tmp_path):
    import minikeras as keras

    @keras.saving.register_keras_serializable(package="autoconfig")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, units=3, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.units = factor, units

        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], self.units))

        def call(self, x):
            return keras.ops.matmul(x, self.w) * self.factor

    layer = Scale(3.0, units=4, name="scale")
    assert layer.get_config()["factor"] == 3.0 and layer.get_config()["units"] == 4
    model = keras.Sequential([keras.Input((5,)), layer])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = np.linspace(-1, 1, 10, dtype="float32").reshape(2, 5)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].factor == 3.0
