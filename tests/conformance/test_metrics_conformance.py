"""minikeras.metrics against real Keras 3: several batches, with and without sample weights,
same results (rtol 1e-5) and the same configs and names."""
import numpy as np
import pytest

from minikeras import losses as L
from minikeras import metrics as M

RTOL, ATOL = 1e-5, 1e-6
C = 4


def _batch(kind, rng, n):
    if kind == "binary":  # (N, 1) labels and probabilities
        return rng.integers(0, 2, (n, 1)).astype("float32"), rng.uniform(0, 1, (n, 1)).astype("float32")
    if kind == "binary_flat":  # (N,) labels, (N, 1) probabilities
        return rng.integers(0, 2, n).astype("float32"), rng.uniform(0, 1, (n, 1)).astype("float32")
    if kind == "binary_logits":
        return rng.integers(0, 2, (n, 1)).astype("float32"), rng.normal(0, 3, (n, 1)).astype("float32")
    if kind == "multilabel":
        return rng.integers(0, 2, (n, C)).astype("float32"), rng.uniform(0, 1, (n, C)).astype("float32")
    if kind == "onehot":
        return np.eye(C, dtype="float32")[rng.integers(0, C, n)], rng.dirichlet(np.ones(C), n).astype("float32")
    if kind == "onehot_logits":
        return np.eye(C, dtype="float32")[rng.integers(0, C, n)], rng.normal(0, 2, (n, C)).astype("float32")
    if kind == "sparse":
        return rng.integers(0, C, n), rng.dirichlet(np.ones(C), n).astype("float32")
    if kind == "sparse_col":
        return rng.integers(0, C, (n, 1)), rng.dirichlet(np.ones(C), n).astype("float32")
    if kind == "sparse_logits":
        return rng.integers(0, C, n), rng.normal(0, 2, (n, C)).astype("float32")
    if kind == "ints":
        return rng.integers(0, 3, (n, 1)), rng.integers(0, 3, (n, 1))
    if kind == "regression":
        return rng.normal(0, 2, (n, 3)).astype("float32"), rng.normal(0, 2, (n, 3)).astype("float32")
    if kind == "positive":
        return rng.uniform(0, 3, (n, 3)).astype("float32"), rng.uniform(0.1, 3, (n, 3)).astype("float32")
    raise KeyError(kind)


def _batches(kind, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for n in (6, 6, 6):  # one shape: real Keras compiles each new shape, which is slow
        y_true, y_pred = _batch(kind, rng, n)
        out.append((y_true, y_pred, rng.uniform(0, 2, n).astype("float32")))
    return out


CASES = [
    ("Accuracy", {}, "ints"), ("BinaryAccuracy", {}, "binary"), ("BinaryAccuracy", {}, "binary_flat"),
    ("BinaryAccuracy", {"threshold": 0.3}, "multilabel"),
    ("CategoricalAccuracy", {}, "onehot"), ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"), ("TopKCategoricalAccuracy", {}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_col"),
    ("MeanSquaredError", {}, "regression"), ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"), ("MeanSquaredLogarithmicError", {}, "positive"),
    ("RootMeanSquaredError", {}, "regression"), ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("Precision", {}, "binary"), ("Precision", {}, "binary_flat"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "multilabel"),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),  # evenly spaced: bucketed path
    ("Precision", {"top_k": 2}, "multilabel"), ("Precision", {"class_id": 1}, "multilabel"),
    ("Recall", {}, "binary"), ("Recall", {"thresholds": [0.3, 0.6]}, "multilabel"),
    ("Recall", {"top_k": 1, "class_id": 2}, "multilabel"),
    ("TruePositives", {}, "binary"), ("FalsePositives", {"thresholds": [0.25, 0.75]}, "binary"),
    ("TrueNegatives", {}, "multilabel"), ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),
    ("AUC", {}, "binary"), ("AUC", {}, "binary_flat"), ("AUC", {"num_thresholds": 7}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, "binary"),
    ("AUC", {"summation_method": "majoring"}, "binary"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"thresholds": [0.1, 0.4, 0.45, 0.9]}, "binary"),
    ("AUC", {"from_logits": True}, "binary_logits"),
    ("AUC", {}, "multilabel"),
    ("AUC", {"multi_label": True}, "multilabel"),
    ("AUC", {"multi_label": True, "num_labels": C, "curve": "PR"}, "multilabel"),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 2.0, 0.5, 0.0]}, "multilabel"),
    ("AUC", {"label_weights": [1.0, 2.0, 0.5, 0.0]}, "multilabel"),
    ("AUC", {"multi_label": True, "thresholds": [0.3, 0.7]}, "multilabel"),
    ("BinaryCrossentropy", {}, "binary"), ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse"), ("SparseCategoricalCrossentropy", {}, "sparse_col"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, "sparse_logits"),
    ("Hinge", {}, "binary"), ("SquaredHinge", {}, "binary"), ("CategoricalHinge", {}, "onehot"),
    ("KLDivergence", {}, "onehot"), ("Poisson", {}, "positive"),
]


def _ids(cases):
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


def _plain_config(config):
    return {k: (np.asarray(v).tolist() if hasattr(v, "shape") else v) for k, v in config.items()}


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_metric_values_over_batches(keras, name, kwargs, kind):
    for weighted in (False, True):
        ours, theirs = getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
        for y_true, y_pred, sw in _batches(kind):
            weight = sw if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=weight)
            theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=RTOL, atol=ATOL,
                                   err_msg=f"weighted={weighted}")
    ours.reset_state()
    theirs.reset_state()
    y_true, y_pred, _ = _batches(kind, seed=5)[0]
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=RTOL, atol=ATOL,
                               err_msg="after reset_state")


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_metric_config(keras, name, kwargs, kind):
    ours = getattr(M, name)(name="m", **kwargs).get_config()
    theirs = getattr(keras.metrics, name)(name="m", **kwargs).get_config()
    assert _plain_config(ours) == _plain_config(theirs)


def _strip_uid(name):
    """"precision_3" -> "precision": the counters differ between two processes' histories."""
    head, _, tail = name.rpartition("_")
    return head if tail.isdigit() and head else name


def test_default_names_match_keras(keras):
    for name in sorted({c[0] for c in CASES}):
        ours, theirs = getattr(M, name)(), getattr(keras.metrics, name)()
        assert _strip_uid(ours.name) == _strip_uid(theirs.name), name


def test_mean_and_sum_conform(keras):
    rng = np.random.default_rng(0)
    for cls in ("Mean", "Sum"):
        ours, theirs = getattr(M, cls)(), getattr(keras.metrics, cls)()
        for values, sw in [(rng.random((4, 3)), rng.random(4)), (rng.random(5), None),
                           (rng.random((2, 3)), rng.random((2, 3))), (rng.random(3), np.float32(2.0))]:
            values = values.astype("float32")
            ours.update_state(values, sample_weight=sw)
            theirs.update_state(values, sample_weight=sw)
            np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=RTOL, atol=ATOL)


def test_string_names_match_keras(keras):
    from keras.src import metrics as km
    for name in M.ALL_OBJECTS:
        assert name in km.ALL_OBJECTS_DICT, name
        if name in ("Metric", "metric", "MeanMetricWrapper", "mean_metric_wrapper"):
            continue
        try:
            theirs = keras.metrics.get(name)
        except TypeError:  # a class with required arguments (IoU, ...): ours requires them too
            with pytest.raises(TypeError):
                M.get(name)
            continue
        ours = M.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert _strip_uid(ours.name) == _strip_uid(theirs.name), name


SHAPES = [((8, 1), (8, 1)), ((8,), (8, 1)), ((8,), (8, 5)), ((8, 1), (8, 5)), ((8, 5), (8, 5))]


@pytest.mark.parametrize("identifier", ["accuracy", "acc", "ACC", "mae", "mse", "auc", "precision",
                                        "binary_crossentropy", "sparse_top_k_categorical_accuracy"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_resolve_matches_compile_utils(keras, identifier, shapes):
    from keras.src.trainers.compile_utils import get_metric
    y_true, y_pred = np.zeros(shapes[0], "float32"), np.zeros(shapes[1], "float32")
    ours = M.resolve(identifier, "mse", y_true, y_pred)
    theirs = get_metric(identifier, y_true, y_pred)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name == identifier


def test_resolve_functions_and_instances_match(keras):
    from keras.src.trainers.compile_utils import get_metric
    y = np.zeros((4, 1), "float32")
    ours = M.resolve(L.mean_squared_error, None, y, y)
    theirs = get_metric(keras.losses.mean_squared_error, y, y)
    assert type(ours).__name__ == type(theirs).__name__ and ours.name == theirs.name
    ours = M.resolve(M.AUC(name="roc"), None, y, y)
    theirs = get_metric(keras.metrics.AUC(name="roc"), y, y)
    assert ours.name == theirs.name == "roc"


def test_serialize_matches_keras(keras):
    ours = M.serialize(M.AUC(name="a", curve="PR"))
    theirs = keras.metrics.serialize(keras.metrics.AUC(name="a", curve="PR"))
    assert ours == theirs
