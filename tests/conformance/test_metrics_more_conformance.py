"""F-scores, R2, IoU, correlation and the ...At... confusion metrics against real Keras 3: the
same batches with and without sample weights, the same results (1e-6), configs and names."""
import numpy as np
import pytest

from minikeras import metrics as M

TOL = 1e-6
C = 4


def _batch(kind, rng, n):
    if kind == "multilabel":
        return rng.integers(0, 2, (n, C)).astype("float32"), rng.uniform(0, 1, (n, C)).astype("float32")
    if kind == "onehot":
        return np.eye(C, dtype="float32")[rng.integers(0, C, n)], rng.dirichlet(np.ones(C), n).astype("float32")
    if kind == "regression":
        return rng.normal(0, 2, (n, 3)).astype("float32"), rng.normal(0, 2, (n, 3)).astype("float32")
    if kind == "regression_col":
        return rng.normal(0, 2, n).astype("float32"), rng.normal(0, 2, (n, 1)).astype("float32")
    if kind == "classes":
        return rng.integers(0, C, n), rng.integers(0, C, n)
    if kind == "classes_out_of_range":  # -1 and C are outside [0, C)
        return rng.integers(-1, C + 1, n), rng.integers(-1, C + 1, (n, 1)).astype("float32")
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype("float32"), rng.uniform(0, 1, (n, 1)).astype("float32")
    if kind == "onehot_sparse_pred":
        return np.eye(C, dtype="float32")[rng.integers(0, C, n)], rng.integers(0, C, n)
    raise KeyError(kind)


def _batches(kind, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for n in (6, 6, 6):
        y_true, y_pred = _batch(kind, rng, n)
        out.append((y_true, y_pred, rng.uniform(0, 2, n).astype("float32")))
    return out


CASES = [
    ("F1Score", {}, "onehot"), ("F1Score", {"threshold": 0.5}, "multilabel"),
    ("F1Score", {"average": "micro", "threshold": 0.3}, "multilabel"),
    ("F1Score", {"average": "macro"}, "onehot"),
    ("F1Score", {"average": "weighted", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 2.0}, "onehot"), ("FBetaScore", {"beta": 0.5, "threshold": 0.5}, "multilabel"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted"}, "onehot"),
    ("FBetaScore", {"beta": 0.7, "average": "micro", "threshold": 0.6}, "multilabel"),
    ("R2Score", {}, "regression"), ("R2Score", {}, "regression_col"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"num_regressors": 3}, "regression"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "classes"),
    ("IoU", {"num_classes": C, "target_class_ids": [1, 3], "dtype": "float32"}, "classes"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 1, 3], "ignore_class": 2},
     "classes_out_of_range"),
    ("IoU", {"num_classes": C, "target_class_ids": [3], "sparse_y_true": False,
             "sparse_y_pred": False, "dtype": "float32"}, "onehot"),
    ("MeanIoU", {"num_classes": C}, "classes"),
    ("MeanIoU", {"num_classes": C, "dtype": "float32", "ignore_class": 0}, "classes_out_of_range"),
    ("MeanIoU", {"num_classes": C, "sparse_y_true": False, "sparse_y_pred": False}, "onehot"),
    ("BinaryIoU", {}, "binary"), ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("BinaryIoU", {"target_class_ids": [0], "dtype": "float32"}, "binary"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [0, 1]}, "onehot"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [2], "sparse_y_pred": True,
                   "dtype": "float32"}, "onehot_sparse_pred"),
    ("OneHotMeanIoU", {"num_classes": C, "dtype": "float32"}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": C, "sparse_y_pred": True}, "onehot_sparse_pred"),
    ("PearsonCorrelation", {}, "regression"), ("PearsonCorrelation", {}, "multilabel"),
    ("ConcordanceCorrelation", {}, "regression"), ("ConcordanceCorrelation", {}, "multilabel"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.8, "num_thresholds": 7}, "multilabel"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.3, "num_thresholds": 1}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.7, "class_id": 2, "num_thresholds": 11}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.6}, "binary"),
    ("RecallAtPrecision", {"precision": 0.4, "num_thresholds": 4}, "multilabel"),
]


def _ids(cases):
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


def _plain(config):
    return {k: (np.asarray(v).tolist() if hasattr(v, "shape") else v) for k, v in config.items()}


def _strip_uid(name):
    head, _, tail = name.rpartition("_")
    return head if tail.isdigit() and head else name


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_values_over_batches(keras, name, kwargs, kind):
    for weighted in (False, True):
        ours, theirs = getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
        for y_true, y_pred, sw in _batches(kind):
            weight = sw if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=weight)
            theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=TOL, atol=TOL,
                                   err_msg=f"weighted={weighted}")
        assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    ours.reset_state()
    theirs.reset_state()
    y_true, y_pred, _ = _batches(kind, seed=5)[0]
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=TOL, atol=TOL,
                               err_msg="after reset_state")


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_config_and_name(keras, name, kwargs, kind):
    assert _plain(getattr(M, name)(name="m", **kwargs).get_config()) == _plain(
        getattr(keras.metrics, name)(name="m", **kwargs).get_config())
    ours, theirs = getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    assert _strip_uid(ours.name) == _strip_uid(theirs.name)
    assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_correlation_functions(keras, fn, axis):
    y_true, y_pred, _ = _batches("regression", seed=3)[0]
    np.testing.assert_allclose(getattr(M, fn)(y_true, y_pred, axis=axis),
                               np.asarray(getattr(keras.metrics, fn)(y_true, y_pred, axis=axis)),
                               rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_serialize_matches_keras(keras, name, kwargs, kind):
    theirs = keras.metrics.serialize(getattr(keras.metrics, name)(name="m", **kwargs))
    assert M.serialize(getattr(M, name)(name="m", **kwargs)) == theirs
    assert M.deserialize(theirs).get_config() == getattr(M, name)(name="m", **kwargs).get_config()
