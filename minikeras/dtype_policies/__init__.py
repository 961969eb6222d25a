"""`keras.dtype_policies`: the dtype policies and their `get` / `serialize` / `deserialize`."""
from minikeras.dtype_policies import dtype_policy
from minikeras.dtype_policies.dtype_policy import (  # noqa: F401
    QUANTIZATION_MODES, AWQDTypePolicy, DTypePolicy, FloatDTypePolicy, GPTQDTypePolicy,
    Int4DTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy)
from minikeras.dtype_policies.dtype_policy_map import DTypePolicyMap

ALL_OBJECTS = {AWQDTypePolicy, DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy,
               QuantizedFloat8DTypePolicy, DTypePolicyMap, GPTQDTypePolicy, Int4DTypePolicy}
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}

# Keras writes the two float policies under `keras`, the others under `keras.dtype_policies`.
_TOP_LEVEL = ("DTypePolicy", "FloatDTypePolicy")


def serialize(dtype_policy):
    """A policy's config dict, as Keras writes it:
    `{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"},
    "registered_name": None}`."""
    name = type(dtype_policy).__name__
    if name in ALL_OBJECTS_DICT and ALL_OBJECTS_DICT[name] is type(dtype_policy):
        module = "keras" if name in _TOP_LEVEL else "keras.dtype_policies"
        return {"module": module, "class_name": name, "config": dtype_policy.get_config(),
                "registered_name": None}
    from minikeras.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(dtype_policy)


def deserialize(config, custom_objects=None):
    """The policy a `serialize` dict describes (built-in or registered / custom classes)."""
    if isinstance(config, dict) and config.get("class_name") in ALL_OBJECTS_DICT \
            and not (custom_objects and config["class_name"] in custom_objects):
        cls = ALL_OBJECTS_DICT[config["class_name"]]
        inner = config.get("config") or {}
        if cls is DTypePolicyMap:
            return cls.from_config(inner, custom_objects=custom_objects)
        return cls.from_config(inner)
    from minikeras.saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)


def get(identifier):
    """A `DTypePolicy` from a name ("mixed_float16", "int8_from_float32"), a config dict, a
    policy (returned as is) or None (the global policy)."""
    if identifier is None:
        return dtype_policy.dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return dtype_policy._get_quantized_dtype_policy_by_str(identifier)
        return DTypePolicy(identifier)
    try:
        from minikeras.engine.dtypes import standardize_dtype
        return DTypePolicy(standardize_dtype(identifier))
    except Exception:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an instance "
                         f"of DTypePolicy. Received: dtype={identifier}") from None
