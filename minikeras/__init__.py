"""minikeras: Keras 3, in numpy.

The Keras 3 API — layers, models, `fit`, losses, metrics, optimizers, callbacks, `.keras`
files — computed with numpy and differentiated with HIPS autograd.
"""
import importlib

# `keras.__version__` is the Keras release whose API minikeras mirrors, as a plain release number,
# so code that checks it (`version.parse(keras.__version__) >= version.parse("3.0")`,
# `int(keras.__version__.split(".")[0]) >= 3`) takes its Keras 3 path. minikeras's own version is
# `minikeras_version`; `keras.backend.backend()` answers "numpy".
__version__ = "3.15.0"
minikeras_version = "0.1.0"

_SUBMODULES = (
    "activations", "backend", "callbacks", "config", "constraints", "datasets", "dtype_policies",
    "initializers", "mixed_precision",
    "layers", "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random",
    "regularizers", "saving", "tree", "utils",
)
_TOP = {"Sequential": "models", "Model": "models", "Input": "layers", "Layer": "layers",
        "Variable": "engine.variable", "KerasTensor": "engine.keras_tensor", "Loss": "losses",
        "Metric": "metrics", "Optimizer": "optimizers", "StatelessScope": "engine.autodiff",
        "name_scope": "engine.name_scope", "RematScope": "engine.remat", "remat": "engine.remat",
        "device": "engine.device", "Initializer": "initializers", "Regularizer": "regularizers",
        "InputSpec": "layers.input_spec", "SymbolicScope": "engine.symbolic_scope",
        "DTypePolicy": "dtype_policies", "FloatDTypePolicy": "dtype_policies"}


def version():
    """`keras.version()`: the same string as `keras.__version__`."""
    return __version__


def install():
    """Make `import keras` / `from tensorflow import keras` resolve to minikeras."""
    from minikeras._install import install as _install
    _install()


def uninstall():
    """Undo `install()`: `import keras` finds whatever it found before."""
    from minikeras._install import uninstall as _uninstall
    _uninstall()


def load_ipython_extension(ipython):
    """`%load_ext minikeras`: from now on `import keras` / `import tensorflow as tf` in this
    IPython or Jupyter session give minikeras (re-run imports made before loading it)."""
    install()


def unload_ipython_extension(ipython):
    """`%unload_ext minikeras`."""
    uninstall()


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"minikeras.{name}")
    if name in _TOP:
        if name == "Variable":  # its named initializers ("zeros") come from keras.initializers
            importlib.import_module("minikeras.initializers")
        if name == "KerasTensor":  # ops on a KerasTensor record graph nodes (OpLayers)
            importlib.import_module("minikeras.layers")
        return getattr(importlib.import_module(f"minikeras.{_TOP[name]}"), name)
    raise AttributeError(f"module 'minikeras' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_TOP))
