"""`keras.utils.legacy`: Keras 2's object serialization, `{"class_name", "config"}` dicts.

Keras 3's own format (`keras.saving.serialize_keras_object`) adds `module` and
`registered_name`; this one is what Keras 2 wrote in `.h5` files and `model.to_json()`, kept for
code that still reads or writes it. Objects are looked up only by name, in the tables the caller
passes (`module_objects`, `custom_objects`) and the registry of custom objects: nothing is
imported by path.
"""
import inspect

from minikeras.saving import object_registration

__all__ = ["serialize_keras_object", "deserialize_keras_object"]


def serialize_keras_object(instance):
    """A JSON-compatible form of `instance`: `{"class_name": name, "config": config}` for an
    object with `get_config()` (config items that are objects are serialized in turn and marked
    `"__passive_serialization__": True`), the registered name for a function or class.
    """
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        config = {}
        for key, item in instance.get_config().items():
            if isinstance(item, str):
                config[key] = item
                continue
            try:
                serialized = serialize_keras_object(item)
            except ValueError:  # numbers, lists, dicts: kept as they are
                config[key] = item
                continue
            if isinstance(serialized, dict) and not isinstance(item, dict):
                serialized["__passive_serialization__"] = True
            config[key] = serialized
        name = object_registration.get_registered_name(instance.__class__)
        return {"class_name": name, "config": config}
    if hasattr(instance, "__name__"):
        return object_registration.get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance} because it doesn't implement `get_config()`.")


def _unknown(printable_module_name, name):
    return ValueError(
        f"Unknown {printable_module_name}: '{name}'. Please ensure you are using a "
        "`keras.utils.custom_object_scope` and that this object is included in the scope. See "
        "https://www.tensorflow.org/guide/keras/save_and_serialize"
        "#registering_the_custom_object for details.")


def class_and_config_for_serialized_keras_object(config, module_objects=None,
                                                 custom_objects=None,
                                                 printable_module_name="object"):
    """(class, config) of a serialized object, with its passively serialized items (and
    names of functions) turned back into objects."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"Improper config format for {config}. Expecting python dict contains "
                         "`class_name` and `config` as keys")
    class_name = config["class_name"]
    cls = object_registration.get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:
        raise _unknown(printable_module_name, class_name)
    cls_config = config["config"]
    if isinstance(cls_config, list):  # a Keras 2 Sequential's list of layers
        return cls, cls_config
    for key, item in list(cls_config.items()):
        if key == "name":
            continue
        if isinstance(item, dict) and "__passive_serialization__" in item:
            cls_config[key] = deserialize_keras_object(item, module_objects, custom_objects,
                                                       printable_module_name="config_item")
        elif isinstance(item, str):
            found = object_registration.get_registered_object(item, custom_objects,
                                                              module_objects)
            if inspect.isfunction(found):
                cls_config[key] = found
    return cls, cls_config


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """The object a serialized form describes. Names are looked up in `custom_objects`, the
    active `custom_object_scope`, the registered objects, then `module_objects` (for built-ins,
    e.g. `{"Dense": keras.layers.Dense}`: this function knows none by itself); a name that is a
    class gives an instance made without arguments.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls, cls_config = class_and_config_for_serialized_keras_object(
            identifier, module_objects, custom_objects, printable_module_name)
        custom_objects = custom_objects or {}
        if not hasattr(cls, "from_config"):
            with object_registration.CustomObjectScope(custom_objects):
                return cls(**cls_config)
        if "custom_objects" in inspect.getfullargspec(cls.from_config).args:
            return cls.from_config(cls_config, custom_objects={
                **object_registration.GLOBAL_CUSTOM_OBJECTS, **custom_objects})
        with object_registration.CustomObjectScope(custom_objects):
            return cls.from_config(cls_config)
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            obj = custom_objects[identifier]
        else:
            obj = object_registration.get_registered_object(identifier, None, module_objects)
            if obj is None:
                raise _unknown(printable_module_name, identifier)
        return obj() if inspect.isclass(obj) else obj
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier}")
