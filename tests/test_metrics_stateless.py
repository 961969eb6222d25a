"""Metric's stateless API (stateless_update_state / stateless_result / stateless_reset_state),
the tracking of variables and sub-metrics in attributes and containers, and the AUC enums."""
import numpy as np
import pytest

from minikeras import metrics
from minikeras.engine.variable import Variable
from minikeras.metrics import metrics_utils

rng = np.random.default_rng(0)
Y_TRUE = (rng.random((16, 3)) > 0.5).astype("float32")
Y_PRED = rng.random((16, 3)).astype("float32")
LABELS, CLASSES = Y_TRUE.argmax(-1), Y_PRED.argmax(-1)

CASES = [
    (metrics.Mean, {}, (Y_PRED,)),
    (metrics.Sum, {}, (Y_PRED,)),
    (metrics.MeanSquaredError, {}, (Y_TRUE, Y_PRED)),
    (metrics.BinaryAccuracy, {}, (Y_TRUE, Y_PRED)),
    (metrics.CategoricalAccuracy, {}, (Y_TRUE, Y_PRED)),
    (metrics.SparseCategoricalAccuracy, {}, (LABELS, Y_PRED)),
    (metrics.Precision, {"thresholds": [0.3, 0.6]}, (Y_TRUE, Y_PRED)),
    (metrics.Recall, {}, (Y_TRUE, Y_PRED)),
    (metrics.AUC, {"curve": "PR"}, (Y_TRUE, Y_PRED)),
    (metrics.AUC, {"multi_label": True, "num_labels": 3}, (Y_TRUE, Y_PRED)),
    (metrics.SensitivityAtSpecificity, {"specificity": 0.5}, (Y_TRUE, Y_PRED)),
    (metrics.MeanIoU, {"num_classes": 3}, (LABELS, CLASSES)),
    (metrics.FBetaScore, {"beta": 2.0}, (Y_TRUE, Y_PRED)),
    (metrics.R2Score, {}, (Y_TRUE, Y_PRED)),
    (metrics.PearsonCorrelation, {}, (Y_TRUE, Y_PRED)),
    (metrics.KLDivergence, {}, (Y_TRUE, Y_PRED)),
]


@pytest.mark.parametrize("cls,kwargs,args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_stateless_api_agrees_with_the_stateful_one(cls, kwargs, args):
    stateful, stateless = cls(**kwargs), cls(**kwargs)
    weight = rng.random(16).astype("float32")
    for sw in (None, weight):
        stateful.update_state(*args, sample_weight=sw)
    if not stateless.variables or len(stateless.variables) < len(stateful.variables):
        stateless.update_state(*args)  # metrics that build on their first batch
        stateless.reset_state()
    before = [v.numpy() for v in stateless.variables]
    state = [v.numpy() for v in stateless.variables]
    for sw in (None, weight):
        state = stateless.stateless_update_state(state, *args, sample_weight=sw)
    for b, v in zip(before, stateless.variables):  # the variables did not move
        np.testing.assert_array_equal(b, v.numpy())
    for s, v in zip(state, stateful.variables):
        np.testing.assert_allclose(s, v.numpy(), rtol=1e-6)
        assert s.dtype == v.numpy().dtype
    np.testing.assert_allclose(stateless.stateless_result(state), stateful.result(), rtol=1e-6)
    zeros = stateful.stateless_reset_state()
    assert any(np.any(v.numpy() != 0) for v in stateful.variables)  # untouched
    for z, v in zip(zeros, stateful.variables):
        np.testing.assert_array_equal(z, np.zeros_like(v.numpy()))


def test_stateless_state_must_match_the_variables():
    m = metrics.Mean()
    with pytest.raises(ValueError, match="corresponding 1:1 to Mean\\(\\).variables"):
        m.stateless_result([np.float32(1.0)])


class Pair(metrics.Metric):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.a = self.add_variable((), "zeros", name="a")
        self.b = self.add_variable((), "zeros", name="b")

    def update_state(self, x):
        self.a.assign(self.a + np.sum(x))
        self.b.assign(self.b + 1)

    def result(self):
        return self.a.value / self.b.value


def test_variables_in_containers_and_submetrics_are_tracked():
    m = Pair(name="p")
    m.more = {"x": [Variable(0.0), Variable(1.0)], "y": (Variable(2.0),)}
    assert len(m.variables) == 5
    m.more["x"].append(Variable(3.0))  # later additions too
    assert len(m.variables) == 6
    m.subs = [Pair(name="s1"), {"k": Pair(name="s2")}]
    m.subs[0].deeper = Pair(name="s3")
    assert len(m.variables) == 12
    assert [v.path for v in m.variables[:2]] == ["p/a", "p/b"]  # own variables first
    m.alias = m.a  # the same variable is listed once
    assert len(m.variables) == 12


def test_tracked_containers_behave_as_lists_and_dicts():
    auc = metrics.AUC(thresholds=[0.3, 0.5])
    assert auc.get_config()["thresholds"] == [0.3, 0.5]
    assert isinstance(auc.thresholds, list)


@pytest.mark.parametrize("curve,summation", [("PR", "majoring"), ("roc", "Minoring"),
                                             ("prgain", "interpolation")])
def test_auc_curve_and_summation_are_enums(curve, summation):
    auc = metrics.AUC(curve=curve, summation_method=summation)
    assert isinstance(auc.curve, metrics_utils.AUCCurve)
    assert auc.curve is metrics_utils.AUCCurve.from_str(curve)
    assert auc.summation_method is metrics_utils.AUCSummationMethod.from_str(summation)
    config = auc.get_config()
    assert config["curve"] == auc.curve.value and config["summation_method"] == summation.lower()
    again = metrics.AUC.from_config(config)
    assert again.curve is auc.curve and again.summation_method is auc.summation_method
    assert metrics.AUC(curve=auc.curve).curve is auc.curve


def test_auc_rejects_unknown_curve_and_summation():
    with pytest.raises(ValueError, match='Invalid AUC curve value: "Pr"'):
        metrics.AUC(curve="Pr")
    with pytest.raises(ValueError, match='Invalid AUC summation method value: "sum"'):
        metrics.AUC(summation_method="sum")


def test_fbeta_needs_a_defined_output_dim():
    with pytest.raises(ValueError, match="with output_dim fully defined"):
        metrics.FBetaScore()._build((2, None), (2, None))


def test_add_variable_with_an_array_initializer():
    m = metrics.MeanIoU(num_classes=2)
    start = np.array([[5, 1], [2, 7]])
    m.total_cm = m.add_variable(shape=(2, 2), initializer=start, dtype="int", name="cm")
    np.testing.assert_array_equal(m.total_cm.numpy(), start)


def test_compute_output_spec_of_a_metric_leaves_its_state():
    from minikeras import backend
    from minikeras.engine.keras_tensor import KerasTensor
    mean = metrics.Mean(dtype="float32")
    mean.update_state([1.0, 3.0])
    spec = backend.compute_output_spec(mean, KerasTensor((None, 2)), KerasTensor((None, 2)))
    assert spec.shape == () and spec.dtype == "float32"
    assert float(mean.result()) == 2.0 and float(mean.count.numpy()) == 2.0
    wrapper = metrics.MeanSquaredError()
    spec = backend.compute_output_spec(wrapper.update_state, KerasTensor((None, 3)),
                                       KerasTensor((None, 3)))
    assert float(wrapper.count.numpy()) == 0.0


def test_compute_output_spec_finds_dynamic_dims():
    from minikeras import backend, ops
    from minikeras.engine.keras_tensor import KerasTensor
    spec = backend.compute_output_spec(lambda x: ops.sum(x, axis=-1), KerasTensor((None, 4, 5)))
    assert spec.shape == (None, 4)
    pair = backend.compute_output_spec(lambda x: (x[:, :2], ops.cast(x, "int32")), KerasTensor((3, None)))
    assert pair[0].shape == (3, 2) and pair[1].shape == (3, None) and pair[1].dtype == "int32"
