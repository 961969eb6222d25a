"""`keras.layers`."""
from minikeras.layers.layer import InputSpec, Layer  # noqa: F401
from minikeras.layers.core import Dense, Dropout, Flatten, Identity, Input, InputLayer  # noqa: F401
