"""GroupedQueryAttention (Keras 3's `keras.layers.GroupQueryAttention`, Ainslie et al. 2023):
multi-head attention in which groups of query heads share one key/value head.

    Q = query . Wq + bq   (B, T, U, H)      U = num_query_heads
    K = key . Wk + bk,  V = value . Wv + bv   (B, S, G, H)      G = num_key_value_heads
    K, V repeated U / G times along the heads axis
    A = softmax(Q K^T / sqrt(H), masked)   (B, U, T, S)
    output = (A V [* sigmoid(query . Wg + bg)]) . Wo + bo
"""
import math

import numpy as onp
from autograd import numpy as anp

from minikeras import constraints, initializers, ops, regularizers
from minikeras.engine.config import is_flash_attention_enabled
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.engine.random import SeedGenerator
from minikeras.layers.attention import _dropout, causal_mask
from minikeras.layers.einsum_dense import EinsumDense, einsum_matmul
from minikeras.layers.layer import Layer


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else onp.shape(x)


class GroupedQueryAttention(Layer):
    """Grouped-query attention of `query` (B, T, dim) over `value` (B, S, dim_v), keyed by `key`.

    Args:
        head_dim: size H of each head.
        num_query_heads: number U of query heads.
        num_key_value_heads: number G of key/value heads; must divide U.
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        sliding_window: if set, position i only attends to j with |i - j| < sliding_window.
        flash_attention: accepted for Keras's errors (no fused kernel here).
        use_gate: multiply the attended values by sigmoid(query . Wg + bg) first.
    Weights (in order): query kernel (dim, U, H) + bias (U, H); key and value kernels
    (dim, G, H) + biases (G, H) (the gate's (dim, U, H) between them when used);
    attention_output kernel (U, H, dim) + bias (dim,).
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention or is_flash_attention_enabled()
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if dropout > 0 else None
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        self._return_attention_scores = False
        self._build_shapes_dict = None
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    def _serialization_path(self):
        # Keras exports the class as `keras.layers.GroupQueryAttention` and writes that name.
        return ("keras.layers", "GroupQueryAttention", None) \
            if type(self) is GroupedQueryAttention else None

    # --- building ------------------------------------------------------------------------
    def _sublayer_kwargs(self):
        fresh = lambda i: i.__class__.from_config(i.get_config())  # no two layers share draws
        return dict(kernel_initializer=fresh(self.kernel_initializer),
                    bias_initializer=fresh(self.bias_initializer),
                    kernel_regularizer=self.kernel_regularizer,
                    bias_regularizer=self.bias_regularizer,
                    activity_regularizer=self.activity_regularizer,
                    kernel_constraint=self.kernel_constraint,
                    bias_constraint=self.bias_constraint, dtype=self.dtype_policy)

    def _dense(self, equation, output_shape, bias_axes, name, activation=None):
        return EinsumDense(equation, output_shape=output_shape, activation=activation,
                           bias_axes=bias_axes if self.use_bias else None, name=name,
                           **self._sublayer_kwargs())

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        u, g, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        # Keras's weight order: query, key, (gate), value, attention_output
        self._query_dense = self._dense("bqm,muh->bquh", (None, u, h), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, g, h), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", (None, u, h), "uh", "gate", "sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, g, h), "vh", "value")
        self._value_dense.build(value_shape)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                         "attention_output")
        self._output_dense.build((None, None, u, h))
        for layer in self._layers:  # Keras's paths: "grouped_query_attention/query/kernel"
            for v in layer.weights:
                v.path = f"{self.path}/{layer.name}/{v.name}"
        self.built = True

    def __call__(self, query, value, key=None, **kwargs):
        # build() needs the shapes of query, value and key, not only of the first input
        if not self.built:
            shapes = {"query_shape": _shape(query), "value_shape": _shape(value)}
            if key is not None:
                shapes["key_shape"] = _shape(key)
            self.build(**shapes)
            self._build_shapes_dict = shapes
        return super().__call__(query, value, key, **kwargs)

    def get_build_config(self):
        return None if self._build_shapes_dict is None else {"shapes_dict": self._build_shapes_dict}

    def build_from_config(self, build_config):
        if build_config and not self.built and "shapes_dict" in build_config:
            self.build(**build_config["shapes_dict"])
            self._build_shapes_dict = build_config["shapes_dict"]

    # --- masks ---------------------------------------------------------------------------
    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """AND of the query mask (B, T, 1), value and key masks (B, 1, S), the causal and
        sliding-window masks (1, T, S) and `attention_mask` (B, T, S); None when none is set."""
        masks = []
        if query_mask is not None:
            masks.append(onp.asarray(query_mask).astype(bool)[..., None])
        for m in (value_mask, key_mask):
            if m is not None:
                masks.append(onp.asarray(m).astype(bool)[..., None, :])
        if use_causal_mask:
            masks.append(self._compute_causal_mask(query, value))
        if self.sliding_window is not None:
            masks.append(self._compute_sliding_window_mask(query, value))
        if not masks:
            return attention_mask
        mask = masks[0]
        for m in masks[1:]:
            mask = mask & m
        return mask if attention_mask is None else onp.asarray(attention_mask).astype(bool) & mask

    def _compute_causal_mask(self, query, value=None):
        t = _shape(query)[1]
        return causal_mask(t, t if value is None else _shape(value)[1])

    def _compute_sliding_window_mask(self, query, value=None):
        t = _shape(query)[1]
        s = t if value is None else _shape(value)[1]
        return (onp.abs(onp.arange(t)[:, None] - onp.arange(s)[None, :]) < self.sliding_window)[None]

    def _masked_softmax(self, scores, attention_mask=None, zero_masked=True):
        """Softmax over the keys; masked positions get -1e9 first and (unless `zero_masked` is
        False: Keras's fused path leaves fully masked rows uniform) 0 after."""
        if attention_mask is None:
            return ops.softmax(scores, axis=-1)
        mask = onp.asarray(attention_mask)
        while mask.ndim < anp.ndim(scores):
            mask = onp.expand_dims(mask, -3)  # broadcast over the heads axis
        weights = ops.softmax(anp.where(mask, scores, -1e9), axis=-1)
        return anp.where(mask, weights, 0.0) if zero_masked else weights

    # --- computation ---------------------------------------------------------------------
    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           use_causal_mask=False):
        """softmax(Q K^T / sqrt(H)) V on projected (B, T, U, H) tensors; also the scores
        (None on Keras's fused path: no dropout, no scores requested)."""
        if self._flash_attention and self._return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is "
                             "enabled. Please disable flash attention to access attention scores.")
        fused = not (self.dropout > 0.0 or self._return_attention_scores or anp.ndim(query) != 4)
        if use_causal_mask:
            causal = self._compute_causal_mask(query, value)
            attention_mask = causal if attention_mask is None else \
                onp.asarray(attention_mask).astype(bool) & causal
        scores = einsum_matmul(self._dot_product_equation, query * self._inverse_sqrt_head_dim, key)
        scores = self._masked_softmax(scores, attention_mask, zero_masked=not fused)
        dropped = scores
        if training and self.dropout > 0:
            dropped = _dropout(scores, self.dropout, self._seed_generator)
        output = einsum_matmul(self._combine_equation, dropped, value)
        return output, (None if fused else scores)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        self._return_attention_scores = return_attention_scores
        key = value if key is None else key
        mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                            attention_mask, use_causal_mask)
        # Project without the inputs' masks (the projections do not support masking), then
        # give the caller's tensors their masks back.
        saved = [(t, get_keras_mask(t)) for t in (query, value, key)]
        for t, _ in saved:
            set_keras_mask(t, None)
        try:
            gate = self._gate_dense(query) if self.use_gate else None
            q, k, v = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        finally:
            for t, m in saved:
                if m is not None:
                    set_keras_mask(t, m)
        k = anp.repeat(k, self.num_repeats, axis=2)  # (B, S, U, H): each group serves U / G heads
        v = anp.repeat(v, self.num_repeats, axis=2)
        output, scores = self._compute_attention(q, k, v, mask, training)
        output = self._output_dense(output if gate is None else output * gate)
        return (output, scores) if return_attention_scores else output

    # --- shapes and config ---------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and key_shape={key_shape}")
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        shape = self.compute_output_shape(query.shape, value.shape,
                                          None if key is None else key.shape)
        out = KerasTensor(tuple(shape), self.compute_dtype)
        if not return_attention_scores:
            return out
        kv_len = (value if key is None else key).shape[1]
        scores = (query.shape[0], self.num_query_heads, query.shape[1], kv_len)
        return out, KerasTensor(scores, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "sliding_window": self.sliding_window,
                "dropout": self.dropout,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "seed": self.seed}
