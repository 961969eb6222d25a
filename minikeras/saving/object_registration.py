"""Registering user classes and functions so that configs can name them (`keras.saving`).

A config names a user object by its registered name, `"package>Name"`. Loading resolves that
name here — in the active `custom_object_scope`, the global registry filled by
`register_keras_serializable`, then the `custom_objects` the caller passed — and nowhere else:
nothing a config says is ever imported.
"""
import inspect

GLOBAL_CUSTOM_OBJECTS = {}   # "package>Name" -> class or function
GLOBAL_CUSTOM_NAMES = {}     # class or function -> "package>Name"
_scope_stack = [{}]          # the custom objects of the innermost `custom_object_scope`


class CustomObjectScope:
    """Within `with custom_object_scope({"MyLayer": MyLayer}):`, deserialization finds the
    given objects by name (keys may be class names or registered names)."""

    def __init__(self, custom_objects=None, *more):
        merged = {}
        for d in (custom_objects, *more):
            merged.update(d or {})
        self.custom_objects = merged

    def __enter__(self):
        _scope_stack.append({**_scope_stack[-1], **self.custom_objects})
        return self

    def __exit__(self, *exc):
        _scope_stack.pop()


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The live global dict of registered objects (`"package>Name" -> object`)."""
    return GLOBAL_CUSTOM_OBJECTS


def scope_objects():
    """The custom objects of the active `custom_object_scope` (a copy)."""
    return dict(_scope_stack[-1])


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under `"package>name"` (name defaults to
    the object's `__name__`). Classes must define `get_config`."""
    if ">" in str(package):
        raise ValueError(f"The `package` argument cannot contain the '>' character. "
                         f"Received: package={package}")

    def decorator(arg):
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj):
    """`"package>Name"` for a registered object, else its `__name__`."""
    try:
        if obj in GLOBAL_CUSTOM_NAMES:
            return GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # unhashable
        pass
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as `name`: the active scope first, then the global registry,
    then `custom_objects`, then `module_objects`; None if none has it."""
    if not isinstance(name, str):
        return None
    for table in (_scope_stack[-1], GLOBAL_CUSTOM_OBJECTS, custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return None


def find_registered(name):
    """An object registered (or in the active scope) as `name`, or as "package>name" when a
    single registration has that bare name; None otherwise."""
    found = get_registered_object(name)
    if found is None and isinstance(name, str) and ">" not in name:
        everything = {**GLOBAL_CUSTOM_OBJECTS, **_scope_stack[-1]}
        matches = {id(v): v for k, v in everything.items() if k.split(">")[-1] == name}
        if len(matches) == 1:
            found = next(iter(matches.values()))
    return found
