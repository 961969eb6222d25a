"""`keras.models`."""
from minikeras.models.cloning import clone_model  # noqa: F401
from minikeras.models.functional import Functional  # noqa: F401
from minikeras.models.model import Model  # noqa: F401
from minikeras.models.sequential import Sequential  # noqa: F401


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """`keras.models.load_model`: a model from a `.keras` file (see minikeras.saving.saving_lib)."""
    from minikeras.saving import saving_lib
    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                 safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """`keras.models.save_model`: `model.save(filepath)`."""
    from minikeras.saving import saving_lib
    return saving_lib.save_model(model, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A model (uncompiled, fresh weights) from `model.to_json()` — loaded in safe mode."""
    import json
    from minikeras.saving.serialization_lib import deserialize_keras_object
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"`model_from_json` expects a JSON string: {e}") from e
    return deserialize_keras_object(config, custom_objects=custom_objects)
