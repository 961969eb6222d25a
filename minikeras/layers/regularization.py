"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization.

The random layers act only when called with `training=True` (as `fit` does) and are the
identity at inference. Each owns a `SeedGenerator(seed)`, so its draws repeat after
`keras.utils.set_random_seed(s)` or with a fixed `seed`.
"""
import math

import numpy as onp

from minikeras import regularizers
from minikeras.engine.random import SeedGenerator
from minikeras.layers.layer import InputSpec, Layer
from minikeras.layers.padding import layer_data_format
from minikeras.utils.argument_validation import in_layer, layer_error

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def check_unit_interval(layer, value, name="rate"):
    """Keras's check `0 <= value <= 1`, with its message and the layer's name."""
    if isinstance(value, bool) or not isinstance(value, (int, float, onp.integer, onp.floating)) \
            or not 0 <= value <= 1:
        raise layer_error(layer, f"Invalid value received for argument `{name}`. Expected a float "
                          f"value between 0 and 1. Received: {name}={value}")
    return value


def _draw(layer, kind, shape, dtype):
    """Uniform [0, 1) or standard normal samples of `shape` from the layer's seed generator."""
    rng = layer.seed_generator.rng()
    draw_dtype = onp.float64 if onp.dtype(dtype) == onp.float64 else onp.float32
    sample = rng.random(shape, dtype=draw_dtype) if kind == "uniform" else \
        rng.standard_normal(shape, dtype=draw_dtype)
    return sample.astype(dtype, copy=False)


def _setup_random(layer, seed):
    """A random layer owns a seed generator, passes masks through and is built at construction."""
    layer.seed = seed
    layer.seed_generator = SeedGenerator(seed)
    layer.supports_masking = True
    layer._build_at_init()


def _validate_noise_shape(noise_shape):
    """`noise_shape` as a tuple of positive ints / None, with Keras's errors."""
    if noise_shape is None:
        return None
    prefix = "Invalid value received for argument `noise_shape`. "
    if isinstance(noise_shape, str):
        raise ValueError(f"{prefix}Expected a tuple or list of integers. "
                         f"Received: noise_shape={noise_shape}")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(f"{prefix}Expected an iterable of integers (e.g., a tuple or list). "
                         f"Received: noise_shape={noise_shape}") from None
    for i, dim in enumerate(noise_shape):
        if dim is None:
            continue
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise ValueError(f"{prefix}Expected all elements to be integers or None. Received "
                             f"element at index {i}: {dim} (type: {type(dim).__name__})")
        if dim <= 0:
            raise ValueError(f"{prefix}Expected all dimensions to be positive integers or None. "
                             f"Received negative or zero value at index {i}: {dim}")
    return noise_shape


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability `rate` and scale the
    rest by 1 / (1 - rate); identity at inference.

    Args:
        rate: float in [0, 1), the fraction of inputs to drop.
        noise_shape: shape of the binary mask (None entries follow the input), for shared masks.
        seed: integer seed for the mask's random generator.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float, onp.floating)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate}{in_layer(self)}")
        self.rate = float(rate)
        self.seed = seed
        self.noise_shape = _validate_noise_shape(noise_shape)
        if rate > 0:  # as Keras: a layer that never drops owns no seed generator
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        shape = tuple(s if d is None else d for s, d in zip(onp.shape(inputs), self.noise_shape)) \
            if self.noise_shape is not None else onp.shape(inputs)
        keep = self.seed_generator.rng().random(shape, dtype=onp.float32) >= self.rate
        if self.rate >= 1:  # everything dropped (Keras allows rate=1)
            return inputs * onp.zeros(shape, inputs.dtype)
        return inputs * (keep.astype(inputs.dtype) * onp.asarray(1.0 / (1.0 - self.rate), inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class _RandomLayer(Layer):
    """A layer whose output has its input's shape."""

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class _SpatialDropout(Dropout):
    """Dropout whose mask is shared over the spatial axes, so whole channels are dropped.

    In training: y = x * m / (1 - rate) with m ~ Bernoulli(1 - rate) of shape (batch, 1.., channels).
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        Layer.__init__(self, name=name, dtype=dtype)  # Dropout's own check allows only rate < 1
        self.rate = check_unit_interval(self, rate)
        self.noise_shape = None
        _setup_random(self, seed)

    def _noise_shape(self, shape):
        raise NotImplementedError

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return onp.zeros(tuple(inputs.shape), dtype=inputs.dtype)
        keep = _draw(self, "uniform", self._noise_shape(tuple(inputs.shape)), inputs.dtype) >= self.rate
        return inputs * (keep * (1.0 / (1.0 - self.rate))).astype(inputs.dtype)

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole feature maps of a (batch, steps, channels) input; mask shape (batch, 1, channels).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: integer seed for the random generator.
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=3)

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])


class _SpatialDropoutND(_SpatialDropout):
    rank = None

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = layer_data_format(self, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, shape):
        channel = 1 if self.data_format == "channels_first" else -1
        return tuple(d if i in (0, channel % len(shape)) else 1 for i, d in enumerate(shape))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout2D(_SpatialDropoutND):
    """Drops whole channels of a (batch, h, w, c) input; mask shape (batch, 1, 1, c).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" or "channels_first" (mask shape (batch, c, 1, 1)).
        seed: integer seed for the random generator.
    """
    rank = 2


class SpatialDropout3D(_SpatialDropoutND):
    """Drops whole channels of a (batch, d1, d2, d3, c) input; mask shape (batch, 1, 1, 1, c).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" or "channels_first" (mask shape (batch, c, 1, 1, 1)).
        seed: integer seed for the random generator.
    """
    rank = 3


class GaussianNoise(_RandomLayer):
    """Adds zero-mean noise in training: y = x + stddev * n, n ~ N(0, 1).

    Args:
        stddev: float in [0, 1], the standard deviation of the noise.
        seed: integer seed for the random generator.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_unit_interval(self, stddev, "stddev")
        _setup_random(self, seed)

    def call(self, inputs, training=False):
        if not training or self.stddev <= 0:
            return inputs
        return inputs + _draw(self, "normal", tuple(inputs.shape), inputs.dtype) * self.stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_RandomLayer):
    """Multiplies by mean-one noise in training: y = x * (1 + sqrt(rate / (1 - rate)) * n), n ~ N(0, 1).

    Args:
        rate: float in [0, 1], the drop probability the noise imitates.
        seed: integer seed for the random generator.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_unit_interval(self, rate)
        _setup_random(self, seed)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        if self.rate >= 1:  # Keras accepts rate=1 here and then divides by zero
            raise layer_error(self, "GaussianDropout cannot train with rate=1: the noise's standard "
                              f"deviation sqrt(rate / (1 - rate)) is infinite. Received: rate={self.rate}")
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (_draw(self, "normal", tuple(inputs.shape), inputs.dtype) * stddev + 1.0)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_RandomLayer):
    """Dropout that keeps the mean and variance of SELU activations.

    In training, with a' = -scale * alpha of SELU and m ~ Bernoulli(1 - rate):
    y = a * (x * m + a' * (1 - m)) + b, a = ((1 - rate) * (1 + rate * a'^2))^-1/2, b = -a * a' * rate.

    Args:
        rate: float in [0, 1], the drop probability.
        noise_shape: shape of the mask (None entries follow the input).
        seed: integer seed for the random generator.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_unit_interval(self, rate)
        self.noise_shape = noise_shape
        _setup_random(self, seed)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if d is None else d for s, d in zip(shape, self.noise_shape))
        keep = (_draw(self, "uniform", shape, inputs.dtype) >= self.rate).astype(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return (inputs * keep + (1.0 - keep) * alpha_p) * a + b

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class ActivityRegularization(Layer):
    """The identity, adding l1 * sum|x| + l2 * sum x^2 (divided by the batch size) to the losses.

    Args:
        l1: L1 regularization factor (non-negative float).
        l2: L2 regularization factor (non-negative float).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = l1, l2
        self._build_at_init()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
