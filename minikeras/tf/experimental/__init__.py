"""`tf.experimental`: only `tf.experimental.numpy` (the numpy-like API, on `keras.ops`)."""
from minikeras.tf.experimental import numpy  # noqa: F401
from minikeras._install import missing_attribute as _missing_attribute  # noqa: E402

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
