"""`tf.config`: one CPU device, and the device settings tutorials make (accepted, no effect).

`list_physical_devices("GPU")` is empty, so tutorials take their CPU path.
"""
import collections
import types

from minikeras._install import missing_attribute as _missing_attribute

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])

_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_LOGICAL_CPU = LogicalDevice("/device:CPU:0", "CPU")
_settings = {"run_functions_eagerly": False, "jit": False, "soft_placement": True,
             "memory_growth": {}, "determinism": False}


def _matching(devices, device_type):
    return [d for d in devices if device_type is None or d.device_type == device_type.upper()]


def list_physical_devices(device_type=None):
    """[the CPU] for None or "CPU"; [] for "GPU", "TPU", ..."""
    return _matching([_CPU], device_type)


def list_logical_devices(device_type=None):
    """[the CPU] for None or "CPU"; [] for "GPU", "TPU", ..."""
    return _matching([_LOGICAL_CPU], device_type)


def get_visible_devices(device_type=None):
    """The physical devices (the CPU)."""
    return _matching([_CPU], device_type)


def set_visible_devices(devices, device_type=None):
    """Accepted; the CPU stays the only device."""


def run_functions_eagerly(run_eagerly):
    """Recorded (functions always run eagerly here)."""
    _settings["run_functions_eagerly"] = bool(run_eagerly)


def functions_run_eagerly():
    """The value given to `run_functions_eagerly` (False by default, as TensorFlow)."""
    return _settings["run_functions_eagerly"]


def set_soft_device_placement(enabled):
    """Recorded; it changes nothing."""
    _settings["soft_placement"] = bool(enabled)


def get_soft_device_placement():
    """The value given to `set_soft_device_placement` (True by default)."""
    return _settings["soft_placement"]


def _set_memory_growth(device, enable):
    _settings["memory_growth"][getattr(device, "name", device)] = bool(enable)


def _get_memory_growth(device):
    return _settings["memory_growth"].get(getattr(device, "name", device), False)


def _set_jit(enabled):
    _settings["jit"] = enabled


experimental = types.SimpleNamespace(
    set_memory_growth=_set_memory_growth, get_memory_growth=_get_memory_growth,
    list_physical_devices=list_physical_devices, list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices, set_visible_devices=set_visible_devices,
    enable_op_determinism=lambda: _settings.update(determinism=True),
    enable_tensor_float_32_execution=lambda enabled: None,
    tensor_float_32_execution_enabled=lambda: False,
    set_synchronous_execution=lambda enable: None,
    get_memory_info=lambda device: {"current": 0, "peak": 0},
    reset_memory_stats=lambda device: None,
)
experimental.__doc__ = "`tf.config.experimental`: memory growth and other device settings (no-ops)."

optimizer = types.SimpleNamespace(
    set_jit=_set_jit, get_jit=lambda: _settings["jit"],
    set_experimental_options=lambda options: None, get_experimental_options=lambda: {},
)
optimizer.__doc__ = "`tf.config.optimizer`: XLA / grappler switches (recorded, no effect)."

threading = types.SimpleNamespace(
    set_inter_op_parallelism_threads=lambda num_threads: None,
    set_intra_op_parallelism_threads=lambda num_threads: None,
    get_inter_op_parallelism_threads=lambda: 0, get_intra_op_parallelism_threads=lambda: 0,
)
threading.__doc__ = ("`tf.config.threading`: accepted, no effect (numpy's BLAS threads: "
                     "`keras.config.set_blas_threads`).")

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
