"""Embedding (integer ids -> dense vectors) and Masking (skip time steps equal to a value)."""
import warnings

import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import is_traced, untraced

from minikeras import constraints, initializers, ops, regularizers
from minikeras.layers.layer import Layer
from minikeras.layers.lora import LoRA, merged_weight
from minikeras.utils.argument_validation import positive_int


def _positive_int(value, arg):
    return positive_int(value, arg, None, "`{name}` must be a positive integer. Received: "
                        "{name}={value} (of type {type}).")


def gather_rows(table, ids):
    """`table[ids]`: rows of a (V, D) table for an integer array `ids`, shape ids.shape + (D,).

    A plain row gather when `table` is not being differentiated. When it is, the gather reads
    the flattened table with a 1-D index (id * D + column): autograd's gradient of that is one
    1-D `np.add.at` into a (V * D,) vector, which numpy runs ~10x faster than the row-wise
    `np.add.at` behind `table[ids]` (forward + backward for a (5000, 64) table and (128, 80)
    ids: ~3-5 ms against ~8-12 ms).
    """
    table = ops.convert_to_tensor(table)
    if not is_traced(table):
        return onp.take(table, ids, axis=0)
    depth = anp.shape(table)[1]
    flat = (onp.reshape(ids, (-1, 1)).astype(onp.intp) * depth + onp.arange(depth)).ravel()
    return anp.reshape(anp.reshape(table, (-1,))[flat], onp.shape(ids) + (depth,))


class Embedding(LoRA, Layer):
    """Turns non-negative integer ids into dense vectors: `output[..., :] = embeddings[id]`.

    Args:
        input_dim: size of the vocabulary (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer / _regularizer / _constraint: for the (input_dim, output_dim) table.
        mask_zero: whether id 0 is padding; the layer then emits the mask `ids != 0`.
        weights: optional pre-trained table, `(input_dim, output_dim)` (or a one-item list).
        lora_rank, lora_alpha: LoRA from the start (see `enable_lora` and layers/lora.py).
    Shapes: (batch, ...) integer ids -> (batch, ..., output_dim). Ids outside [0, input_dim)
    raise ValueError (Keras on JAX silently clamps them).
    """

    _lora_target, _lora_constraint_kind = "embeddings", "embedding constraints"
    embeddings = merged_weight("embeddings")

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        input_dim = _positive_int(input_dim, "input_dim")
        output_dim = _positive_int(output_dim, "output_dim")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.")
        if quantization_config is not None:
            raise NotImplementedError("Embedding supports no quantization here.")
        super().__init__(**kwargs)
        self.autocast = False  # as Keras: ids are not cast; the output is cast to the compute dtype
        self._init_lora(lora_rank, lora_alpha)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        if weights is not None:
            self.build()
            one = isinstance(weights, list) and len(weights) == 1
            self.set_weights(weights if one else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self._embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint, trainable=True)
        self.built = True
        self._build_lora(keep_alpha=False)

    def _ids(self, inputs):
        """The inputs as an integer array (floats truncated like Keras's cast), range-checked."""
        ids = onp.asarray(untraced(ops.convert_to_numpy(inputs)))
        if ids.dtype not in (onp.int32, onp.int64):
            ids = ids.astype("int32")
        bad = (ids < 0) | (ids >= self.input_dim)
        if bad.any():
            raise ValueError(
                f"Embedding layer '{self.name}' received the token id {ids[bad].flat[0]}, outside "
                f"[0, input_dim) with input_dim={self.input_dim}. Ids must be integers in "
                f"[0, {self.input_dim - 1}].")
        return ids

    def call(self, inputs):
        out = gather_rows(self.embeddings, self._ids(inputs))
        return out if ops.dtype(out) == self.compute_dtype else ops.cast(out, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "quantization_config": None, **self._lora_config()}


class Masking(Layer):
    """Masks time steps whose features all equal `mask_value`.

    mask[b, t] = any_f(x[b, t, f] != mask_value); output = where(mask[..., None], x, 0).
    Downstream layers (RNNs, global pooling) skip the masked steps.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self._build_at_init()

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.where(keep, inputs, 0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
