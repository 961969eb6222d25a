"""Helpers shared by the metric families: untraced numpy views of the inputs, safe division, and
the confusion-matrix counting (true/false positives/negatives at thresholds) behind
`TruePositives`, `Precision`, `Recall` and `AUC` (Keras's `metrics/metrics_utils.py`)."""
from enum import Enum

import numpy as onp

from minikeras.engine import config
from minikeras.engine.autodiff import untraced
from minikeras.engine.variable import Variable
from minikeras.losses import squeeze_or_expand_to_same_rank

NEG_INF = -1e10


class AUCCurve(Enum):
    """Which curve `AUC` integrates: ROC, precision-recall, or precision-recall gain."""
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        for member in AUCCurve:
            if key in (member.value, member.value.lower()):
                return member
        raise ValueError(f'Invalid AUC curve value: "{key}". '
                         'Expected values are ["PR", "ROC", "PRGAIN"]')


class AUCSummationMethod(Enum):
    """How `AUC` sums the area between thresholds: the trapezoid's mid-point height
    ("interpolation"; for PR, Davis & Goadrich's interpolation), or the lower ("minoring") or
    higher ("majoring") of the two heights."""
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        for member in AUCSummationMethod:
            if key in (member.value, member.value.capitalize()):
                return member
        raise ValueError(f'Invalid AUC summation method value: "{key}". '
                         'Expected values are ["interpolation", "majoring", "minoring"]')


def _np(x, dtype=None):
    """An untraced numpy array (reads through Variables and autograd boxes)."""
    x = onp.asarray(untraced(x.value if isinstance(x, Variable) else x))
    return x if dtype is None else x.astype(dtype, copy=False)


def divide_no_nan(a, b):
    """a / b, and 0 where b == 0."""
    with onp.errstate(divide="ignore", invalid="ignore"):
        q = onp.true_divide(a, b)
    return onp.where(onp.asarray(b) == 0, 0, q).astype(q.dtype)


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The `thresholds` argument as a list, each checked to lie in [0, 1]."""
    if thresholds is not None:
        values = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
        invalid = [t for t in values if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    thresholds = default_threshold if thresholds is None else thresholds
    return list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]


def is_evenly_distributed_thresholds(thresholds):
    """Whether `thresholds` are i / (n - 1) for i = 0..n-1 (n >= 3)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = onp.arange(n, dtype="float32") / (n - 1)
    return onp.allclose(thresholds, even, atol=config.epsilon())


def _filter_top_k(x, k):
    """x where x is among the k largest along the last axis, NEG_INF elsewhere."""
    idx = onp.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = onp.zeros_like(x)
    onp.put_along_axis(mask, idx, 1.0, axis=-1)
    return x * mask + NEG_INF * (1 - mask)


def _threshold_counts(labels, preds, weights, thresholds, multi_label):
    """tp / fp / tn / fn per threshold by comparing every prediction with every threshold."""
    if not multi_label:
        labels, preds = labels.reshape(-1), preds.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    pos = preds[None] > thresholds.reshape((-1,) + (1,) * preds.ndim)
    labels = labels[None]

    def count(mask):
        kept = mask.astype(preds.dtype) if weights is None else onp.where(mask, weights[None], 0)
        return onp.sum(kept, axis=1, dtype=preds.dtype)

    return {"tp": count(labels & pos), "fn": count(labels & ~pos),
            "fp": count(~labels & pos), "tn": count(~labels & ~pos)}


def _bucket_counts(labels, preds, weights, num_thresholds, multi_label, with_epsilon):
    """tp / fp / tn / fn for evenly spaced thresholds, by bucketing each prediction once."""
    dtype = preds.dtype
    weights = onp.asarray(1.0, dtype) if weights is None else weights
    preds, labels = onp.clip(preds, 0.0, 1.0), labels.astype(dtype)
    if not multi_label:
        preds, labels = preds.reshape(-1, 1), labels.reshape(-1, 1)
        weights = weights.reshape(-1, 1) if weights.ndim else weights
    true_w, false_w = labels * weights, (1.0 - labels) * weights
    bucket = onp.ceil(preds * dtype.type(num_thresholds - 1)) - 1
    bucket = (onp.maximum(bucket, 0) if with_epsilon else bucket).astype("int64")
    valid = (bucket >= 0) & (bucket < num_thresholds)
    flat = (bucket + onp.arange(bucket.shape[1]) * num_thresholds)[valid]
    size = bucket.shape[1] * num_thresholds

    def cumulative(w):  # per-bucket sums, then sum over buckets >= i, shaped (T, labels)
        w = onp.broadcast_to(w, bucket.shape)[valid]
        bins = onp.bincount(flat, weights=w, minlength=size).astype(dtype).reshape(-1, num_thresholds)
        return onp.flip(onp.cumsum(onp.flip(bins, 1), axis=1, dtype=dtype), 1).T

    tp, fp = cumulative(true_w), cumulative(false_w)
    total_true = onp.sum(onp.broadcast_to(true_w, bucket.shape), axis=0, dtype=dtype)
    total_false = onp.sum(onp.broadcast_to(false_w, bucket.shape), axis=0, dtype=dtype)
    out = {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}
    return out if multi_label else {k: v[:, 0] for k, v in out.items()}


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, thresholds_distributed_evenly=False):
    """Add this batch's true/false positive/negative counts (keys "tp", "fp", "tn", "fn") at
    each threshold to the given variables: a prediction is positive when > threshold."""
    dtype = next(iter(variables_to_update.values())).dtype
    y_true, y_pred = _np(y_true, dtype), _np(y_pred, dtype)
    thresholds = onp.asarray(thresholds, dtype=dtype)
    with_epsilon = bool(thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = onp.expand_dims(_np(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = None if sample_weight is None else onp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = onp.broadcast_to(onp.expand_dims(_np(label_weights, dtype), 0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    labels = y_true.astype(bool)
    if thresholds_distributed_evenly:
        counts = _bucket_counts(labels, y_pred, weights, len(thresholds), multi_label, with_epsilon)
    else:
        counts = _threshold_counts(labels, y_pred, weights, thresholds, multi_label)
    for key, variable in variables_to_update.items():
        variable.assign(variable.value + counts[key])
