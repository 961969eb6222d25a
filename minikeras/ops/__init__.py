"""`keras.ops`: differentiable numpy-like and neural-network functions."""
from minikeras.ops.core import *  # noqa: F401,F403
from minikeras.ops.numpy import *  # noqa: F401,F403
from minikeras.ops.math import *  # noqa: F401,F403
from minikeras.ops.linalg import *  # noqa: F401,F403
from minikeras.ops.image import *  # noqa: F401,F403
from minikeras.ops.einops import rearrange  # noqa: F401
from minikeras.ops.numpy import abs, all, any, max, min, round, sum  # noqa: F401  (shadow builtins on purpose)
from minikeras.ops.nn import *  # noqa: F401,F403
from minikeras.ops.ctc import ctc_decode, ctc_loss  # noqa: F401
from minikeras.ops.conv import conv, conv_transpose, depthwise_conv, separable_conv  # noqa: F401
from minikeras.ops.pooling import average_pool, max_pool  # noqa: F401
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace

_wrap_namespace(globals())  # ops on KerasTensors record graph nodes (functional API)
