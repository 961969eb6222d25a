"""`keras.mixed_precision`: Keras 2's names for the dtype policies (Keras 3 keeps them).

    keras.mixed_precision.set_global_policy("mixed_float16")   # = keras.config.set_dtype_policy
"""
from minikeras.dtype_policies.dtype_policy import (  # noqa: F401
    DTypePolicy, dtype_policy, set_dtype_policy)
from minikeras.optimizers import LossScaleOptimizer  # noqa: F401

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy
