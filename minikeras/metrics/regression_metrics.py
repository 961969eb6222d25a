"""Regression metrics: mean squared, absolute, percentage and squared-log errors, their root,
log-cosh error and cosine similarity (Keras's `metrics/regression_metrics.py`)."""
import numpy as onp

from minikeras.losses import (
    l2_normalize, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, squeeze_or_expand_to_same_rank)
from minikeras.metrics.metrics_utils import _np
from minikeras.metrics.reduction_metrics import Mean, _Wrapped


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)."""
    y_pred = _np(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, y_pred.dtype), y_pred)
    return onp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(_Wrapped):
    """The mean of `mean_squared_error` over all samples."""
    _fn_default = staticmethod(mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name, dtype, "down")


class MeanAbsoluteError(_Wrapped):
    """The mean of `mean_absolute_error` over all samples."""
    _fn_default = staticmethod(mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name, dtype, "down")


class MeanAbsolutePercentageError(_Wrapped):
    """The mean of `mean_absolute_percentage_error` over all samples."""
    _fn_default = staticmethod(mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name, dtype, "down")


class MeanSquaredLogarithmicError(_Wrapped):
    """The mean of `mean_squared_logarithmic_error` over all samples."""
    _fn_default = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name, dtype, "down")


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_pred - y_true)**2)) over all values seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, self.dtype), _np(y_pred, self.dtype))
        return super().update_state(onp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return onp.sqrt(super().result())


class CosineSimilarity(_Wrapped):
    """The mean cosine similarity along `axis` (Keras leaves `axis` out of the config)."""
    _fn_default = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name, dtype, "up", axis=axis)


class LogCoshError(_Wrapped):
    """The mean of `log_cosh` over all samples."""
    _fn_default = staticmethod(log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name, dtype, "down")
