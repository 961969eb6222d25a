"""`minikeras.install()`: make `import keras` and `import tensorflow` resolve to minikeras.

A meta-path finder maps `keras` / `keras.X.Y` (and `tensorflow.keras.X.Y`) to the module
`minikeras` / `minikeras.X.Y` itself, so `keras.layers.Dense is minikeras.layers.Dense`, and
`tensorflow` / `tensorflow.X` to minikeras's TensorFlow stand-in `minikeras.tf` / `minikeras.tf.X`.
A `tf.<name>` the stand-in does not provide (attribute or submodule) raises one error naming it.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

_ALIASES = {"keras": "minikeras", "tensorflow.keras": "minikeras",
            "keras.src": "minikeras", "keras.api": "minikeras", "tensorflow": "minikeras.tf"}
_saved_modules = {}  # what install() took out of sys.modules, for uninstall() to restore


def _target(fullname):
    """The minikeras module `fullname` stands for, or None."""
    for prefix, target in sorted(_ALIASES.items(), key=lambda kv: -len(kv[0])):
        if fullname == prefix or fullname.startswith(prefix + "."):
            return target + fullname[len(prefix):]
    return None


def unavailable_message(name):
    """The error for a `tf.<name>` (attribute or module) the TensorFlow stand-in lacks."""
    return (f"tf.{name} is not available: minikeras's TensorFlow stand-in covers `tf.keras` and "
            f"the tf functions Keras tutorials use (see docs/tensorflow.md), not `tf.{name}`. "
            f"Use `keras.ops` / numpy instead")


def missing_attribute(module_name):
    """A module `__getattr__` for `minikeras.tf.X`: a name it lacks raises the stand-in's error
    (`tf.math.foo is not available: ...`)."""
    path = module_name.replace("minikeras.tf.", "", 1)

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(unavailable_message(f"{path}.{name}"))
    return __getattr__


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
        if fullname.startswith("minikeras.tf.") and path is not None:
            # `from tensorflow import x` looks for `minikeras.tf.x` (the module's own name) when
            # the stand-in has no attribute x: answer with the stand-in's error, not "cannot
            # import name".
            if importlib.machinery.PathFinder.find_spec(fullname, path) is None:
                raise ImportError(unavailable_message(fullname[len("minikeras.tf."):]),
                                  name=fullname)
            return None
        dest = _target(fullname)
        if dest is None:
            return None
        try:
            found = importlib.util.find_spec(dest)
        except ModuleNotFoundError:
            found = None
        if found is None:
            if dest.startswith("minikeras.tf."):
                # An ImportError (not ModuleNotFoundError) so `from tensorflow import x` keeps it.
                raise ImportError(unavailable_message(fullname[len("tensorflow."):]), name=fullname)
            raise ModuleNotFoundError(
                f"No module named '{fullname}': minikeras has no module `{dest}`.", name=fullname)
        return importlib.util.spec_from_loader(fullname, _AliasLoader(dest))


_finder = _AliasFinder()


def _aliased(name):
    return _target(name) is not None


def install():
    """Resolve `import keras`, `from tensorflow import keras` etc. to minikeras from now on.

    Modules already imported under those names (a real Keras or TensorFlow) are taken out of
    `sys.modules` so the next import finds minikeras; `uninstall()` puts them back.
    """
    for name in list(sys.modules):
        if _aliased(name):
            module = sys.modules[name]
            if not getattr(module, "__name__", "").startswith("minikeras"):
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
