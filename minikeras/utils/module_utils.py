"""Keras's `keras.src.utils.module_utils`: optional libraries, imported when first used.

minikeras's only optional "library" of this kind is TensorFlow, and for it minikeras has its own
stand-in: `module_utils.tensorflow` is `minikeras.tf` (Keras's dataset utilities and their tests
reach TensorFlow this way).
"""
import importlib


class LazyModule:
    """The module `name`, imported on first attribute access; `available` says if it can be."""

    def __init__(self, name, pip_name=None, import_error_msg=None):
        self.name, self.pip_name = name, pip_name or name
        self.import_error_msg = import_error_msg or (
            f"This requires the {self.name} module. You can install it via `pip install "
            f"{self.pip_name}`")
        self.module = None

    @property
    def available(self):
        try:
            self.initialize()
            return True
        except ImportError:
            return False

    def initialize(self):
        try:
            self.module = importlib.import_module(self.name)
        except ImportError:
            raise ImportError(self.import_error_msg) from None

    def __getattr__(self, name):
        if name == "_api_export_path":
            raise AttributeError
        if self.module is None:
            self.initialize()
        return getattr(self.module, name)

    def __repr__(self):
        return f"LazyModule({self.name})"


tensorflow = LazyModule("minikeras.tf", pip_name="tensorflow")
tensorflow_io = LazyModule("tensorflow_io", pip_name="tensorflow-io")
