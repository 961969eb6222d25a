"""`keras.models`."""
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


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and freshly initialized weights.

    Only the default cloning is supported, plus `clone_function` for Sequential models."""
    from minikeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
    if input_tensors is not None or call_function is not None or (
            clone_function is not None and not isinstance(model, Sequential)):
        raise NotImplementedError("minikeras's `clone_model` supports the default cloning, and "
                                  "`clone_function` for Sequential models only.")
    classes = {type(layer).__name__: type(layer) for layer in model._flatten_layers()
               if not type(layer).__module__.startswith("minikeras.")}  # the user's classes
    if clone_function is not None:
        return Sequential([clone_function(layer) for layer in
                           ([model._input_layer] if model._input_layer is not None else []) +
                           model.layers], name=model.name)
    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    return deserialize_keras_object(config, custom_objects=classes, safe_mode=False)
