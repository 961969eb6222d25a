"""Each metric and callback class lives where Keras 3 keeps it (`keras/src/metrics/<family>.py`,
`keras/src/callbacks/<name>.py`), written as a `class` statement, and the split into modules
changed nothing a saved config records."""
import inspect

import pytest

from minikeras import callbacks, metrics
from minikeras.saving import serialization_lib

METRIC_HOMES = {
    "metric": ["Metric"],
    "reduction_metrics": ["Sum", "Mean", "MeanMetricWrapper"],
    "accuracy_metrics": ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
                         "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
                         "SparseTopKCategoricalAccuracy"],
    "regression_metrics": ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
                           "MeanSquaredLogarithmicError", "RootMeanSquaredError",
                           "CosineSimilarity", "LogCoshError", "R2Score"],
    "probabilistic_metrics": ["KLDivergence", "Poisson", "BinaryCrossentropy",
                              "CategoricalCrossentropy", "SparseCategoricalCrossentropy"],
    "hinge_metrics": ["Hinge", "SquaredHinge", "CategoricalHinge"],
    "confusion_metrics": ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
                          "Precision", "Recall", "AUC", "SensitivityAtSpecificity",
                          "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision"],
    "f_score_metrics": ["FBetaScore", "F1Score"],
    "correlation_metrics": ["PearsonCorrelation", "ConcordanceCorrelation"],
    "iou_metrics": ["IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"],
}
METRICS = [(home, name) for home, names in METRIC_HOMES.items() for name in names]
CALLBACK_HOMES = {
    "callback": "Callback", "callback_list": "CallbackList", "history": "History",
    "progbar_logger": "ProgbarLogger", "monitor_callback": "MonitorCallback",
    "early_stopping": "EarlyStopping", "reduce_lr_on_plateau": "ReduceLROnPlateau",
    "learning_rate_scheduler": "LearningRateScheduler", "terminate_on_nan": "TerminateOnNaN",
    "csv_logger": "CSVLogger", "lambda_callback": "LambdaCallback", "tensorboard": "TensorBoard",
    "model_checkpoint": "ModelCheckpoint", "backup_and_restore": "BackupAndRestore",
    "remote_monitor": "RemoteMonitor", "swap_ema_weights": "SwapEMAWeights",
    "orbax_checkpoint": "OrbaxCheckpoint",
}


def _is_class_statement(cls, name):
    return inspect.getsource(cls).startswith((f"class {name}(", f"class {name}:"))


def test_every_registered_metric_has_a_home():
    registered = {cls.__name__ for cls in metrics.ALL_OBJECTS.values()}
    assert registered == {name for _, name in METRICS}


@pytest.mark.parametrize("home, name", METRICS)
def test_metric_is_a_class_statement_in_its_keras_module(home, name):
    cls = getattr(metrics, name)
    assert cls.__module__ == f"minikeras.metrics.{home}"
    assert _is_class_statement(cls, name)


def test_every_exported_callback_has_a_home():
    exported = {n for n in callbacks.__all__ if isinstance(getattr(callbacks, n), type)}
    assert exported == set(CALLBACK_HOMES.values())


@pytest.mark.parametrize("home, name", sorted(CALLBACK_HOMES.items()))
def test_callback_is_a_class_statement_in_its_keras_module(home, name):
    cls = getattr(callbacks, name)
    assert cls.__module__ == f"minikeras.callbacks.{home}"
    assert _is_class_statement(cls, name)


def test_saved_configs_name_the_same_modules_as_before_the_split():
    assert serialization_lib.serialize_keras_object(metrics.AUC())["module"] == "keras.metrics"
    assert metrics.serialize(metrics.MeanSquaredError())["module"] == "keras.metrics"
    # Classes without a public path are written under the namespace, not the family module.
    base = serialization_lib.serialize_keras_object(metrics.Metric())
    assert base["module"] == "minikeras.metrics"
