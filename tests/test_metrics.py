"""minikeras.metrics: accumulation, sample weights, values by hand, resolution, registry."""
import autograd
import numpy as np
import pytest

from minikeras import losses
from minikeras import metrics as M


# --- Mean / Sum / MeanMetricWrapper ----------------------------------------------------------
def test_mean_accumulates_across_updates_and_resets():
    m = M.Mean()
    m.update_state([1.0, 2.0])
    m.update_state([3.0, 4.0, 5.0], sample_weight=[1.0, 0.0, 1.0])
    assert m.result() == pytest.approx((1 + 2 + 3 + 5) / 4)
    assert m.total.numpy() == pytest.approx(11.0) and m.count.numpy() == pytest.approx(4.0)
    m.reset_state()
    assert m.result() == 0.0
    m.update_state(7.0)
    assert m.result() == pytest.approx(7.0)
    assert m.result().dtype == np.float32


def test_mean_reduces_each_sample_first():
    m = M.Mean()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=np.array([1.0, 3.0]))
    assert m.result() == pytest.approx((2 * 1 + 6 * 3) / 4)


def test_sum():
    s = M.Sum()
    s.update_state([1.0, 2.0], sample_weight=[2.0, 0.5])
    s.update_state(np.ones((2, 3)))
    assert s.result() == pytest.approx(2 + 1 + 6)


def test_call_is_update_then_result():
    m = M.MeanSquaredError()
    assert m(np.zeros((2, 1)), np.ones((2, 1))) == pytest.approx(1.0)
    assert m(np.zeros((2, 1)), np.full((2, 1), 3.0)) == pytest.approx((2 + 18) / 4)


def test_mean_metric_wrapper_with_kwargs():
    m = M.MeanMetricWrapper(losses.huber, name="hub", delta=0.5)
    m.update_state(np.zeros((2, 1)), np.array([[0.25], [2.0]]))
    assert m.result() == pytest.approx((0.5 * 0.0625 + (0.5 * 2.0 - 0.125)) / 2)
    cfg = m.get_config()
    assert cfg["name"] == "hub" and cfg["delta"] == 0.5 and cfg["fn"]["config"] == "huber"
    assert M.MeanMetricWrapper.from_config(cfg)._fn is losses.huber
    assert m._direction == "down"


def test_metric_on_traced_values_does_not_break_the_trace():
    m = M.MeanAbsoluteError()

    def f(x):
        m.update_state(np.zeros(3), x)
        return autograd.numpy.sum(x ** 2)

    np.testing.assert_allclose(autograd.grad(f)(np.array([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])
    assert m.result() == pytest.approx(2.0)


# --- accuracy ------------------------------------------------------------------------------------
def test_accuracy_family_by_hand():
    assert M.Accuracy()([[1], [2], [3]], [[1], [2], [4]]) == pytest.approx(2 / 3)
    assert M.BinaryAccuracy()([[1], [0], [1], [0]], [[0.7], [0.6], [0.5], [0.1]]) == pytest.approx(0.5)
    assert M.BinaryAccuracy(threshold=0.55)([[1], [0]], [[0.6], [0.5]]) == pytest.approx(1.0)
    onehot = np.eye(3)[[0, 1, 2]]
    probs = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6]])
    assert M.CategoricalAccuracy()(onehot, probs) == pytest.approx(2 / 3)
    assert M.SparseCategoricalAccuracy()(np.array([0, 1, 2]), probs) == pytest.approx(2 / 3)
    assert M.SparseCategoricalAccuracy()(np.array([[0], [1], [2]]), probs) == pytest.approx(2 / 3)
    assert M.TopKCategoricalAccuracy(k=2)(onehot, probs) == pytest.approx(1.0)
    assert M.SparseTopKCategoricalAccuracy(k=1)(np.array([0, 1, 2]), probs) == pytest.approx(2 / 3)


def test_weighted_accuracy_accumulates():
    m = M.SparseCategoricalAccuracy()
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    m.update_state([0, 0], probs, sample_weight=[3.0, 1.0])  # right, wrong
    m.update_state([1], probs[1:])
    assert m.result() == pytest.approx((3 + 1) / 5)
    m.reset_state()
    assert m.result() == 0.0


def test_rmse_and_regression_metrics():
    m = M.RootMeanSquaredError()
    m.update_state([[0.0], [0.0]], [[3.0], [4.0]])
    assert m.result() == pytest.approx(np.sqrt(12.5))
    assert M.MeanAbsolutePercentageError()([[2.0]], [[3.0]]) == pytest.approx(50.0)
    assert M.CosineSimilarity()([[1.0, 0.0]], [[1.0, 1.0]]) == pytest.approx(np.sqrt(0.5))
    assert M.LogCoshError().name == "logcosh"


def test_crossentropy_metrics():
    m = M.SparseCategoricalCrossentropy(from_logits=True)
    m.update_state([1], [[0.0, 0.0]])
    assert m.result() == pytest.approx(np.log(2.0), rel=1e-6)
    b = M.BinaryCrossentropy()
    b.update_state([[1.0]], [[0.5]])
    assert b.result() == pytest.approx(np.log(2.0), rel=1e-6)


# --- confusion-matrix metrics --------------------------------------------------------------------
Y_TRUE = np.array([0, 1, 1, 0, 1], "float32")
Y_PRED = np.array([0.6, 0.7, 0.2, 0.1, 0.9], "float32")  # tp=2 fp=1 fn=1 tn=1 at 0.5


def test_precision_recall_by_hand():
    assert M.Precision()(Y_TRUE, Y_PRED) == pytest.approx(2 / 3)
    assert M.Recall()(Y_TRUE, Y_PRED) == pytest.approx(2 / 3)
    p = M.Precision(thresholds=[0.15, 0.65])
    np.testing.assert_allclose(p(Y_TRUE, Y_PRED), [3 / 4, 2 / 2])
    w = M.Precision()
    w.update_state(Y_TRUE, Y_PRED, sample_weight=[2.0, 1.0, 1.0, 1.0, 1.0])
    assert w.result() == pytest.approx(2 / 4)
    w.reset_state()
    assert w.result() == 0.0


def test_precision_top_k_and_class_id():
    y_true = np.array([[0, 1, 1], [1, 0, 0]], "float32")
    y_pred = np.array([[0.1, 0.8, 0.5], [0.6, 0.7, 0.2]], "float32")
    # top-1: predicted positives are (0,1) right and (1,1) wrong
    assert M.Precision(top_k=1)(y_true, y_pred) == pytest.approx(0.5)
    assert M.Recall(class_id=2)(y_true, y_pred) == pytest.approx(0.0)  # 0.5 is not > 0.5
    assert M.Recall(class_id=1)(y_true, y_pred) == pytest.approx(1.0)
    assert M.Precision(class_id=1)(y_true, y_pred) == pytest.approx(0.5)


def test_confusion_counts():
    assert M.TruePositives()(Y_TRUE, Y_PRED) == 2.0
    assert M.FalsePositives()(Y_TRUE, Y_PRED) == 1.0
    assert M.TrueNegatives()(Y_TRUE, Y_PRED) == 1.0
    assert M.FalseNegatives()(Y_TRUE, Y_PRED) == 1.0


def test_auc_roc_matches_exact_auc_without_ties():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0.1, 0.4, 0.35, 0.8])
    assert M.AUC()(y_true, y_pred) == pytest.approx(0.75, abs=1e-6)
    assert M.AUC()(np.array([0, 1]), np.array([0.2, 0.9])) == pytest.approx(1.0)


def test_auc_accumulates_like_one_batch():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 60), rng.random(60).astype("float32")
    for kwargs in [{}, {"curve": "PR"}, {"thresholds": [0.25, 0.5, 0.75]}]:
        whole, parts = M.AUC(**kwargs), M.AUC(**kwargs)
        whole.update_state(y, p)
        for i in range(0, 60, 20):
            parts.update_state(y[i:i + 20], p[i:i + 20])
        assert parts.result() == pytest.approx(whole.result(), rel=1e-6)


def test_auc_errors_and_config():
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation method"):
        M.AUC(summation_method="avg")
    cfg = M.AUC(curve="PR", thresholds=[0.3, 0.6]).get_config()
    assert cfg["curve"] == "PR" and cfg["num_thresholds"] == 4 and cfg["thresholds"] == [0.3, 0.6]
    assert M.AUC.from_config(cfg).get_config() == cfg


def test_threshold_range_is_checked():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 1.5])


# --- custom metrics --------------------------------------------------------------------------------
def test_custom_metric_with_add_variable():
    class CountPositives(M.Metric):
        def __init__(self, name="count_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.n = self.add_variable(shape=(), initializer="zeros", name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign_add(np.sum(np.asarray(y_pred) > 0))

        def result(self):
            return self.n.numpy()

    m = CountPositives()
    m.update_state(None, [1.0, -1.0, 2.0])
    m.update_state(None, [3.0])
    assert m.result() == 3.0 and [v.name for v in m.variables] == ["n"]
    m.reset_state()
    assert m.result() == 0.0


def test_keras_tutorial_custom_metric():
    from minikeras import ops

    class BinaryTruePositives(M.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true, y_pred = ops.cast(y_true, "bool"), ops.cast(y_pred, "bool")
            values = ops.cast(ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True)), self.dtype)
            if sample_weight is not None:
                sample_weight = ops.broadcast_to(ops.cast(sample_weight, self.dtype), values.shape)
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives

    m = BinaryTruePositives()
    m.update_state([0, 1, 1, 1], [0, 1, 0, 1])
    m.update_state([1, 1], [1, 1], sample_weight=[0.5, 0.25])
    assert float(m.result()) == pytest.approx(2.75)
    assert m.get_config() == {"name": "binary_true_positives", "dtype": "float32"}
    m.reset_state()
    assert float(m.result()) == 0.0


def test_unique_default_names():
    a, b = M.Precision(), M.Precision()
    assert a.name != b.name and a.name.startswith("precision") and b.name.startswith("precision")


# --- resolution, registry -----------------------------------------------------------------------
@pytest.mark.parametrize("y_true_shape,y_pred_shape,cls", [
    ((8, 1), (8, 1), M.BinaryAccuracy),
    ((8,), (8, 1), M.BinaryAccuracy),
    ((8,), (8, 5), M.SparseCategoricalAccuracy),
    ((8, 1), (8, 5), M.SparseCategoricalAccuracy),
    ((8, 5), (8, 5), M.CategoricalAccuracy),
])
@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy"])
def test_resolve_accuracy(identifier, y_true_shape, y_pred_shape, cls):
    m = M.resolve(identifier, "mse", np.zeros(y_true_shape), np.zeros(y_pred_shape))
    assert type(m) is cls and m.name == identifier


def test_resolve_crossentropy_takes_from_logits_from_loss():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    m = M.resolve("crossentropy", loss, np.zeros(8), np.zeros((8, 5)))
    assert isinstance(m, M.SparseCategoricalCrossentropy) and m.from_logits and m.name == "crossentropy"
    m = M.resolve("ce", "binary_crossentropy", np.zeros((8, 1)), np.zeros((8, 1)))
    assert isinstance(m, M.BinaryCrossentropy) and not m.from_logits


def test_resolve_keeps_the_name_written():
    y = np.zeros((4, 1))
    assert M.resolve("mae", None, y, y).name == "mae"
    assert isinstance(M.resolve("mae", None, y, y), M.MeanAbsoluteError)
    assert M.resolve("mean_squared_error", None, y, y).name == "mean_squared_error"
    auc = M.AUC(name="my_auc")
    assert M.resolve(auc, None, y, y) is auc and auc.name == "my_auc"

    def my_metric(y_true, y_pred):
        return np.abs(y_pred - y_true)

    wrapped = M.resolve(my_metric, None, y, y)
    assert isinstance(wrapped, M.MeanMetricWrapper) and wrapped.name == "my_metric"
    with pytest.raises(ValueError, match="Expected metric, received `None`"):
        M.resolve(None, None, y, y)


def test_get_and_names():
    for name, cls in [("accuracy", M.Accuracy), ("binary_accuracy", M.BinaryAccuracy),
                      ("categorical_accuracy", M.CategoricalAccuracy),
                      ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy),
                      ("top_k_categorical_accuracy", M.TopKCategoricalAccuracy),
                      ("sparse_top_k_categorical_accuracy", M.SparseTopKCategoricalAccuracy),
                      ("mse", M.MeanSquaredError), ("mae", M.MeanAbsoluteError),
                      ("mape", M.MeanAbsolutePercentageError), ("msle", M.MeanSquaredLogarithmicError),
                      ("precision", M.Precision), ("recall", M.Recall), ("auc", M.AUC),
                      ("binary_crossentropy", M.BinaryCrossentropy)]:
        assert type(M.get(name)) is cls
    assert M.get("mse").name == "mean_squared_error"


def test_get_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="Could not interpret metric identifier") as err:
        M.get("acuracy")
    assert "accuracy" in str(err.value) and "sparse_categorical_accuracy" in str(err.value)


def test_serialize_round_trip():
    p = M.Precision(thresholds=[0.3, 0.7], name="p")
    s = M.serialize(p)
    assert s["module"] == "keras.metrics" and s["class_name"] == "Precision"
    q = M.deserialize(s)
    assert isinstance(q, M.Precision) and q.thresholds == [0.3, 0.7] and q.name == "p"
    assert isinstance(M.deserialize("auc"), M.AUC)


def test_mean_metric_wrapper_of_a_metric_function_round_trips(tmp_path):
    """A MeanMetricWrapper around a metric function (not a loss) saves and loads: its `fn`
    config names a metric function, which the losses registry alone does not know."""
    import minikeras as K
    wrapped = K.metrics.MeanMetricWrapper(K.metrics.binary_accuracy, name="acc")
    assert K.metrics.deserialize(K.metrics.serialize(wrapped))._fn is K.metrics.binary_accuracy
    on_loss = K.metrics.MeanMetricWrapper(K.losses.mean_squared_error, name="mse2")
    assert K.metrics.deserialize(K.metrics.serialize(on_loss))._fn is K.losses.mean_squared_error
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 3), dtype=np.float32), (rng.random((16, 1)) > 0.5).astype("float32")
    model = K.Sequential([K.Input((3,)), K.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[wrapped])
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = K.models.load_model(tmp_path / "m.keras")
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
