"""Hashing: strings or integers -> one of `num_bins` bins, `Fingerprint64(str(x)) % num_bins`.

Keras hashes with TensorFlow's `tf.strings.to_hash_bucket_fast`; integers are hashed as their
decimal strings (`tf.as_string`) and floats are first truncated to integers, so the same value
lands in the same bin here and in Keras (see `farmhash.py`).
"""
import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.category_encoding import encode_categorical
from minikeras.layers.preprocessing.farmhash import fingerprint64_array

_MODES = ("int", "one_hot", "multi_hot", "count")


def as_text(values):
    """An object array of Python strings: bytes decoded as UTF-8, numbers as their decimal
    integer strings (floats truncated, as `tf.cast(x, "int64")` then `tf.as_string`)."""
    values = onp.asarray(values)
    if values.dtype.kind in "iub":
        return values.astype("int64").astype(str).astype(object)
    if values.dtype.kind == "f":
        return values.astype("int64").astype(str).astype(object)
    flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.ravel()]
    return onp.array(flat, dtype=object).reshape(values.shape)


class Hashing(Layer):
    """Hashes categorical features into `num_bins` bins (the "hashing trick").

    Args:
        num_bins: the number of bins, mask bin included.
        mask_value: a value sent to bin 0, the others then share bins 1..num_bins-1.
        salt: a keyed (strong) hash in Keras; not available in minikeras.
        output_mode: "int" (bin indices, int64), "one_hot", "multi_hot" or "count" (float32).
        sparse: only False (Keras supports True on TensorFlow only).
    Input: strings, integers or floats (truncated), of any shape.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'in64'. Received: dtype={kwargs['dtype']}")
        if output_mode not in _MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of "
                             f"{_MODES}. Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError('`sparse` may only be true if `output_mode` is `"one_hot"`, '
                             f'`"multi_hot"`, or `"count"`. Received: sparse={sparse} and '
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if salt is not None:
            if not (isinstance(salt, (tuple, list)) and len(salt) == 2 or isinstance(salt, int)):
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size "
                                 f"2 integers, or a single integer. Received: salt={salt}.")
            raise NotImplementedError(
                "`Hashing(salt=...)` (TensorFlow's keyed SipHash) is not implemented in "
                "minikeras; use the unsalted hash.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = False
        self.salt = None
        self.output_mode = output_mode
        self.sparse = sparse
        self._build_input_shape = None

    def build(self, input_shape=None):
        self._build_input_shape = None if input_shape is None else tuple(input_shape)
        self.built = True

    def hash_to_bins(self, values):
        """Bin indices (int64) of an array of values, before any encoding."""
        values = onp.asarray(values)
        bins, mask = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        indices = (fingerprint64_array(as_text(values)) % onp.uint64(bins)).astype("int64")
        if mask is not None:
            indices = onp.where(mask, 0, indices + 1)
        return indices

    def call(self, inputs):
        indices = self.hash_to_bins(inputs)
        return encode_categorical(indices, self.output_mode, self.num_bins, dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.dtype)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}

    def get_build_config(self):
        if self._build_input_shape is not None:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, build_config):
        self.build(build_config.get("input_shape"))

    def _serialization_path(self):
        # Configs name it as Keras does, `keras.layers.Hashing` (subclasses: their own module).
        return ("keras.layers", "Hashing", None) if type(self) is Hashing else None
