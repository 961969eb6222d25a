"""Global settings mirrored from `keras.config`: floatx, epsilon, image data format, logging,
and the debugging caps on epochs and steps (also read from `KERAS_MAX_EPOCHS` and
`KERAS_MAX_STEPS_PER_EPOCH`, as in Keras)."""
import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_FLAGS = {"interactive_logging": None,  # None: follow KERAS_INTERACTIVE_LOGGING (default on)
          "traceback_filtering": True, "flash_attention": None}
_MAX_EPOCHS = int(os.environ["KERAS_MAX_EPOCHS"]) if "KERAS_MAX_EPOCHS" in os.environ else None
_MAX_STEPS_PER_EPOCH = (int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
                        if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ else None)


def floatx():
    """The default float dtype, "float32" unless changed with `set_floatx`."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float dtype (float16, bfloat16, float32 or float64)."""
    global _FLOATX
    accepted = ("bfloat16", "float16", "float32", "float64")
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    _FLOATX = str(value)


def epsilon():
    """The fuzz factor used in numeric expressions, 1e-7 by default."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """The default image layout: channels_last unless changed."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the default image layout: channels_last or channels_first."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}")
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}")
    return data_format


def backend():
    """The name of the backend: "numpy" — minikeras computes with numpy (and autograd), and
    Keras code that branches on the backend then takes its numpy path."""
    return "numpy"


def set_backend(backend):
    """Only "numpy" is available: minikeras has no other backend to switch to."""
    if backend != "numpy":
        raise ValueError(f"minikeras computes with numpy only; it cannot switch to another "
                         f"backend. Received: backend={backend}")


def enable_interactive_logging():
    """Progress bars and `summary()` print to stdout (the default)."""
    _FLAGS["interactive_logging"] = True


def disable_interactive_logging():
    """Progress bars and `summary()` go to `logging.info` instead of stdout."""
    _FLAGS["interactive_logging"] = False


def is_interactive_logging_enabled():
    """Whether progress bars print to stdout (on unless disabled or KERAS_INTERACTIVE_LOGGING=0)."""
    if _FLAGS["interactive_logging"] is None:
        return os.environ.get("KERAS_INTERACTIVE_LOGGING", "1") != "0"
    return _FLAGS["interactive_logging"]


def enable_traceback_filtering():
    """Accepted for compatibility; minikeras tracebacks are short already."""
    _FLAGS["traceback_filtering"] = True


def disable_traceback_filtering():
    """Accepted for compatibility (see `enable_traceback_filtering`)."""
    _FLAGS["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    """The flag set by `enable_traceback_filtering` / `disable_traceback_filtering`."""
    return _FLAGS["traceback_filtering"]


def enable_flash_attention():
    """Accepted for compatibility; attention is always computed the plain way."""
    _FLAGS["flash_attention"] = True


def disable_flash_attention():
    """Accepted for compatibility (see `enable_flash_attention`)."""
    _FLAGS["flash_attention"] = False


def is_flash_attention_enabled():
    """The flag set by `enable_flash_attention` (None until set, as in Keras)."""
    return _FLAGS["flash_attention"]


def is_nnx_enabled():
    """False: Flax NNX belongs to Keras's JAX backend."""
    return False


def set_max_epochs(max_epochs):
    """Caps `epochs` in every `fit` (for quick debugging runs); None removes the cap."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_epochs():
    """The cap set by `set_max_epochs` or `KERAS_MAX_EPOCHS`, or None."""
    return _MAX_EPOCHS


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of every epoch of fit/evaluate/predict; None removes the cap."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


def max_steps_per_epoch():
    """The cap set by `set_max_steps_per_epoch` or `KERAS_MAX_STEPS_PER_EPOCH`, or None."""
    return _MAX_STEPS_PER_EPOCH


# The global dtype policy (`keras.config.set_dtype_policy`); None until first asked for, when it
# becomes floatx's policy (minikeras/dtype_policies/dtype_policy.py).
_DTYPE_POLICY = None


def global_dtype_policy():
    """The policy set by `set_dtype_policy`, or None."""
    return _DTYPE_POLICY


def set_global_dtype_policy(policy):
    """Stores the global dtype policy (None: back to floatx's on the next read)."""
    global _DTYPE_POLICY
    _DTYPE_POLICY = policy
