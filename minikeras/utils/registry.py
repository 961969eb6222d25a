"""`get` / `serialize` / `deserialize` for the name registries (activations, losses, ...)."""


def lookup(kind, identifier, table, argname="identifier"):
    """`table[identifier]`, else an object the user registered under that name (or as
    "package>identifier"), or a ValueError that lists the valid names."""
    if identifier in table:
        return table[identifier]
    from minikeras.saving.object_registration import find_registered
    found = find_registered(identifier)
    if found is not None:
        return found
    names = ", ".join(sorted(table))
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. "
        f"Valid {kind} names are: {names}")


def class_config(obj):
    """The Keras-style serialized form of an object with `get_config`."""
    if not type(obj).__module__.startswith("minikeras."):  # a user's class: module, "pkg>Name"
        from minikeras.saving.serialization_lib import serialize_keras_object
        return serialize_keras_object(obj)
    return {"module": f"keras.{obj._keras_module}" if hasattr(obj, "_keras_module") else "keras",
            "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


class ObjectRegistry:
    """`serialize` / `deserialize` / `get` for one kind of configurable object
    (constraints, regularizers, initializers, ...), backed by a name -> class table."""

    def __init__(self, kind, table):
        self.kind = kind
        self.table = table

    def serialize(self, obj):
        """`{"module": ..., "class_name": ..., "config": ..., "registered_name": None}` or None."""
        return None if obj is None else class_config(obj)

    def deserialize(self, config, custom_objects=None):
        """An object from a name or from a dict made by `serialize`."""
        if config is None:
            return None
        table = {**self.table, **(custom_objects or {})}
        if isinstance(config, str):
            return lookup(self.kind, config, table)()
        cls = lookup(self.kind, config["class_name"], table)
        return cls.from_config(config.get("config") or {})

    def get(self, identifier):
        """An object from `None`, a name, a config dict, a class or a callable."""
        import inspect
        if identifier is None:
            return None
        if isinstance(identifier, (str, dict)):
            return self.deserialize(identifier)
        if inspect.isclass(identifier):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier: {identifier}")


def get_callable(kind, identifier, table, deserialize):
    """Keras's `get` for losses and metrics: a name gives the table entry (a class is
    instantiated), a dict is deserialized, a callable or instance is returned as is."""
    import inspect
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = lookup(kind, identifier, table)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")


def with_fn_config(config, fn, fn_kwargs, serialize):
    """The config of a wrapper around a function (LossFunctionWrapper, MeanMetricWrapper): the
    base config, the serialized `fn`, and the extra keyword arguments `fn` is called with."""
    return {**config, "fn": serialize(fn), **fn_kwargs}


def without_fn_config(config, deserialize):
    """The constructor arguments of such a wrapper, its `fn` deserialized."""
    config = dict(config)
    if "fn" in config:
        config["fn"] = deserialize(config["fn"])
    return config
