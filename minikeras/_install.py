"""`minikeras.install()`: make `import keras` (and `tensorflow.keras`) resolve to minikeras.

A meta-path finder maps `keras` / `keras.X.Y` to `minikeras` / `minikeras.X.Y`, and a small
`tensorflow` stand-in offers `tf.keras` only.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import types

_ALIASES = {"keras": "minikeras", "tensorflow.keras": "minikeras",
            "keras.src": "minikeras", "keras.api": "minikeras"}
_SUBMODULE_ALIASES = {"preprocessing.sequence": "preprocessing.sequence"}


def _target(fullname):
    for prefix, target in sorted(_ALIASES.items(), key=lambda kv: -len(kv[0])):
        if fullname == prefix or fullname.startswith(prefix + "."):
            return target + fullname[len(prefix):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "tensorflow":
            return importlib.util.spec_from_loader(fullname, _TensorflowLoader())
        dest = _target(fullname)
        if dest is None:
            return None
        if importlib.util.find_spec(dest) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(dest))


class _TensorflowStandIn(types.ModuleType):
    """`tensorflow` with only `tf.keras`: anything else raises one clear error."""

    def __getattr__(self, name):
        if name == "keras":
            return importlib.import_module("minikeras")
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"tf.{name} is not available: minikeras stands in for TensorFlow only as `tf.keras`.")


class _TensorflowLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = _TensorflowStandIn("tensorflow")
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


_finder = _AliasFinder()


def install():
    """Resolve `import keras`, `from tensorflow import keras` etc. to minikeras from now on."""
    for name in list(sys.modules):
        if name == "tensorflow" or name.startswith("tensorflow.") or _target(name):
            if not sys.modules[name].__name__.startswith("minikeras") and name != "tensorflow":
                del sys.modules[name]
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall():
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if name == "tensorflow" or name.startswith("tensorflow.") or _target(name):
            del sys.modules[name]
