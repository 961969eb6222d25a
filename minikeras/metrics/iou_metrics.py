"""Intersection-over-union metrics for segmentation and classification, from a confusion matrix
accumulated over all updates (Keras's `metrics/iou_metrics.py`)."""
import warnings

import numpy as onp

from minikeras.engine import config
from minikeras.metrics.metric import Metric
from minikeras.metrics.metrics_utils import _np


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="int32"):
    """The (num_classes, num_classes) matrix whose [i, j] sums the weights of the samples with
    label i predicted as j (rows: labels, columns: predictions); 1-D inputs."""
    labels, predictions = _np(labels, dtype).astype("int64"), _np(predictions, dtype).astype("int64")
    values = onp.ones(labels.shape, dtype) if weights is None else _np(weights, dtype)
    out = onp.zeros((int(num_classes), int(num_classes)), dtype)
    onp.add.at(out, (labels, predictions), values)
    return out


class _IoUBase(Metric):
    """Accumulates `total_confusion_matrix`; labels outside [0, num_classes) and `ignore_class`
    are left out. One-hot inputs (`sparse_y_true` / `sparse_y_pred` False) are argmaxed on
    `axis`. The dtype defaults to int32, so float sample weights are truncated, as in Keras."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros", dtype=self.dtype,
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _np(y_true) if self.sparse_y_true else onp.argmax(_np(y_true), axis=self.axis)
        y_pred = _np(y_pred) if self.sparse_y_pred else onp.argmax(_np(y_pred), axis=self.axis)
        y_true, y_pred = y_true.astype(self.dtype).reshape(-1), y_pred.astype(self.dtype).reshape(-1)
        if sample_weight is None:
            sample_weight = 1
        elif "float" in str(getattr(sample_weight, "dtype", "")) and "int" in self.dtype:
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may result "
                          "in an incorrect weight due to type casting Consider using integer weights.")
        sample_weight = onp.broadcast_to(_np(sample_weight, self.dtype).reshape(-1), y_true.shape)
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        cm = confusion_matrix(onp.where(valid, y_true, 0), onp.where(valid, y_pred, 0),
                              self.num_classes, onp.where(valid, sample_weight, 0), self.dtype)
        self.total_cm.assign(self.total_cm.value + cm)


class IoU(_IoUBase):
    """The mean over `target_class_ids` of tp / (tp + fp + fn); classes never seen (in labels
    or predictions) are left out of the mean.

    Args:
        num_classes: the number of classes (the confusion matrix is num_classes²).
        target_class_ids: the classes whose IoU is averaged.
        name, dtype, ignore_class (a label left out, e.g. a void class),
        sparse_y_true, sparse_y_pred (False: one-hot or probabilities, argmaxed on `axis`), axis.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm.value
        tp = onp.diag(cm).astype(self.dtype)
        union = (cm.sum(axis=0).astype(self.dtype) + cm.sum(axis=1).astype(self.dtype) - tp)
        tp = tp[self.target_class_ids].astype("float32")
        union = union[self.target_class_ids].astype("float32")
        valid = union > 1e-9
        eps = onp.float32(config.epsilon())
        iou = onp.where(valid, tp / (union + eps), onp.float32(0))
        return onp.sum(iou, axis=self.axis) / (onp.sum(valid, dtype="float32") + eps)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """`IoU` of two classes: a prediction >= `threshold` is class 1.

    Args: target_class_ids ((0, 1): the mean of both; [1]: the positive class only), threshold,
    name, dtype.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (_np(y_pred, "float32") >= self.threshold).astype(self.dtype)
        return super().update_state(_np(y_true, self.dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """`IoU` averaged over all `num_classes` classes (same Args as IoU, no target_class_ids)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """`IoU` with one-hot labels (and, unless `sparse_y_pred`, one-hot or probability predictions)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` with one-hot labels (and, unless `sparse_y_pred`, one-hot or probability predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
