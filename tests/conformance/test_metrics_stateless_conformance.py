"""Metric's stateless API and variable order against real Keras 3: the same metric lists the same
variables (names, shapes, dtypes, order), and stateless_update_state / stateless_result /
stateless_reset_state give Keras's values."""
import numpy as np
import pytest

import minikeras

rng = np.random.default_rng(3)
Y_TRUE = (rng.random((12, 3)) > 0.5).astype("float32")
Y_PRED = rng.random((12, 3)).astype("float32")
WEIGHT = rng.random(12).astype("float32")

CASES = [
    ("Mean", {}, (Y_PRED,)),
    ("MeanSquaredError", {}, (Y_TRUE, Y_PRED)),
    ("CategoricalAccuracy", {}, (Y_TRUE, Y_PRED)),
    ("Precision", {"thresholds": [0.3, 0.6]}, (Y_TRUE, Y_PRED)),
    ("AUC", {"num_thresholds": 7, "curve": "PR", "summation_method": "majoring"}, (Y_TRUE, Y_PRED)),
    ("AUC", {"num_thresholds": 5, "multi_label": True, "num_labels": 3}, (Y_TRUE, Y_PRED)),
    ("MeanIoU", {"num_classes": 3}, (Y_TRUE.argmax(-1), Y_PRED.argmax(-1))),
    ("FBetaScore", {"beta": 2.0, "average": "macro"}, (Y_TRUE, Y_PRED)),
    ("R2Score", {}, (Y_TRUE, Y_PRED)),
    ("PearsonCorrelation", {}, (Y_TRUE, Y_PRED)),
    ("SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 9}, (Y_TRUE, Y_PRED)),
]


def _run(k, name, kwargs, args):
    metric = getattr(k.metrics, name)(**kwargs)
    if len(metric.variables) == 0 or name in ("FBetaScore", "R2Score"):
        metric.update_state(*args)  # built on the first batch
        metric.reset_state()
    layout = [(v.name, tuple(v.shape), str(v.dtype)) for v in metric.variables]
    state = [np.array(v.numpy()) for v in metric.variables]
    for sw in (None, WEIGHT):
        state = metric.stateless_update_state(state, *args, sample_weight=sw)
    result = np.asarray(metric.stateless_result(state))
    reset = [np.asarray(s) for s in metric.stateless_reset_state()]
    return layout, [np.asarray(s) for s in state], result, reset


@pytest.mark.parametrize("name,kwargs,args", CASES, ids=[c[0] for c in CASES])
def test_stateless_metric_matches_keras(keras, name, kwargs, args):
    ours, theirs = _run(minikeras, name, kwargs, args), _run(keras, name, kwargs, args)
    assert ours[0] == theirs[0]
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)  # counts summed in another order
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_array_equal(a, b)
