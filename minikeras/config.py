"""`keras.config`: global settings."""
from minikeras.engine.config import (  # noqa: F401
    backend, epsilon, floatx, image_data_format, is_interactive_logging_enabled, set_epsilon,
    set_floatx, set_image_data_format)
