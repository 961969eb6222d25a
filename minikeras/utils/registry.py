"""`get` / `serialize` / `deserialize` for the name registries (activations, losses, ...)."""


def lookup(kind, identifier, table, argname="identifier"):
    """`table[identifier]`, or a ValueError that lists the valid names."""
    if identifier in table:
        return table[identifier]
    names = ", ".join(sorted(table))
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. "
        f"Valid {kind} names are: {names}")


def class_config(obj):
    """The Keras-style serialized form of an object with `get_config`."""
    return {"module": f"keras.{obj._keras_module}" if hasattr(obj, "_keras_module") else "keras",
            "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}
