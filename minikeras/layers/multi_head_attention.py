"""MultiHeadAttention, as in "Attention Is All You Need", with Keras 3's weights and masks.

    Q = query . Wq + bq,  K = key . Wk + bk,  V = value . Wv + bv     (heads split: (B, T, N, H))
    A = softmax(Q K^T / sqrt(key_dim), masked over the attention axes)   (B, N, T, S)
    output = (A V) . Wo + bo
"""
import math
import string

import numpy as onp
from autograd import numpy as anp

from minikeras import constraints, initializers, ops, regularizers
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.engine.random import SeedGenerator
from minikeras.layers.attention import _dropout, causal_mask
from minikeras.layers.einsum_dense import EinsumDense, einsum_matmul
from minikeras.layers.layer import Layer
from minikeras.utils.argument_validation import in_layer, positive_int

_POSITIVE_OR_NONE = ("Received an invalid value for argument `{name}`, expected a positive integer "
                     "or `None`. Received: {name}={value}")


def build_proj_equation(free_dims, bound_dims, output_dims):
    """Einsum of a projection: free axes kept, bound axes contracted, output axes created."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    new = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def build_attention_equation(rank, attn_axes):
    """(dot_product_equation, combine_equation, scores rank) for projected tensors of `rank`.

    key . query -> (<batch dims>, <query attention dims>, <key attention dims>), where the batch
    dims are all axes but the attention axes and the last (channels); the heads axis is one.
    """
    target = string.ascii_lowercase[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    extra = iter(string.ascii_lowercase[rank:])
    source = "".join(target[i] if i in batch_dims or i == rank - 1 else next(extra)
                     for i in range(rank))
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else onp.shape(x)


class MultiHeadAttention(Layer):
    """Multi-head (scaled dot-product) attention of `query` over `value` (keyed by `key`).

    Args:
        num_heads: number of attention heads N.
        key_dim: size H of each head for query and key.
        value_dim: size of each head for value (default key_dim).
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        output_shape: output size(s) after the batch and attention axes (default query's last).
        attention_axes: axes of the query/value over which attention runs (default all but
            batch, heads and channels).
        sliding_window: if set, position i only attends to j with |i - j| < sliding_window.
        use_gate: multiply the attended values by sigmoid(query . Wg + bg) before the output.
    Weights (in order): query kernel (dim, N, H) + bias (N, H); key likewise; gate (if used);
    value kernel (dim_v, N, value_dim) + bias; attention_output kernel (N, value_dim, out) + bias.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        positive_int(num_heads, "num_heads", self)
        positive_int(key_dim, "key_dim", self)
        positive_int(value_dim, "value_dim", self, _POSITIVE_OR_NONE, allow_none=True)
        positive_int(sliding_window, "sliding_window", self, _POSITIVE_OR_NONE, allow_none=True)
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"Layer '{self.name}': `dropout` must be a float in [0, 1). "
                             f"Received: dropout={dropout}")
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            if not isinstance(output_shape, (list, tuple)):
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.")
            output_shape = tuple(output_shape)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        if flash_attention and dropout > 0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim or key_dim
        self._dropout, self._use_bias, self._use_gate = float(dropout), use_bias, use_gate
        self._output_shape, self._attention_axes = output_shape, attention_axes
        self._sliding_window, self._flash_attention = sliding_window, flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if dropout > 0 else None
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        self._build_shapes_dict = None
        self.supports_masking = True

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # --- building ------------------------------------------------------------------------
    def _check_shapes(self, query_shape, value_shape, key_shape):
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}" + in_layer(self))
        if len(query_shape) != len(value_shape):
            raise ValueError(f"Layer '{self.name}': `query` and `value` must have the same rank. "
                             f"Received: query_shape={query_shape}, value_shape={value_shape}")

    def _dense(self, name, rank, bound_dims, out_dims, activation=None):
        """An EinsumDense projecting the last `bound_dims` axes of a rank-`rank` input."""
        equation, bias_axes, out_rank = build_proj_equation(rank - bound_dims, bound_dims,
                                                            len(out_dims))
        init = lambda i: i.__class__.from_config(i.get_config())
        return EinsumDense(
            equation, output_shape=[None] * (out_rank - 1 - len(out_dims)) + list(out_dims),
            bias_axes=bias_axes if self._use_bias else None, activation=activation, name=name,
            kernel_initializer=init(self._kernel_initializer),
            bias_initializer=init(self._bias_initializer),
            kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
            dtype=self.dtype_policy)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        heads = self._num_heads
        # Keras's weight order: query, key, (gate), value, attention_output
        self._query_dense = self._dense("query", len(query_shape), 1, [heads, self._key_dim])
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("key", len(key_shape), 1, [heads, self._key_dim])
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._dense("gate", len(query_shape), 1,
                                           [heads, self._value_dim], activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("value", len(value_shape), 1, [heads, self._value_dim])
        self._value_dense.build(value_shape)
        rank = len(value_shape) + 1
        axes = tuple(range(1, rank - 2)) if self._attention_axes is None else tuple(
            a if a >= 0 else rank - 1 + a for a in self._attention_axes)
        if any(not 1 <= a <= rank - 3 for a in axes):
            raise ValueError(f"Layer '{self.name}': `attention_axes` must name axes of the query "
                             f"other than the batch and last axes. Received: "
                             f"attention_axes={self._attention_axes} for query_shape={query_shape}")
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = \
            build_attention_equation(rank, axes)
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        self._output_dense = self._dense("attention_output", len(query_shape) + 1, 2,
                                         self._output_shape or [query_shape[-1]])
        self._output_dense.build(query_shape[:-1] + (heads, self._value_dim))
        for layer in self._layers:  # Keras's paths: "multi_head_attention/query/kernel"
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
        """AND of query mask (B, T, 1), value and key masks (B, 1, S), the causal (1, T, S) and
        sliding-window masks, and `attention_mask` (B, T, S); None when there is none."""
        masks = []
        if query_mask is not None:
            masks.append(onp.asarray(query_mask).astype(bool)[..., None])
        for m in (value_mask, key_mask):
            if m is not None:
                masks.append(onp.asarray(m).astype(bool)[..., None, :])
        t, s = _shape(query)[1], _shape(value)[1]
        if use_causal_mask:
            masks.append(causal_mask(t, s))
        if self._sliding_window is not None:
            distance = onp.abs(onp.arange(t)[:, None] - onp.arange(s)[None, :])
            masks.append((distance < self._sliding_window)[None])
        if attention_mask is not None:
            masks.insert(0, onp.asarray(attention_mask).astype(bool))
        if not masks:
            return None
        mask = masks[0]
        for m in masks[1:]:
            mask = mask & m
        return mask

    def _masked_softmax(self, scores, mask=None, zero_masked=True):
        """Softmax over the key attention axes, masked positions set to -1e9 first (and to 0
        after, unless `zero_masked` is False: Keras's fused path leaves fully masked rows uniform)."""
        if mask is None:
            return ops.softmax(scores, axis=self._norm_axes)
        axis = -len(self._attention_axes) * 2 - 1
        while mask.ndim < scores.ndim:
            mask = onp.expand_dims(mask, axis)
        if mask.ndim > scores.ndim or any(m not in (1, d) for m, d in zip(mask.shape[::-1],
                                                                            scores.shape[::-1])):
            raise ValueError(f"Layer '{self.name}': the attention mask must be broadcastable to "
                             f"the attention scores. Received: scores.shape={scores.shape}, "
                             f"mask.shape={mask.shape}")
        large_negative = -3e4 if scores.dtype == onp.float16 else -1e9  # float16 holds no -1e9
        weights = ops.softmax(anp.where(mask, scores, large_negative), axis=self._norm_axes)
        return anp.where(mask, weights, 0.0) if zero_masked else weights

    # --- computation ---------------------------------------------------------------------
    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        """softmax(Q K^T / sqrt(key_dim)) V on projected (B, T, N, H) tensors; also the scores."""
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is "
                             "enabled. Please disable flash attention to access attention scores.")
        # Keras's fused dot_product_attention path leaves fully masked rows uniform
        fused = not (self._dropout > 0 or return_attention_scores or query.ndim != 4)
        query = query * self._inverse_sqrt_key_dim
        scores = einsum_matmul(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask, zero_masked=not fused)
        dropped = scores
        if training and self._dropout > 0:
            dropped = _dropout(scores, self._dropout, self._seed_generator)
        return einsum_matmul(self._combine_equation, dropped, value), scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        if query_mask is None:
            query_mask = get_keras_mask(query)
        mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                            attention_mask, use_causal_mask)
        # like Keras, project without the inputs' masks (the projections do not support
        # masking); unlike Keras, give the caller's tensors their masks back afterwards
        saved = [(t, get_keras_mask(t)) for t in (query, value, key)]
        for t, _ in saved:
            set_keras_mask(t, None)
        try:
            gate = self._gate_dense(query) if self._use_gate else None
            q, k, v = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        finally:
            for t, m in saved:
                if m is not None:
                    set_keras_mask(t, m)
        output, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        output = self._output_dense(output if gate is None else output * gate)
        if query_mask is not None:
            set_keras_mask(output, query_mask)
        return (output, scores) if return_attention_scores else output

    # --- shapes and config ---------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        return query_shape[:-1] + self._output_shape if self._output_shape else query_shape

    def _scores_shape(self, query_shape, key_shape):
        """(<batch and non-attention axes>, N, <query attention axes>, <key attention axes>)."""
        q = query_shape[:-1] + (self._num_heads,)
        k = key_shape[:-1] + (self._num_heads,)
        axes = self._attention_axes
        return (tuple(d for i, d in enumerate(q) if i not in axes)
                + tuple(q[i] for i in axes) + tuple(k[i] for i in axes))

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        key_shape = None if key is None else tuple(key.shape)
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape),
                          self.compute_dtype)
        if not return_attention_scores:
            return out
        scores = self._scores_shape(tuple(query.shape), key_shape or tuple(value.shape))
        return out, KerasTensor(scores, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(),
                "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout,
                "use_bias": self._use_bias, "use_gate": self._use_gate,
                "output_shape": self._output_shape, "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed}
