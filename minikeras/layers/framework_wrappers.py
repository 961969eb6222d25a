"""Keras's layers that wrap another framework's model (a JAX function, a Flax module, a PyTorch
module, a TensorFlow SavedModel). minikeras runs on numpy alone, so it cannot run them: each
name exists and refuses clearly, pointing at the scale-out path (real Keras on that backend)."""
from minikeras.layers.layer import Layer


class _ForeignFrameworkLayer(Layer):
    framework = None

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} wraps a {self.framework} model, which minikeras (numpy only) "
            f"cannot run. Use real Keras with the {self.framework} backend for this model, or "
            "rewrite it as Keras layers.")


class JaxLayer(_ForeignFrameworkLayer):
    """Refused: wraps a JAX function (`call_fn`, `init_fn`); use real Keras on JAX."""
    framework = "JAX"


class FlaxLayer(_ForeignFrameworkLayer):
    """Refused: wraps a Flax module; use real Keras on JAX."""
    framework = "JAX (Flax)"


class TorchModuleWrapper(_ForeignFrameworkLayer):
    """Refused: wraps a `torch.nn.Module`; use real Keras on PyTorch."""
    framework = "PyTorch"


class TFSMLayer(_ForeignFrameworkLayer):
    """Refused: loads a TensorFlow SavedModel; use real Keras on TensorFlow."""
    framework = "TensorFlow SavedModel"
