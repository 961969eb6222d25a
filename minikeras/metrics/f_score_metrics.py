"""F-scores: the weighted harmonic mean of precision and recall, per class or averaged
(Keras's `metrics/f_score_metrics.py`)."""
import numpy as onp

from minikeras.engine import config
from minikeras.metrics.metric import Metric
from minikeras.metrics.metrics_utils import _np

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + b²) · precision · recall / (b² · precision + recall), with b = `beta`.

    Args:
        average: None (one score per class), "micro" (from the total counts), "macro" (the
            mean of the per-class scores) or "weighted" (their mean weighted by support).
        beta: the weight of recall, a Python float > 0.
        threshold: predictions > threshold count as positive; None marks the row's maximum.
        name, dtype.
    Inputs are 2D, (batch_size, num_classes); the state is built at the first update.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             "{None, 'micro', 'macro', 'weighted'}. "
                             f"Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, output_dim), "
                             "with output_dim fully defined (not None). Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", dtype=self.dtype, name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _np(y_true, self.dtype), _np(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:  # the row's maximum, but an all-zero row stays all zero
            positive = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (onp.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = positive.astype(self.dtype)
        if sample_weight is not None:
            sample_weight = _np(sample_weight, self.dtype)
            sample_weight = sample_weight.reshape(
                sample_weight.shape + (1,) * (y_true.ndim - sample_weight.ndim))

        def add(variable, values):
            values = values if sample_weight is None else values * sample_weight
            variable.assign(variable.value + onp.sum(values, axis=self.axis))

        add(self.true_positives, y_pred * y_true)
        add(self.false_positives, y_pred * (1 - y_true))
        add(self.false_negatives, (1 - y_pred) * y_true)
        add(self.intermediate_weights, y_true)

    def result(self):
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + eps)
        recall = tp / (tp + self.false_negatives.value + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            support = self.intermediate_weights.value
            score = onp.sum(score * support / (onp.sum(support) + eps))
        elif self.average is not None:
            score = onp.mean(score)
        return onp.asarray(score, self.dtype)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """2 · precision · recall / (precision + recall): `FBetaScore` with beta = 1."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
