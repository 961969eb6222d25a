"""`OrbaxCheckpoint`: Keras's checkpointing through Orbax, a JAX-ecosystem library.

minikeras saves with `ModelCheckpoint` (`.keras` / `.weights.h5`, readable by real Keras); the
Orbax format needs JAX, so this name refuses clearly."""
from minikeras.callbacks.callback import Callback


class OrbaxCheckpoint(Callback):
    """Refused: Orbax (JAX) checkpoints; use `ModelCheckpoint`."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "OrbaxCheckpoint writes Orbax (JAX) checkpoints, which minikeras (numpy only) cannot. "
            "Use keras.callbacks.ModelCheckpoint (.keras or .weights.h5 files, which real Keras "
            "reads), or real Keras with the JAX backend.")
