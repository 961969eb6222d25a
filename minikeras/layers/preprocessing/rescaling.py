"""Rescaling: `output = inputs * scale + offset`, in training and inference alike."""
import numpy as onp
from minikeras.engine.autodiff import is_traced

from minikeras.engine import config
from minikeras.layers.layer import Layer


def serialize_value(value):
    """Keras's serialized form of a number, list or numpy array (`__numpy__` dict)."""
    if isinstance(value, (onp.ndarray, onp.generic)):
        if value.ndim == 0:
            return value.item()
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    return value


def deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return onp.array(value["config"]["value"], dtype=value["config"]["dtype"])
    return value


class Rescaling(Layer):
    """Rescales values: `output = inputs * scale + offset` (e.g. scale=1/255 maps [0, 255] to
    [0, 1]; scale=1/127.5, offset=-1 maps it to [-1, 1]). Integer inputs give float outputs.

    Args:
        scale: float, or an array broadcast against the inputs (per channel).
        offset: float, or an array, added after scaling.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = onp.asarray(self.scale, dtype=dtype)
        offset = onp.asarray(self.offset, dtype=dtype)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
        x = inputs if is_traced(inputs) else onp.asarray(inputs).astype(dtype, copy=False)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": serialize_value(self.scale),
                "offset": serialize_value(self.offset)}

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        config_["scale"] = deserialize_value(config_["scale"])
        config_["offset"] = deserialize_value(config_["offset"])
        return super().from_config(config_)
