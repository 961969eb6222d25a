"""`keras.metrics`: stateful metrics, computed in plain numpy outside the gradient trace.

A metric accumulates state in non-trainable `Variable`s with `update_state(y_true, y_pred,
sample_weight=None)`, reports it with `result()` and clears it with `reset_state()`. The classes
live where Keras 3 keeps them: `metric` (the base class), `reduction_metrics` (`Mean`, `Sum`,
`MeanMetricWrapper`), `accuracy_metrics`, `regression_metrics`, `probabilistic_metrics`,
`hinge_metrics`, `confusion_metrics`, `f_score_metrics`, `iou_metrics`, `correlation_metrics`
and `metrics_utils`; this module holds the registry (`get`, `serialize`, `deserialize`) and
`resolve`, which `compile` uses.
"""
import inspect

from minikeras import losses
from minikeras.losses import (  # noqa: F401  (keras.metrics offers the loss functions too)
    binary_crossentropy, categorical_crossentropy, categorical_hinge, hinge, kl_divergence,
    log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
    binary_focal_crossentropy, categorical_focal_crossentropy, huber)
from minikeras.metrics.accuracy_metrics import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
    categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy)
from minikeras.metrics.confusion_metrics import (
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives)
# The private bases stay in this namespace, where the saving table (known_objects) has always
# found them: an instance of one keeps the config and the loading it had before the split.
from minikeras.metrics.confusion_metrics import (  # noqa: F401
    _ConfusionMatrixConditionCount, _PrecisionRecall)
from minikeras.metrics.correlation_metrics import (
    ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation)
from minikeras.metrics.f_score_metrics import F1Score, FBetaScore
from minikeras.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from minikeras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from minikeras.metrics.metric import Metric
from minikeras.metrics.metrics_utils import (  # noqa: F401  (NEG_INF: as before the split)
    NEG_INF, divide_no_nan, is_evenly_distributed_thresholds, parse_init_thresholds,
    update_confusion_matrix_variables)
from minikeras.metrics.probabilistic_metrics import (
    BinaryCrossentropy, CategoricalCrossentropy, KLDivergence, Poisson,
    SparseCategoricalCrossentropy)
from minikeras.metrics.reduction_metrics import (  # noqa: F401  (_Wrapped: as above)
    Mean, MeanMetricWrapper, Sum, _Wrapped, reduce_to_samplewise_values)
from minikeras.metrics.regression_metrics import (
    CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
    cosine_similarity)
from minikeras.utils import naming, registry

_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            CosineSimilarity, LogCoshError, AUC, FalseNegatives, FalsePositives, Precision, Recall,
            TrueNegatives, TruePositives, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
            Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
            Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
            TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, F1Score, FBetaScore,
            R2Score, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
            PearsonCorrelation, ConcordanceCorrelation, PrecisionAtRecall, RecallAtPrecision,
            SensitivityAtSpecificity, SpecificityAtSensitivity]
ALL_OBJECTS = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS.update({naming.to_snake_case(c.__name__): c for c in _CLASSES})
ALL_OBJECTS.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
    "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError})

__all__ = [c.__name__ for c in _CLASSES] + [
    "accuracy", "binary_accuracy", "categorical_accuracy", "concordance_correlation",
    "cosine_similarity", "deserialize", "divide_no_nan", "get",
    "is_evenly_distributed_thresholds", "parse_init_thresholds", "pearson_correlation",
    "reduce_to_samplewise_values", "resolve", "serialize", "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy",
    "update_confusion_matrix_variables"]


def serialize(metric):
    """The Keras config dict of a `Metric` or a metric function."""
    if isinstance(metric, Metric):
        out = registry.class_config(metric)
        if type(metric).__name__ not in ALL_OBJECTS:
            from minikeras.saving.known_objects import config_module
            out["module"] = config_module(type(metric))
        return out
    return losses.serialize(metric)


def deserialize(config, custom_objects=None):
    """A `Metric` (or metric function) from a name or a config dict."""
    table = {**ALL_OBJECTS, **(custom_objects or {})}
    if isinstance(config, str):
        obj = registry.lookup("metric", config, table)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret metric identifier: {config}")
    if config["class_name"] == "function":  # a metric function by name, else a loss function
        fn = globals().get(config.get("config")) if isinstance(config.get("config"), str) else None
        if inspect.isfunction(fn) and fn.__module__.startswith(__name__ + "."):
            return fn
        return losses.deserialize(config, custom_objects)
    cls = registry.lookup("metric", config["class_name"], table)
    return cls.from_config(config.get("config", {}))


def get(identifier):
    """A metric from a name (a `Metric` instance), a config dict, a callable or an instance."""
    return registry.get_callable("metric", identifier, ALL_OBJECTS, deserialize)


def _loss_from_logits(loss):
    if getattr(loss, "from_logits", None) is not None:
        return bool(loss.from_logits)
    return bool(getattr(loss, "_fn_kwargs", {}).get("from_logits", False))


def resolve(identifier, loss, y_true, y_pred):
    """The `Metric` that `compile(metrics=[identifier])` uses, named as the user wrote it.

    As Keras 3's `compile_utils.get_metric`: "accuracy" / "acc" become binary accuracy when
    y_pred has one column, sparse categorical accuracy when y_true has lower rank or a single
    column, else categorical accuracy; the shapes decide, not the loss. "crossentropy" / "ce"
    (which Keras 3 rejects) pick the matching crossentropy metric the same way, with the loss's
    `from_logits`. Functions are wrapped in `MeanMetricWrapper`.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    kind = str(identifier).lower()
    if kind in ("accuracy", "acc", "crossentropy", "ce"):
        is_binary, is_sparse = losses.is_binary_or_sparse_categorical(y_true, y_pred)
        if kind in ("accuracy", "acc"):
            cls = BinaryAccuracy if is_binary else (
                SparseCategoricalAccuracy if is_sparse else CategoricalAccuracy)
            obj = cls(name=str(identifier))
        else:
            cls = BinaryCrossentropy if is_binary else (
                SparseCategoricalCrossentropy if is_sparse else CategoricalCrossentropy)
            obj = cls(name=str(identifier), from_logits=_loss_from_logits(loss))
    else:
        obj = get(identifier)
    name = identifier if isinstance(identifier, str) else losses.object_name(obj)
    if not isinstance(obj, Metric):
        obj = MeanMetricWrapper(obj)
    obj.name = name
    return obj
