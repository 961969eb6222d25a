"""Weighted metrics against real Keras 3 when `sample_weight` has another rank or shape than y
(Keras squeezes or expands it, then broadcasts it to the values): the cases of Keras's own
`accuracy_metrics_test.py` and `reduction_metrics_test.py`, values equal to 1e-6."""
import numpy as np
import pytest

from minikeras import metrics as M

ATOL = 1e-6
YT_INT, YP_INT = [[1, 2], [3, 4]], [[0, 2], [3, 4]]
YT_BIN, YP_BIN = [[1, 1], [0, 0]], [[0.98, 1], [0, 0.6]]
YT_MSE = [[0, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]]
YP_MSE = [[0, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 1, 1, 1, 1]]

PAIR_CASES = [  # (metric class name, y_true, y_pred, sample_weight)
    ("Accuracy", [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0]),
    ("Accuracy", [1, 2, 3, 4], [0, 2, 3, 4], [1, 1, 0, 0]),
    ("Accuracy", YT_INT, YP_INT, [[1, 0], [0, 1]]),
    ("Accuracy", YT_INT, YP_INT, [[1, 0]]),
    ("Accuracy", YT_INT, YP_INT, [[1], [0]]),
    ("Accuracy", YT_INT, YP_INT, [0.25, 1.0]),
    ("BinaryAccuracy", [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1]),
    ("BinaryAccuracy", YT_BIN, YP_BIN, [[1, 0], [0, 1]]),
    ("BinaryAccuracy", YT_BIN, YP_BIN, [[1, 0]]),
    ("BinaryAccuracy", YT_BIN, YP_BIN, [[0, 1]]),
    ("CategoricalAccuracy", [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3]),
    ("SparseCategoricalAccuracy", [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3]),
    ("SparseCategoricalAccuracy", [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [[0.7], [0.3]]),
    ("MeanSquaredError", YT_MSE, YP_MSE, [1.0, 1.5, 2.0, 2.5]),
    ("MeanSquaredError", YT_MSE, YP_MSE, [[1.0], [1.5], [2.0], [2.5]]),
]

VALUE_CASES = [  # (metric class name, values, sample_weight)
    ("Sum", [1, 3, 5, 7], [1, 1, 0, 0]),
    ("Sum", [[1, 3], [5, 7]], [[1, 1], [1, 0]]),
    ("Sum", [[1, 3], [5, 7]], [[1, 0]]),
    ("Sum", [[1, 3], [5, 7]], [[2], [1]]),
    ("Mean", [1, 3, 5, 7], [1, 1, 0, 0]),
    ("Mean", [1, 3, 5, 7], [-1, -1, 0, 0]),
    ("Mean", [[1, 3], [5, 7]], [[1, 1], [1, 0]]),
    ("Mean", [[1, 3], [5, 7]], [[1, 0]]),
    ("Mean", [[1, 3], [5, 7]], [[2], [1]]),
    ("Mean", [[[1, 3], [5, 7]], [[2, 4], [6, 8]]], [[1, 0]]),
]


def _result(metric):
    return np.asarray(metric.result(), dtype="float64")


@pytest.mark.parametrize("name, y_true, y_pred, sample_weight", PAIR_CASES)
def test_weighted_pair_metrics_match_keras(keras, name, y_true, y_pred, sample_weight):
    args = (np.array(y_true), np.array(y_pred))
    ours, theirs = getattr(M, name)(), getattr(keras.metrics, name)()
    ours.update_state(*args, sample_weight=np.array(sample_weight))
    theirs.update_state(*args, sample_weight=np.array(sample_weight))
    np.testing.assert_allclose(_result(ours), _result(theirs), rtol=0, atol=ATOL)


@pytest.mark.parametrize("name, values, sample_weight", VALUE_CASES)
def test_weighted_reductions_match_keras(keras, name, values, sample_weight):
    ours, theirs = getattr(M, name)(), getattr(keras.metrics, name)()
    for metric in (ours, theirs):  # twice: the totals and counts accumulate as Keras's do
        metric.update_state(np.array(values), sample_weight=np.array(sample_weight))
        metric.update_state(np.array(values))
    np.testing.assert_allclose(_result(ours), _result(theirs), rtol=0, atol=ATOL)


def test_weighted_wrapper_of_elementwise_fn_matches_keras(keras):
    def squared_error(y_true, y_pred):  # elementwise, no reduction: the weight broadcasts over it
        return (y_true - y_pred) ** 2

    y_true, y_pred = np.array(YT_MSE, "float32"), np.array(YP_MSE, "float32")
    sample_weight = np.array([[1.0, 0.0, 0.5, 0.0, 1.0]])
    ours = M.MeanMetricWrapper(squared_error)(y_true, y_pred, sample_weight=sample_weight)
    theirs = keras.metrics.MeanMetricWrapper(squared_error)(y_true, y_pred, sample_weight=sample_weight)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=0, atol=ATOL)
