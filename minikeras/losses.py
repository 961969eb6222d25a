"""`keras.losses`: loss functions and `Loss` classes, differentiable by autograd in `y_pred`.

A loss function `fn(y_true, y_pred)` returns one value per sample (the class axis reduced);
a `Loss` object applies `sample_weight` and the reduction (Keras's `reduce_weighted_values`).
`y_pred` may be a traced autograd value; `y_true` and `sample_weight` are plain arrays.
"""
import inspect
import math
import warnings

import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import untraced

from minikeras import ops, tree
from minikeras.ops import nn
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.engine import config
from minikeras.utils import registry

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


# --- helpers shared with metrics -------------------------------------------------------
def auto_name(class_name):
    """`"MeanSquaredError"` -> `"mean_squared_error"`, made unique like Keras (`_1`, `_2`...)."""
    from minikeras.utils.naming import to_snake_case, uniquify  # one uid table, as in Keras
    return uniquify(to_snake_case(class_name))


def compute_dtype(dtype):
    """The compute dtype of a dtype or dtype-policy name (`"mixed_float16"` -> `"float16"`)."""
    dtype = getattr(dtype, "compute_dtype", dtype) or config.floatx()
    dtype = str(getattr(dtype, "name", dtype))
    return dtype[len("mixed_"):] if dtype.startswith("mixed_") else dtype


def _plain(x, dtype=None):
    """An untraced numpy array (labels, weights)."""
    x = onp.asarray(untraced(getattr(x, "value", x)))
    return x if dtype is None else x.astype(dtype, copy=False)


def _pred(y_pred):
    """`y_pred` as an array or traced value (Python floats become floatx)."""
    return ops.convert_to_tensor(y_pred)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze / expand the last axis of one of two arrays whose ranks differ by exactly 1."""
    r1, r2 = anp.ndim(x1), anp.ndim(x2)
    if r1 == r2 + 1 and anp.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = anp.expand_dims(x2, -1)
        else:
            x1 = anp.squeeze(x1, -1)
    if r2 == r1 + 1 and anp.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = anp.expand_dims(x1, -1)
        else:
            x2 = anp.squeeze(x2, -1)
    return x1, x2


def standardize_reduction(reduction):
    """`reduction` checked to be one of the names Keras accepts."""
    if reduction not in _REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{set(_REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean mask into the sample weights (rescaled by total/valid for mean reductions)."""
    if mask is None:
        return sample_weight
    mask = _plain(mask).astype(bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = mask.sum()
        float_mask = onp.where(mask, mask.size / valid if valid else 0.0, 0.0).astype(dtype)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, _plain(sample_weight, dtype))
    return sample_weight * float_mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """sum(values), divided by the number of values (or by sum(sample_weight)) for mean reductions."""
    shape = anp.shape(values)
    if reduction in (None, "none") or shape in ((), (0,)):
        return values
    loss = anp.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = onp.sum(sample_weight)
    else:
        divisor = math.prod(shape)
    return loss / onp.asarray(divisor, dtype=loss.dtype) if divisor else loss * 0.0


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Keras's loss reduction: values * sample_weight (ranks aligned), then `reduce_values`."""
    reduction = standardize_reduction(reduction)
    values = ops.cast(values, dtype) if dtype else values
    dtype = untraced(values).dtype
    if sample_weight is not None:
        sample_weight = _plain(sample_weight, dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# --- base classes ------------------------------------------------------------------------
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample losses.

    Args:
        name: defaults to the snake-cased class name.
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        dtype: the computation dtype, `keras.config.floatx()` by default.
    """

    _keras_module = "losses"

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = compute_dtype(dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None, *, mask=None):
        """The reduced loss. `mask` (a minikeras extension) is the output mask Keras reads
        off `y_pred`; it is merged with any mask the loss itself makes (`ignore_class`)."""
        if mask is None and not tree.is_nested(y_pred):
            mask = get_keras_mask(y_pred)
        # a loss may take a structure of outputs (a dict, a tuple of tensors), as in Keras
        y_pred = tree.map_structure(lambda y: ops.cast(y, self.dtype), y_pred)
        y_true = tree.map_structure(lambda y: _plain(y, self.dtype), y_true)
        losses = self.call(y_true, y_pred)
        out_mask = self._output_mask(y_true, y_pred)
        if out_mask is None:  # a mask the loss function put on its output (circle)
            out_mask = get_keras_mask(losses)
        if mask is not None and out_mask is not None:
            mask = _plain(mask).astype(bool) & out_mask
        elif out_mask is not None:
            mask = out_mask
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction, self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def _output_mask(self, y_true, y_pred):
        return None

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A `Loss` around `fn(y_true, y_pred, **kwargs)`, aligning the ranks of the two first."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return registry.with_fn_config(super().get_config(), self.fn, self._fn_kwargs, serialize)

    @classmethod
    def from_config(cls, config):
        return cls(**registry.without_fn_config(config, deserialize))

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


# --- loss functions --------------------------------------------------------------------
def _prep(y_true, y_pred, align=True):
    y_pred = _pred(y_pred)
    y_true = _plain(y_true, untraced(y_pred).dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred) if align else (y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)**2, axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return anp.mean(anp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|, axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return anp.mean(anp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    diff = anp.abs((y_true - y_pred) / onp.maximum(onp.abs(y_true), config.epsilon()))
    return 100.0 * anp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    eps = config.epsilon()
    first = anp.log(anp.maximum(y_pred, eps) + 1.0)
    second = onp.log(onp.maximum(y_true, eps) + 1.0)
    return anp.mean(anp.square(first - second), axis=-1)


def l2_normalize(x, axis=-1):
    """x / max(||x||, eps) along `axis` (Keras's `x * min(rsqrt(sum(x**2)), 1/eps)`)."""
    eps = config.epsilon()
    return x / anp.sqrt(anp.maximum(anp.sum(anp.square(x), axis=axis, keepdims=True), eps * eps))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return -anp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """mean(0.5 e**2 if |e| <= delta else delta |e| - 0.5 delta**2, axis=-1), e = y_pred - y_true."""
    y_true, y_pred = _prep(y_true, y_pred)
    error = y_pred - y_true
    abs_error = anp.abs(error)
    quadratic = untraced(abs_error) <= delta
    return anp.mean(anp.where(quadratic, 0.5 * anp.square(error),
                              delta * abs_error - 0.5 * delta ** 2), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(x)), axis=-1) with x = y_pred - y_true, as x + softplus(-2x) - log 2."""
    y_true, y_pred = _prep(y_true, y_pred)
    x = y_pred - y_true
    return anp.mean(x + anp.logaddexp(-2.0 * x, 0.0) - math.log(2.0), axis=-1)


def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1}; any other labels are used as they are."""
    return 2.0 * y_true - 1.0 if onp.all((y_true == 0) | (y_true == 1)) else y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0), axis=-1), labels {0,1} mapped to {-1,1}."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    return anp.mean(anp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)**2, axis=-1), labels {0,1} mapped to {-1,1}."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    return anp.mean(anp.square(anp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    pos = anp.sum(y_true * y_pred, axis=-1)
    neg = anp.max((1.0 - y_true) * y_pred, axis=-1)
    return anp.maximum(neg - pos + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """sum(t * log(t / p), axis=-1) with t, p clipped to [eps, 1]."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    eps = config.epsilon()
    y_true = onp.clip(y_true, eps, 1.0)
    return anp.sum(y_true * anp.log(y_true / anp.clip(y_pred, eps, 1.0)), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    return anp.mean(y_pred - y_true * anp.log(y_pred + config.epsilon()), axis=-1)


def _check_same_shape(target, output):
    if anp.shape(target) != anp.shape(output):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={anp.shape(target)}, output.shape={anp.shape(output)}")


def _binary_crossentropy(target, output, from_logits):
    """Elementwise -(t log p + (1 - t) log(1 - p)); with logits, max(x,0) - x t + log1p(e^-|x|)."""
    _check_same_shape(target, output)
    if from_logits:
        return anp.maximum(output, 0.0) - output * target + anp.log1p(anp.exp(-anp.abs(output)))
    eps = config.epsilon()
    output = anp.clip(output, eps, 1.0 - eps)
    return -(target * anp.log(output) + (1.0 - target) * anp.log(1.0 - output))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean(bce(t, p), axis) with t smoothed to t (1 - s) + s / 2."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return anp.mean(_binary_crossentropy(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean((1 - p_t)**gamma * bce, axis), p_t = t p + (1 - t)(1 - p), optionally alpha-weighted."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = _binary_crossentropy(y_true, y_pred, False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = anp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return anp.mean(focal, axis=axis)


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def _smooth_categorical(y_true, y_pred, name, label_smoothing):
    if anp.shape(y_pred)[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={anp.shape(y_pred)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=3)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / anp.shape(y_true)[-1]
    return y_true


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t * log p, axis), t smoothed to t (1 - s) + s / num_classes."""
    _check_axis(axis)
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    y_true = _smooth_categorical(y_true, y_pred, "categorical_crossentropy", label_smoothing)
    _check_same_shape(y_true, y_pred)
    if anp.ndim(y_true) < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={anp.shape(y_true)}, output.shape={anp.shape(y_pred)}")
    return nn._crossentropy(y_true, y_pred, from_logits, axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha (1 - p)**gamma * -t log p, axis), p = clip(p / sum(p), eps, 1 - eps)."""
    _check_axis(axis)
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    y_true = _smooth_categorical(y_true, y_pred, "categorical_focal_crossentropy", label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = anp.clip(y_pred / anp.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    focal = alpha * anp.power(1.0 - output, gamma) * (-y_true * anp.log(output))
    return anp.sum(focal, axis=axis)


def _sparse_labels(y_true, y_pred, axis):
    y_true = _plain(y_true)
    if y_true.ndim == anp.ndim(y_pred) and y_true.shape[axis] == 1:
        y_true = onp.squeeze(y_true, axis=axis)
    return y_true


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log p[label] along `axis`; labels equal to `ignore_class` give 0.

    The label's log-probability is picked with a one-hot mask (one fused traced operation).
    """
    y_pred = _pred(y_pred)
    labels = _sparse_labels(y_true, y_pred, axis)
    valid = None if ignore_class is None else labels != ignore_class
    labels = labels.astype("int32")
    if anp.ndim(y_pred) < 1:
        raise ValueError("Argument `output` must be at least rank 1. "
                         f"Received: output.shape={anp.shape(y_pred)}")
    if labels.shape != anp.shape(y_pred)[:-1]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={labels.shape}, output.shape={anp.shape(y_pred)}")
    num_classes = anp.shape(y_pred)[axis]
    one_hot = labels[..., None] == onp.arange(num_classes, dtype="int32")
    if valid is not None:
        one_hot = one_hot & valid[..., None]
    one_hot = onp.moveaxis(one_hot, -1, axis).astype(untraced(y_pred).dtype)
    return nn._crossentropy(one_hot, y_pred, from_logits, axis)


def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(t p) / (sum(t) + sum(p) + eps), summed over `axis` (all axes by default)."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    inter = anp.sum(y_true * y_pred, axis=axis)
    return 1.0 - 2.0 * inter / (onp.sum(y_true, axis=axis) + anp.sum(y_pred, axis=axis) + config.epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN + eps) with soft counts summed over `axis`."""
    y_true, y_pred = _prep(y_true, y_pred, align=False)
    tp = anp.sum(y_true * y_pred, axis=axis)
    fp = anp.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = anp.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - tp / (tp + fp * alpha + fn * beta + config.epsilon())



def ctc(y_true, y_pred):
    """CTC loss per sequence: `y_true` (batch, max_label_length) int labels padded with 0 (the
    blank), `y_pred` (batch, time, classes) logits; every sequence uses all its time steps."""
    if len(_shape(y_true)) != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` "
            f"in integer format. Received: y_true.shape={_shape(y_true)}")
    if len(_shape(y_pred)) != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape "
            f"`(batch_size, max_length, num_classes)`. Received: y_pred.shape={_shape(y_pred)}")
    y_true = _plain(y_true)
    batch_size, time_steps = _shape(y_pred)[:2]
    label_length = onp.sum(y_true != 0, axis=-1).astype("int32")
    input_length = onp.full((batch_size,), time_steps, "int32")
    return ops.ctc_loss(y_true, _pred(y_pred), label_length, input_length, mask_index=0)


def _build_pos_neg_masks(query_labels, key_labels, remove_diagonal=True):
    """Same-label (positive) and different-label (negative) pair masks, (queries, keys)."""
    query_labels, key_labels = onp.reshape(query_labels, (-1, 1)), onp.reshape(key_labels, (-1, 1))
    positive = query_labels == key_labels.T
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~onp.eye(query_labels.size, key_labels.size, dtype=bool)
    return positive, negative


def _masked_logsumexp(x, mask):
    """logsumexp over axis 1 of the entries `mask` keeps; -inf (with a zero gradient, where
    a plain logsumexp of only -inf would give NaN) for rows that keep none."""
    rows = onp.any(mask, axis=1)
    safe = anp.where(mask | ~rows[:, None], x, -onp.inf)
    out = ops.logsumexp(anp.where(rows[:, None], safe, 0.0), axis=1)
    return anp.where(rows, out, -onp.inf)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss (Sun et al., 2020) on L2-normalised embeddings `y_pred` with labels `y_true`:

        d = max(1 - y_pred ref^T, 0)  (cosine distances to the reference embeddings)
        positives: a_p = max(margin + d, 0),  s_p = -gamma a_p (margin - d)
        negatives: a_n = max(1 + margin - d, 0),  s_n = gamma a_n (1 - margin - d)
        loss = softplus(logsumexp(s_p) + logsumexp(s_n)) per query; the rows where it is 0 are
        masked out of the reduction.
    """
    y_pred = _pred(y_pred)
    y_true = _plain(y_true).astype("int32")
    ref = y_pred if ref_embeddings is None else _pred(ref_embeddings)
    ref_labels = y_true if ref_labels is None else _plain(ref_labels).astype("int32")
    distances = anp.maximum(1.0 - anp.matmul(y_pred, anp.transpose(ref)), 0.0)
    positive, negative = _build_pos_neg_masks(y_true, ref_labels, remove_diagonal)
    dtype = untraced(distances).dtype
    pos_weights = anp.maximum((margin + distances) * positive.astype(dtype), 0.0)
    neg_weights = anp.maximum((1 + margin - distances) * negative.astype(dtype), 0.0)
    pos = -1 * gamma * pos_weights * (margin - distances)
    neg = gamma * neg_weights * (1 - margin - distances)
    loss = ops.softplus(_masked_logsumexp(pos, positive) + _masked_logsumexp(neg, negative))
    set_keras_mask(loss, untraced(loss) > 0)
    return loss


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p**q) / q with p the probability of the true class (integer `y_true`)."""
    y_pred = _pred(y_pred)
    num_classes = _shape(y_pred)[-1]
    one_hot = (_plain(y_true).astype("int64")[..., None] == onp.arange(num_classes))
    p = anp.sum(y_pred * one_hot.astype(untraced(y_pred).dtype), axis=-1)
    return (1 - p ** q) / q

# --- Loss classes ------------------------------------------------------------------------
class _Configured(LossFunctionWrapper):
    """A wrapper whose keyword arguments named in `_config_keys` are attributes and config."""

    _config_keys = ()

    def __init__(self, fn, reduction, name, dtype, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key in self._config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self):
        return {**Loss.get_config(self), **{k: getattr(self, k) for k in self._config_keys}}


_SOBS = "sum_over_batch_size"


class MeanSquaredError(_Configured):
    """mean((y_true - y_pred)**2) per sample."""

    def __init__(self, reduction=_SOBS, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(_Configured):
    """mean(|y_true - y_pred|) per sample."""

    def __init__(self, reduction=_SOBS, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(_Configured):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) per sample."""

    def __init__(self, reduction=_SOBS, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(_Configured):
    """mean((log(1 + y_pred) - log(1 + y_true))**2) per sample."""

    def __init__(self, reduction=_SOBS, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(_Configured):
    """-cos(y_true, y_pred) along `axis` (Keras leaves `axis` out of the config)."""

    def __init__(self, axis=-1, reduction=_SOBS, name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(_Configured):
    """Quadratic for |error| <= delta, linear beyond (Keras leaves `delta` out of the config)."""

    def __init__(self, delta=1.0, reduction=_SOBS, name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(_Configured):
    """mean(log(cosh(y_pred - y_true))) per sample."""

    def __init__(self, reduction=_SOBS, name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class Hinge(_Configured):
    """mean(max(1 - y_true * y_pred, 0)) per sample; labels {0, 1} become {-1, 1}."""

    def __init__(self, reduction=_SOBS, name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(_Configured):
    """mean(max(1 - y_true * y_pred, 0)**2) per sample; labels {0, 1} become {-1, 1}."""

    def __init__(self, reduction=_SOBS, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(_Configured):
    """max(max_neg - pos + 1, 0) per sample, for one-hot `y_true`."""

    def __init__(self, reduction=_SOBS, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


class KLDivergence(_Configured):
    """sum(y_true * log(y_true / y_pred)) per sample."""

    def __init__(self, reduction=_SOBS, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(_Configured):
    """mean(y_pred - y_true * log(y_pred + eps)) per sample."""

    def __init__(self, reduction=_SOBS, name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class BinaryCrossentropy(_Configured):
    """Binary crossentropy of probabilities (clipped to [eps, 1 - eps]) or logits."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOBS,
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(_Configured):
    """Binary crossentropy scaled by (1 - p_t)**gamma, optionally alpha-balanced."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction=_SOBS, name="binary_focal_crossentropy",
                 dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_Configured):
    """-sum(y_true * log p) for one-hot `y_true`, p = softmax(logits) or normalised probabilities."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SOBS,
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_Configured):
    """Categorical crossentropy scaled by alpha (1 - p)**gamma."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=_SOBS, name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_Configured):
    """-log p[label] for integer labels shaped (N,) or (N, 1); entries whose label is
    `ignore_class` are masked out of the reduction (the mean is over the other entries)."""

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction=_SOBS, axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def _output_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _sparse_labels(y_true, y_pred, self._fn_kwargs["axis"]) != self.ignore_class


class Dice(_Configured):
    """1 - Dice coefficient over `axis`."""

    _config_keys = ("axis",)

    def __init__(self, reduction=_SOBS, name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(_Configured):
    """1 - Tversky index over `axis`."""

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction=_SOBS, name="tversky", axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)



class CTC(_Configured):
    """CTC loss of integer label sequences (0-padded, 0 the blank) given per-step logits."""

    def __init__(self, reduction=_SOBS, name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)


class Circle(_Configured):
    """Circle loss of L2-normalised embeddings `y_pred` with integer labels `y_true`: pulls
    same-label pairs together, pushes others apart, each weighted by how far it is from its
    optimum. Queries whose loss is 0 are left out of the reduction."""

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction=_SOBS,
                 name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)


class CategoricalGeneralizedCrossEntropy(_Configured):
    """(1 - p**q) / q, p the predicted probability of the integer label: close to
    crossentropy as q -> 0, to mean absolute error as q -> 1; robust to noisy labels."""

    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction=_SOBS, name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)

# --- registry ----------------------------------------------------------------------------
_CLASSES = [Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
            BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh,
            Huber, Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, CTC, Circle]
_FUNCTIONS = [kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
              categorical_crossentropy, categorical_focal_crossentropy,
              sparse_categorical_crossentropy, mean_squared_error, mean_absolute_error,
              mean_absolute_percentage_error, mean_squared_logarithmic_error, cosine_similarity,
              log_cosh, huber, hinge, squared_hinge, categorical_hinge, dice, tversky, ctc,
              circle]
ALL_OBJECTS = {o.__name__: o for o in _CLASSES + _FUNCTIONS}
# Public, but left out of Keras's name table: `get("...")` refuses them as Keras does, while a
# serialized config (which names the module, "keras.losses") still loads.
_CONFIG_ONLY = {o.__name__: o for o in (CategoricalGeneralizedCrossEntropy,
                                         categorical_generalized_cross_entropy)}
ALL_OBJECTS.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy, "kld": kl_divergence,
    "KLD": kl_divergence, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error, "mape": mean_absolute_percentage_error,
    "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
    "MSLE": mean_squared_logarithmic_error})
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy


def serialize(loss):
    """The Keras config dict of a `Loss` or a loss function."""
    if loss is None or isinstance(loss, (str, dict)):
        return loss
    if inspect.isfunction(loss):
        # what Keras 3.15 writes for functions (a user's registered one as "package>name")
        from minikeras.saving.object_registration import get_registered_name
        return {"module": "builtins", "class_name": "function", "config": get_registered_name(loss),
                "registered_name": "function"}
    out = registry.class_config(loss)
    if type(loss).__name__ not in ALL_OBJECTS and type(loss).__name__ not in _CONFIG_ONLY:
        out["module"] = type(loss).__module__
    return out


def deserialize(config, custom_objects=None):
    """A loss function or `Loss` from a name or a config dict."""
    table = {**ALL_OBJECTS, **(custom_objects or {})}
    if isinstance(config, str):
        obj = registry.lookup("loss", config, table)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret loss identifier: {config}")
    table.update({k: v for k, v in _CONFIG_ONLY.items() if k not in table})
    if config["class_name"] == "function":
        return registry.lookup("loss", config["config"], table)
    cls = registry.lookup("loss", config["class_name"], table)
    return cls.from_config(config.get("config", {}))


def get(identifier):
    """A loss from a name (function or class name), a config dict, a callable or an instance.

    Class names give a `Loss` instance; function names give the function, as in Keras.
    """
    return registry.get_callable("loss", identifier, ALL_OBJECTS, deserialize)


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else onp.shape(x)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """(is_binary, is_sparse_categorical) from the shapes, as Keras decides at compile time."""
    t_shape, p_shape = _shape(y_true), _shape(y_pred)
    is_binary = p_shape[-1] == 1
    is_sparse = len(t_shape) < len(p_shape) or t_shape[-1] == 1 and p_shape[-1] > 1
    return is_binary, is_sparse


def object_name(obj):
    """Keras's `get_object_name`: `.name`, else the snake-cased function or class name."""
    from minikeras.utils.naming import to_snake_case
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)


def resolve(identifier, y_true, y_pred):
    """The `Loss` that `compile(loss=identifier)` uses (Keras's `compile_utils.get_loss`).

    "crossentropy" / "ce" become binary, sparse categorical or categorical crossentropy from
    the shapes; a function is wrapped in `LossFunctionWrapper` named as the user wrote it.
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        obj = (binary_crossentropy if is_binary else sparse_categorical_crossentropy
               if is_sparse else categorical_crossentropy)
    else:
        obj = get(identifier)
    if not isinstance(obj, Loss):
        name = identifier if isinstance(identifier, str) else object_name(obj)
        obj = LossFunctionWrapper(obj, name=name)
    return obj
