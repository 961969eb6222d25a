"""Each metric class lives where Keras 3 keeps it (`keras/src/metrics/<family>.py`), written as a
`class` statement, and the split into families changed nothing a saved config records."""
import inspect

import pytest

from minikeras import metrics
from minikeras.saving import serialization_lib

METRIC_HOMES = {
    "metric": ["Metric"],
    "reduction_metrics": ["Sum", "Mean", "MeanMetricWrapper"],
    "accuracy_metrics": ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
                         "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
                         "SparseTopKCategoricalAccuracy"],
    "regression_metrics": ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
                           "MeanSquaredLogarithmicError", "RootMeanSquaredError",
                           "CosineSimilarity", "LogCoshError"],
    "probabilistic_metrics": ["KLDivergence", "Poisson", "BinaryCrossentropy",
                              "CategoricalCrossentropy", "SparseCategoricalCrossentropy"],
    "hinge_metrics": ["Hinge", "SquaredHinge", "CategoricalHinge"],
    "confusion_metrics": ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
                          "Precision", "Recall", "AUC"],
}
METRICS = [(home, name) for home, names in METRIC_HOMES.items() for name in names]


def test_every_registered_metric_has_a_home():
    registered = {cls.__name__ for cls in metrics.ALL_OBJECTS.values()}
    assert registered == {name for _, name in METRICS}


@pytest.mark.parametrize("home, name", METRICS)
def test_metric_is_a_class_statement_in_its_keras_module(home, name):
    cls = getattr(metrics, name)
    assert cls.__module__ == f"minikeras.metrics.{home}"
    assert inspect.getsource(cls).startswith((f"class {name}(", f"class {name}:"))


def test_saved_configs_name_the_same_modules_as_before_the_split():
    assert serialization_lib.serialize_keras_object(metrics.AUC())["module"] == "keras.metrics"
    assert metrics.serialize(metrics.MeanSquaredError())["module"] == "keras.metrics"
    # Classes without a public path are written under the namespace, not the family module.
    assert serialization_lib.serialize_keras_object(metrics.Metric())["module"] == "minikeras.metrics"
