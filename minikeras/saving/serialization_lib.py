"""Objects <-> Keras 3's config dicts: `serialize_keras_object` / `deserialize_keras_object`.

A serialized object is `{"module", "class_name", "config", "registered_name"}` (plus
`build_config` / `compile_config`). Built-ins are written with the public path real Keras writes
(`"keras.layers"`, `"keras.optimizers"`, ...); user classes with their module and their
registered name `"package>Name"`. Special values: `__numpy__`, `__tensor__`, `__keras_tensor__`,
`__bytes__`, `__slice__`, `__ellipsis__`, `__lambda__`; functions are
`{"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}`.

Loading is safe by construction:
- names resolve only through minikeras's table of built-ins (`known_objects`), objects the user
  registered, and `custom_objects`; nothing named in a config is imported or evaluated;
- `__lambda__` bytecode loads only when the caller passed `safe_mode=False` (None is safe) or
  called `keras.config.enable_unsafe_deserialization()` in their own code; inside a safe load no
  nested call can turn safe mode off, and a config carrying a `safe_mode` key is refused;
- in safe mode, object configs may not hold URLs, paths to existing files, or strings for
  arguments that read files (vocabularies and the like).
"""
import base64
import builtins
import inspect
import marshal
import types
import warnings

import numpy as onp

from minikeras.saving import known_objects
from minikeras.saving import object_registration as registration
from minikeras.saving.config_checks import check_config_safety

PLAIN_TYPES = (str, int, float, bool)

# --- safe mode ------------------------------------------------------------------------------
_state = {"unsafe_enabled": False}
_safe_stack = []  # the safe mode of the enclosing deserialization, innermost last


def enable_unsafe_deserialization():
    """Lets later loads in this process rebuild Python lambdas (`keras.config`). Only the
    caller's own code can call it: no config can name it."""
    _state["unsafe_enabled"] = True


def in_safe_mode():
    """The safe mode of the enclosing deserialization, or None outside any."""
    return _safe_stack[-1] if _safe_stack else None


def effective_safe_mode(safe_mode=True):
    """An enclosing scope decides (nested calls cannot loosen it); otherwise safe unless
    `safe_mode is False` or the caller enabled unsafe deserialization."""
    if _safe_stack:
        return _safe_stack[-1]
    return not (safe_mode is False or _state["unsafe_enabled"])


class SafeModeScope:
    """`with SafeModeScope(safe_mode):` nested deserialization uses this safe mode; inside an
    enclosing scope the enclosing mode stays (a nested call cannot loosen a safe load)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        _safe_stack.append(effective_safe_mode(self.safe_mode))
        return self

    def __exit__(self, *exc):
        _safe_stack.pop()


# --- shared objects (a layer used by two nested models is saved once, loaded once) ------------
_sharing = []


class ObjectSharingScope:
    """`with ObjectSharingScope():` an object reached twice while serializing is written with a
    `shared_object_id`, and loaded once (as `.keras` files need for layers shared by nested
    models)."""

    def __enter__(self):
        _sharing.append({})  # shared id -> the object already rebuilt
        return self

    def __exit__(self, *exc):
        _sharing.pop()


def _record_serialized(obj, config):
    """Inside a sharing scope every object config is tagged with its object's id; the outermost
    `serialize_keras_object` then keeps the tag only where the id occurs more than once."""
    if _sharing:
        config["shared_object_id"] = id(obj)


def _drop_unshared_ids(config):
    counts = {}

    def walk(value, visit):
        if isinstance(value, dict):
            if "shared_object_id" in value and "class_name" in value:
                visit(value)
            for v in value.values():
                walk(v, visit)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, visit)

    def count(c):
        counts[c["shared_object_id"]] = counts.get(c["shared_object_id"], 0) + 1

    def drop_single(c):
        if counts[c["shared_object_id"]] == 1:
            del c["shared_object_id"]

    walk(config, count)
    walk(config, drop_single)
    return config


# --- serialization --------------------------------------------------------------------------
_depth = [0]


def serialize_keras_object(obj):
    """The config dict (or plain value) that `deserialize_keras_object` turns back into `obj`."""
    _depth[0] += 1
    try:
        out = _serialize(obj)
    finally:
        _depth[0] -= 1
    return _drop_unshared_ids(out) if _sharing and _depth[0] == 0 else out


def _serialize(obj):
    from minikeras.engine.keras_tensor import KerasTensor
    from minikeras.engine.variable import Variable
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        out = [serialize_keras_object(x) for x in obj]
        return tuple(out) if isinstance(obj, tuple) else out
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, KerasTensor):
        history = getattr(obj, "_keras_history", None)
        history = [history[0].name, history[1], history[2]] if history else None
        return {"class_name": "__keras_tensor__",
                "config": {"shape": obj.shape, "dtype": obj.dtype, "keras_history": history}}
    if isinstance(obj, Variable):
        return {"class_name": "__tensor__",
                "config": {"value": obj.numpy().tolist(), "dtype": obj.numpy().dtype.name}}
    if isinstance(obj, onp.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, (onp.ndarray, onp.generic)):
        return obj.item()
    if isinstance(obj, onp.dtype):
        return obj.name
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        warnings.warn("The object being serialized includes a `lambda`. Reloading it needs "
                      "`safe_mode=False`; prefer a named, registered function.", stacklevel=2)
        return {"class_name": "__lambda__", "config": {"value": func_dump(obj)}}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type)) or (
            callable(obj) and not hasattr(obj, "get_config") and hasattr(obj, "__name__")):
        return {"module": "builtins", "class_name": "function",
                "config": registration.get_registered_name(obj), "registered_name": "function"}
    return _serialize_instance(obj)


def _serialize_instance(obj):
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj)}. To be "
                        "serializable, a class must implement the `get_config()` method.")
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError(f"The `get_config()` method of {obj!r} should return a dict. "
                        f"It returned: {inner!r}")
    cls = type(obj)
    registered = cls in registration.GLOBAL_CUSTOM_NAMES
    hook = getattr(obj, "_serialization_path", None)
    special = hook() if hook is not None and not registered else None
    public = known_objects.public_path(cls) if not registered else None
    if special is not None:
        module, class_name, registered_name = special
    elif public is not None:
        (module, class_name), registered_name = public, None
    else:
        module = None if cls.__module__ == "__main__" else known_objects.config_module(cls)
        class_name, registered_name = cls.__name__, registration.get_registered_name(cls)
    config = {"module": module, "class_name": class_name, "config": serialize_dict(inner),
              "registered_name": registered_name}
    build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build_config is not None:
        config["build_config"] = serialize_dict(build_config)
    compile_config = obj.get_compile_config() if hasattr(obj, "get_compile_config") else None
    if compile_config is not None:
        config["compile_config"] = serialize_dict(compile_config)
    _record_serialized(obj, config)
    return config


def serialize_dict(obj):
    return {key: serialize_keras_object(value) for key, value in obj.items()}


def func_dump(fn):
    """`(code, defaults, closure)` of a Python function, bytecode base64-encoded (Keras's
    format: only a caller passing `safe_mode=False` will ever load it back)."""
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


# --- deserialization ------------------------------------------------------------------------
def _refuse(module, name, what="class"):
    return ValueError(
        f"Could not deserialize {what} '{name}' (module '{module}'): minikeras only loads its "
        "built-in layers, models, optimizers, losses, metrics, initializers, regularizers, "
        "constraints, activations and operations, and objects registered with "
        "`keras.saving.register_keras_serializable()` or passed in `custom_objects`.")


def _lambda_refused():
    return ValueError(
        "Requested the deserialization of a Python lambda. This carries a potential risk of "
        "arbitrary code execution and thus it is disallowed by default. If you trust the source "
        "of the artifact, pass `safe_mode=False` to the loading function, or call "
        "`keras.config.enable_unsafe_deserialization()` in your own code.")


def func_load(code, defaults=None, closure=None, safe_mode=None):
    """A function rebuilt from `func_dump`'s output — only outside safe mode."""
    if effective_safe_mode(True if safe_mode is None else safe_mode):
        raise _lambda_refused()
    if isinstance(code, (list, tuple)):
        code, defaults, closure = code
    try:
        raw = marshal.loads(base64.b64decode(code.encode("ascii")))
    except Exception as e:
        raise ValueError(f"Could not load the bytecode of a serialized lambda: {e}") from e
    if not isinstance(raw, types.CodeType):
        raise ValueError("A serialized lambda's `code` does not hold Python bytecode.")
    from autograd import numpy as anp
    from minikeras import ops
    import minikeras
    scope = {"__builtins__": builtins, "ops": ops, "keras": minikeras, "np": anp}
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    return types.FunctionType(raw, scope, raw.co_name, tuple(defaults) if defaults else None, cells)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object `config` describes (the inverse of `serialize_keras_object`).

    Args:
        config: a dict from `serialize_keras_object`, a list of them, or a plain value.
        custom_objects: {name: class or function} for user objects (by class name or
            registered name), in addition to registered objects and the active scope.
        safe_mode: refuse Python lambdas unless exactly False.
        module_objects: (keyword) an extra {name: object} table, as Keras's per-module
            `deserialize` functions pass.
    Raises ValueError for anything that is not a built-in, registered or custom object.
    """
    module_objects = kwargs.pop("module_objects", None)
    outermost = not _safe_stack
    try:
        with SafeModeScope(safe_mode), registration.CustomObjectScope(custom_objects):
            return _deserialize(config, module_objects)
    except ValueError:
        raise
    except (TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError,
            MemoryError) as e:
        if not outermost:
            raise
        raise ValueError(f"Could not deserialize the config: {type(e).__name__}: {e}") from e


def _custom_lookup(name, module_objects=None):
    return registration.get_registered_object(name, module_objects=module_objects)


def _deserialize(config, module_objects=None):
    if config is None:
        return None
    if isinstance(config, str):
        found = _custom_lookup(config) or (module_objects or {}).get(config)
        if found is not None:
            return found() if inspect.isclass(found) and module_objects else found
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(x) for x in config]
    if isinstance(config, PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise ValueError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value) for key, value in config.items()}
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    special = _SPECIAL.get(class_name) if isinstance(class_name, str) else None
    if special is not None:
        return special(inner)
    if class_name == "function":
        return _resolve_function(config, inner, module_objects)
    if not isinstance(inner, dict):
        raise ValueError(f"Expected 'config' to be a dict for {class_name}, got {type(inner)}. "
                         f"Full config: {config}")
    shared = _sharing[-1] if _sharing else None
    if shared is not None and config.get("shared_object_id") in shared:
        return shared[config["shared_object_id"]]
    cls = _resolve_class(config, module_objects)
    if "module" not in config and class_name == "InputLayer" and "batch_input_shape" in inner:
        inner = {**inner, "batch_shape": inner["batch_input_shape"]}  # a Keras 2 config
        inner.pop("batch_input_shape")
    if in_safe_mode():
        check_config_safety(class_name, inner)
    instance = _from_config(cls, inner)
    if config.get("build_config") and not getattr(instance, "built", True):
        instance.build_from_config(config["build_config"])
    if config.get("compile_config") and hasattr(instance, "compile_from_config"):
        instance.compile_from_config(config["compile_config"])
    if shared is not None and "shared_object_id" in config:
        shared[config["shared_object_id"]] = instance
    return instance


def _from_config(cls, inner):
    if not hasattr(cls, "from_config"):
        raise ValueError(f"Unable to reconstruct an instance of '{cls!r}' because the class is "
                         "missing a `from_config()` method.")
    try:
        params = inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        params = {}
    if "custom_objects" in params:
        objects = {**registration.GLOBAL_CUSTOM_OBJECTS, **registration.scope_objects()}
        return cls.from_config(dict(inner), custom_objects=objects)
    return cls.from_config(dict(inner))


def _resolve_class(config, module_objects):
    class_name, module = config["class_name"], config.get("module")
    registered_name = config.get("registered_name") or class_name
    for name in (registered_name, class_name):
        found = _custom_lookup(name, module_objects)
        if found is not None and (inspect.isclass(found) or hasattr(found, "from_config")):
            return found
    if known_objects.is_op_module(module):
        from minikeras.layers.op_layer import lookup_op
        op = lookup_op(class_name)
        if op is not None:
            return op
    else:
        cls = known_objects.lookup_class(module, class_name)
        if cls is not None:
            return cls
    raise _refuse(module, class_name)


def _resolve_function(config, name, module_objects):
    module = config.get("module")
    if not isinstance(name, str):
        raise ValueError(f"Expected 'config' to be a function name, got {name!r}. "
                         f"Full config: {config}")
    found = _custom_lookup(name, module_objects)
    if found is not None:
        return found
    if known_objects.is_builtin_function_module(module):
        fn = known_objects.function_table().get(name)
        if fn is not None:
            return fn
        if ">" not in name:  # Keras <= 3.6 saved registered functions by bare name
            matches = [v for k, v in {**registration.GLOBAL_CUSTOM_OBJECTS,
                                      **registration.scope_objects()}.items()
                       if k.endswith(f">{name}")]
            if len(matches) == 1:
                return matches[0]
    raise _refuse(module, name, "function")


# --- special values -------------------------------------------------------------------------
_ARRAY_KINDS = "biufcSU?"


def _array(inner):
    dtype = onp.dtype(inner.get("dtype") or "float32")
    if dtype.kind not in _ARRAY_KINDS:
        raise ValueError(f"Refusing an array of dtype {dtype} in a config.")
    return onp.array(inner["value"], dtype=dtype)


def _keras_tensor(inner):
    from minikeras.engine.keras_tensor import KerasTensor
    tensor = KerasTensor(inner["shape"], dtype=inner["dtype"])
    tensor._pre_serialization_keras_history = inner.get("keras_history")
    return tensor


def _slice(inner):
    return slice(_deserialize(inner.get("start")), _deserialize(inner.get("stop")),
                 _deserialize(inner.get("step")))


def _lambda(inner):
    if in_safe_mode():
        raise _lambda_refused()
    if "value" in inner:
        return func_load(inner["value"], safe_mode=False)
    return func_load(inner["code"], inner.get("defaults"), inner.get("closure"), safe_mode=False)


def _typespec(inner):
    raise ValueError("Refusing a `__typespec__` entry: TensorFlow type specs are not supported.")


_SPECIAL = {"__keras_tensor__": _keras_tensor, "__tensor__": _array, "__numpy__": _array,
            "__bytes__": lambda inner: inner["value"].encode("utf-8"),
            "__ellipsis__": lambda inner: Ellipsis, "__slice__": _slice,
            "__lambda__": _lambda, "__typespec__": _typespec}
