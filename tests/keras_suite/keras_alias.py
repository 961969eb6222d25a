"""The import hook that runs Keras's own test files on minikeras.

Keras's tests import `keras`, `keras.src.<package>.<module>` and `tensorflow`. Under this hook:
- a Keras test module (`..._test`) and Keras's test-data helpers (`keras.src.testing.test_utils`) load
  from the Keras source distribution, unmodified;
- `keras.src.testing` / `.test_case` is our port (keras_test_case.py);
- every other `keras...` module is an *alias*: a module whose attributes come from the minikeras module
  at the same place (`keras.src.layers.core` -> `minikeras.layers.core`, then `minikeras.layers`), or
  from the explicit homes below where minikeras keeps a concept elsewhere; a name a Keras module has
  and minikeras lacks is a `Missing` placeholder that raises when a test uses it, so that test fails
  and only that test;
- `tensorflow...` is minikeras's stand-in (`minikeras.tf`), as `python -m minikeras run` gives it.
Nothing here implements Keras behaviour: it only says where minikeras keeps each name.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))

# Keras module -> minikeras modules searched in order (before the same-place rule).
ENGINE = ["keras_suite.backend_shim", "minikeras.engine.config", "minikeras.engine.dtypes",
          "minikeras.engine.variable", "minikeras.engine.masking", "minikeras.engine.keras_tensor",
          "minikeras.engine.autodiff", "minikeras.engine.name_scope", "minikeras.ops",
          "minikeras.layers.layer", "minikeras"]
HOMES = {
    "keras.src.backend": ENGINE,
    "keras.src.backend.common": ENGINE,
    "keras.src.backend.config": ["keras_suite.backend_shim", "minikeras.engine.config",
                                 "minikeras.config"],
    "keras.src.backend.common.keras_tensor": ["minikeras.engine.keras_tensor"],
    "keras.src.backend.common.variables": ["minikeras.engine.variable", "keras_suite.backend_shim"],
    "keras.src.backend.common.dtypes": ["minikeras.engine.dtypes"],
    "keras.src.backend.common.global_state": ["minikeras.utils.global_state"],
    "keras.src.backend.common.remat": ["minikeras.engine.remat"],
    "keras.src.backend.common.name_scope": ["minikeras.engine.name_scope"],
    "keras.src.backend.common.stateless_scope": ["minikeras.engine.autodiff"],
    "keras.src.backend.common.symbolic_scope": ["minikeras.engine.symbolic_scope"],
    "keras.src.backend.numpy": ["minikeras.ops"],
    "keras.src.backend.common.backend_utils": ["minikeras.ops.conv", "keras_suite.backend_shim"],
    "keras.src.backend.random": ["minikeras.random"],
    "keras.src.random": ["minikeras.random"],
    "keras.src.ops": ["minikeras.ops", "minikeras.engine.keras_tensor", "minikeras"],
    "keras.src.trainers": ["minikeras.models"],
    "keras.src.trainers.data_adapters": ["minikeras.utils", "minikeras.models.data"],
    "keras.src.utils": ["minikeras.utils"],
    "keras.src.testing": ["keras_suite.keras_test_case"],
    "keras.src.utils.backend_utils": ["keras_suite.backend_shim", "minikeras.utils"],
    "keras.src.layers": ["minikeras.layers", "minikeras.layers.preprocessing.index_lookup"],
    "keras.src.layers.core.einsum_dense": ["minikeras.layers.einsum_dense"],
    "keras.src.layers.rnn.conv_lstm": ["minikeras.layers.conv_lstm"],
    "keras.src.layers.preprocessing.feature_space": ["minikeras.utils.feature_space"],
    "keras.src.layers.preprocessing.image_preprocessing.bounding_boxes":
        ["minikeras.layers.preprocessing.bounding_boxes"],
    "keras.src.layers.preprocessing.image_preprocessing.bounding_boxes.converters":
        ["minikeras.layers.preprocessing.bounding_boxes"],
    "keras.src.layers.preprocessing.image_preprocessing.bounding_boxes.iou":
        ["minikeras.layers.preprocessing.bounding_boxes"],
}
SHIMS = {  # Keras modules whose whole content is ours (the test harness itself)
    "keras.src.testing.test_case": "keras_suite.keras_test_case",
}
FROM_SOURCE = {"keras.src.testing.test_utils"}  # Keras's test helpers, run as they are


class MissingFeature(NotImplementedError):
    """Raised when a Keras test uses a name minikeras does not have."""


class Missing:
    """Stands for a Keras name minikeras lacks; any use raises MissingFeature."""

    def __init__(self, qualname):
        object.__setattr__(self, "_qualname", qualname)

    def _fail(self, *args, **kwargs):
        raise MissingFeature(f"minikeras has no {self._qualname}")

    __call__ = __bool__ = __instancecheck__ = __subclasscheck__ = __iter__ = __len__ = __getitem__ = _fail
    __mro_entries__ = _fail

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    def __repr__(self):
        return f"<missing {self._qualname}>"


def _module_or_none(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class AliasModule(types.ModuleType):
    """A Keras module whose names resolve in minikeras modules, in order."""

    def __init__(self, name, sources, keras_dir):
        super().__init__(name)
        self.__dict__["_sources"] = sources
        self.__dict__["_keras_dir"] = keras_dir

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._keras_dir and _keras_file(self._keras_dir, name):
            return importlib.import_module(f"{self.__name__}.{name}")
        for source in self._sources:
            module = _module_or_none(source)
            if module is not None and hasattr(module, name):
                return getattr(module, name)
        if self.__name__.startswith("keras.src.ops") and name[:1].isupper():
            from keras_suite.op_classes import op_class
            found = op_class(os.environ.get("KERAS_SUITE_SOURCE", ""), self.__name__, name)
            if found is not None:
                return found
        if self.__name__ in ("keras", "keras.src") and name == "src":
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return Missing(f"{self.__name__}.{name}")  # private names too: only their tests fail


def _keras_file(directory, name):
    """The Keras source path of module `name` inside package `directory`, if it is there."""
    package = os.path.join(directory, name)
    if os.path.isfile(os.path.join(package, "__init__.py")):
        return package
    if os.path.isfile(package + ".py"):
        return package + ".py"
    return None


def _same_place_sources(fullname):
    """`keras.src.a.b.c` -> [minikeras.a.b.c, minikeras.a.b, minikeras.a] (the ones that exist)."""
    parts = fullname.split(".")[2:] if fullname.startswith("keras.src") else fullname.split(".")[1:]
    found = ["minikeras." + ".".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return [name for name in found if _spec_exists(name)] or ["minikeras"]


class KerasAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds every `keras...` and `tensorflow...` module for the Keras test suite (see module doc)."""

    def __init__(self, source_root):
        self.source_root = source_root  # the directory holding Keras's `keras/` source

    def _keras_path(self, fullname):
        """Where module `fullname` is in Keras's source (a package dir or a .py file), or None."""
        if fullname == "keras":
            return os.path.join(self.source_root, "keras")
        directory = os.path.join(self.source_root, *fullname.split(".")[:-1])
        return _keras_file(directory, fullname.rsplit(".", 1)[1])

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "conftest":
            return importlib.util.spec_from_loader(fullname, self)
        if fullname == "tensorflow" or fullname.startswith("tensorflow."):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        where = self._keras_path(fullname)
        if fullname.endswith("_test") or fullname in FROM_SOURCE:
            if where is None:
                return None
            return importlib.util.spec_from_file_location(fullname, where)
        if where is None and fullname not in SHIMS and not fullname.startswith("keras.src") \
                and fullname.count(".") == 1:
            where = os.path.join(self.source_root, "keras", "api", fullname.split(".")[1])
        if where is None and fullname not in SHIMS:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec):
        name = spec.name
        if name == "conftest":
            return importlib.import_module("keras_suite.keras_conftest")
        if name in SHIMS:
            return importlib.import_module(SHIMS[name])
        if name.startswith("tensorflow"):
            sources = ["minikeras.tf" + name[len("tensorflow"):], "minikeras.tf"]
            return AliasModule(name, [s for s in sources if _spec_exists(s)], None)
        where = self._keras_path(name)
        keras_dir = where if where and os.path.isdir(where) else None
        if name in ("keras", "keras.src"):
            keras_dir = os.path.join(self.source_root, "keras", "src")
        sources = HOMES.get(name, []) + _same_place_sources(name)
        return AliasModule(name, sources, keras_dir)

    def exec_module(self, module):
        pass


def _spec_exists(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def install(source_root):
    """Put the hook first on `sys.meta_path`; refuse if real Keras or TensorFlow is already imported."""
    clash = [m for m in ("keras", "tensorflow") if m in sys.modules]
    if clash:
        raise RuntimeError(f"{clash} already imported: the Keras test suite must run on minikeras alone")
    if HERE not in sys.path:
        sys.path.insert(0, os.path.dirname(HERE))
    finder = KerasAliasFinder(source_root)
    sys.meta_path.insert(0, finder)
    return finder
