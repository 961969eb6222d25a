"""Correlation metrics: Pearson's and Lin's concordance correlation along an axis, averaged over
the samples seen (Keras's `metrics/correlation_metrics.py`)."""
import numpy as onp

from minikeras.engine import config
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.metrics_utils import _np
from minikeras.metrics.reduction_metrics import _Wrapped


def _same_rank(y_true, y_pred):
    y_pred = _np(y_pred)
    return squeeze_or_expand_to_same_rank(_np(y_true, y_pred.dtype), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """mean(z(y_true) * z(y_pred)) along `axis`, z the standardised values (population std)."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    t = y_true - onp.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - onp.mean(y_pred, axis=axis, keepdims=True)
    with onp.errstate(divide="ignore", invalid="ignore"):
        t, p = t / onp.std(t, axis=axis, keepdims=True), p / onp.std(p, axis=axis, keepdims=True)
    return onp.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """2 cov / (var_true + var_pred + (mean_true - mean_pred)²) along `axis` (Lin's CCC).

    As Keras computes it: the covariance term centres y_true on the mean of y_pred.
    """
    y_true, y_pred = _same_rank(y_true, y_pred)
    true_mean = onp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = onp.mean(y_pred, axis=axis, keepdims=True)
    norm = (onp.var(y_true - true_mean, axis=axis, keepdims=True)
            + onp.var(y_pred - pred_mean, axis=axis, keepdims=True)
            + onp.square(true_mean - pred_mean))
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    return onp.mean(2 * covar / (norm + config.epsilon()), axis=axis)


class PearsonCorrelation(_Wrapped):
    """The mean of `pearson_correlation` along `axis` over all samples.

    Args: name, dtype, axis (the axis the correlation is computed along).
    """
    _fn_default = staticmethod(pearson_correlation)
    _config_keys = ("axis",)

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name, dtype, "up", axis=axis)


class ConcordanceCorrelation(_Wrapped):
    """The mean of `concordance_correlation` along `axis` over all samples.

    Args: name, dtype, axis (the axis the correlation is computed along).
    """
    _fn_default = staticmethod(concordance_correlation)
    _config_keys = ("axis",)

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name, dtype, "up", axis=axis)
