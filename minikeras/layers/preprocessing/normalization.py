"""Normalization: `(inputs - mean) / max(sqrt(variance), epsilon)`, statistics given or adapted."""
import itertools
import math

import numpy as onp
from minikeras.engine.autodiff import is_traced

from minikeras.engine import config
from minikeras.layers.layer import Layer
from minikeras.utils.argument_validation import in_layer


def _first_input(batch):
    """x from an (x, y) or (x, y, sample_weight) batch."""
    return batch[0] if isinstance(batch, tuple) else batch


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per index of the kept `axis`:

        output = (inputs - mean) / max(sqrt(variance), epsilon)
        output = mean + inputs * max(sqrt(variance), epsilon)      (invert=True)

    Args:
        axis: int, tuple of ints or None: the axes that keep a separate mean and variance
            (-1: one per feature; None: one scalar mean and variance).
        mean, variance: the statistics, broadcast to the kept axes; both or neither. When not
            given, call `adapt(data)` to compute them (biased variance over the other axes).
        invert: apply the inverse transformation.
    Weights (adapt mode only): mean, variance (shape of the kept axes) and count (int32, unused,
    kept as in Keras).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}{in_layer(self)}")
        if mean is not None:
            if onp.shape(mean) != onp.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {onp.shape(mean)} and variance shape "
                    f"{onp.shape(variance)}{in_layer(self)}")
            if onp.ndim(mean) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {onp.shape(mean)} for axis "
                    f"{self.axis}{in_layer(self)}")

    def build(self, input_shape):
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                f"ndim={ndim}, while axis={self.axis}{in_layer(self)}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis "
                    f"at index {d}{in_layer(self)}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
        else:
            self._given = tuple(self._broadcast_given(v)
                                for v in (self.input_mean, self.input_variance))
        self.built = True

    def _broadcast_given(self, value):
        """Aligns a given mean/variance with the kept axes, right to left, then broadcasts."""
        value = onp.asarray(value)
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        try:
            value = onp.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"`mean` and `variance` of shape {value.shape} cannot be broadcast to the kept "
                f"axes {self._keep_axis} of inputs of shape {self._build_input_shape}"
                + in_layer(self)) from None
        return value.astype(self.compute_dtype)

    @property
    def mean(self):
        """The mean broadcast against the inputs (None before build)."""
        return self._statistic(0)

    @property
    def variance(self):
        return self._statistic(1)

    def _statistic(self, k):
        if not self.built:
            return None
        if self.input_mean is not None:
            return self._given[k]
        variable = self.adapt_mean if k == 0 else self.adapt_variance
        return onp.reshape(variable.numpy(), self._broadcast_shape).astype(self.compute_dtype)

    def finalize_state(self):
        """Kept for Keras compatibility: `mean` / `variance` always read the current weights."""

    def adapt(self, data):
        """Computes mean and (biased) variance over the non-kept axes of `data`.

        `data` is a numpy array, or an iterable of batches (arrays, or (x, y) tuples) merged with
        the lack-of-fit sum of squares. A nested list of numbers is taken as one array.
        """
        if isinstance(data, (list, tuple)) and data and not hasattr(_first_input(data[0]), "shape"):
            data = onp.asarray(data)
        if isinstance(data, onp.ndarray):
            self._build_for(onp.shape(data))
            mean = onp.mean(data, axis=self._reduce_axis)
            var = onp.var(data, axis=self._reduce_axis)
        elif hasattr(data, "__iter__"):
            batches = iter(data)
            first = next(batches, None)
            if first is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch. Pass a non-empty iterable of arrays.")
            first = _first_input(first)
            self._build_for(tuple(first.shape))
            mean, var = self._merge_batches(itertools.chain([first], batches))
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray` "
                            "and iterables of batches (e.g. list, generator).")
        self.adapt_mean.assign(mean)
        self.adapt_variance.assign(var)

    def _build_for(self, shape):
        if not self.built:
            self._maybe_build(tuple(shape))
            return
        for d in self._keep_axis:
            if shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"The layer was built with input_shape={self._build_input_shape}, but "
                    "adapt() is being called with data with an incompatible shape, "
                    f"data.shape={tuple(shape)}{in_layer(self)}")

    def _merge_batches(self, batches):
        """Running mean and variance over batches (float32, as Keras):
        m = m*(1-w) + m_b*w,  v = (v + (m_old - m)^2)*(1-w) + (v_b + (m_b - m)^2)*w,
        with w = batch count / total count."""
        mean = onp.zeros(self._mean_and_var_shape, dtype=onp.float32)
        var = onp.zeros(self._mean_and_var_shape, dtype=onp.float32)
        total = 0
        for batch in batches:
            batch = onp.asarray(_first_input(batch), dtype=self.compute_dtype)
            for d in self._keep_axis:
                if batch.shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"adapt() yielded a batch with incompatible shape. Expected "
                        f"{self._build_input_shape}, got {batch.shape}.{in_layer(self)}")
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total += count
            w = float(count) / total
            new_mean = mean * (1.0 - w) + batch.mean(axis=self._reduce_axis) * w
            var = ((var + (mean - new_mean) ** 2) * (1.0 - w)
                   + (batch.var(axis=self._reduce_axis) + (batch.mean(axis=self._reduce_axis) - new_mean) ** 2) * w)
            mean = new_mean
        return mean, var

    def call(self, inputs):
        x = inputs if is_traced(inputs) else onp.asarray(inputs).astype(self.compute_dtype, copy=False)
        mean, variance = self.mean, self.variance
        denom = onp.maximum(onp.sqrt(variance), config.epsilon()).astype(self.compute_dtype)
        if self.invert:
            return mean + x * denom
        return (x - mean) / denom

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": onp.array(self.input_mean).tolist(),
                "variance": onp.array(self.input_variance).tolist()}

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None
