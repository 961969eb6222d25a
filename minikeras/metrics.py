"""`keras.metrics`: stateful metrics, computed in plain numpy outside the gradient trace.

A metric accumulates state in non-trainable `Variable`s with `update_state(y_true, y_pred,
sample_weight=None)`, reports it with `result()` and clears it with `reset_state()`.
"""
import inspect

import numpy as onp
from autograd.tracer import getval

from minikeras import losses
from minikeras.engine import config
from minikeras.engine.variable import Variable
from minikeras.losses import (
    binary_crossentropy, categorical_crossentropy, categorical_hinge, hinge, kl_divergence,
    l2_normalize, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
    squared_hinge, squeeze_or_expand_to_same_rank)
from minikeras.utils import registry

NEG_INF = -1e10


def _np(x, dtype=None):
    """An untraced numpy array (reads through Variables and autograd boxes)."""
    x = onp.asarray(getval(x.value if isinstance(x, Variable) else x))
    return x if dtype is None else x.astype(dtype, copy=False)


def divide_no_nan(a, b):
    """a / b, and 0 where b == 0."""
    with onp.errstate(divide="ignore", invalid="ignore"):
        q = onp.true_divide(a, b)
    return onp.where(onp.asarray(b) == 0, 0, q).astype(q.dtype)


def _initializer(identifier):
    if identifier in (None, "zeros", "Zeros"):
        return lambda shape, dtype=None: onp.zeros(shape, dtype=dtype)
    if identifier in ("ones", "Ones"):
        return lambda shape, dtype=None: onp.ones(shape, dtype=dtype)
    if isinstance(identifier, str):
        from minikeras import initializers
        return initializers.get(identifier)
    return identifier


class Metric:
    """Base class: subclasses create state with `add_variable` in `__init__` and implement
    `update_state` and `result`.

    Args:
        dtype: dtype of the metric's computations, `keras.config.floatx()` by default.
        name: defaults to the snake-cased class name.
    """

    _keras_module = "metrics"

    def __init__(self, dtype=None, name=None):
        self._variables, self._metrics = [], []
        self.name = name or losses.auto_name(type(self).__name__)
        self._dtype = losses.compute_dtype(dtype)

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return list(self._variables) + [v for m in self._metrics for v in m.variables]

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        if "_variables" not in self.__dict__:
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               "method. Go add it!")
        variable = Variable(_initializer(initializer), shape=tuple(shape), dtype=dtype,
                            trainable=False, name=name, path=f"{self.name}/{name}",
                            aggregation=aggregation, synchronization="on_read")
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        for v in self.variables:
            v.assign(onp.zeros(v.shape, dtype=v.dtype))

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


# --- reductions --------------------------------------------------------------------------
def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Per-sample values (weighted) and per-sample weights, as Keras's `Mean` / `Sum` see them."""
    values = _np(values, dtype)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, _np(sample_weight, dtype))
        w_ndim, v_ndim = sample_weight.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        values = values * onp.broadcast_to(sample_weight, values.shape)
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, onp.sum, self.dtype)
        self.total.assign(self.total.value + onp.sum(values))

    def result(self):
        return self.total.numpy()


class Mean(Metric):
    """The (weighted) mean of the values seen: sum(values * w) / sum(w) over all updates."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable((), "zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, onp.mean, self.dtype)
        self.total.assign(self.total.value + onp.sum(values))
        if sample_weight is not None:
            num_samples = onp.sum(sample_weight)
        else:
            num_samples = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign(self.count.value + onp.asarray(num_samples, self.dtype))

    def result(self):
        return divide_no_nan(self.total.value, self.count.value).astype(self.dtype)


_LOSS_FUNCTIONS = set(losses.ALL_OBJECTS.values())


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if fn in _LOSS_FUNCTIONS or type(fn) in _LOSS_FUNCTIONS:
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(_np(y_true), _np(y_pred), **self._fn_kwargs)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "fn": serialize(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)


class _Wrapped(MeanMetricWrapper):
    """A `MeanMetricWrapper` of a fixed function; `_config_keys` go into the config."""

    _config_keys = ()
    _fn_default = None

    def __init__(self, name, dtype, direction=None, **kwargs):
        super().__init__(type(self)._fn_default, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)
        if direction:
            self._direction = direction

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                **{k: getattr(self, k) for k in self._config_keys}}


# --- accuracy ----------------------------------------------------------------------------
def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly."""
    y_pred = _np(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, y_pred.dtype), y_pred)
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where y_true == (y_pred > threshold)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true), _np(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(config.floatx())


def _class_matches(y_true, y_pred, squeeze_if):
    y_true_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and squeeze_if(y_true)
    if reshape:
        y_true = onp.squeeze(y_true, -1)
    matches = (y_true == onp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(config.floatx())
    return matches.reshape(y_true_shape) if reshape else matches


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_true) == argmax(y_pred) (one-hot labels)."""
    y_pred = _np(y_pred)
    y_true = onp.argmax(_np(y_true), axis=-1).astype(y_pred.dtype)
    return _class_matches(y_true, y_pred, lambda t: True)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals argmax(y_pred); labels shaped (N,) or (N, 1)."""
    y_pred = _np(y_pred)
    matches = _class_matches(_np(y_true, y_pred.dtype), y_pred, lambda t: t.shape[-1] == 1)
    return onp.squeeze(matches, -1) if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(targets, predictions, k):
    """Whether fewer than k predictions are strictly greater than the target's (NaN ranks last)."""
    at_label = onp.take_along_axis(predictions, targets[:, None], axis=-1)
    at_label = onp.where(onp.isnan(at_label), -onp.inf, at_label)
    return 1 + onp.sum(predictions > at_label, axis=-1) <= k


def _top_k_matches(y_true, y_pred, k, from_sorted_ids=False):
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    y_true = y_true.reshape(-1)
    if from_sorted_ids:
        matches = onp.any(y_true[:, None] == y_pred[:, :k], axis=1)
    else:
        matches = _in_top_k(y_true.astype("int32"), y_pred, k)
    return matches.astype(config.floatx()).reshape(shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k largest predictions."""
    return _top_k_matches(onp.argmax(_np(y_true), axis=-1), _np(y_pred), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k largest predictions (or the first k ids)."""
    y_pred = _np(y_pred)
    y_true = _np(y_true, y_pred.dtype if from_sorted_ids else "int32")
    return _top_k_matches(y_true, y_pred, k, from_sorted_ids)


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)."""
    y_pred = _np(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, y_pred.dtype), y_pred)
    return onp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class Accuracy(_Wrapped):
    """How often predictions equal labels: mean(y_pred == y_true)."""
    _fn_default = staticmethod(accuracy)

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name, dtype, "up")


class BinaryAccuracy(_Wrapped):
    """How often (y_pred > threshold) equals the binary label."""
    _fn_default, _config_keys = staticmethod(binary_accuracy), ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name, dtype, "up", threshold=threshold)


class CategoricalAccuracy(_Wrapped):
    """How often argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    _fn_default = staticmethod(categorical_accuracy)

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name, dtype, "up")


class SparseCategoricalAccuracy(_Wrapped):
    """How often argmax(y_pred) equals the integer label."""
    _fn_default = staticmethod(sparse_categorical_accuracy)

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name, dtype, "up")


class TopKCategoricalAccuracy(_Wrapped):
    """How often the one-hot label's class is among the k highest predictions."""
    _fn_default, _config_keys = staticmethod(top_k_categorical_accuracy), ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name, dtype, "up", k=k)


class SparseTopKCategoricalAccuracy(_Wrapped):
    """How often the integer label is among the k highest predictions."""
    _fn_default, _config_keys = staticmethod(sparse_top_k_categorical_accuracy), ("k",)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(name, dtype, "up", k=k, from_sorted_ids=from_sorted_ids)

    def get_config(self):
        config = super().get_config()
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


# --- regression, probabilistic and hinge metrics -----------------------------------------
def _wrapped(class_name, fn, default_name, direction=None, doc=None):
    """A `_Wrapped` metric class `class_name(name=default_name, dtype=None)` of `fn`."""
    def __init__(self, name=default_name, dtype=None):
        _Wrapped.__init__(self, name, dtype, direction)
    cls = type(class_name, (_Wrapped,), {"__init__": __init__, "_fn_default": staticmethod(fn),
                                         "__module__": __name__})
    cls.__doc__ = doc or f"The mean of `{fn.__name__}` over all samples."
    return cls


MeanSquaredError = _wrapped("MeanSquaredError", mean_squared_error, "mean_squared_error", "down")
MeanAbsoluteError = _wrapped("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", "down")
MeanAbsolutePercentageError = _wrapped("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error", "down")
MeanSquaredLogarithmicError = _wrapped("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error", "down")
LogCoshError = _wrapped("LogCoshError", log_cosh, "logcosh", "down")
KLDivergence = _wrapped("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapped("Poisson", poisson, "poisson")
Hinge = _wrapped("Hinge", hinge, "hinge", "down")
SquaredHinge = _wrapped("SquaredHinge", squared_hinge, "squared_hinge", "down")
CategoricalHinge = _wrapped("CategoricalHinge", categorical_hinge, "categorical_hinge", "down")


class CosineSimilarity(_Wrapped):
    """The mean cosine similarity along `axis` (Keras leaves `axis` out of the config)."""
    _fn_default = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name, dtype, "up", axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_pred - y_true)**2)) over all values seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_np(y_true, self.dtype), _np(y_pred, self.dtype))
        return super().update_state(onp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return onp.sqrt(super().result())


class BinaryCrossentropy(_Wrapped):
    """The mean binary crossentropy between labels and predictions."""
    _fn_default, _config_keys = staticmethod(binary_crossentropy), ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name, dtype, "down", from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapped):
    """The mean categorical crossentropy between one-hot labels and predictions."""
    _fn_default = staticmethod(categorical_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name, dtype, "down", from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapped):
    """Mean sparse categorical crossentropy; with `ignore_class` and a `sample_weight`, ignored
    entries get weight 0 (without weights they count as 0-loss samples, as in Keras)."""
    _fn_default = staticmethod(sparse_categorical_crossentropy)
    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(name, dtype, "down", from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _np(y_true), _np(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is not None and self.ignore_class is not None:
            valid = losses._sparse_labels(y_true, y_pred, self.axis) != self.ignore_class
            sample_weight = losses.apply_mask(_np(sample_weight, self.dtype), valid, self.dtype, "sum")
        return Mean.update_state(self, values, sample_weight=sample_weight)


# --- confusion-matrix metrics ------------------------------------------------------------
def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The `thresholds` argument as a list, each checked to lie in [0, 1]."""
    if thresholds is not None:
        values = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
        invalid = [t for t in values if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    thresholds = default_threshold if thresholds is None else thresholds
    return list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]


def is_evenly_distributed_thresholds(thresholds):
    """Whether `thresholds` are i / (n - 1) for i = 0..n-1 (n >= 3)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = onp.arange(n, dtype="float32") / (n - 1)
    return onp.allclose(thresholds, even, atol=config.epsilon())


def _filter_top_k(x, k):
    """x where x is among the k largest along the last axis, NEG_INF elsewhere."""
    idx = onp.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = onp.zeros_like(x)
    onp.put_along_axis(mask, idx, 1.0, axis=-1)
    return x * mask + NEG_INF * (1 - mask)


def _threshold_counts(labels, preds, weights, thresholds, multi_label):
    """tp / fp / tn / fn per threshold by comparing every prediction with every threshold."""
    if not multi_label:
        labels, preds = labels.reshape(-1), preds.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    pos = preds[None] > thresholds.reshape((-1,) + (1,) * preds.ndim)
    labels = labels[None]

    def count(mask):
        kept = mask.astype(preds.dtype) if weights is None else onp.where(mask, weights[None], 0)
        return onp.sum(kept, axis=1, dtype=preds.dtype)

    return {"tp": count(labels & pos), "fn": count(labels & ~pos),
            "fp": count(~labels & pos), "tn": count(~labels & ~pos)}


def _bucket_counts(labels, preds, weights, num_thresholds, multi_label, with_epsilon):
    """tp / fp / tn / fn for evenly spaced thresholds, by bucketing each prediction once."""
    dtype = preds.dtype
    weights = onp.asarray(1.0, dtype) if weights is None else weights
    preds, labels = onp.clip(preds, 0.0, 1.0), labels.astype(dtype)
    if not multi_label:
        preds, labels = preds.reshape(-1, 1), labels.reshape(-1, 1)
        weights = weights.reshape(-1, 1) if weights.ndim else weights
    true_w, false_w = labels * weights, (1.0 - labels) * weights
    bucket = onp.ceil(preds * dtype.type(num_thresholds - 1)) - 1
    bucket = (onp.maximum(bucket, 0) if with_epsilon else bucket).astype("int64")
    valid = (bucket >= 0) & (bucket < num_thresholds)
    flat = (bucket + onp.arange(bucket.shape[1]) * num_thresholds)[valid]
    size = bucket.shape[1] * num_thresholds

    def cumulative(w):  # per-bucket sums, then sum over buckets >= i, shaped (T, labels)
        w = onp.broadcast_to(w, bucket.shape)[valid]
        bins = onp.bincount(flat, weights=w, minlength=size).astype(dtype).reshape(-1, num_thresholds)
        return onp.flip(onp.cumsum(onp.flip(bins, 1), axis=1, dtype=dtype), 1).T

    tp, fp = cumulative(true_w), cumulative(false_w)
    total_true = onp.sum(onp.broadcast_to(true_w, bucket.shape), axis=0, dtype=dtype)
    total_false = onp.sum(onp.broadcast_to(false_w, bucket.shape), axis=0, dtype=dtype)
    out = {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}
    return out if multi_label else {k: v[:, 0] for k, v in out.items()}


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, thresholds_distributed_evenly=False):
    """Add this batch's true/false positive/negative counts (keys "tp", "fp", "tn", "fn") at
    each threshold to the given variables: a prediction is positive when > threshold."""
    dtype = next(iter(variables_to_update.values())).dtype
    y_true, y_pred = _np(y_true, dtype), _np(y_pred, dtype)
    thresholds = onp.asarray(thresholds, dtype=dtype)
    with_epsilon = bool(thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = onp.expand_dims(_np(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = None if sample_weight is None else onp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = onp.broadcast_to(onp.expand_dims(_np(label_weights, dtype), 0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    labels = y_true.astype(bool)
    if thresholds_distributed_evenly:
        counts = _bucket_counts(labels, y_pred, weights, len(thresholds), multi_label, with_epsilon)
    else:
        counts = _threshold_counts(labels, y_pred, weights, thresholds, multi_label)
    for key, variable in variables_to_update.items():
        variable.assign(variable.value + counts[key])


class _ConfusionMatrixConditionCount(Metric):
    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly)

    def result(self):
        value = self.accumulator.numpy()
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of predictions > threshold whose label is positive."""
    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of predictions > threshold whose label is negative."""
    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of predictions <= threshold whose label is negative."""
    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of predictions <= threshold whose label is positive."""
    _condition = "fn"


class _PrecisionRecall(Metric):
    """tp / (tp + other) at each threshold; `other` is fp for precision, fn for recall."""
    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._evenly = is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), "zeros", name="true_positives")
        other = "false_positives" if self._other == "fp" else "false_negatives"
        setattr(self, other, self.add_variable((n,), "zeros", name=other))
        self._other_var = getattr(self, other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self._other: self._other_var}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly)

    def result(self):
        tp = self.true_positives.value
        value = divide_no_nan(tp, tp + self._other_var.value)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """tp / (tp + fp): the fraction of positive predictions that are right.

    Args: thresholds (default 0.5; a list gives one value each), top_k (only the k largest
    predictions count as positive), class_id (only that class), name, dtype.
    """
    _other = "fp"


class Recall(_PrecisionRecall):
    """tp / (tp + fn): the fraction of positive labels predicted positive (same Args as Precision)."""
    _other = "fn"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = {"interpolation", "majoring", "minoring"}


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at `num_thresholds` thresholds.

    ROC: sum over buckets of (fpr[i] - fpr[i+1]) * (tpr[i] + tpr[i+1]) / 2 ("interpolation"),
    or min / max of the two heights ("minoring" / "majoring"). PR with "interpolation" uses
    Davis & Goadrich's interpolation of precision between thresholds.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._evenly = is_evenly_distributed_thresholds(onp.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = config.epsilon()
        self._thresholds = onp.array([0.0 - eps] + thresholds + [1.0 + eps])
        if str(curve).lower() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". '
                             'Expected values are ["PR", "ROC", "PRGAIN"]')
        self.curve = _CURVES[str(curve).lower()]
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else onp.asarray(label_weights, self.dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        elif num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        else:
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                    f"Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, name, self.add_variable(var_shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _np(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + onp.exp(-y_pred))
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._evenly)

    def _counts(self):
        return (self.true_positives.value, self.false_positives.value,
                self.true_negatives.value, self.false_negatives.value)

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return onp.mean(by_label)
        return divide_no_nan(onp.sum(by_label * self.label_weights), onp.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """Davis & Goadrich (2006): precision interpolated between thresholds i and i+1."""
        tp, fp, _, fn = self._counts()
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, onp.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        safe_p_ratio = onp.where(both, divide_no_nan(p[:-1], onp.maximum(p[1:], 0)), 1.0)
        with onp.errstate(divide="ignore", invalid="ignore"):
            terms = divide_no_nan(prec_slope * (dtp + intercept * onp.log(safe_p_ratio)),
                                  onp.maximum(tp[1:] + fn[1:], 0))
        return onp.asarray(self._average(onp.sum(terms, axis=0)), self.dtype)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self._counts()
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = onp.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
            x = onp.maximum(recall_gain, 0.0)
            y = onp.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = onp.minimum(y[:-1], y[1:])
        else:
            heights = onp.maximum(y[:-1], y[1:])
        return onp.asarray(self._average(onp.sum((x[:-1] - x[1:]) * heights, axis=0)), self.dtype)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        lw = self.label_weights
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if lw is None else lw.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


# --- registry ----------------------------------------------------------------------------
def _snake(name):
    from minikeras.layers.layer import to_snake_case
    return to_snake_case(name)


_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            CosineSimilarity, LogCoshError, AUC, FalseNegatives, FalsePositives, Precision, Recall,
            TrueNegatives, TruePositives, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
            Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
            Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
            TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy]
ALL_OBJECTS = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS.update({_snake(c.__name__): c for c in _CLASSES})
ALL_OBJECTS.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
    "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError})


def serialize(metric):
    """The Keras config dict of a `Metric` or a metric function."""
    if isinstance(metric, Metric):
        out = registry.class_config(metric)
        if type(metric).__name__ not in ALL_OBJECTS:
            out["module"] = type(metric).__module__
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
    if config["class_name"] == "function":
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
