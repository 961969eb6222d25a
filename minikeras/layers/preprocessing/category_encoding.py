"""CategoryEncoding, and the integer-index encoder that the lookup, hashing and
discretization layers share (Keras's `numerical_utils.encode_categorical_inputs`)."""
import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer


def encode_categorical(indices, output_mode, depth, dtype="float32", count_weights=None):
    """Integer indices -> "int" (cast), "one_hot", "multi_hot" or "count" vectors of `depth`.

    one_hot: each index becomes a row; a trailing axis of size 1 is replaced by the depth axis.
    multi_hot / count: the last axis is one sample (rank 1 is a single sample), folded into
    the depth axis: multi_hot marks each index present, count adds them (weighted by
    `count_weights`, whose dtype the output then takes). Indices outside [0, depth) give zeros,
    as `tf.one_hot` and `tf.math.bincount(maxlength=depth)` do.
    """
    indices = onp.asarray(indices)
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        rows, out_shape = indices.reshape(-1, 1), indices.shape + (depth,)
    else:
        rows, out_shape = indices.reshape(-1, indices.shape[-1]), indices.shape[:-1] + (depth,)
    if count_weights is not None:
        weights = onp.asarray(count_weights).reshape(rows.shape)
        dtype = weights.dtype
    else:
        weights = onp.ones(rows.shape, dtype=dtype)
    out = onp.zeros((rows.shape[0], depth), dtype=dtype)
    valid = (rows >= 0) & (rows < depth)
    row_ids = onp.broadcast_to(onp.arange(rows.shape[0])[:, None], rows.shape)
    if output_mode == "count":
        onp.add.at(out, (row_ids[valid], rows[valid]), weights[valid])
    else:
        out[row_ids[valid], rows[valid]] = 1
    return out.reshape(out_shape)


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode_categorical` for an input shape (Keras's rules)."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if input_shape[-1] == 1 and len(input_shape) > 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


class CategoryEncoding(Layer):
    """Encodes integer features as one-hot, multi-hot or count vectors of `num_tokens`.

    Args:
        num_tokens: the number of categories; inputs must lie in [0, num_tokens).
        output_mode: "one_hot" (one row per input element), "multi_hot" (alias "binary": one
            row per sample, a 1 for each index present) or "count" (how often each appears).
        sparse: only False (Keras supports True on TensorFlow only).
    Call: `layer(inputs, count_weights=None)`; count_weights weight each input in "count" mode.
    Shapes: (batch, n) -> (batch, num_tokens) for multi_hot / count; one_hot maps (batch, 1)
    to (batch, num_tokens) and (batch, n) to (batch, n, num_tokens). Output float32.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not "
                "known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self._build_at_init()

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        if count_weights is not None:
            count_weights = onp.asarray(count_weights, dtype=self.compute_dtype)
        # Keras encodes in the variable dtype (float32 under "mixed_float16"), while its output
        # spec says the compute dtype.
        return encode_categorical(inputs, self.output_mode, self.num_tokens,
                                  dtype=self.dtype, count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}

    def _serialization_path(self):
        # Configs name it as Keras does, `keras.layers.CategoryEncoding` (subclasses: their own module).
        return ("keras.layers", "CategoryEncoding", None) if type(self) is CategoryEncoding else None
