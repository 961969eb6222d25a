"""`keras.saving`: configs, registration of user objects, and `.keras` / `.weights.h5` files."""
from minikeras.saving.object_registration import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from minikeras.saving.serialization_lib import (  # noqa: F401
    deserialize_keras_object, serialize_keras_object)


def save_model(*args, **kwargs):
    """`model.save(filepath)` (see minikeras.saving.saving_lib)."""
    from minikeras.saving.saving_lib import save_model as f
    return f(*args, **kwargs)


def load_model(*args, **kwargs):
    """`keras.saving.load_model(filepath, custom_objects=None, compile=True, safe_mode=True)`."""
    from minikeras.saving.saving_lib import load_model as f
    return f(*args, **kwargs)


def save_weights(*args, **kwargs):
    """`model.save_weights(filepath)`: the weights alone, as a `.weights.h5` file."""
    from minikeras.saving.saving_lib import save_weights as f
    return f(*args, **kwargs)


def load_weights(*args, **kwargs):
    """`model.load_weights(filepath)`: weights from a `.weights.h5` (or `.keras`) file."""
    from minikeras.saving.saving_lib import load_weights as f
    return f(*args, **kwargs)


def __getattr__(name):  # the editor needs saving_lib, which needs the models: load on use
    if name == "KerasFileEditor":
        from minikeras.saving.file_editor import KerasFileEditor
        return KerasFileEditor
    raise AttributeError(f"module 'minikeras.saving' has no attribute '{name}'")


def __dir__():
    return sorted([*globals(), "KerasFileEditor"])
