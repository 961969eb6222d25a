"""Regression metrics: mean squared, absolute, percentage and squared-log errors, their root,
log-cosh error, cosine similarity and the R2 score (Keras's `metrics/regression_metrics.py`)."""
import warnings

import numpy as onp

from minikeras.losses import (
    l2_normalize, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, squeeze_or_expand_to_same_rank)
from minikeras.metrics.metric import Metric
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


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination, per output column then aggregated.

    R2 = 1 - sum((y_true - y_pred)**2) / sum((y_true - mean(y_true))**2), with sample weights;
    adjusted R2 = 1 - (1 - R2) (n - 1) / (n - p - 1), n the number of values, p `num_regressors`.

    Args:
        class_aggregation: None (one score per column), "uniform_average" or
            "variance_weighted_average" (columns weighted by their total sum of squares).
        num_regressors: p above; 0 gives the plain R2 score.
        name, dtype.
    Inputs are 2D, (batch_size, output_dim); the state is built at the first update.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_CLASS_AGGREGATIONS}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        n = y_pred_shape[-1]
        self.squared_sum = self.add_variable((n,), "zeros", name="squared_sum")
        self.sum = self.add_variable((n,), "zeros", name="sum")
        self.total_mse = self.add_variable((n,), "zeros", name="residual")
        self.count = self.add_variable((n,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, self.dtype), _np(y_pred, self.dtype))
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = _np(1 if sample_weight is None else sample_weight, self.dtype)
        weight = onp.broadcast_to(weight[:, None] if weight.ndim == 1 else weight, y_true.shape)
        self.sum.assign(self.sum.value + onp.sum(y_true * weight, axis=0))
        self.squared_sum.assign(self.squared_sum.value + onp.sum(y_true * y_true * weight, axis=0))
        self.total_mse.assign(self.total_mse.value + onp.sum((y_true - y_pred) ** 2 * weight, axis=0))
        self.count.assign(self.count.value + onp.sum(weight, axis=0))
        self.num_samples.assign(self.num_samples.value + y_true.size)

    def result(self):
        with onp.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum.value - self.sum.value * (self.sum.value / self.count.value)
            scores = 1 - self.total_mse.value / total
        scores = onp.where(onp.isinf(scores), 0.0, scores).astype(self.dtype)
        if self.class_aggregation == "uniform_average":
            score = onp.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = onp.sum(total * scores) / onp.sum(total)
        else:
            score = scores
        return onp.asarray(self._adjusted(score), self.dtype)

    def _adjusted(self, score):
        n, p = float(self.num_samples.value), self.num_regressors
        if p == 0:
            return score
        if p > n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=3)
        elif p == n - 1:
            warnings.warn("Division by zero in Adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=3)
        else:
            score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def reset_state(self):
        for v in self.variables:
            v.assign(onp.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
