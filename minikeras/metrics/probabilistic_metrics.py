"""Probabilistic metrics: KL divergence, Poisson and the crossentropies between labels and
predicted probabilities (Keras's `metrics/probabilistic_metrics.py`)."""
from minikeras import losses
from minikeras.losses import (
    binary_crossentropy, categorical_crossentropy, kl_divergence, poisson,
    sparse_categorical_crossentropy)
from minikeras.metrics.metrics_utils import _np
from minikeras.metrics.reduction_metrics import Mean, _Wrapped


class KLDivergence(_Wrapped):
    """The mean of `kl_divergence` over all samples."""
    _fn_default = staticmethod(kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name, dtype)


class Poisson(_Wrapped):
    """The mean of `poisson` over all samples."""
    _fn_default = staticmethod(poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name, dtype)


class BinaryCrossentropy(_Wrapped):
    """The mean binary crossentropy between labels and predictions."""
    _fn_default, _config_keys = staticmethod(binary_crossentropy), ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name, dtype, "down", from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapped):
    """The mean categorical crossentropy between one-hot labels and predictions."""
    _fn_default = staticmethod(categorical_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name, dtype, "down", from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapped):
    """Mean sparse categorical crossentropy; with `ignore_class` and a `sample_weight`, ignored
    entries get weight 0 (without weights they count as 0-loss samples, as in Keras)."""
    _fn_default = staticmethod(sparse_categorical_crossentropy)
    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(name, dtype, "down", from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _np(y_true), _np(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is not None and self.ignore_class is not None:
            valid = losses._sparse_labels(y_true, y_pred, self.axis) != self.ignore_class
            sample_weight = losses.apply_mask(_np(sample_weight, self.dtype), valid, self.dtype, "sum")
        return Mean.update_state(self, values, sample_weight=sample_weight)
