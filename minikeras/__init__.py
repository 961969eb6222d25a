"""minikeras: Keras 3, in numpy.

The Keras 3 API — layers, models, `fit`, losses, metrics, optimizers, callbacks, `.keras`
files — computed with numpy and differentiated with HIPS autograd.
"""
import importlib

__version__ = "3.15.0"  # the Keras API version minikeras mirrors
minikeras_version = "0.1.0"

_SUBMODULES = (
    "activations", "backend", "callbacks", "config", "constraints", "datasets", "initializers",
    "layers", "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random",
    "regularizers", "saving", "utils",
)
_TOP = {"Sequential": "models", "Model": "models", "Input": "layers", "Layer": "layers",
        "Variable": "engine.variable", "KerasTensor": "engine.keras_tensor", "Loss": "losses",
        "Metric": "metrics", "Optimizer": "optimizers", "Operation": "layers"}


def install():
    """Make `import keras` / `from tensorflow import keras` resolve to minikeras."""
    from minikeras._install import install as _install
    _install()


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"minikeras.{name}")
    if name in _TOP:
        return getattr(importlib.import_module(f"minikeras.{_TOP[name]}"), name)
    raise AttributeError(f"module 'minikeras' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_TOP))
