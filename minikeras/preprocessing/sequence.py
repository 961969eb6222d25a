"""`keras.preprocessing.sequence`: `pad_sequences`."""
from minikeras.utils.sequence_utils import pad_sequences  # noqa: F401
