"""The table through which every name in a config is resolved.

Real Keras writes a built-in as a public path (`"module": "keras.layers", "class_name":
"Dense"`) or, for a few classes, an internal one (`"keras.src.models.functional"`,
`"keras.src.ops.numpy"`). Both are looked up here, in tables built from minikeras's public
namespaces — never imported. What is not in these tables (and not registered by the user) does
not load.
"""
import functools
import inspect
import re

# Base and helper classes that are not configurable objects on their own.
_NOT_LOADABLE = {"Layer", "InputSpec", "Wrapper", "Loss", "LossFunctionWrapper", "Metric",
                 "Optimizer", "Initializer", "Regularizer", "Constraint", "LearningRateSchedule"}

# `keras.<kind>` namespaces whose classes load, with the base class they must derive from.
_KINDS = ("layers", "optimizers", "optimizers.schedules", "losses", "metrics", "initializers",
          "regularizers", "constraints")

# Keras's modules searched for a function saved by name (`"module": "builtins"`).
_FUNCTION_KINDS = ("activations", "losses", "metrics")


def _module(kind):
    from minikeras import (activations, constraints, initializers, layers, losses, metrics,
                           optimizers, regularizers)
    from minikeras.optimizers import schedules
    return {"layers": layers, "optimizers": optimizers, "optimizers.schedules": schedules,
            "losses": losses, "metrics": metrics, "initializers": initializers,
            "regularizers": regularizers, "constraints": constraints,
            "activations": activations}[kind]


def _public_classes(kind):
    """{name: class} for the classes a `minikeras.<kind>` namespace exports."""
    mod = _module(kind)
    out = {}
    for name in dir(mod):
        obj = getattr(mod, name)
        if (inspect.isclass(obj) and obj.__module__.startswith("minikeras.")
                and name not in _NOT_LOADABLE and obj.__name__ not in _NOT_LOADABLE
                and hasattr(obj, "from_config")):
            out[name] = obj
    if kind == "layers":
        from minikeras.layers.layer import Layer
        out = {k: v for k, v in out.items() if issubclass(v, Layer)}
    return out


@functools.lru_cache(maxsize=None)
def class_tables():
    """{"keras.<kind>": {name: class}} plus the models and dtype policies."""
    from minikeras.models import Functional, Model, Sequential
    tables = {f"keras.{kind}": _public_classes(kind) for kind in _KINDS}
    models = {"Sequential": Sequential, "Model": Model, "Functional": Functional}
    from minikeras import dtype_policies
    policies = dict(dtype_policies.ALL_OBJECTS_DICT)
    tables["keras.models"] = models
    tables["keras"] = {**models, "DTypePolicy": dtype_policies.DTypePolicy,
                       "FloatDTypePolicy": dtype_policies.FloatDTypePolicy}
    tables["keras.dtype_policies"] = policies
    from minikeras.utils import feature_space
    tables["keras.utils"] = {"FeatureSpace": feature_space.FeatureSpace}
    # FeatureSpace's parts, which Keras writes under their internal module only.
    tables[_FEATURE_SPACE_MODULE] = {cls.__name__: cls for cls in (
        feature_space.Feature, feature_space.Cross, feature_space.TFDConcat,
        feature_space.TFDIdentity)}
    return tables


_FEATURE_SPACE_MODULE = "keras.src.layers.preprocessing.feature_space"


@functools.lru_cache(maxsize=None)
def function_table():
    """{name: function} for the built-in functions a config may name (activations, losses and
    metrics by their Keras names)."""
    out = {}
    for kind in _FUNCTION_KINDS:
        mod = _module(kind)
        table = getattr(mod, "ALL_OBJECTS_DICT", None) or getattr(mod, "ALL_OBJECTS", {})
        for name, obj in table.items():
            if inspect.isfunction(obj) and obj.__module__.startswith("minikeras."):
                out.setdefault(name, obj)
    return out


@functools.lru_cache(maxsize=None)
def _public_paths():
    out = {}
    for module, table in class_tables().items():
        for name, cls in table.items():
            if cls.__name__ == name:
                out.setdefault(cls, (module, name))
    from minikeras.models import Model, Sequential
    out[Sequential], out[Model] = ("keras", "Sequential"), ("keras", "Model")
    return out


def public_path(cls):
    """`(module, class_name)` Keras writes for a built-in class, or None for any other."""
    return _public_paths().get(cls)


# Namespaces that were one module before becoming a package of Keras's files: their classes keep
# being written under the namespace (`minikeras.metrics`, not `minikeras.metrics.metric`).
_SPLIT_NAMESPACES = ("minikeras.metrics",)


def config_module(cls):
    """The `module` a config names for a class without a public path: where it is defined."""
    module = cls.__module__
    for namespace in _SPLIT_NAMESPACES:
        if module.startswith(namespace + "."):
            return namespace
    return module


# Keras's internal package -> our table for configs written with a `keras.src....` module.
_INTERNAL = {"dtype_policies": "keras.dtype_policies", "layers": "keras.layers", "models": "keras.models", "optimizers": "keras.optimizers",
             "losses": "keras.losses", "metrics": "keras.metrics",
             "initializers": "keras.initializers", "regularizers": "keras.regularizers",
             "constraints": "keras.constraints"}


def lookup_class(module, class_name):
    """The built-in class a `(module, class_name)` pair names, or None.

    `module` may be a public path (`keras.layers`), an internal one (`keras.src.layers.core.
    dense`), or missing (Keras 2 configs): then every table is searched by class name.
    """
    tables = class_tables()
    if module is None:
        for table in tables.values():
            if class_name in table:
                return table[class_name]
        return None
    if not isinstance(module, str) or not isinstance(class_name, str):
        return None
    if module in tables:
        return tables[module].get(class_name)
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["keras", "src"] and parts[2] in _INTERNAL:
        if parts[2] == "optimizers" and "schedules" in parts:
            return tables["keras.optimizers.schedules"].get(class_name)
        return tables[_INTERNAL[parts[2]]].get(class_name)
    return None


def is_op_module(module):
    """Modules real Keras (and minikeras) write for operations recorded on KerasTensors."""
    return isinstance(module, str) and re.fullmatch(
        r"(keras\.src\.ops(\.\w+)?|keras\.ops(\.\w+)?|minikeras\.ops(\.\w+)?)", module) is not None


def is_builtin_function_module(module):
    """Modules under which Keras writes its own functions (`builtins` since Keras 3.7)."""
    return module in (None, "builtins") or (isinstance(module, str) and (
        module == "keras" or module.startswith("keras.")))
