"""Reduction metrics: `Sum` and `Mean` of the values seen, and `MeanMetricWrapper`, the mean of a
function of `(y_true, y_pred)`, which most other metrics are (Keras's
`metrics/reduction_metrics.py`)."""
import numpy as onp

from minikeras import losses
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.metric import Metric
from minikeras.metrics.metrics_utils import _np, divide_no_nan
from minikeras.utils import registry


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Per-sample values (weighted) and per-sample weights, as Keras's `Mean` / `Sum` see them."""
    values = _np(values, dtype)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, _np(sample_weight, dtype))
        w_ndim, v_ndim = sample_weight.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        # Broadcast first, so a weight of shape (1, d) counts once per sample, not once in all.
        sample_weight = onp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
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

    # `fn` goes through the metrics registry, which lives in the package that imports this module.
    def get_config(self):
        from minikeras.metrics import serialize
        return registry.with_fn_config(super().get_config(), self._fn, self._fn_kwargs, serialize)

    @classmethod
    def from_config(cls, config):
        from minikeras.metrics import deserialize
        return cls(**registry.without_fn_config(config, deserialize))


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
