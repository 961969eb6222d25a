"""Attention (Luong, dot-product) and AdditiveAttention (Bahdanau) layers.

    scores  = query . key^T                        (Attention, score_mode="dot")
            = c * sum(tanh(s * (q_i + k_j)))        (Attention, score_mode="concat")
            = sum(scale * tanh(q_i + k_j))          (AdditiveAttention)
    weights = softmax(scores - 1e9 * [value masked or j > i when causal])
    output  = weights @ value, zeroed where the query is masked
"""
import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.random import SeedGenerator
from minikeras.layers.layer import Layer


def causal_mask(t_query, t_key):
    """(1, Tq, Tk) boolean: position i may attend to positions j <= i."""
    return onp.tril(onp.ones((t_query, t_key), dtype=bool))[None]


def _dropout(x, rate, seed_generator):
    """Inverted dropout of `x` with a mask drawn from `seed_generator`."""
    keep = seed_generator.rng().random(onp.shape(x)) >= rate
    return x * (keep.astype(x.dtype) / onp.asarray(1.0 - rate, x.dtype))


class Attention(Layer):
    """Dot-product attention (Luong-style) over inputs `[query, value]` or `[query, value, key]`.

    Args:
        use_scale: learn a scalar `scale` multiplying the scores.
        score_mode: "dot" (query . key) or "concat" (sum of tanh(query + key), times a learnt
            scalar `concat_score_weight`).
        dropout: fraction of attention weights dropped in training.
        seed: seed of the dropout mask.
    Shapes: query (B, Tq, dim), value (B, Tv, dim_v), key (B, Tv, dim) -> (B, Tq, dim_v);
    masks [query_mask (B, Tq), value_mask (B, Tv)]; scores (B, Tq, Tv).
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"Layer '{self.name}': `dropout` must be a float in [0, 1]. "
                             f"Received: dropout={dropout}")
        self.use_scale, self.score_mode = use_scale, score_mode
        self.dropout, self.seed = dropout, seed
        if dropout > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    # --- shapes --------------------------------------------------------------------------
    def _validate_inputs(self, inputs, mask=None):
        name = self.__class__.__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. "
                             f"Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{name} layer mask must be a list, namely "
                                 f"[query_mask, value_mask]. Received: mask={mask}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def _check_shapes(self, shapes):
        """query and key must share their last axis; key and value their time axis."""
        q, v = tuple(shapes[0]), tuple(shapes[1])
        k = tuple(shapes[2]) if len(shapes) > 2 else v
        if None not in (q[-1], k[-1]) and q[-1] != k[-1]:
            raise ValueError(
                f"Layer '{self.name}': the last dimension of the query and of the key (the value "
                f"when no key is given) must be equal. Received: query shape {q}, "
                f"{'key' if len(shapes) > 2 else 'value'} shape {k}")
        if len(shapes) > 2 and None not in (k[-2], v[-2]) and k[-2] != v[-2]:
            raise ValueError(f"Layer '{self.name}': key and value must have the same number of "
                             f"time steps. Received: value shape {v}, key shape {k}")

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        self.scale = self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    # --- computation ---------------------------------------------------------------------
    def _calculate_scores(self, query, key):
        """(B, Tq, Tv) scores of each query against each key."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * ops.convert_to_tensor(self.scale)
        pairs = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)  # (B, Tq, Tv, dim)
        if self.scale is not None:
            pairs = ops.convert_to_tensor(self.scale) * pairs
        return ops.convert_to_tensor(self.concat_score_weight) * anp.sum(anp.tanh(pairs), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """softmax(scores, masked to -1e9) @ value, and the (dropped-out) weights."""
        if scores_mask is not None:  # float16 cannot hold 1e9: Keras uses its max, 65504
            big = 65504.0 if scores.dtype == onp.float16 else 1e9
            scores = anp.where(scores_mask, scores, scores - big)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = _dropout(weights, self.dropout, self.seed_generator)
        return ops.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        self._check_shapes([onp.shape(x) for x in inputs])
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self._calculate_scores(q, k)
        scores_mask = None if v_mask is None else onp.expand_dims(onp.asarray(v_mask, bool), -2)
        if use_causal_mask:
            causal = causal_mask(*onp.shape(scores)[-2:])
            scores_mask = causal if scores_mask is None else scores_mask & causal
        output, weights = self._apply_scores(scores, v, scores_mask, training)
        if q_mask is not None:
            output = anp.where(onp.expand_dims(onp.asarray(q_mask, bool), -1), output, 0.0)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return onp.asarray(mask[0])

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        shapes = [tuple(x.shape) for x in inputs]
        self._check_shapes(shapes)
        out = KerasTensor(self.compute_output_shape(shapes), self.compute_dtype)
        if not return_attention_scores:
            return out
        return out, KerasTensor((*shapes[0][:-1], shapes[-1][-2]), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive attention (Bahdanau-style): scores = sum(scale * tanh(query_i + key_j)).

    Args:
        use_scale: learn a per-feature `scale` of shape (dim,), glorot_uniform initialised.
        dropout: fraction of attention weights dropped in training.
    Shapes and masks as `Attention`.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        pairs = anp.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))  # (B, Tq, Tv, dim)
        if self.scale is not None:
            pairs = ops.convert_to_tensor(self.scale) * pairs
        return anp.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
