"""Keras 2 / legacy `.h5` files: Keras-2-style configs and weights (written here with h5py,
as tf.keras 2.x wrote them), minikeras's own `.h5` round trip, weights-only files, and the
attacks a hostile legacy file can try (safe mode, links, bombs, unknown classes)."""
import json
import os
import warnings

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.saving import legacy_h5

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


# --- writing tf.keras-2-style files ------------------------------------------------------------
def _glorot():
    return {"class_name": "GlorotUniform", "config": {"seed": None}}


def _zeros():
    return {"class_name": "Zeros", "config": {}}


def _dense(name, units, activation="linear", **extra):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
              "activation": activation, "use_bias": True, "kernel_initializer": _glorot(),
              "bias_initializer": _zeros(), "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    return {"class_name": "Dense", "config": {**config, **extra}}


def _input(name, shape, dtype="float32"):
    return {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, *shape], "dtype": dtype, "sparse": False, "ragged": False,
        "name": name}}


def _cnn_config():
    conv = {"class_name": "Conv2D", "config": {
        "name": "conv2d", "trainable": True, "dtype": "float32",
        "batch_input_shape": [None, 8, 8, 1],
        "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
        "activation": "relu", "use_bias": True, "kernel_initializer": _glorot(),
        "bias_initializer": _zeros(), "kernel_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}
    bn = {"class_name": "BatchNormalization", "config": {
        "name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [3],
        "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": _zeros(), "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": _zeros(),
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None}}
    pool = {"class_name": "MaxPooling2D", "config": {
        "name": "max_pooling2d", "trainable": True, "dtype": "float32", "pool_size": [2, 2],
        "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}}
    flatten = {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True,
                                                   "dtype": "float32",
                                                   "data_format": "channels_last"}}
    dropout = {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                                   "dtype": "float32", "rate": 0.5,
                                                   "noise_shape": None, "seed": None}}
    dense = _dense("dense", 3, "softmax",
                   kernel_regularizer={"class_name": "L2", "config": {"l2": 0.01}})
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        _input("conv2d_input", (8, 8, 1)), conv, bn, pool, flatten, dropout, dense]}}


def _cnn_reference(dropout=0.5):
    return keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                             layers.BatchNormalization(), layers.MaxPooling2D(),
                             layers.Flatten(), layers.Dropout(dropout),
                             layers.Dense(3, activation="softmax")])


KERAS2_TRAINING = {
    "loss": {"class_name": "CategoricalCrossentropy", "config": {
        "reduction": "auto", "name": "categorical_crossentropy", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}},
    "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
        "name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]],
    "weighted_metrics": None, "loss_weights": None,
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "jit_compile": True, "is_legacy_optimizer": False,
        "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}}}


def _keras2_weights(model, names=None):
    """{layer name: [(tf.keras 2 weight name, value)]}, the layers named `names` (in order)."""
    out = {}
    for layer, name in zip(model.layers, names or [l.name for l in model.layers]):
        weights = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        out[name] = [(f"{name}/{w.name}:0", w.numpy()) for w in weights]
    return out


CNN_NAMES = ["conv2d", "batch_normalization", "max_pooling2d", "flatten", "dropout", "dense"]


def _write_group(group, layer_names, weights):
    group.attrs["layer_names"] = np.array([n.encode() for n in layer_names])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.12.0"
    for name in layer_names:
        g = group.create_group(name)
        entries = weights.get(name, [])
        g.attrs["weight_names"] = np.array([w.encode() for w, _ in entries])
        for wname, value in entries:
            g.create_dataset(wname, data=value)


def write_keras2_file(path, model_config, weights, training_config=None,
                      optimizer_weights=None, layer_names=None):
    """A tf.keras 2.x `model.save("m.h5")` file: bytes attributes, `kernel:0` names."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode()
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode()
        _write_group(f.create_group("model_weights"), layer_names or list(weights), weights)
        if optimizer_weights:
            g = f.create_group("optimizer_weights")
            g.attrs["weight_names"] = np.array([n.encode() for n, _ in optimizer_weights])
            for name, value in optimizer_weights:
                g.create_dataset(name, data=value)
    return path


def _randomize(model):
    """Random weights (positive ones for a BatchNormalization's moving variance)."""
    for w in model.weights:
        value = RNG.normal(size=w.shape).astype("float32")
        w.assign(np.abs(value) + 0.5 if "variance" in w.name else value)
    return model


def _cnn_file(tmp_path, training_config=KERAS2_TRAINING, **kwargs):
    ref = _randomize(_cnn_reference())
    path = write_keras2_file(tmp_path / "cnn.h5", _cnn_config(),
                             _keras2_weights(ref, CNN_NAMES), training_config, **kwargs)
    return path, ref


# --- Keras 2 models ----------------------------------------------------------------------------
def test_keras2_sequential_cnn_loads_with_same_predictions(tmp_path):
    path, ref = _cnn_file(tmp_path)
    x = _x(5, 8, 8, 1)
    model = keras.models.load_model(path)
    assert isinstance(model, keras.Sequential)
    assert [type(l).__name__ for l in model.layers] == [type(l).__name__ for l in ref.layers]
    assert model.get_layer("batch_normalization").axis in (3, -1)
    np.testing.assert_array_equal(model.predict(x, verbose=0), ref.predict(x, verbose=0))
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)
    # training_config: the Keras 2 optimizer (Custom>Adam, jit_compile, ...), loss with
    # reduction "auto" and MeanMetricWrapper metrics are translated.
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert np.isclose(float(model.optimizer.learning_rate), 1e-3)
    logs = model.evaluate(x, np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]], verbose=0,
                          return_dict=True)
    assert set(logs) == {"loss", "accuracy"}


def test_keras2_optimizer_state_with_other_layout_warns_and_starts_fresh(tmp_path):
    opt = [("Adam/iter:0", np.array(7, "int64")), ("Adam/m/conv2d/kernel:0", _x(3, 3, 1, 4))]
    path, _ = _cnn_file(tmp_path, optimizer_weights=opt)
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        model = keras.models.load_model(path)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_compile_false_and_missing_training_config(tmp_path):
    path, ref = _cnn_file(tmp_path)
    assert not keras.models.load_model(path, compile=False).compiled
    (tmp_path / "sub").mkdir()
    path2, _ = _cnn_file(tmp_path / "sub", training_config=None)
    assert not keras.models.load_model(path2).compiled


def _functional_config():
    emb = {"class_name": "Embedding", "config": {
        "name": "embedding", "trainable": True, "dtype": "float32",
        "batch_input_shape": [None, 5], "input_dim": 20, "output_dim": 4,
        "embeddings_initializer": {"class_name": "RandomUniform",
                                   "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
        "embeddings_regularizer": None, "activity_regularizer": None,
        "embeddings_constraint": None, "mask_zero": False, "input_length": 5}}
    lstm = {"class_name": "LSTM", "config": {
        "name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": False,
        "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
        "time_major": False, "units": 3, "activation": "tanh", "recurrent_activation": "sigmoid",
        "use_bias": True, "kernel_initializer": _glorot(),
        "recurrent_initializer": {"class_name": "Orthogonal",
                                  "config": {"gain": 1.0, "seed": None}},
        "bias_initializer": _zeros(), "unit_forget_bias": True, "kernel_regularizer": None,
        "recurrent_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None,
        "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2}}
    concat = {"class_name": "Concatenate", "config": {"name": "concatenate", "trainable": True,
                                                      "dtype": "float32", "axis": -1}}

    def node(entry, name, inbound):
        nodes = [[[n, 0, 0, {}] for n in inbound]] if inbound else []
        return {**entry, "name": name, "inbound_nodes": nodes}

    return {"class_name": "Functional", "config": {"name": "model", "layers": [
        node(_input("tokens", (5,), "int32"), "tokens", []),
        node(emb, "embedding", ["tokens"]), node(lstm, "lstm", ["embedding"]),
        node(_input("extra", (2,)), "extra", []),
        node(concat, "concatenate", ["lstm", "extra"]),
        node(_dense("out", 1), "out", ["concatenate"])],
        "input_layers": [["tokens", 0, 0], ["extra", 0, 0]],
        "output_layers": [["out", 0, 0]]}, "keras_version": "2.12.0", "backend": "tensorflow"}


def _functional_reference():
    tokens = keras.Input((5,), dtype="int32", name="tokens")
    extra = keras.Input((2,), name="extra")
    h = layers.LSTM(3, name="lstm")(layers.Embedding(20, 4, name="embedding")(tokens))
    out = layers.Dense(1, name="out")(layers.Concatenate(name="concatenate")([h, extra]))
    return keras.Model([tokens, extra], out)


def test_keras2_functional_with_embedding_lstm_loads(tmp_path):
    ref = _randomize(_functional_reference())
    names = ["tokens", "embedding", "lstm", "extra", "concatenate", "out"]
    path = write_keras2_file(tmp_path / "fn.h5", _functional_config(), _keras2_weights(ref, names),
                             layer_names=names)
    model = keras.models.load_model(path)
    x = [RNG.integers(0, 20, size=(4, 5)).astype("int32"), _x(4, 2)]
    np.testing.assert_array_equal(model.predict(x, verbose=0), ref.predict(x, verbose=0))
    assert [l.name for l in model.layers] == [l.name for l in ref.layers]


def test_translate_config_keras2_spellings():
    out = legacy_h5.translate_config({"class_name": "Bidirectional", "config": {"layer": {
        "class_name": "GRU", "config": {"units": 2, "time_major": False, "implementation": 1}}}})
    assert out["config"]["layer"]["config"] == {"units": 2}
    with pytest.raises(ValueError, match="time_major=True"):
        legacy_h5.translate_config({"class_name": "LSTM", "config": {"time_major": True}})
    bn = legacy_h5.translate_config({"class_name": "BatchNormalization",
                                     "config": {"axis": [1], "fused": None}})
    assert bn["config"] == {"axis": 1}
    inp = legacy_h5.translate_config(_input("x", (3,)))
    assert inp["config"]["batch_shape"] == [None, 3] and "batch_input_shape" not in inp["config"]


# --- Lambda layers and safe mode ---------------------------------------------------------------
def _lambda_file(tmp_path, function, function_type, name="lam.h5"):
    lam = {"class_name": "Lambda", "config": {
        "name": "lambda", "trainable": True, "dtype": "float32", "function": function,
        "function_type": function_type, "module": "__main__", "output_shape": None,
        "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("in", (3,)), lam]}}
    return write_keras2_file(tmp_path / name, config, {"lambda": []})


def _bytecode(fn):
    return list(keras.saving.serialization_lib.func_dump(fn))


@pytest.mark.parametrize("safe_mode", [True, None, "default"])
def test_keras2_lambda_bytecode_is_refused_in_safe_mode(tmp_path, safe_mode):
    marker = tmp_path / "pwned"
    path = _lambda_file(tmp_path, _bytecode(lambda x: x * 3.0), "lambda")
    kwargs = {} if safe_mode == "default" else {"safe_mode": safe_mode}
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        keras.models.load_model(path, **kwargs)
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        legacy_h5.load_model_from_hdf5(path, **kwargs)
    assert not marker.exists()


def test_keras2_lambda_loads_when_the_caller_disables_safe_mode(tmp_path):
    path = _lambda_file(tmp_path, _bytecode(lambda x: x * 3.0), "lambda")
    model = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(model.predict(np.ones((2, 3), "float32"), verbose=0), 3.0)


def test_keras2_named_lambda_function_resolves_only_through_custom_objects(tmp_path):
    def triple(x):
        return x * 3.0

    path = _lambda_file(tmp_path, "triple", "function")
    model = keras.models.load_model(path, custom_objects={"triple": triple})
    np.testing.assert_allclose(model.predict(np.ones((1, 3), "float32"), verbose=0), 3.0)
    for evil in ("triple", "system", "eval", "get_file"):
        with pytest.raises(ValueError, match="Could not deserialize"):
            keras.models.load_model(_lambda_file(tmp_path, evil, "function", f"{evil}.h5"))


def _nested_lambda(kind):
    code = _bytecode(lambda x: x)
    if kind == "output_shape":
        return {"class_name": "Lambda", "config": {
            "name": "lambda", "function": "relu", "function_type": "function",
            "output_shape": code, "output_shape_type": "lambda", "arguments": {}}}
    inner = {"class_name": "Lambda", "config": {"name": "lambda", "function": code,
                                                "function_type": "lambda", "arguments": {}}}
    if kind == "time_distributed":
        return {"class_name": "TimeDistributed", "config": {"name": "td", "layer": inner}}
    return {"class_name": "Sequential", "config": {"name": "inner", "layers": [
        _input("inner_in", (3,)), inner]}}


@pytest.mark.parametrize("kind", ["output_shape", "time_distributed", "nested_model"])
def test_lambda_bytecode_anywhere_in_the_config_is_refused(tmp_path, kind):
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("in", (2, 3)), _nested_lambda(kind)]}}
    path = write_keras2_file(tmp_path / "m.h5", config, {})
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        keras.models.load_model(path)


def test_a_lambda_hidden_in_training_config_is_refused(tmp_path):
    training = dict(KERAS2_TRAINING, loss={"class_name": "__lambda__", "config": {
        "code": _bytecode(lambda y, p: p)[0], "defaults": None, "closure": None}})
    path, _ = _cnn_file(tmp_path, training_config=training)
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        keras.models.load_model(path)


@pytest.mark.parametrize("module, name", [("os", "system"), ("builtins", "eval"),
                                          ("keras.utils", "get_file"), (None, "Popen")])
def test_classes_outside_the_registry_are_refused(tmp_path, module, name):
    config = _cnn_config()
    entry = {"class_name": name, "config": {"command": "touch pwned"}}
    if module:
        entry["module"] = module
    config["config"]["layers"].append(entry)
    path, _ = _cnn_file(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match="Could not deserialize"):
        keras.models.load_model(path)
    config["class_name"] = f"{module}.{name}"
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match="Could not deserialize"):
        keras.models.load_model(path)


def test_a_config_cannot_turn_safe_mode_off(tmp_path):
    config = _cnn_config()
    config["config"]["layers"][-1]["config"]["safe_mode"] = False
    path, _ = _cnn_file(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.load_model(path)


# --- hostile HDF5 structure --------------------------------------------------------------------
def _tamper(path, fn):
    with h5py.File(path, "a") as f:
        fn(f)
    return path


TAMPERING = {
    "soft link": (lambda f: (f["model_weights/dense"].__delitem__("dense/bias:0"),
                             f["model_weights/dense"].__setitem__(
                                 "dense/bias:0",
                                 h5py.SoftLink("/model_weights/dense/dense/kernel:0"))),
                  "SoftLink"),
    "external link": (lambda f: (f["model_weights/dense"].__delitem__("dense/bias:0"),
                                 f["model_weights/dense"].__setitem__(
                                     "dense/bias:0", h5py.ExternalLink("/etc/passwd", "/x"))),
                      "ExternalLink"),
    "external dataset": (lambda f: (f["model_weights/dense"].__delitem__("dense/bias:0"),
                                    f["model_weights/dense"].create_dataset(
                                        "dense/bias:0", shape=(3,), dtype="f4",
                                        external=[(os.path.abspath(__file__), 0, 12)])),
                         "external dataset"),
    "allocation bomb": (lambda f: (f["model_weights/dense"].__delitem__("dense/bias:0"),
                                   f["model_weights/dense"].create_dataset(
                                       "dense/bias:0", shape=(10**12,), dtype="f4",
                                       chunks=(1024,), compression="gzip")),
                        "allocation bomb"),
    "parent path": (lambda f: f["model_weights/dense"].attrs.__setitem__(
        "weight_names", np.array([b"../conv2d/conv2d/kernel:0", b"dense/bias:0"])), "Not allowed"),
    "absolute path": (lambda f: f["model_weights/dense"].attrs.__setitem__(
        "weight_names", np.array([b"/model_weights/conv2d/conv2d/kernel:0", b"dense/bias:0"])),
        "Not allowed"),
    "string dataset": (lambda f: (f["model_weights/dense"].__delitem__("dense/bias:0"),
                                  f["model_weights/dense"].create_dataset(
                                      "dense/bias:0", data=np.array([b"a", b"b", b"c"]))),
                       "non-numeric"),
    "bad json": (lambda f: f.attrs.__setitem__("model_config", b"{not json"), "Invalid JSON"),
    "json list": (lambda f: f.attrs.__setitem__("model_config", b"[1, 2]"), "JSON object"),
    "no model_config": (lambda f: f.attrs.__delitem__("model_config"), "model_config"),
    "typespec": (lambda f: f.attrs.__setitem__("model_config", json.dumps(
        {"class_name": "TypeSpec", "type_spec": "x", "serialized": []}).encode()), "TypeSpec"),
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_hostile_files_are_refused_with_value_error(tmp_path, attack):
    fn, message = TAMPERING[attack]
    path, _ = _cnn_file(tmp_path)
    _tamper(path, fn)
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)


def test_not_hdf5_and_missing_file(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(ValueError, match="HDF5"):
        keras.models.load_model(bad)
    with pytest.raises(ValueError, match="File not found"):
        keras.models.load_model(tmp_path / "missing.h5")


def test_shape_mismatch_in_file_is_an_error(tmp_path):
    path, _ = _cnn_file(tmp_path)

    def swap(f):
        del f["model_weights/dense/dense/bias:0"]
        f["model_weights/dense"].create_dataset("dense/bias:0", data=np.zeros(5, "float32"))
    _tamper(path, swap)
    with pytest.raises(ValueError, match="Shape mismatch"):
        keras.models.load_model(path)


# --- minikeras's own .h5 files -----------------------------------------------------------------
def test_round_trip_compiled_model_and_resume_training(tmp_path):
    keras.utils.set_random_seed(1)
    model = _randomize(_cnn_reference(dropout=0.0))  # a Dropout's seed state is not saved
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    x, y = _x(16, 8, 8, 1), np.eye(3, dtype="float32")[RNG.integers(0, 3, 16)]
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        assert {"model_config", "training_config", "keras_version", "backend"} <= set(f.attrs)
        assert "optimizer_weights" in f and "model_weights" in f
        assert json.loads(f.attrs["training_config"])["loss"] == "categorical_crossentropy"
    loaded = keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for m in (model, loaded):
        keras.utils.set_random_seed(2)
        m.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_round_trip_functional_and_weights_only_loading(tmp_path):
    ref = _randomize(_functional_reference())
    ref.save(tmp_path / "fn.h5")
    x = [RNG.integers(0, 20, size=(3, 5)).astype("int32"), _x(3, 2)]
    loaded = keras.models.load_model(tmp_path / "fn.h5")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), ref.predict(x, verbose=0))
    fresh = _functional_reference()
    fresh.load_weights(tmp_path / "fn.h5")  # a full-model file: weights under model_weights
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), ref.predict(x, verbose=0))


def _weights_only_file(path, model, names=None):
    weights = _keras2_weights(model)
    with h5py.File(path, "w") as f:
        _write_group(f, names or [l.name for l in model.layers], weights)
    return path


def test_weights_only_file_topological_and_by_name(tmp_path):
    src = _randomize(_cnn_reference())
    path = _weights_only_file(tmp_path / "w.h5", src)
    target = _cnn_reference()  # other layer names (dense_1, ...): matched by order
    target.load_weights(path)
    for a, b in zip(target.get_weights(), src.get_weights()):
        np.testing.assert_array_equal(a, b)
    by_name = _cnn_reference()
    before = by_name.get_weights()
    by_name.load_weights(path, by_name=True)  # no names in common: nothing changes
    for a, b in zip(by_name.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    same_names = keras.Sequential([keras.Input((8, 8, 1))] + [
        type(l).from_config({**l.get_config(), "name": l.name}) for l in src.layers])
    same_names.load_weights(path, by_name=True)
    for a, b in zip(same_names.get_weights(), src.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_only_mismatches(tmp_path):
    src = _randomize(_cnn_reference())
    path = _weights_only_file(tmp_path / "w.h5", src)
    other = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3), layers.Flatten(),
                              layers.Dense(3)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="Layer count mismatch"):
        other.load_weights(path)
    wrong = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(5, 3, activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(),
                              layers.Flatten(), layers.Dense(3)])
    before = wrong.get_weights()
    with pytest.raises(ValueError, match="Shape mismatch"):
        wrong.load_weights(path)
    for a, b in zip(wrong.get_weights(), before):  # nothing was half-assigned
        np.testing.assert_array_equal(a, b)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wrong.load_weights(path, skip_mismatch=True)
    assert any("Skipping" in str(w.message) for w in caught)
    np.testing.assert_array_equal(wrong.layers[-1].bias.numpy(), src.layers[-1].bias.numpy())
