"""Weighted metrics when `sample_weight` has another rank or shape than the values: the weight is
broadcast to the values before both are reduced per sample, so a (1, d) weight counts once for
every sample (Keras's `reduce_to_samplewise_values`). Values computed by hand."""
import numpy as np
import pytest

from minikeras import metrics as M

YT, YP = np.array([[1, 2], [3, 4]]), np.array([[0, 2], [3, 4]])  # matches [[0, 1], [1, 1]]
VALUES = np.array([[1.0, 3.0], [5.0, 7.0]])


@pytest.mark.parametrize("sample_weight, expected", [
    ([1, 1], 3 / 4),          # per sample: rows 0.5 and 1.0, each weight 1
    ([[1, 0], [0, 1]], 1 / 2),  # elementwise: (0*1 + 1*1) / 2
    ([[1, 0]], 1 / 2),          # broadcast over rows: (0 + 1) / (1 + 1) of column 0
    ([[0, 1]], 1.0),            # column 1 only: both matched
    ([[1], [3]], (0.5 * 1 + 1.0 * 3) / 4),  # one weight per row, as a column
])
def test_accuracy_broadcast_weights(sample_weight, expected):
    m = M.Accuracy()
    m.update_state(YT, YP, sample_weight=np.array(sample_weight))
    assert float(m.result()) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("sample_weight, expected", [
    ([[1, 0]], 3.0),               # rows mean(1*1, 3*0) = 0.5, mean(5, 0) = 2.5; count 0.5 + 0.5
    ([[1, 1], [1, 0]], 3.0),       # rows 2, 2.5; weights 1, 0.5 -> 4.5 / 1.5
    ([[2], [1]], 10 / 3),          # rows mean(2, 6) = 4, mean(5, 7) = 6; weights 2, 1
])
def test_mean_broadcast_weights(sample_weight, expected):
    m = M.Mean()
    m.update_state(VALUES, sample_weight=np.array(sample_weight))
    assert float(m.result()) == pytest.approx(expected, abs=1e-6)


def test_mean_broadcast_weight_accumulates_with_unweighted_batch():
    m = M.Mean()
    m.update_state(VALUES, sample_weight=np.array([[1, 0]]))  # total 3, count 1
    m.update_state(VALUES)                                    # rows 2 and 6: total 3 + 8, count 1 + 2
    assert float(m.result()) == pytest.approx(11 / 3, abs=1e-6)


def test_mean_weight_of_lower_rank_than_values_reduces_trailing_axes_first():
    values = np.array([[[1.0, 3.0], [5.0, 7.0]], [[2.0, 4.0], [6.0, 8.0]]])
    m = M.Mean()  # values -> [[2, 6], [3, 7]]; times [[1, 0]] -> rows 1 and 1.5; count 0.5 + 0.5
    m.update_state(values, sample_weight=np.array([[1, 0]]))
    assert float(m.result()) == pytest.approx(2.5, abs=1e-6)


@pytest.mark.parametrize("sample_weight, expected", [([[1, 0]], 6.0), ([[2], [1]], 20.0)])
def test_sum_broadcast_weights(sample_weight, expected):
    m = M.Sum()
    m.update_state(VALUES, sample_weight=np.array(sample_weight))
    assert float(m.result()) == pytest.approx(expected, abs=1e-6)


def test_binary_accuracy_broadcast_weights():
    y_true, y_pred = np.array([[1, 1], [0, 0]]), np.array([[0.98, 1], [0, 0.6]])  # matches [[1,1],[1,0]]
    for sample_weight, expected in (([[1, 0]], 1.0), ([[0, 1]], 0.5)):
        m = M.BinaryAccuracy()
        m.update_state(y_true, y_pred, sample_weight=np.array(sample_weight))
        assert float(m.result()) == pytest.approx(expected, abs=1e-6)


def test_wrapper_of_elementwise_fn_broadcast_weights():
    y_true = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    y_pred = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # squared errors [[1,0,0],[1,1,0]]
    m = M.MeanMetricWrapper(lambda t, p: (t - p) ** 2)
    m.update_state(y_true, y_pred, sample_weight=np.array([[1.0, 0.5, 0.0]]))
    # rows mean(1, 0, 0) = 1/3 and mean(1, 0.5, 0) = 1/2; weights mean 0.5 per row
    assert float(m.result()) == pytest.approx((1 / 3 + 1 / 2) / 1.0, abs=1e-6)
