"""`keras.preprocessing`: `keras.preprocessing.sequence.pad_sequences`."""
from minikeras.preprocessing import sequence  # noqa: F401
