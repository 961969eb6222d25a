"""`minikeras.install()`: make `import keras` (and `tensorflow.keras`) resolve to minikeras.

A meta-path finder maps `keras` / `keras.X.Y` (and `tensorflow.keras.X.Y`) to the module
`minikeras` / `minikeras.X.Y` itself, so `keras.layers.Dense is minikeras.layers.Dense`.
A small `tensorflow` stand-in offers `tf.keras` only: any other `tf.<name>` (attribute or
submodule) raises one error naming it.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import types

_ALIASES = {"keras": "minikeras", "tensorflow.keras": "minikeras",
            "keras.src": "minikeras", "keras.api": "minikeras"}
_saved_modules = {}  # what install() took out of sys.modules, for uninstall() to restore


def _target(fullname):
    """The minikeras module `fullname` stands for, or None."""
    for prefix, target in sorted(_ALIASES.items(), key=lambda kv: -len(kv[0])):
        if fullname == prefix or fullname.startswith(prefix + "."):
            return target + fullname[len(prefix):]
    return None


def tf_only_keras_message(name):
    return (f"tf.{name} is not available: minikeras stands in for TensorFlow only as `tf.keras` "
            f"(the Keras API). Use `keras.ops` / numpy for tensor operations.")


class _AliasLoader(importlib.abc.Loader):
    """Hands out the already-imported minikeras module under the alias name."""

    def __init__(self, target):
        self.target = target
        self._spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        # The import system stamped the alias spec on the shared module: give it back its own.
        module.__spec__ = self._spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "tensorflow":
            return importlib.util.spec_from_loader(fullname, _TensorflowLoader(), is_package=True)
        dest = _target(fullname)
        if dest is None:
            if fullname.startswith("tensorflow."):
                # An ImportError (not ModuleNotFoundError) so `from tensorflow import x` keeps it.
                raise ImportError(tf_only_keras_message(fullname[len("tensorflow."):]), name=fullname)
            return None
        try:
            found = importlib.util.find_spec(dest)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"No module named '{fullname}': minikeras has no module `{dest}`.", name=fullname)
        return importlib.util.spec_from_loader(fullname, _AliasLoader(dest))


class _TensorflowStandIn(types.ModuleType):
    """`tensorflow` with only `tf.keras`: anything else raises one clear error."""

    def __getattr__(self, name):
        if name == "keras":
            return importlib.import_module("minikeras")
        raise AttributeError(tf_only_keras_message(name))

    def __dir__(self):
        return ["keras"]


class _TensorflowLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return _TensorflowStandIn("tensorflow", "minikeras's TensorFlow stand-in: only `tf.keras`.")

    def exec_module(self, module):
        pass


_finder = _AliasFinder()


def _aliased(name):
    return name == "tensorflow" or name.startswith("tensorflow.keras") or _target(name) is not None


def install():
    """Resolve `import keras`, `from tensorflow import keras` etc. to minikeras from now on.

    Modules already imported under those names (a real Keras or TensorFlow) are taken out of
    `sys.modules` so the next import finds minikeras; `uninstall()` puts them back.
    """
    for name in list(sys.modules):
        if _aliased(name):
            module = sys.modules[name]
            if not (getattr(module, "__name__", "").startswith("minikeras")
                    or isinstance(module, _TensorflowStandIn)):
                _saved_modules[name] = sys.modules.pop(name)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall():
    """Undo `install()`: `import keras` finds whatever it found before."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if _aliased(name):
            del sys.modules[name]
    sys.modules.update(_saved_modules)
    _saved_modules.clear()


def is_installed():
    return _finder in sys.meta_path
