"""The `.keras` zip and the `.weights.h5` tree, in Keras 3's exact formats.

Weights follow the object tree as Keras 3 walks it (`keras/src/saving/saving_lib.py`):
every layer and optimizer reached from the model gets a group `<path>/vars` (attribute `name`)
holding its own variables as datasets `"0"`, `"1"`, ...: trainable first, then non-trainable.
`<path>` joins attribute names: a Sequential or Functional model's layers live under `layers/`,
a subclassed model's sublayers under their attribute names (`dense1/`, `blocks/dense_1/`), an
LSTM's cell under `lstm/cell/`, the optimizer under `optimizer/` (iteration, learning_rate,
then the slots). Inside a list the name is the snake_case class name, numbered from `_1`.
Attributes are visited public first, then private, each object once.

A `.keras` file is a zip of `metadata.json`, `config.json` and `model.weights.h5` (stored,
uncompressed). Loading checks the zip's member names and sizes, builds the model from the config
through the safe deserializer, reads the weights through `h5_guard`, and hands back a model only
when everything succeeded. Every save writes a temporary file beside the target, fsyncs it and
renames it into place.
"""
import contextlib
import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import h5py
import numpy as onp

from minikeras.saving.allocation_budget import allocation_budget
from minikeras.saving import h5_guard

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"
_ASSETS = "assets/"
MAX_ZIP_EXPANSION = 20  # total uncompressed bytes per byte of .keras file (Keras stores, 1:1)
ZIP_SLACK_BYTES = 1 << 20
MAX_ZIP_MEMBERS = 10_000


# --- walking the object tree, as Keras's `_walk_saveable` -----------------------------------
def _saveable_types():
    from minikeras.layers.layer import Layer
    from minikeras.optimizers.base import Optimizer
    return Layer, Optimizer


def _obj_type(obj):
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential
    for kind in (Sequential, Functional) + _saveable_types():
        if isinstance(obj, kind):
            return kind.__name__
    return None


_SKIPSETS = {}
# Our own internals that Keras does not have (Keras's Sequential keeps its InputLayer in `_layers`).
# As Keras: a Functional's operations and a Sequential's inner Functional are not walked.
_EXTRA_SKIPS = {"Sequential": {"_input_layer", "_functional"},
                "Functional": {"operations", "_operations"}}


def _skipset(kind):
    """Attribute names never walked: those every base Layer (or Optimizer) has, like Keras."""
    if kind not in _SKIPSETS:
        layer_cls, optimizer_cls = _saveable_types()
        if kind == "Optimizer":
            names = set(dir(optimizer_cls(1.0, name="_skip_reference"))) - {"variables"}
        else:
            names = set(dir(layer_cls(name="_skip_reference")))
        _SKIPSETS[kind] = names | _EXTRA_SKIPS.get(kind, set())
    return _SKIPSETS[kind]


def _walk(obj):
    """(attribute name, value) pairs to visit: public attributes first, then private ones.

    A class whose attribute names differ from its Keras counterpart's may map them with
    `_keras_saving_names = {"our_attr": "keras_attr"}` (None: not saved); no built-in needs it.
    """
    kind = _obj_type(obj)
    if kind in ("Sequential", "Functional"):
        yield "layers", obj.layers
    skip = _skipset(kind)
    renames = getattr(type(obj), "_keras_saving_names", None) or {}
    for attr in sorted(dir(obj), key=lambda a: "~" + a if a.startswith("_") else a):
        if attr.startswith("__") or attr in skip or (attr in renames and renames[attr] is None):
            continue
        try:
            child = getattr(obj, attr)
        except Exception:  # a property that cannot be computed holds nothing to save
            continue
        yield renames.get(attr, attr), child


def _snake_case(name):
    from minikeras.utils.naming import to_snake_case
    return to_snake_case(name)


def _children(obj, path):
    """(child object, child path) for each saveable reached from `obj`, containers unrolled."""
    types = _saveable_types()
    for attr, child in _walk(obj):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, types):
            yield child, child_path
        elif isinstance(child, (list, tuple, dict)):
            yield from _container_children(child, child_path, set())


def _container_children(container, path, seen):
    if id(container) in seen:
        return
    seen.add(id(container))
    types, used = _saveable_types(), {}
    for item in (container.values() if isinstance(container, dict) else container):
        if isinstance(item, types):
            yield item, f"{path}/{_unique(_snake_case(type(item).__name__), used)}"
        elif isinstance(item, (list, tuple, dict)):
            yield from _container_children(item, f"{path}/{_unique('container', used)}", seen)


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _own_variables(obj):
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


# --- the `vars` groups ----------------------------------------------------------------------
class H5Store:
    """One object's `vars` group, used as Keras's store: `store["0"] = v`, `store["0"]`, keys()."""

    def __init__(self, group, path):
        self.group, self.path = group, path

    def __setitem__(self, key, value):
        from minikeras.engine.variable import Variable
        value = value.numpy() if isinstance(value, Variable) else onp.asarray(value)
        self.group.create_dataset(key, data=value)

    def __getitem__(self, key):
        if self.group is None or key not in self.group:
            raise KeyError(f"No variable '{key}' under '{self.path or '/'}vars' in the file.")
        return h5_guard.read_array(self.group[key], f"{self.path}/vars/{key}".lstrip("/"))

    def keys(self):
        return [] if self.group is None else list(self.group.keys())

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return key in self.keys()


def _save_state(obj, h5, path, visited):
    if id(obj) in visited:
        return
    group = h5.create_group(f"{path}/vars" if path else "vars")
    if isinstance(getattr(obj, "name", None), str):
        group.attrs["name"] = obj.name
    store = H5Store(group, path)
    if hasattr(obj, "save_own_variables"):
        obj.save_own_variables(store)
    else:
        for i, variable in enumerate(_own_variables(obj)):
            store[str(i)] = variable
    visited.add(id(obj))
    for child, child_path in _children(obj, path):
        _save_state(child, h5, child_path, visited)


def _load_own(obj, store):
    if hasattr(obj, "load_own_variables"):
        return obj.load_own_variables(store)
    variables = _own_variables(obj)
    if len(store) != len(variables):
        raise ValueError(
            f"Layer '{obj.name}' expected {len(variables)} variables, but received "
            f"{len(store)} variables during loading (at '{store.path or '/'}'). "
            f"Expected: {[v.name for v in variables]}")
    values = [store[str(i)] for i in range(len(variables))]
    for i, (variable, value) in enumerate(zip(variables, values)):
        if tuple(variable.shape) != tuple(value.shape):
            raise ValueError(
                f"Layer '{obj.name}': variable {i} ('{variable.name}') has shape "
                f"{tuple(variable.shape)}, but the file holds shape {tuple(value.shape)} "
                f"at '{store.path + '/' if store.path else ''}vars/{i}'.")
    for variable, value in zip(variables, values):
        variable.assign(value)


def _load_state(obj, h5, path, visited, errors):
    """Loads `obj` and its children; a failure is recorded in `errors` (cleared if the same
    object loads later along another path, as Keras does for legacy layouts)."""
    if id(obj) in visited:
        return
    group = h5.get(f"{path}/vars" if path else "vars")
    group = group if isinstance(group, h5py.Group) else None
    # A second path only clears an earlier failure if the file really holds this object there.
    failed = group is None and id(obj) in errors
    if not failed:
        try:
            _load_own(obj, H5Store(group, path))
        except (ValueError, KeyError, TypeError) as e:
            errors[id(obj)] = (obj, e)
            failed = True
    before = len(errors)
    for child, child_path in _children(obj, path):
        _load_state(child, h5, child_path, visited, errors)
    if not failed and len(errors) <= before:
        visited.add(id(obj))
        errors.pop(id(obj), None)


def _raise_loading_failure(errors, warn_only=False):
    obj, error = next(iter(errors.values()))
    msg = (f"A total of {len(errors)} objects could not be loaded. Example error message for "
           f"object {obj}:\n\n{error}\n\nList of objects that could not be loaded:\n"
           f"{[o for o, _ in errors.values()]}")
    if warn_only:
        warnings.warn(msg, stacklevel=3)
    else:
        raise ValueError(msg)


def weights_to_bytes(model):
    """The model's `.weights.h5` file as bytes."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        _save_state(model, h5, "", set())
    return buffer.getvalue()


def _all_state(model):
    out = list(model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and hasattr(optimizer, "variables"):
        seen = {id(v) for v in out}
        out += [v for v in optimizer.variables if id(v) not in seen]
    return out


def load_weights_from_h5(model, source, skip_mismatch=False, what="weights file"):
    """Loads the tree of `source` (path, bytes or file object, checked by h5_guard) into
    `model`. Without `skip_mismatch`, a failure restores every variable's previous value."""
    snapshot = [(v, v.numpy()) for v in _all_state(model)]
    errors = {}
    try:
        with h5_guard.open_h5(source, what=what) as h5:
            _load_state(model, h5, "", set(), errors)
        if errors:
            _raise_loading_failure(errors, warn_only=skip_mismatch)
    except BaseException:
        for variable, value in snapshot:
            variable.assign(value)
        raise


# --- atomic files -------------------------------------------------------------------------
def atomic_write(filepath, write):
    """Calls `write(fileobj)` on a temporary file beside `filepath`, fsyncs it and renames it
    into place; on any error the temporary file is removed and `filepath` is untouched."""
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(filepath))  # mkstemp makes 0600 files
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _file_mode(filepath):
    """The mode of the file being replaced, else what `open` would give a new file."""
    try:
        return os.stat(filepath).st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _proceed_with_overwrite(filepath, overwrite):
    if overwrite or not os.path.exists(filepath):
        return True
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    return answer == "y"


# --- weights files --------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """`keras.saving.save_weights`: the weights tree in a `.weights.h5` file."""
    filepath_str = str(filepath)
    if max_shard_size is not None:
        raise ValueError("minikeras does not write sharded weights: `max_shard_size` must be "
                         f"None. Received: max_shard_size={max_shard_size}")
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not filepath_str.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. "
                         f"Received: filepath={filepath_str}")
    if not model.built:
        raise ValueError("You are saving a model that has not yet been built. Try building the "
                         "model first by calling it on some data or by using `build()`.")
    if not _proceed_with_overwrite(filepath_str, overwrite):
        return
    data = weights_to_bytes(model)
    atomic_write(filepath_str, lambda f: f.write(data))


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """`keras.saving.load_weights` from a `.weights.h5`, a `.keras` or a legacy `.h5` file."""
    filepath_str = str(filepath)
    kwargs.pop("objects_to_skip", None)
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not model.built:
        raise ValueError("You are loading weights into a model that has not yet been built. "
                         "Try building the model first by calling it on some data or by "
                         "using `build()`.")
    if filepath_str.endswith(".keras"):
        with _open_keras_zip(filepath_str) as zf:
            data = _read_member(zf, _WEIGHTS)
        return load_weights_from_h5(model, data, skip_mismatch, what=f"{filepath_str}/{_WEIGHTS}")
    if filepath_str.endswith(".weights.h5"):
        return load_weights_from_h5(model, filepath_str, skip_mismatch, what=filepath_str)
    if filepath_str.endswith((".h5", ".hdf5")):
        legacy = _legacy("load_weights_from_hdf5")
        return legacy(model, filepath_str, skip_mismatch=skip_mismatch, by_name=by_name)
    raise ValueError(f"File format not supported: filepath={filepath_str}. Keras 3 only "
                     "supports V3 `.keras` files, `.weights.h5` files, legacy H5 format files "
                     "(`.h5` extension), or Orbax checkpoints.")


def _legacy(name):
    try:
        from minikeras.saving import legacy_h5
        return getattr(legacy_h5, name)
    except (ImportError, AttributeError):
        raise ValueError(f"Legacy Keras 2 `.h5` files need `minikeras.saving.legacy_h5.{name}`, "
                         "which is not available in this minikeras.") from None


# --- the .keras zip -------------------------------------------------------------------------
def _serialization():
    from minikeras.saving import serialization_lib
    return serialization_lib


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """`keras.saving.save_model` / `model.save`: a `.keras` zip (or a legacy `.h5`).

    `filepath` may also be a writable binary file object (written directly, not atomically).
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", False)
    if hasattr(filepath, "write"):
        return _keras_zip_writer(model)(filepath)
    filepath_str = str(filepath)
    if save_format and not filepath_str.endswith((".h5", ".hdf5", ".keras")):
        raise ValueError(
            "The `save_format` argument is deprecated in Keras 3. Please remove this argument "
            f"and pass a file path with either `.keras` or `.h5` extension.Received: "
            f"save_format={save_format}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    if filepath_str.endswith((".h5", ".hdf5")):
        return _legacy("save_model_to_hdf5")(model, filepath_str, overwrite, include_optimizer)
    if not filepath_str.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension for "
            "the native Keras format (recommended) or a `.h5` extension. Use "
            "`model.export(filepath)` if you want to export a SavedModel for use with "
            f"TFLite/TFServing/etc. Received: filepath={filepath_str}.")
    if zipped is False:
        raise ValueError("minikeras saves `.keras` files zipped only. Received: zipped=False")
    if _proceed_with_overwrite(filepath_str, overwrite):
        atomic_write(filepath_str, _keras_zip_writer(model))


def _keras_zip_writer(model):
    """Serializes `model` now; returns `write(fileobj)`, which writes the `.keras` zip."""
    from minikeras import __version__
    with _serialization().ObjectSharingScope():  # a layer shared by sub-models is written once
        config_json = json.dumps(_serialization().serialize_keras_object(model))
    metadata_json = json.dumps({"keras_version": __version__, "date_saved":
                                datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = weights_to_bytes(model)
    assets = assets_to_members(model)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(_METADATA, metadata_json)
            zf.writestr(_CONFIG, config_json)
            zf.writestr(_WEIGHTS, weights)
            for name, data in assets.items():
                zf.writestr(name, data)
    return write


# --- assets (files a layer keeps beside its variables, e.g. a vocabulary) -------------------
def _asset_owners(model):
    """(object, path) for every object reached from `model` that has save/load_assets."""
    out, seen, stack = [], set(), [(model, "")]
    while stack:
        obj, path = stack.pop(0)
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if hasattr(obj, "save_assets") or hasattr(obj, "load_assets"):
            out.append((obj, path))
        stack.extend(_children(obj, path))
    return out


def assets_to_members(model):
    """{zip member name: bytes} for `assets/<object path>/<file>`, as Keras lays them out."""
    members = {}
    for obj, path in _asset_owners(model):
        if not hasattr(obj, "save_assets"):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            obj.save_assets(tmp)
            for fname in sorted(os.listdir(tmp)):
                with open(os.path.join(tmp, fname), "rb") as f:
                    members[f"{_ASSETS}{path + '/' if path else ''}{fname}"] = f.read()
    return members


def load_assets_from_zip(model, zf):
    """Gives each asset owner a temporary directory holding its files (flat names only)."""
    names = [n for n in zf.namelist() if n.startswith(_ASSETS) and not n.endswith("/")]
    for obj, path in _asset_owners(model):
        if not hasattr(obj, "load_assets"):
            continue
        prefix = f"{_ASSETS}{path + '/' if path else ''}"
        mine = [n for n in names if n.startswith(prefix) and "/" not in n[len(prefix):]]
        if not mine:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for name in mine:
                with open(os.path.join(tmp, name[len(prefix):]), "wb") as f:
                    f.write(_read_member(zf, name))
            obj.load_assets(tmp)


@contextlib.contextmanager
def _open_keras_zip(source):
    """`with _open_keras_zip(path or file object) as zf:`, after checking every member."""
    try:
        size = h5_guard.file_size(source)
        zf = zipfile.ZipFile(source, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"Not a valid `.keras` file ({e}): filepath={source}") from None
    with zf:
        check_zip_members(zf, size)
        yield zf


def check_zip_members(zf, file_size):
    """Refuses absolute paths, `..`, unexpected or duplicate names, encrypted members and a
    total uncompressed size beyond `MAX_ZIP_EXPANSION` x the file size (decompression bomb).
    Returns the member names."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ValueError(f"Not allowed: `.keras` file with {len(infos)} members.")
    names, total = [], 0
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if (name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
                or ".." in parts or "\x00" in name):
            raise ValueError(f"Not allowed: zip member with an absolute or parent path: {name!r}")
        if name not in (_CONFIG, _METADATA, _WEIGHTS) and not name.startswith(_ASSETS):
            raise ValueError(f"Not allowed: unexpected member {name!r} in the `.keras` file "
                             f"(expected {_METADATA}, {_CONFIG}, {_WEIGHTS}, {_ASSETS}...).")
        if name in names:
            raise ValueError(f"Not allowed: duplicate zip member {name!r}.")
        if info.flag_bits & 0x1:
            raise ValueError(f"Not allowed: encrypted zip member {name!r}.")
        names.append(name)
        total += info.file_size
    limit = MAX_ZIP_EXPANSION * file_size + ZIP_SLACK_BYTES
    if total > limit:
        raise ValueError(f"Not allowed: the `.keras` file's members decompress to {total} bytes "
                         f"from a {file_size}-byte file; refusing a potential decompression bomb.")
    return names


def _read_member(zf, name):
    info = zf.getinfo(name) if name in zf.namelist() else None
    if info is None:
        raise ValueError(f"The `.keras` file has no {name}.")
    try:
        with zf.open(info, "r") as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError) as e:
        raise ValueError(f"Could not read {name} from the `.keras` file: {e}") from None
    if len(data) > info.file_size:
        raise ValueError(f"Not allowed: zip member {name!r} is larger than it declares.")
    return data


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """`keras.saving.load_model`: a model from a `.keras` zip (a path or a binary file object)
    or a legacy `.h5` file. Anything wrong with the file raises ValueError; nothing half-built
    is returned."""
    filepath_str = str(filepath)
    if not hasattr(filepath, "read"):
        if filepath_str.endswith((".h5", ".hdf5")):
            return _legacy("load_model_from_hdf5")(filepath_str, custom_objects=custom_objects,
                                                   compile=compile, safe_mode=safe_mode)
        if not filepath_str.endswith(".keras"):
            raise ValueError(
                f"File format not supported: filepath={filepath_str}. Keras 3 only supports V3 "
                "`.keras` files, legacy H5 format files (`.h5` extension).")
        if not os.path.isfile(filepath_str):
            raise ValueError(f"File not found: filepath={filepath_str}. Please ensure the file "
                             "is an accessible `.keras` zip file.")
    with h5_guard.load_failures_as_value_error(f"the model in {filepath_str}"):
        with _open_keras_zip(filepath if hasattr(filepath, "read") else filepath_str) as zf:
            config_json = _read_member(zf, _CONFIG)
            weights = _read_member(zf, _WEIGHTS)
            # Weights, optimizer slots and metric state: at most a few times the file's weights.
            with allocation_budget(4 * len(weights) + (16 << 20), f"The model in {filepath_str}"):
                model = model_from_config_json(config_json, custom_objects, compile, safe_mode)
            load_weights_from_h5(model, weights, what=f"{filepath_str}/{_WEIGHTS}")
            load_assets_from_zip(model, zf)  # after the variables, as Keras does
    return model


def model_from_config_json(config_json, custom_objects=None, compile=True, safe_mode=True):
    """Deserializes `config.json` (safely); `compile=False` drops the compile config."""
    try:
        config = json.loads(config_json)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"Invalid config.json in the `.keras` file: {e}") from None
    if not isinstance(config, dict):
        raise ValueError("Invalid config.json in the `.keras` file: expected a JSON object. "
                         f"Received: {type(config).__name__}")
    if not compile:
        config["compile_config"] = None
    with _serialization().ObjectSharingScope():  # ... and read back as one layer
        model = _serialization().deserialize_keras_object(
            config, custom_objects=custom_objects, safe_mode=safe_mode is not False)
    if not (hasattr(model, "built") and hasattr(model, "weights")):
        raise ValueError(f"config.json does not describe a model. Received: {type(model)}")
    return model
