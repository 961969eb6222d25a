"""ReversibleEmbedding (Keras 3's `keras.layers.ReversibleEmbedding`): an Embedding that can also
project hidden states back onto the vocabulary (tied or separate weights)."""
from autograd import numpy as anp

from minikeras import ops
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """`layer(ids)` embeds like Embedding; `layer(hidden, reverse=True)` gives the logits
    hidden @ embeddings.T (or @ reverse_embeddings when `tie_weights=False`), optionally
    soft-capped: tanh(logits / logit_soft_cap) * logit_soft_cap.

    Args (besides Embedding's):
        tie_weights: reuse `embeddings` for the reverse projection (True) or create a separate
            trainable `reverse_embeddings` of shape (output_dim, input_dim).
        reverse_dtype: dtype of the reverse matmul (defaults to the compute dtype).
        logit_soft_cap: optional float bounding the reverse logits.
    Shapes: (batch, ...) ids -> (batch, ..., output_dim); reverse: (batch, ..., output_dim) ->
    (batch, ..., input_dim).
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = anp.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        kernel = ops.cast(kernel, self.compute_dtype)  # read as Keras autocasts it (mixed precision)
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        # The padding mask belongs to the forward lookup (integer ids); the reverse projection
        # of float hidden states emits none, as in Keras.
        if ops.dtype(inputs).startswith(("int", "uint")):
            return super().compute_mask(inputs, mask)
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return shape

    def compute_output_spec(self, inputs, reverse=False):
        return KerasTensor(tuple(self.compute_output_shape(inputs.shape, reverse)),
                           self.reverse_dtype if reverse and self.reverse_dtype else self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
