"""HashedCrossing: the values of two or more categorical features, crossed and hashed to a bin.

Keras crosses with `tf.sparse.cross_hashed`, which for each sample folds the features
together, left to right, from a fixed key:

    h = 0xDECAFCAFFE;  h = FingerprintCat64(h, v) for each feature value v;  bin = h % num_bins

where v is an integer's own 64 bits, or Fingerprint64 of a string (see `farmhash.py`).
"""
import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.category_encoding import encode_categorical
from minikeras.layers.preprocessing.farmhash import (CROSS_HASH_KEY, fingerprint64_array,
                                                     fingerprint_cat64)
from minikeras.layers.preprocessing.hashing import as_text


def _column_hashes(values):
    """The uint64 each value of one feature contributes to the cross."""
    values = onp.asarray(values)
    if values.dtype.kind in "iub":
        return values.astype("int64").view("uint64")
    if values.dtype.kind == "f":
        raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. "
                         f"Received: inputs with dtype {values.dtype}")
    return fingerprint64_array(as_text(values))


def cross_hashed(columns, num_bins):
    """Bin index (int64) of each row of equally shaped feature columns."""
    hashed = onp.full(onp.shape(columns[0]), CROSS_HASH_KEY, dtype="uint64")
    for column in columns:
        hashed = fingerprint_cat64(hashed, _column_hashes(column))
    return (hashed % onp.uint64(num_bins)).astype("int64")


class HashedCrossing(Layer):
    """Crosses categorical features by hashing their combined values into `num_bins` bins.

    Args:
        num_bins: the number of bins.
        output_mode: "int" (bin indices, int64) or "one_hot" (float32 vectors of num_bins).
        sparse: only False (Keras supports True on TensorFlow only).
    Call on a list or tuple of at least two features, each of shape (), (batch,) or
    (batch, 1), of integers or strings. Output: that shape ("int") or (batch, num_bins).
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if output_mode not in ("int", "one_hot"):
            raise ValueError("Unknown value for `output_mode` argument of layer HashedCrossing. "
                             "Allowed values are: ('int', 'one_hot'). "
                             f"Received: output_mode={output_mode}")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def _check_inputs(self, shapes):
        if not isinstance(shapes, (list, tuple)):
            raise ValueError("`HashedCrossing` should be called on a list or tuple of inputs. "
                             f"Received: inputs={shapes}")
        if len(shapes) < 2:
            raise ValueError("`HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={shapes}")
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `()`, `(batch_size)` "
                             f"or `(batch_size, 1)`. Received: inputs={shapes}")
        if not all(tuple(s) == first for s in shapes[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. "
                             f"Received: inputs={shapes}")

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            self._check_inputs(inputs)
        inputs = [onp.asarray(x) for x in inputs]
        self._check_inputs([x.shape for x in inputs])
        indices = cross_hashed(inputs, self.num_bins)
        return encode_categorical(indices, self.output_mode, self.num_bins,
                                  dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if not first:
            return (self.num_bins,)
        return first[:-1] + (self.num_bins,) if first[-1] == 1 else first + (self.num_bins,)

    def compute_output_spec(self, inputs):
        self._check_inputs([x.shape for x in inputs])
        return KerasTensor(self.compute_output_shape([x.shape for x in inputs]),
                           dtype=self.compute_dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    def _serialization_path(self):
        # Configs name it as Keras does, `keras.layers.HashedCrossing` (subclasses: their own module).
        return ("keras.layers", "HashedCrossing", None) if type(self) is HashedCrossing else None
