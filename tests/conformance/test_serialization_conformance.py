"""Configs cross between real Keras 3 and minikeras in both directions.

For each layer (built with non-default arguments) and for whole models: the config real Keras
writes (`serialize_keras_object`, `get_config`, `to_json`) loads in minikeras, and the config
minikeras writes loads in real Keras; the two models then agree on predictions once the weights
are copied across. Ops recorded on KerasTensors (`x + y`, `ops.sum(x, axis=1)`, `x[:, 0]`) are
written exactly as Keras 3 writes them.
"""
import json

import numpy as np
import pytest

import minikeras as mk
from minikeras.saving import deserialize_keras_object, serialize_keras_object
from minikeras.saving.serialization_lib import ObjectSharingScope

# (id, builder(layers module) -> layer, input shapes without the batch axis)
LAYERS = [
    ("dense", lambda L: L.Dense(3, activation="tanh", use_bias=False,
                                kernel_initializer="he_normal",
                                kernel_regularizer="l2", kernel_constraint="max_norm"), [(5,)]),
    ("dense_bias", lambda L: L.Dense(4, activation="relu", bias_initializer="ones",
                                     bias_regularizer={"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}), [(2, 5)]),
    ("activation", lambda L: L.Activation("softplus"), [(4,)]),
    ("leaky_relu", lambda L: L.LeakyReLU(negative_slope=0.2), [(4,)]),
    ("prelu", lambda L: L.PReLU(alpha_initializer="ones", shared_axes=[1]), [(3, 4)]),
    ("elu", lambda L: L.ELU(alpha=0.5), [(4,)]),
    ("relu", lambda L: L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.2), [(4,)]),
    ("softmax", lambda L: L.Softmax(axis=1), [(3, 4)]),
    ("dropout", lambda L: L.Dropout(0.3, seed=3), [(4,)]),
    ("flatten", lambda L: L.Flatten(), [(2, 3)]),
    ("reshape", lambda L: L.Reshape((3, 2)), [(6,)]),
    ("permute", lambda L: L.Permute((2, 1)), [(2, 3)]),
    ("repeat_vector", lambda L: L.RepeatVector(3), [(4,)]),
    ("conv1d", lambda L: L.Conv1D(4, 3, strides=2, padding="same", dilation_rate=1,
                                  activation="relu"), [(9, 3)]),
    ("conv2d", lambda L: L.Conv2D(4, (3, 2), padding="same", groups=1, use_bias=False), [(6, 5, 2)]),
    ("conv2d_dilated", lambda L: L.Conv2D(2, 3, dilation_rate=2), [(8, 8, 2)]),
    ("conv3d", lambda L: L.Conv3D(2, 2, strides=(1, 2, 1)), [(4, 4, 4, 1)]),
    ("conv1d_transpose", lambda L: L.Conv1DTranspose(3, 3, strides=2), [(5, 2)]),
    ("conv2d_transpose", lambda L: L.Conv2DTranspose(3, 3, strides=2, padding="same"), [(4, 4, 2)]),
    ("depthwise_conv2d", lambda L: L.DepthwiseConv2D(3, depth_multiplier=2), [(6, 6, 2)]),
    ("separable_conv2d", lambda L: L.SeparableConv2D(4, 3, depth_multiplier=2), [(6, 6, 2)]),
    ("separable_conv1d", lambda L: L.SeparableConv1D(3, 2, padding="same"), [(7, 2)]),
    ("max_pool2d", lambda L: L.MaxPooling2D((2, 2), strides=1, padding="same"), [(4, 4, 2)]),
    ("avg_pool1d", lambda L: L.AveragePooling1D(3, strides=2), [(7, 2)]),
    ("global_avg_pool2d", lambda L: L.GlobalAveragePooling2D(keepdims=True), [(3, 3, 2)]),
    ("global_max_pool1d", lambda L: L.GlobalMaxPooling1D(), [(5, 2)]),
    ("zero_padding2d", lambda L: L.ZeroPadding2D(((1, 0), (2, 1))), [(3, 3, 1)]),
    ("cropping1d", lambda L: L.Cropping1D((1, 2)), [(6, 2)]),
    ("upsampling2d", lambda L: L.UpSampling2D(2, interpolation="bilinear"), [(3, 3, 1)]),
    ("batch_norm", lambda L: L.BatchNormalization(momentum=0.9, epsilon=1e-2, center=False),
     [(4,)]),
    ("layer_norm", lambda L: L.LayerNormalization(epsilon=1e-4, rms_scaling=False), [(3, 4)]),
    ("group_norm", lambda L: L.GroupNormalization(groups=2), [(3, 4)]),
    ("unit_norm", lambda L: L.UnitNormalization(axis=-1), [(4,)]),
    ("embedding", lambda L: L.Embedding(10, 3, mask_zero=True), [(5,)]),
    ("simple_rnn", lambda L: L.SimpleRNN(3, return_sequences=True, go_backwards=True), [(4, 2)]),
    ("lstm", lambda L: L.LSTM(3, return_state=False, unit_forget_bias=False,
                              recurrent_activation="hard_sigmoid"), [(4, 2)]),
    ("gru", lambda L: L.GRU(3, reset_after=False, return_sequences=True), [(4, 2)]),
    ("rnn_cells", lambda L: L.RNN([L.SimpleRNNCell(3), L.LSTMCell(2)]), [(4, 2)]),
    ("bidirectional", lambda L: L.Bidirectional(L.LSTM(2, return_sequences=True),
                                                merge_mode="sum"), [(4, 3)]),
    ("time_distributed", lambda L: L.TimeDistributed(L.Dense(2)), [(3, 4)]),
    ("einsum_dense", lambda L: L.EinsumDense("abc,cd->abd", output_shape=(None, 3),
                                             bias_axes="d"), [(2, 4)]),
    ("multi_head_attention", lambda L: L.MultiHeadAttention(2, 3, dropout=0.1, use_bias=False), [(4, 5), (3, 5)]),
    ("attention", lambda L: L.Attention(use_scale=True, score_mode="concat"), [(4, 3), (2, 3)]),
    ("additive_attention", lambda L: L.AdditiveAttention(), [(4, 3), (2, 3)]),
    ("add", lambda L: L.Add(), [(3,), (3,)]),
    ("concatenate", lambda L: L.Concatenate(axis=1), [(2, 3), (4, 3)]),
    ("dot", lambda L: L.Dot(axes=1, normalize=True), [(3,), (3,)]),
    ("rescaling", lambda L: L.Rescaling(scale=0.5, offset=1.0), [(3,)]),
    ("masking", lambda L: L.Masking(mask_value=1.0), [(3, 2)]),
    ("gaussian_noise", lambda L: L.GaussianNoise(0.3, seed=1), [(3,)]),
]


def _model(lib, builder, shapes):
    layer = builder(lib.layers)
    return layer, _call_model(lib, layer, shapes)


def _is_attention(layer):
    return type(layer).__name__ == "MultiHeadAttention"


def _call_model(lib, layer, shapes):
    """A functional model around an existing (e.g. deserialized) layer."""
    inputs = [lib.Input(s) for s in shapes]
    if _is_attention(layer):
        out = layer(inputs[0], inputs[1])
    else:
        out = layer(inputs if len(inputs) > 1 else inputs[0])
    return lib.Model(inputs if len(inputs) > 1 else inputs[0], out)


def _inputs(name, shapes):
    rng = np.random.default_rng(0)
    if name == "embedding":
        return [rng.integers(0, 10, size=(2, 5)).astype("int32")]
    return [rng.normal(size=(2,) + s).astype("float32") for s in shapes]


def _predict(model, xs):
    """Inference outputs as numpy arrays (a direct call: no XLA compile for tiny models)."""
    out = model(xs if len(xs) > 1 else xs[0], training=False)
    out = list(out.values()) if isinstance(out, dict) else out
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _json(config):
    return json.loads(json.dumps(config))


def _without_build_configs(config):
    """Weightless layers that minikeras builds in `__init__` write no build_config; real Keras
    writes one for every layer it has called. Neither needs it to load. (Also drops
    `shared_object_id`, which depends on object ids.)"""
    if isinstance(config, dict):
        return {k: _without_build_configs(v) for k, v in config.items()
                if k not in ("build_config", "shared_object_id")}
    if isinstance(config, list):
        return [_without_build_configs(v) for v in config]
    return config


@pytest.mark.parametrize("name,builder,shapes", LAYERS, ids=[s[0] for s in LAYERS])
def test_keras_layer_config_loads_in_minikeras(keras, name, builder, shapes):
    klayer, kmodel = _model(keras, builder, shapes)
    config = _json(keras.saving.serialize_keras_object(klayer))
    ours = deserialize_keras_object(_json(config))
    assert type(ours).__name__ == type(klayer).__name__
    assert _json(serialize_keras_object(ours)["config"]) == config["config"]
    via_from_config = type(ours).from_config(_json(klayer.get_config()))
    assert via_from_config.name == klayer.name
    model = _call_model(mk, ours, shapes)
    model.set_weights(kmodel.get_weights())
    xs = _inputs(name, shapes)
    for a, b in zip(_predict(kmodel, xs), _predict(model, xs)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,builder,shapes", LAYERS, ids=[s[0] for s in LAYERS])
def test_minikeras_layer_config_loads_in_keras(keras, name, builder, shapes):
    layer, model = _model(mk, builder, shapes)
    config = _json(serialize_keras_object(layer))
    theirs = keras.saving.deserialize_keras_object(_json(config))  # Keras's from_config mutates
    assert type(theirs).__name__ == type(layer).__name__
    assert _json(keras.saving.serialize_keras_object(theirs)["config"]) == config["config"]
    kmodel = _call_model(keras, theirs, shapes)
    kmodel.set_weights(model.get_weights())
    xs = _inputs(name, shapes)
    for a, b in zip(_predict(model, xs), _predict(kmodel, xs)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


# --- whole models ------------------------------------------------------------------------------
def _sequential(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((8, 8, 2)), L.Conv2D(4, 3, activation="relu", name="conv"),
        L.BatchNormalization(name="bn"), L.MaxPooling2D(name="pool"), L.Flatten(name="flat"),
        L.Dropout(0.2, name="drop"), L.Dense(3, activation="softmax", name="out")], name="seq")


def _multi_io(lib):
    """Two inputs, a shared layer, ops on KerasTensors, two outputs."""
    L, ops = lib.layers, lib.ops
    a, b = lib.Input((4,), name="a"), lib.Input((4,), name="b")
    shared = L.Dense(3, activation="relu", name="shared")
    x, y = shared(a), shared(b)
    z = x + y
    parts = [ops.exp(z), z[:, 0:2], ops.sum(z, axis=1, keepdims=True), 2.0 * x - 1.0,
             ops.clip(x, 0, 1), ops.reshape(x, (-1, 3, 1))[:, :, 0], ops.mean(y, axis=-1)[:, None],
             ops.concatenate([x, y], axis=1), ops.where(x > 0.5, x, 0.0), ops.square(-y),
             ops.softmax(z, axis=-1), ops.maximum(x, y), ops.transpose(ops.expand_dims(x, 1), (0, 2, 1))[..., 0]]
    c = L.Concatenate(name="cat")(parts)
    return lib.Model([a, b], [L.Dense(2, name="head")(c), x], name="multi_io")


def _nested(lib):
    """A Sequential and a functional sub-model (called twice) inside a functional model.
    (A layer shared between a sub-model and the outer graph does not survive real Keras's own
    save and load, so it is tested in tests/test_serialization.py only.)"""
    L = lib.layers
    si = lib.Input((4,), name="sub_in")
    sub = lib.Model(si, L.Dense(4, activation="tanh", name="sub_dense")(L.Dense(4, name="d4")(si)),
                    name="sub")
    seq = lib.Sequential([L.Dense(4, name="seq_dense"), L.ReLU(name="seq_relu")], name="inner_seq")
    x = lib.Input((4,), name="x")
    h = sub(seq(x))
    out = L.Add(name="sum")([h, L.Dense(4, name="side")(x), sub(x)])
    return lib.Model(x, [out, h], name="outer")


def _lstm_model(lib):
    L = lib.layers
    x = lib.Input((5,), dtype="int32", name="tokens")
    h = L.Embedding(20, 4, mask_zero=True, name="emb")(x)
    h = L.Bidirectional(L.LSTM(3, return_sequences=True, name="lstm"), name="bi")(h)
    h = L.GRU(2, name="gru")(h)
    return lib.Model(x, L.Dense(1, name="out")(h), name="rnn_model")


def _input_shape_sequential(lib):
    """The Keras 2 tutorial form: `input_shape=` on the first layer."""
    L = lib.layers
    return lib.Sequential([L.Dense(3, input_shape=(4,), activation="relu", name="d1"),
                           L.Dense(2, name="d2")], name="seq_input_shape")


MODELS = [("sequential", _sequential, [(8, 8, 2)]),
          ("input_shape", _input_shape_sequential, [(4,)]), ("multi_io", _multi_io, [(4,), (4,)]),
          ("nested", _nested, [(4,)]), ("lstm", _lstm_model, [(5,)])]


def _model_inputs(name, shapes):
    rng = np.random.default_rng(1)
    if name == "lstm":
        return [rng.integers(0, 20, size=(3, 5)).astype("int32")]
    return [rng.normal(size=(3,) + s).astype("float32") for s in shapes]


def _keras_to_json(keras, model):
    """As a `.keras` file holds it: objects shared by nested models are written once."""
    from keras.src.saving.serialization_lib import ObjectSharingScope
    with ObjectSharingScope():
        return json.dumps(keras.saving.serialize_keras_object(model))


def _keras_from_json(keras, text):
    from keras.src.saving.serialization_lib import ObjectSharingScope
    with ObjectSharingScope():
        return keras.saving.deserialize_keras_object(json.loads(text))


def _to_json(model):
    with ObjectSharingScope():
        return json.dumps(serialize_keras_object(model))


def _from_json(text):
    with ObjectSharingScope():
        return deserialize_keras_object(json.loads(text))


@pytest.mark.parametrize("name,build,shapes", MODELS, ids=[m[0] for m in MODELS])
def test_keras_model_loads_in_minikeras(keras, name, build, shapes):
    kmodel = build(keras)
    ours = _from_json(_keras_to_json(keras, kmodel))
    assert type(ours).__name__ == type(kmodel).__name__
    if name != "lstm":  # Keras records mask propagation as op nodes and pins `training`
        assert _without_build_configs(_json(serialize_keras_object(ours))) == \
            _without_build_configs(_json(keras.saving.serialize_keras_object(kmodel)))
    ours.set_weights(kmodel.get_weights())
    xs = _model_inputs(name, shapes)
    for a, b in zip(_predict(kmodel, xs), _predict(ours, xs)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,build,shapes", MODELS, ids=[m[0] for m in MODELS])
def test_minikeras_model_loads_in_keras(keras, name, build, shapes):
    model = build(mk)
    theirs = _keras_from_json(keras, _to_json(model))
    if name != "lstm":  # Keras records mask propagation as extra op nodes; we do not
        assert _without_build_configs(_json(keras.saving.serialize_keras_object(theirs))) == \
            _without_build_configs(_json(serialize_keras_object(model)))
    theirs.set_weights(model.get_weights())
    xs = _model_inputs(name, shapes)
    for a, b in zip(_predict(model, xs), _predict(theirs, xs)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


def test_keras_writes_ops_as_we_do(keras):
    """Real Keras's own config for `x + y`, `ops.sum(x, axis=1)`, `x[:, 0:2]`... is ours."""
    keras.backend.clear_session()
    mk.backend.clear_session()
    ours = _json(serialize_keras_object(_multi_io(mk)))
    theirs = _json(keras.saving.serialize_keras_object(_multi_io(keras)))
    by_name = {l["name"]: l for l in theirs["config"]["layers"]}
    for layer in ours["config"]["layers"]:
        assert layer == by_name[layer["name"]], layer["name"]
    add = by_name["add"]
    assert (add["module"], add["class_name"], add["registered_name"]) == ("keras.src.ops.numpy", "Add", "Add")
    assert _without_build_configs(ours) == _without_build_configs(theirs)


# --- compile config and the other registries ----------------------------------------------------
def test_compile_config_crosses(keras):
    kmodel = _sequential(keras)
    kmodel.compile(keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)),
                   loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                   metrics=["accuracy", keras.metrics.AUC(num_thresholds=50)], loss_weights=None)
    ours = mk.models.model_from_json(kmodel.to_json())
    assert ours.compiled and type(ours.optimizer).__name__ == "Adam"
    assert _json(ours.get_compile_config()) == _json(kmodel.get_compile_config())
    model = _sequential(mk)
    model.compile(mk.optimizers.SGD(0.05, momentum=0.9), loss="mse",
                  metrics=[mk.metrics.MeanAbsoluteError()])
    theirs = keras.models.model_from_json(model.to_json())
    assert theirs.compiled
    assert _json(theirs.get_compile_config()) == _json(model.get_compile_config())


OBJECTS = [
    lambda k: k.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, clipnorm=1.0),
    lambda k: k.optimizers.RMSprop(rho=0.8, momentum=0.1, centered=True),
    lambda k: k.optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    lambda k: k.optimizers.schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5),
    lambda k: k.losses.Huber(delta=2.0, reduction="sum"),
    lambda k: k.losses.SparseCategoricalCrossentropy(from_logits=True),
    lambda k: k.metrics.Precision(thresholds=0.3, top_k=None),
    lambda k: k.metrics.TopKCategoricalAccuracy(k=3),
    lambda k: k.initializers.VarianceScaling(2.0, mode="fan_out", distribution="uniform", seed=1),
    lambda k: k.initializers.Constant(0.5),
    lambda k: k.regularizers.L1L2(l1=0.01, l2=0.02),
    lambda k: k.constraints.MinMaxNorm(0.1, 2.0, rate=0.5, axis=1),
]


@pytest.mark.parametrize("make", OBJECTS)
def test_objects_cross(keras, make):
    kobj, obj = make(keras), make(mk)
    kconfig, config = _json(keras.saving.serialize_keras_object(kobj)), _json(serialize_keras_object(obj))
    assert config == kconfig
    assert _json(serialize_keras_object(deserialize_keras_object(_json(kconfig)))) == kconfig
    theirs = keras.saving.deserialize_keras_object(_json(config))
    assert _json(keras.saving.serialize_keras_object(theirs)) == kconfig


def test_functions_cross(keras):
    for name in ("relu", "mean_squared_error", "categorical_crossentropy"):
        kfn = keras.saving.deserialize_keras_object(
            {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"})
        ours = deserialize_keras_object(keras.saving.serialize_keras_object(kfn))
        assert ours.__name__ == name and serialize_keras_object(ours) == keras.saving.serialize_keras_object(kfn)


def test_lambda_bytecode_crosses_only_unsafe(keras):
    """A Keras Lambda holding a Python lambda: refused by default, loaded with safe_mode=False."""
    kmodel = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2.0 + 1.0)])
    config = kmodel.to_json()
    with pytest.raises(ValueError, match="lambda"):
        mk.models.model_from_json(config)
    ours = deserialize_keras_object(json.loads(config), safe_mode=False)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), 3.0 * x)


def _ops_model(lib):
    """Many ops applied to KerasTensors; each becomes an Operation node in the config."""
    ops = lib.ops
    x = lib.Input((4, 6), name="x")
    outs = [x + 1.0, x * 2, 3 - x, ops.sum(x, axis=1), ops.mean(x, axis=-1, keepdims=True),
            ops.reshape(x, (-1, 24)), ops.concatenate([x, x], axis=1),
            ops.matmul(x, ops.transpose(x, (0, 2, 1))), ops.softmax(x), ops.relu(x), x[:, 0],
            x[..., None], ops.expand_dims(x, 1), ops.where(x > 0, x, 0.0), ops.clip(x, 0, 1),
            ops.sqrt(ops.abs(x)), ops.maximum(x, 0.5), ops.stack([x, x], axis=0),
            ops.split(x, 2, axis=-1)[0], -x, ops.square(x), ops.max(x, axis=2),
            ops.take(x, [0, 1], axis=1), ops.one_hot(ops.cast(ops.abs(x) * 2, "int32"), 3),
            ops.pad(x, [[0, 0], [1, 1], [0, 0]]), ops.average(x, axis=1), ops.logsumexp(x, axis=1),
            ops.moments(x, axes=[1])[1], ops.einsum("bij,bkj->bik", x, x),
            ops.swish(x), ops.tanh(x), ops.log(ops.exp(x) + 1.0), ops.argmax(x, axis=-1),
            ops.cumsum(x, axis=1), ops.flip(x, axis=1), ops.tile(x, (1, 2, 1)), ops.power(x, 2),
            ops.squeeze(ops.expand_dims(x, -1), -1), ops.leaky_relu(x, negative_slope=0.1)]
    return lib.Model(x, outs, name="ops_model")


def test_ops_cross_exactly(keras):
    """Each op's config and node are what Keras 3 writes; both directions predict alike."""
    keras.backend.clear_session()
    mk.backend.clear_session()
    kmodel, model = _ops_model(keras), _ops_model(mk)
    theirs = _json(keras.saving.serialize_keras_object(kmodel))
    ours = _json(serialize_keras_object(model))
    assert [l["class_name"] for l in ours["config"]["layers"]] == \
        [l["class_name"] for l in theirs["config"]["layers"]]
    for a, b in zip(ours["config"]["layers"], theirs["config"]["layers"]):
        assert a == b, a["name"]
    x = [np.random.default_rng(2).normal(size=(2, 4, 6)).astype("float32")]
    loaded = deserialize_keras_object(theirs)
    kloaded = keras.saving.deserialize_keras_object(ours)
    for a, b, c in zip(_predict(kmodel, x), _predict(loaded, x), _predict(kloaded, x)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-5)
