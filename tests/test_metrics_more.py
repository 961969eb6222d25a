"""F-scores, R2, IoU, correlation and the ...At... confusion metrics: values worked out by hand
or from the textbook formula in plain numpy, configs and state handling."""
import numpy as np
import pytest

from minikeras import metrics as M

Y_TRUE = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], "int32")
Y_PRED = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], "float32")


def _f_beta(tp, fp, fn, beta):
    p, r = tp / (tp + fp), tp / (tp + fn)
    return (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


# --- f_score_metrics ---------------------------------------------------------------------------

def test_f1_per_class_matches_keras_docstring():
    m = M.F1Score(threshold=0.5)
    m.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(m.result(), [0.5, 0.8, 2 / 3], rtol=1e-5)


def test_fbeta_per_class_matches_keras_docstring():
    m = M.FBetaScore(beta=2.0, threshold=0.5)
    m.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(m.result(), [0.3846154, 0.90909094, 0.8333334], rtol=1e-5)


@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
def test_fbeta_averages(average):
    m = M.FBetaScore(average=average, beta=2.0, threshold=0.5)
    m.update_state(Y_TRUE, Y_PRED)
    pred = (Y_PRED > 0.5).astype(float)
    tp, fp = (pred * Y_TRUE).sum(0), (pred * (1 - Y_TRUE)).sum(0)
    fn = ((1 - pred) * Y_TRUE).sum(0)
    per_class = _f_beta(tp, fp, fn, 2.0)
    expected = {"micro": _f_beta(tp.sum(), fp.sum(), fn.sum(), 2.0),
                "macro": per_class.mean(),
                "weighted": (per_class * Y_TRUE.sum(0)).sum() / Y_TRUE.sum()}[average]
    np.testing.assert_allclose(m.result(), expected, rtol=1e-5)
    assert m.result().shape == ()


def test_f1_without_threshold_marks_the_row_maximum_and_weights_rows():
    m = M.F1Score()
    m.update_state(Y_TRUE, Y_PRED, sample_weight=np.array([1.0, 0.0, 2.0]))
    # argmax rows: class 2, (row 2 has weight 0), class 1 -> tp = [0, 2, 1], fp = 0, fn = [3, 1, 0]
    np.testing.assert_allclose(m.result(), [0.0, 0.8, 1.0], rtol=1e-5)
    zeros = M.F1Score()  # an all-zero row predicts nothing
    zeros.update_state(np.array([[1, 0]]), np.array([[0.0, 0.0]]))
    np.testing.assert_allclose(zeros.result(), [0.0, 0.0], atol=1e-7)


def test_fbeta_state_config_and_errors():
    m = M.FBetaScore(average="macro")
    assert m.variables == [] and m.name == "fbeta_score"
    m.update_state(Y_TRUE, Y_PRED)
    assert [v.name for v in m.variables] == ["true_positives", "false_positives",
                                             "false_negatives", "intermediate_weights"]
    m.reset_state()
    assert all(np.all(v.numpy() == 0) for v in m.variables)
    assert M.F1Score(average="micro", threshold=0.4).get_config() == {
        "name": "f1_score", "dtype": "float32", "average": "micro", "threshold": 0.4}
    assert M.FBetaScore.from_config(M.FBetaScore(beta=0.5).get_config()).beta == 0.5
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="samples")
    with pytest.raises(ValueError, match="0 < threshold <= 1"):
        M.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="2D inputs"):
        M.F1Score().update_state(np.ones(3), np.ones(3))
    assert type(M.get("f1_score")) is M.F1Score and type(M.get("FBetaScore")) is M.FBetaScore


# --- regression_metrics: R2Score ---------------------------------------------------------------

def _r2_columns(y_true, y_pred, w):
    mean = (w * y_true).sum(0) / w.sum(0)
    ss_tot = (w * (y_true - mean) ** 2).sum(0)
    return 1 - (w * (y_true - y_pred) ** 2).sum(0) / ss_tot, ss_tot


def test_r2_matches_keras_docstring_and_adjusted_r2():
    y_true, y_pred = np.array([[1.0], [4.0], [3.0]]), np.array([[2.0], [4.0], [4.0]])
    m = M.R2Score()
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(m.result(), 4 / 7, rtol=1e-6)
    adj = M.R2Score(num_regressors=1)
    adj.update_state(y_true, y_pred)
    np.testing.assert_allclose(adj.result(), 1 - (3 / 7) * 2 / 1, rtol=1e-5)  # n = 3, p = 1
    with pytest.warns(UserWarning, match="Division by zero"):
        too_many = M.R2Score(num_regressors=2)
        too_many.update_state(y_true, y_pred)
        np.testing.assert_allclose(too_many.result(), 4 / 7, rtol=1e-6)


@pytest.mark.parametrize("aggregation", [None, "uniform_average", "variance_weighted_average"])
def test_r2_weighted_over_batches(aggregation):
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    w = rng.uniform(0, 2, 10)
    m = M.R2Score(class_aggregation=aggregation)
    m.update_state(y_true[:4], y_pred[:4], sample_weight=w[:4])
    m.update_state(y_true[4:], y_pred[4:], sample_weight=w[4:])
    cols, ss_tot = _r2_columns(y_true, y_pred, w[:, None])
    expected = {None: cols, "uniform_average": cols.mean(),
                "variance_weighted_average": (cols * ss_tot).sum() / ss_tot.sum()}[aggregation]
    np.testing.assert_allclose(m.result(), expected, rtol=1e-5)


def test_r2_state_config_and_errors():
    m = M.R2Score()
    assert [v.name for v in m.variables] == ["num_samples"]
    m.update_state(np.ones((3, 1)), np.array([[2.0], [4.0], [4.0]]))
    assert m.result() == 0.0  # a constant target: the -inf score is reported as 0
    assert [v.name for v in m.variables] == ["num_samples", "squared_sum", "sum", "residual", "count"]
    assert m.num_samples.numpy() == 3
    m.reset_state()
    assert all(np.all(v.numpy() == 0) for v in m.variables)
    assert M.R2Score(num_regressors=2).get_config() == {
        "name": "r2_score", "dtype": "float32", "class_aggregation": "uniform_average",
        "num_regressors": 2}
    with pytest.raises(ValueError, match="class_aggregation"):
        M.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors"):
        M.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D inputs"):
        M.R2Score().update_state(np.ones((2, 2, 2)), np.ones((2, 2, 2)))


# --- iou_metrics --------------------------------------------------------------------------------

def test_iou_of_target_classes_from_the_confusion_matrix():
    y_true, y_pred = np.array([0, 0, 1, 1, 2, 2, 2]), np.array([0, 1, 1, 1, 2, 0, 2])
    m = M.IoU(num_classes=4, target_class_ids=[0, 2, 3])
    m.update_state(y_true, y_pred)
    # class 0: tp 1, union 3; class 2: tp 2, union 3; class 3 never seen, left out of the mean
    np.testing.assert_allclose(m.result(), (1 / 3 + 2 / 3) / 2, rtol=1e-6)
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 1, 0, 0], [0, 2, 0, 0],
                                                       [1, 0, 2, 0], [0, 0, 0, 0]])
    assert m.total_cm.dtype == "int32" and m.dtype == "int32"


def test_mean_iou_weights_ignore_class_and_out_of_range_labels():
    m = M.MeanIoU(num_classes=3, ignore_class=1, dtype="float32")
    y_true, y_pred = np.array([0, 1, 2, 2, 3, -1, 0]), np.array([0, 0, 2, 0, 2, 0, 5])
    m.update_state(y_true, y_pred, sample_weight=np.array([0.5, 9, 2, 1, 9, 9, 9], "float32"))
    # kept: (0, 0) w .5, (2, 2) w 2, (2, 0) w 1 -> class 0: .5 / 1.5, class 2: 2 / 3, class 1 absent
    np.testing.assert_allclose(m.result(), (0.5 / 1.5 + 2 / 3) / 2, rtol=1e-6)
    as_int = M.MeanIoU(num_classes=3)  # int32 state: float weights are truncated, as in Keras
    with pytest.warns(UserWarning, match="integer weights"):
        as_int.update_state(np.array([0, 1]), np.array([0, 0]), sample_weight=np.array([1.9, 0.9]))
    np.testing.assert_array_equal(as_int.total_cm.numpy()[:, 0], [1, 0, 0])


def test_one_hot_and_binary_iou():
    labels = np.eye(3)[[0, 1, 2, 2]]
    probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1]])
    onehot = M.OneHotMeanIoU(num_classes=3)
    onehot.update_state(labels, probs)
    # argmax: 0, 2, 2, 0 -> class 0: 1/2, class 1: 0/1, class 2: 1/3
    np.testing.assert_allclose(onehot.result(), (1 / 2 + 0 + 1 / 3) / 3, rtol=1e-6)
    target = M.OneHotIoU(num_classes=3, target_class_ids=[2])
    target.update_state(labels, probs)
    np.testing.assert_allclose(target.result(), 1 / 3, rtol=1e-6)
    binary = M.BinaryIoU(target_class_ids=[1], threshold=0.3)
    binary.update_state(np.array([1, 1, 0, 0]), np.array([0.3, 0.2, 0.6, 0.1]))
    np.testing.assert_allclose(binary.result(), 1 / 3, rtol=1e-6)  # >= threshold is positive


def test_iou_configs_names_and_errors():
    assert M.BinaryIoU(name="b").get_config() == {"target_class_ids": [0, 1], "threshold": 0.5,
                                                  "name": "b", "dtype": "int32"}
    assert M.OneHotMeanIoU(3, name="o").get_config() == {
        "num_classes": 3, "name": "o", "dtype": "int32", "ignore_class": None,
        "sparse_y_pred": False, "axis": -1}
    assert M.OneHotMeanIoU(3).name.startswith("one_hot_mean_io_u")
    assert M.BinaryIoU().name.startswith("binary_io_u")
    config = M.IoU(3, (0, 1), ignore_class=2).get_config()
    assert config["target_class_ids"] == [0, 1] and config["sparse_y_true"] is True
    assert M.IoU.from_config(config).ignore_class == 2
    with pytest.raises(ValueError, match=r"Target class id 3 is out of range, which is \[0, 3\)"):
        M.IoU(3, [0, 3])
    m = M.MeanIoU(2)
    m.update_state([0, 1], [1, 1])
    m.reset_state()
    assert not m.total_cm.numpy().any()


# --- correlation_metrics ------------------------------------------------------------------------

def test_pearson_correlation_is_the_textbook_r_per_row_then_weighted_mean():
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    r = np.array([np.corrcoef(t, p)[0, 1] for t, p in zip(y_true, y_pred)])
    np.testing.assert_allclose(M.pearson_correlation(y_true, y_pred), r, rtol=1e-6)
    w = rng.uniform(0, 2, 5)
    m = M.PearsonCorrelation()
    m.update_state(y_true[:2], y_pred[:2], sample_weight=w[:2])
    m.update_state(y_true[2:], y_pred[2:], sample_weight=w[2:])
    np.testing.assert_allclose(m.result(), (r * w).sum() / w.sum(), rtol=1e-5)
    by_column = M.PearsonCorrelation(axis=0)
    by_column.update_state(y_true, y_pred)
    r0 = [np.corrcoef(y_true[:, j], y_pred[:, j])[0, 1] for j in range(6)]
    np.testing.assert_allclose(by_column.result(), np.mean(r0), rtol=1e-5)


def test_concordance_correlation_follows_keras_formula():
    y_true, y_pred = np.array([[1.0, 2.0, 3.0, 6.0]]), np.array([[2.0, 2.0, 5.0, 7.0]])
    mt, mp = y_true.mean(), y_pred.mean()
    norm = y_true.var() + y_pred.var() + (mt - mp) ** 2
    # Keras centres y_true on mean(y_pred) in the covariance term; so do we.
    expected = np.mean(2 * (y_true - mp) * (y_pred - mp) / (norm + 1e-7))
    m = M.ConcordanceCorrelation()
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(m.result(), expected, rtol=1e-6)
    same = M.ConcordanceCorrelation()
    same.update_state(y_true, y_true)
    np.testing.assert_allclose(same.result(), 1.0, rtol=1e-6)


def test_correlation_configs_and_names():
    assert M.PearsonCorrelation(axis=0).get_config() == {
        "name": "pearson_correlation", "dtype": "float32", "axis": 0}
    assert M.ConcordanceCorrelation.from_config(
        M.ConcordanceCorrelation(name="c", axis=1).get_config()).axis == 1
    assert type(M.get("concordance_correlation")) is M.ConcordanceCorrelation
    assert M.get("PearsonCorrelation").name == "pearson_correlation"


# --- confusion_metrics: the ...At... metrics ----------------------------------------------------

AT_TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0])
AT_PRED = np.array([0.1, 0.3, 0.45, 0.8, 0.2, 0.45, 0.6, 0.9, 0.95, 0.55])


def _rates_at(threshold):
    pos = AT_PRED > threshold
    tp, fp = np.sum(pos & (AT_TRUE == 1)), np.sum(pos & (AT_TRUE == 0))
    fn, tn = np.sum(~pos & (AT_TRUE == 1)), np.sum(~pos & (AT_TRUE == 0))
    return {"sensitivity": tp / (tp + fn), "specificity": tn / (tn + fp),
            "precision": tp / (tp + fp) if tp + fp else 0.0}


def _best(constrained, value, dependent, num_thresholds):
    grid = np.linspace(0, 1, num_thresholds)
    rates = [_rates_at(t) for t in grid]
    return max([r[dependent] for r in rates if r[constrained] >= value], default=0.0)


@pytest.mark.parametrize("cls, arg, constrained, dependent", [
    ("SensitivityAtSpecificity", "specificity", "specificity", "sensitivity"),
    ("SpecificityAtSensitivity", "sensitivity", "sensitivity", "specificity"),
    ("PrecisionAtRecall", "recall", "sensitivity", "precision"),
    ("RecallAtPrecision", "precision", "precision", "sensitivity")])
@pytest.mark.parametrize("value", [0.4, 0.8])
@pytest.mark.parametrize("num_thresholds", [5, 21])
def test_best_rate_under_a_constraint(cls, arg, constrained, dependent, value, num_thresholds):
    m = getattr(M, cls)(num_thresholds=num_thresholds, **{arg: value})
    m.update_state(AT_TRUE[:5], AT_PRED[:5])
    m.update_state(AT_TRUE[5:], AT_PRED[5:])
    np.testing.assert_allclose(m.result(), _best(constrained, value, dependent, num_thresholds),
                               rtol=1e-6)


def test_at_metrics_weights_class_id_state_and_config():
    # weight 0 on the negatives above 0.5 makes specificity 1 at threshold 0.5: sensitivity 3 / 5
    m = M.SensitivityAtSpecificity(0.99, num_thresholds=3)
    m.update_state(AT_TRUE, AT_PRED, sample_weight=np.where((AT_TRUE == 0) & (AT_PRED > 0.5), 0, 1))
    np.testing.assert_allclose(m.result(), 3 / 5, rtol=1e-6)
    by_class = M.RecallAtPrecision(0.5, num_thresholds=3, class_id=1)
    by_class.update_state(np.stack([1 - AT_TRUE, AT_TRUE], 1), np.stack([1 - AT_PRED, AT_PRED], 1))
    np.testing.assert_allclose(by_class.result(), _best("precision", 0.5, "sensitivity", 3))
    assert [v.name for v in m.variables] == ["true_positives", "false_positives",
                                             "true_negatives", "false_negatives"]
    single = M.PrecisionAtRecall(0.5, num_thresholds=1)
    assert single.thresholds == [0.5] and single.true_positives.shape == (1,)
    m.reset_state()
    assert not any(v.numpy().any() for v in m.variables)
    assert M.RecallAtPrecision(0.7, class_id=2, name="r").get_config() == {
        "name": "r", "dtype": "float32", "class_id": 2, "num_thresholds": 200, "precision": 0.7}
    with pytest.raises(ValueError, match=r"`recall` must be in the range \[0, 1\]"):
        M.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 0"):
        M.SpecificityAtSensitivity(0.5, num_thresholds=0)
