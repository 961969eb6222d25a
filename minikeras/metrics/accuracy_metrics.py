"""Accuracy metrics: how often predictions match labels — exactly, after a threshold, by argmax,
or within the top k (Keras's `metrics/accuracy_metrics.py`)."""
import numpy as onp

from minikeras.engine import config
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.metrics_utils import _np
from minikeras.metrics.reduction_metrics import _Wrapped


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly."""
    y_pred = _np(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, y_pred.dtype), y_pred)
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where y_true == (y_pred > threshold)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true), _np(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(config.floatx())


def _class_matches(y_true, y_pred, squeeze_if):
    y_true_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and squeeze_if(y_true)
    if reshape:
        y_true = onp.squeeze(y_true, -1)
    matches = (y_true == onp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(config.floatx())
    return matches.reshape(y_true_shape) if reshape else matches


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_true) == argmax(y_pred) (one-hot labels)."""
    y_pred = _np(y_pred)
    y_true = onp.argmax(_np(y_true), axis=-1).astype(y_pred.dtype)
    return _class_matches(y_true, y_pred, lambda t: True)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals argmax(y_pred); labels shaped (N,) or (N, 1)."""
    y_pred = _np(y_pred)
    matches = _class_matches(_np(y_true, y_pred.dtype), y_pred, lambda t: t.shape[-1] == 1)
    return onp.squeeze(matches, -1) if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(targets, predictions, k):
    """Whether fewer than k predictions are strictly greater than the target's (NaN ranks last)."""
    at_label = onp.take_along_axis(predictions, targets[:, None], axis=-1)
    at_label = onp.where(onp.isnan(at_label), -onp.inf, at_label)
    return 1 + onp.sum(predictions > at_label, axis=-1) <= k


def _top_k_matches(y_true, y_pred, k, from_sorted_ids=False):
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    y_true = y_true.reshape(-1)
    if from_sorted_ids:
        matches = onp.any(y_true[:, None] == y_pred[:, :k], axis=1)
    else:
        matches = _in_top_k(y_true.astype("int32"), y_pred, k)
    return matches.astype(config.floatx()).reshape(shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k largest predictions."""
    return _top_k_matches(onp.argmax(_np(y_true), axis=-1), _np(y_pred), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k largest predictions (or the first k ids)."""
    y_pred = _np(y_pred)
    y_true = _np(y_true, y_pred.dtype if from_sorted_ids else "int32")
    return _top_k_matches(y_true, y_pred, k, from_sorted_ids)


class Accuracy(_Wrapped):
    """How often predictions equal labels: mean(y_pred == y_true)."""
    _fn_default = staticmethod(accuracy)

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name, dtype, "up")


class BinaryAccuracy(_Wrapped):
    """How often (y_pred > threshold) equals the binary label."""
    _fn_default, _config_keys = staticmethod(binary_accuracy), ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name, dtype, "up", threshold=threshold)


class CategoricalAccuracy(_Wrapped):
    """How often argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    _fn_default = staticmethod(categorical_accuracy)

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name, dtype, "up")


class SparseCategoricalAccuracy(_Wrapped):
    """How often argmax(y_pred) equals the integer label."""
    _fn_default = staticmethod(sparse_categorical_accuracy)

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name, dtype, "up")


class TopKCategoricalAccuracy(_Wrapped):
    """How often the one-hot label's class is among the k highest predictions."""
    _fn_default, _config_keys = staticmethod(top_k_categorical_accuracy), ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name, dtype, "up", k=k)


class SparseTopKCategoricalAccuracy(_Wrapped):
    """How often the integer label is among the k highest predictions."""
    _fn_default, _config_keys = staticmethod(sparse_top_k_categorical_accuracy), ("k",)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(name, dtype, "up", k=k, from_sorted_ids=from_sorted_ids)

    def get_config(self):
        config = super().get_config()
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
