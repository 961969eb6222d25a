"""`keras.config`: global settings."""
from minikeras.engine.config import (  # noqa: F401
    backend, disable_flash_attention, disable_interactive_logging, disable_traceback_filtering,
    enable_flash_attention, enable_interactive_logging, enable_traceback_filtering, epsilon,
    floatx, image_data_format, is_flash_attention_enabled, is_interactive_logging_enabled,
    is_nnx_enabled, is_traceback_filtering_enabled, max_epochs, max_steps_per_epoch, set_backend,
    set_epsilon, set_floatx, set_image_data_format, set_max_epochs, set_max_steps_per_epoch)
from minikeras.engine.blas_threads import blas_threads, set_blas_threads  # noqa: F401,E402
from minikeras.saving.serialization_lib import enable_unsafe_deserialization  # noqa: F401,E402
from minikeras.dtype_policies.dtype_policy import dtype_policy, set_dtype_policy  # noqa: F401,E402
