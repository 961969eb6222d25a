"""Keras 2 / legacy `.h5` files: whole models and weights-only files.

Layout (keras/src/legacy/saving/legacy_h5_format.py):
- root attributes `model_config` (JSON `{"class_name", "config"}`), `keras_version`, `backend`,
  and, for a compiled model, `training_config` (JSON: loss, metrics, ..., `optimizer_config`);
- `model_weights/` with attribute `layer_names` (possibly chunked: `layer_names0`, `1`, ...);
  one group per layer, whose attribute `weight_names` lists the datasets (paths inside the
  group) in legacy order: trainable weights, then non-trainable; `top_level_model_weights`
  holds a subclassed model's own variables;
- `optimizer_weights/` with `weight_names` in the optimizer's variable order.
A weights-only file (`model.save_weights("w.h5")` in Keras 2) is the `model_weights` group at
the root.

Loading is as safe as the `.keras` path: `h5_guard.open_h5` walks and checks the whole file
before anything is read, every attribute and dataset is read through `h5_guard`, and the config
is rebuilt by `serialization_lib.deserialize_keras_object` under the caller's `safe_mode`
(a Lambda's bytecode loads only with `safe_mode=False`; CVE-2025-9905 was a legacy loader that
ignored it). Keras 2 spellings that Keras 3 no longer accepts are translated first (see
`translate_config`).
"""
import io
import json
import os
import warnings

import h5py
import numpy as onp

from minikeras.saving import h5_guard

_MAX_JSON_BYTES = 1 << 26


# --- reading ---------------------------------------------------------------------------------
def _text(value, where):
    if isinstance(value, (bytes, onp.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, onp.ndarray) and value.ndim == 0:
        return _text(value.item(), where)
    raise ValueError(f"Expected text in {where}. Received: {type(value).__name__}")


def _json_object_hook(obj):
    """Keras 2's JSON encoder wrote TensorShapes and tuples as tagged dicts."""
    tag = obj.get("class_name")
    if tag == "TensorShape" and set(obj) == {"class_name", "items"}:
        return obj["items"]
    if tag == "__tuple__" and set(obj) == {"class_name", "items"}:
        return tuple(obj["items"])
    if tag in ("TypeSpec", "CompositeTensor"):
        raise ValueError(f"Not supported in a legacy `.h5` config: TensorFlow '{tag}' entries.")
    return obj


def _json_attr(obj, name, required=True):
    """The JSON object stored in attribute `name` of `obj` (None if absent and not required)."""
    if name not in obj.attrs:
        if required:
            raise ValueError(f"No {name} found in the file (attribute '{name}' of "
                             f"'{obj.name}'); it does not hold a legacy Keras model.")
        return None
    text = _text(h5_guard.read_attr(obj, name, max_bytes=_MAX_JSON_BYTES), f"attribute '{name}'")
    try:
        value = json.loads(text, object_hook=_json_object_hook)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"Invalid JSON in attribute '{name}' of the `.h5` file: {e}") from None
    if not isinstance(value, dict):
        raise ValueError(f"Attribute '{name}' of the `.h5` file must hold a JSON object. "
                         f"Received: {type(value).__name__}")
    return value


def _read_attr(obj, name):
    """`h5_guard.read_attr`, except that an empty attribute (Keras writes `weight_names = []`
    for every layer without weights) is an empty list: HDF5 cannot report its storage size."""
    shape = obj.attrs.get_id(name).shape
    if shape is not None and len(shape) == 1 and shape[0] == 0:
        return onp.zeros((0,), "float64")
    return h5_guard.read_attr(obj, name)


def _name_list(group, name):
    """A list-of-names attribute, possibly split into chunks `name0`, `name1`, ... (Keras
    splits attributes larger than HDF5's 64 KB object header)."""
    if name in group.attrs:
        chunks = [_read_attr(group, name)]
    else:
        chunks, i = [], 0
        while f"{name}{i}" in group.attrs:
            chunks.append(_read_attr(group, f"{name}{i}"))
            i += 1
    where = f"attribute '{name}' of '{group.name}'"
    return [_text(v, where) for chunk in chunks for v in onp.atleast_1d(chunk)]


def _child(group, name, kind):
    """`group[name]` for a relative path without `..`, which must be a `kind` (Group/Dataset)."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"Not allowed: path {name!r} under '{group.name}' in the `.h5` file.")
    obj = group.get(name)
    if not isinstance(obj, kind):
        what = "group" if kind is h5py.Group else "dataset"
        raise ValueError(f"The `.h5` file has no {what} '{name}' under '{group.name}'.")
    return obj


def _weight_values(group):
    """The arrays a layer group lists in its `weight_names`, in that order."""
    return [h5_guard.read_array(_child(group, n, h5py.Dataset), f"{group.name}/{n}")
            for n in _name_list(group, "weight_names")]


# --- Keras 2 configs -----------------------------------------------------------------------------
_RNN = {"LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell", "RNN"}
_LAMBDA_DEP_ARGS = ("module", "function_type", "output_shape_type", "output_shape_module")


def _fix_input_layer(config):
    if "batch_input_shape" in config and config.get("batch_shape") is None:
        config["batch_shape"] = config.pop("batch_input_shape")
    config.pop("batch_input_shape", None)


def _fix_rnn(config):
    if config.pop("time_major", False):
        raise ValueError("`time_major=True` recurrent layers (Keras 2) are not supported.")
    config.pop("implementation", None)


def _fix_batch_norm(config):
    axis = config.get("axis")
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        config["axis"] = int(axis[0])
    config.pop("fused", None)
    for key in ("virtual_batch_size", "adjustment"):  # Keras 2 options; only their None is ok
        if key in config and config[key] is None:
            del config[key]


def _legacy_function(value, kind):
    """Keras 2 wrote a Lambda's function as `[code, defaults, closure]` (kind "lambda": bytecode,
    which the deserializer refuses in safe mode) or as a name (kind "function")."""
    if kind == "lambda" or (isinstance(value, (list, tuple)) and kind != "raw"):
        code, defaults, closure = (list(value) + [None, None])[:3] if isinstance(
            value, (list, tuple)) else (value, None, None)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    if kind == "function" and isinstance(value, str):
        return {"module": "builtins", "class_name": "function", "config": value,
                "registered_name": "function"}
    return value


def _fix_lambda(config):
    config["function"] = _legacy_function(config.get("function"), config.get("function_type"))
    if config.get("output_shape") is not None:
        kind = config.get("output_shape_type")
        value = config["output_shape"]
        config["output_shape"] = (tuple(value) if kind == "raw" and isinstance(value, list)
                                  else _legacy_function(value, kind))
    for key in _LAMBDA_DEP_ARGS:
        config.pop(key, None)


_LAYER_FIXES = {"InputLayer": _fix_input_layer, "BatchNormalization": _fix_batch_norm,
                "Lambda": _fix_lambda, **{name: _fix_rnn for name in _RNN}}


def translate_config(value, depth=0):
    """A copy of a Keras 2 config with the argument spellings minikeras (and Keras 3) expect:
    InputLayer `batch_input_shape` -> `batch_shape`, BatchNormalization `axis=[3]` -> 3, RNN
    `time_major`/`implementation` dropped, a Lambda's `[code, defaults, closure]` -> a
    `__lambda__` entry, operations in a Functional's layers marked as operations."""
    if depth > 200:
        raise ValueError("Refusing a config nested more than 200 levels deep.")
    if isinstance(value, (list, tuple)):
        return [translate_config(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: translate_config(v, depth + 1) for k, v in value.items()}
    inner, name = out.get("config"), out.get("class_name")
    if isinstance(inner, dict) and isinstance(name, str) and name in _LAYER_FIXES:
        _LAYER_FIXES[name](inner)
    if "inbound_nodes" in out and "module" not in out and _is_operation(name):
        out["module"] = "keras.src.ops.numpy"
    return out


def _is_operation(class_name):
    """Keras 3 records operations on symbolic tensors in a Functional config (the `NotEqual`
    behind an Embedding's `mask_zero`); its legacy writer drops the module that marks them as
    operations. A name that is no built-in class but a known operation is one."""
    from minikeras.layers.op_layer import lookup_op
    from minikeras.saving.known_objects import lookup_class
    return (isinstance(class_name, str) and lookup_class(None, class_name) is None
            and lookup_op(class_name) is not None)


def _model_config(config):
    if not isinstance(config, dict) or "config" not in config or "class_name" not in config:
        raise ValueError("The `.h5` file's model_config is not a valid Keras configuration. "
                         "Expected a dictionary containing 'class_name' and 'config' keys.")
    config = translate_config(config)
    config.pop("module", None)  # legacy files name built-ins by class name alone
    return config


def _translate_optimizer(config):
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise ValueError(f"Invalid optimizer_config in the `.h5` file: {config!r}")
    config = dict(config)
    inner = dict(config["config"])
    if "lr" in inner:
        inner.setdefault("learning_rate", inner.pop("lr"))
        inner.pop("lr", None)
    for key in ("is_legacy_optimizer", "jit_compile"):
        inner.pop(key, None)
    if not inner.get("decay", 1):
        inner.pop("decay")
    name = config.get("class_name")
    if isinstance(name, str) and name.startswith("Custom>"):  # tf.keras 2.11+ optimizers
        config["class_name"] = name[len("Custom>"):]
    config["config"] = inner
    return config


def _translate_metric(value):
    """Keras 2 saved compiled metrics as `MeanMetricWrapper` configs; compile takes names."""
    if isinstance(value, list):
        return [_translate_metric(v) for v in value]
    if isinstance(value, dict) and value.get("class_name") == "MeanMetricWrapper":
        inner = value.get("config") or {}
        return inner.get("name") or inner.get("fn")
    return value


def _translate_loss(value):
    if isinstance(value, dict) and isinstance(value.get("config"), dict):
        if value["config"].get("reduction") == "auto":
            value = {**value, "config": {**value["config"], "reduction": "sum_over_batch_size"}}
        return value
    if isinstance(value, dict):
        return {k: _translate_loss(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate_loss(v) for v in value]
    return value


# --- loading a model ---------------------------------------------------------------------------
def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """`keras.models.load_model("m.h5")`: the model a legacy `.h5` file describes.

    The config is deserialized under `safe_mode` (a Lambda's bytecode needs `safe_mode=False`);
    weights are matched to layers by name and must all be present; with `compile=True` a saved
    `training_config` compiles the model and the optimizer's state is restored. Raises
    ValueError for anything invalid, hostile or missing (nothing half-built is returned).
    """
    from minikeras.saving.serialization_lib import deserialize_keras_object
    filepath = os.fspath(filepath) if isinstance(filepath, os.PathLike) else filepath
    if isinstance(filepath, str) and not os.path.isfile(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible legacy `.h5` file.")
    with h5_guard.open_h5(filepath, what=f"legacy model file {filepath}") as h5, \
            h5_guard.load_failures_as_value_error(f"the legacy `.h5` model in {filepath}"):
        config = _model_config(_json_attr(h5, "model_config"))
        model = deserialize_keras_object(config, custom_objects=custom_objects,
                                         safe_mode=safe_mode)
        if not (hasattr(model, "layers") and hasattr(model, "built")):
            raise ValueError("The `.h5` file's model_config does not describe a model. "
                             f"Received: {type(model).__name__}")
        if not model.built:
            raise ValueError("The model in the `.h5` file could not be built from its "
                             "config (no input shape), so its weights cannot be loaded.")
        _load_groups(_child(h5, "model_weights", h5py.Group), model, by_name="strict")
        training_config = _json_attr(h5, "training_config", required=False)
        if compile and training_config is not None:
            _compile(model, training_config, custom_objects, safe_mode)
            if "optimizer_weights" in h5:
                _load_optimizer(model, _child(h5, "optimizer_weights", h5py.Group))
    return model


def _compile(model, training_config, custom_objects, safe_mode):
    from minikeras.optimizers.base import Optimizer
    from minikeras.saving.serialization_lib import deserialize_keras_object

    def load(value):
        return deserialize_keras_object(value, custom_objects=custom_objects, safe_mode=safe_mode)

    optimizer = load(_translate_optimizer(training_config.get("optimizer_config")))
    if not isinstance(optimizer, Optimizer):
        raise ValueError("The `.h5` file's optimizer_config does not describe an optimizer. "
                         f"Received: {type(optimizer).__name__}")
    metrics = _translate_metric(training_config.get("metrics"))
    weighted = _translate_metric(training_config.get("weighted_metrics"))
    if len(model.outputs if hasattr(model, "outputs") else [None]) == 1:
        # Keras 2 nested a single output's metrics in a list of their own.
        metrics = metrics[0] if _single_nested(metrics) else metrics
        weighted = weighted[0] if _single_nested(weighted) else weighted
    try:
        model.compile(optimizer=optimizer, loss=load(_translate_loss(training_config.get("loss"))),
                      loss_weights=training_config.get("loss_weights"),
                      metrics=load(metrics), weighted_metrics=load(weighted))
    except (TypeError, KeyError) as e:
        raise ValueError(f"Could not compile the model from the `.h5` file's training_config "
                         f"({type(e).__name__}: {e}). Pass `compile=False` to load it "
                         "uncompiled.") from e


def _single_nested(value):
    return isinstance(value, list) and len(value) == 1 and isinstance(value[0], list)


def _load_optimizer(model, group):
    """Builds the optimizer and sets its saved state; on any mismatch (a Keras 2 optimizer's
    variables differ from Keras 3's) warns and keeps the fresh optimizer, as Keras does."""
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    values = _weight_values(group)
    variables = list(optimizer.variables)
    if len(values) != len(variables) or any(
            tuple(v.shape) != tuple(onp.shape(x)) for v, x in zip(variables, values)):
        warnings.warn("Error in loading the saved optimizer state. As a result, your model is "
                      "starting with a freshly initialized optimizer.", stacklevel=3)
        return
    for variable, value in zip(variables, values):
        variable.assign(value)


# --- loading weights ----------------------------------------------------------------------------
def load_weights_from_hdf5(model, filepath, skip_mismatch=False, by_name=None):
    """`model.load_weights("w.h5")` from a legacy weights file (or a legacy model file).

    Without `by_name` the layers holding weights are matched in order (Keras's topological
    loading); with `by_name=True`, by layer name, skipping names the model lacks. With
    `skip_mismatch`, weights of the wrong shape (and, by name, layers with the wrong number of
    weights) are skipped with a warning. On an error every weight keeps its previous value.
    """
    with h5_guard.open_h5(filepath, what=f"legacy weights file {filepath}") as h5:
        group = h5
        if not any(k.startswith("layer_names") for k in h5.attrs) and "model_weights" in h5:
            group = _child(h5, "model_weights", h5py.Group)
        _load_groups(group, model, by_name=bool(by_name), skip_mismatch=skip_mismatch)


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _own_weights(model):
    own = list(getattr(model, "_trainable_variables", [])) + list(
        getattr(model, "_non_trainable_variables", []))
    ids = {id(v) for v in model.weights}
    return [v for v in own if id(v) in ids]


def _load_groups(group, model, by_name=False, skip_mismatch=False):
    """Pairs (variables, values, label) for every layer, then assigns them all or none."""
    names = _name_list(group, "layer_names")
    if not names and not any(k.startswith("layer_names") for k in group.attrs):
        raise ValueError("The `.h5` file holds no `layer_names`: it is not a legacy Keras "
                         "weights file.")
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    if by_name:
        pairs = _pairs_by_name(group, names, model.layers, strict=by_name == "strict",
                               skip_mismatch=skip_mismatch)
    else:
        pairs = _pairs_in_order(group, names, layers)
    if "top_level_model_weights" in group:
        values = _weight_values(_child(group, "top_level_model_weights", h5py.Group))
        own = _own_weights(model)
        if len(values) != len(own):
            raise ValueError(f"Weight count mismatch for top-level weights when loading weights "
                             f"from file. Model expects {len(own)} top-level weight(s). "
                             f"Received {len(values)} saved top-level weight(s)")
        pairs.append((own, values, "top-level model"))
    _assign(pairs, skip_mismatch)


def _pairs_in_order(group, names, layers):
    groups = [(n, _child(group, n, h5py.Group)) for n in names]
    groups = [(n, g) for n, g in groups if _name_list(g, "weight_names")]
    if len(groups) != len(layers):
        raise ValueError(f"Layer count mismatch when loading weights from file. Model expected "
                         f"{len(layers)} layers, found {len(groups)} saved layers.")
    pairs = []
    for k, ((name, g), layer) in enumerate(zip(groups, layers)):
        variables, values = _legacy_weights(layer), _weight_values(g)
        if len(values) != len(variables):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current "
                f"model, {name} in the save file). Layer expects {len(variables)} weight(s). "
                f"Received {len(values)} saved weight(s)")
        pairs.append((variables, values, f"layer #{k} (named {layer.name})"))
    return pairs


def _pairs_by_name(group, names, layers, strict=False, skip_mismatch=False):
    by_name = {}
    for layer in layers:
        by_name.setdefault(layer.name, []).append(layer)
    pairs, seen = [], set()
    for k, name in enumerate(names):
        values = _weight_values(_child(group, name, h5py.Group))
        for layer in by_name.get(name, []):
            seen.add(id(layer))
            variables = _legacy_weights(layer)
            if len(values) != len(variables):
                msg = (f"Weight count mismatch for layer #{k} (named {layer.name}). Layer "
                       f"expects {len(variables)} weight(s). Received {len(values)} saved "
                       "weight(s)")
                if skip_mismatch and not strict:
                    warnings.warn(f"Skipping loading of weights: {msg}", stacklevel=4)
                    continue
                raise ValueError(msg)
            pairs.append((variables, values, f"layer #{k} (named {layer.name})"))
    missing = [layer.name for layer in layers if _legacy_weights(layer) and id(layer) not in seen]
    if strict and missing:
        raise ValueError(f"The `.h5` file holds no weights for layer(s) {missing}.")
    return pairs


def _assign(pairs, skip_mismatch):
    """Checks every shape, then assigns; restores the old values if an assignment fails."""
    todo = []
    for variables, values, label in pairs:
        for variable, value in zip(variables, values):
            if tuple(variable.shape) != tuple(value.shape):
                msg = (f"Shape mismatch in {label} for weight {variable.path}. Weight expects "
                       f"shape {tuple(variable.shape)}. Received saved weight with shape "
                       f"{tuple(value.shape)}")
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights: {msg}", stacklevel=4)
                    continue
                raise ValueError(msg)
            todo.append((variable, value))
    snapshot = [(v, v.numpy()) for v, _ in todo]
    try:
        for variable, value in todo:
            variable.assign(value)
    except BaseException:
        for variable, value in snapshot:
            variable.assign(value)
        raise


# --- saving ----------------------------------------------------------------------------------
def _json(value):
    def default(obj):
        if isinstance(obj, (onp.ndarray, onp.generic)):
            return obj.tolist()
        if isinstance(obj, onp.dtype):
            return obj.name
        from minikeras.saving.serialization_lib import serialize_keras_object
        return serialize_keras_object(obj)
    return json.dumps(value, default=default).encode("utf-8")


def _legacy_entry(entry):
    """A layer entry as Keras 3 writes it in a legacy file: the class (or registered) name,
    no module."""
    if not isinstance(entry, dict):
        return entry
    entry = dict(entry)
    entry["class_name"] = entry.pop("registered_name", None) or entry["class_name"]
    entry.pop("module", None)
    entry.pop("build_config", None)
    entry.pop("compile_config", None)
    return entry


def _unique_names(variables):
    names, used = [], set()
    for i, variable in enumerate(variables):
        name = str(getattr(variable, "path", None) or getattr(variable, "name", f"var_{i}"))
        name = name.lstrip("/") or f"var_{i}"
        while name in used:
            name = f"{name}_{i}"
        used.add(name)
        names.append(name)
    return names


def _write_weights(group, variables):
    names = _unique_names(variables)
    group.attrs["weight_names"] = [n.encode("utf-8") for n in names]
    for name, variable in zip(names, variables):
        group.create_dataset(name, data=onp.asarray(variable.numpy()))


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """`model.save("m.h5")`: the legacy format Keras 3 writes (config, weights by layer name,
    training config and optimizer state). The file is written atomically."""
    from minikeras import __version__
    from minikeras.saving import saving_lib
    if not model.built:
        raise ValueError("You are saving a model that has not yet been built. Try building the "
                         "model first by calling it on some data or by using `build()`.")
    if not saving_lib._proceed_with_overwrite(filepath, overwrite):
        return
    config = model.get_config()
    if isinstance(config.get("layers"), list):
        config = {**config, "layers": [_legacy_entry(e) for e in config["layers"]]}
    class_name = type(model).__name__
    from minikeras.saving.object_registration import get_registered_name
    class_name = get_registered_name(type(model)) or class_name
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.attrs["keras_version"] = __version__
        h5.attrs["backend"] = "numpy"
        h5.attrs["model_config"] = _json({"class_name": class_name, "config": config})
        training = include_optimizer and getattr(model, "compiled", False) and model.optimizer
        if training:
            h5.attrs["training_config"] = _json(_training_config(model))
        weights = h5.create_group("model_weights")
        weights.attrs["layer_names"] = [layer.name.encode("utf-8") for layer in model.layers]
        weights.attrs["backend"] = "numpy"
        weights.attrs["keras_version"] = __version__
        for layer in sorted(model.layers, key=lambda x: x.name):
            _write_weights(weights.create_group(layer.name), _legacy_weights(layer))
        _write_weights(weights.create_group("top_level_model_weights"), _own_weights(model))
        if training and getattr(model.optimizer, "built", False) and model.optimizer.variables:
            _write_weights(h5.create_group("optimizer_weights"), list(model.optimizer.variables))
    data = buffer.getvalue()
    directory = os.path.dirname(os.fspath(filepath))
    if directory:
        os.makedirs(directory, exist_ok=True)
    saving_lib.atomic_write(filepath, lambda f: f.write(data))


def _training_config(model):
    from minikeras.saving.object_registration import get_registered_name
    from minikeras.saving.serialization_lib import serialize_keras_object
    compile_config = dict(getattr(model, "_compile_config", {}) or {})
    compile_config.pop("optimizer", None)
    out = {key: serialize_keras_object(compile_config.get(key)) for key in
           ("loss", "loss_weights", "metrics", "weighted_metrics")}
    out["loss"] = _full_loss_names(out["loss"])
    out.update(run_eagerly=False, steps_per_execution=1, jit_compile=False)
    out["optimizer_config"] = {"class_name": get_registered_name(type(model.optimizer)),
                               "config": serialize_keras_object(model.optimizer.get_config())}
    return out


def _full_loss_names(loss):
    """"mse" -> "mean_squared_error": Keras 3's legacy loader resolves a loss string through a
    table holding only the full names of loss functions."""
    from minikeras import losses
    if isinstance(loss, str):
        try:
            fn = losses.get(loss)
        except ValueError:
            return loss
        return getattr(fn, "__name__", loss) if callable(fn) and not isinstance(fn, type) else loss
    if isinstance(loss, list):
        return [_full_loss_names(v) for v in loss]
    if isinstance(loss, dict) and "class_name" not in loss:
        return {k: _full_loss_names(v) for k, v in loss.items()}
    return loss
