"""`tf.experimental`: only `tf.experimental.numpy` (the numpy-like API, on `keras.ops`)."""
from minikeras.tf.experimental import numpy  # noqa: F401
