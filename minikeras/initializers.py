"""`keras.initializers`: the starting values of weights.

An initializer is called as `init(shape, dtype=None)` and returns a numpy array
(`keras.config.floatx()`, float32, by default). Random initializers take a `seed`: with an
integer every call returns the same values; with `seed=None` a seed is drawn once, when the
initializer is created, from the global generator (so, as in Keras 3, one instance called
twice repeats itself, and everything is repeatable after `keras.utils.set_random_seed`).
"""
import inspect
import math
import re

import numpy as onp

from minikeras import random
from minikeras.engine.random import SeedGenerator, draw_seed
from minikeras.engine import variable
from minikeras.engine.variable import Variable, standardize_dtype
from minikeras.utils.registry import ObjectRegistry
from minikeras.utils.windows import get_window


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`."""

    _keras_module = "initializers"

    def __call__(self, shape, dtype=None):
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


# --- constants ---------------------------------------------------------------------------
def _serialize_value(value):
    """Keras's serialized form of a Constant's value: numbers as they are, arrays tagged."""
    if isinstance(value, (onp.ndarray, onp.generic, Variable)):
        arr = onp.asarray(value)
        if arr.ndim == 0:
            return arr.item()
        return {"class_name": "__numpy__", "config": {"value": arr.tolist(), "dtype": arr.dtype.name}}
    return value


def _deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return onp.asarray(value["config"]["value"], dtype=value["config"]["dtype"])
    return value


class Constant(Initializer):
    """Every element equal to `value` (a scalar, or an array that broadcasts to `shape`)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        return onp.asarray(self.value, dtype=dtype) * onp.ones(shape, dtype=dtype)

    def get_config(self):
        return {"value": _serialize_value(self.value)}

    @classmethod
    def from_config(cls, config):
        return cls(_deserialize_value(config["value"]))


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return onp.zeros(shape, dtype=standardize_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return onp.ones(shape, dtype=standardize_dtype(dtype))


class Identity(Initializer):
    """`gain * eye(rows, cols)`, for 2D shapes only."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}.")
        dtype = standardize_dtype(dtype)
        return (self.gain * onp.eye(*shape, dtype=dtype)).astype(dtype)

    def get_config(self):
        return {}  # as Keras 3.15: `gain` is not saved, so a reloaded Identity has gain 1.0


# --- random ------------------------------------------------------------------------------
class RandomInitializer(Initializer):
    """Holds the seed: an int, a `SeedGenerator` (new values each call) or `None`."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = draw_seed(None)
        elif isinstance(seed, dict):
            seed = int(seed.get("config", {}).get("seed") or draw_seed(None))
        elif not isinstance(seed, (int, onp.integer, SeedGenerator)):
            raise ValueError(
                "`seed` argument should be an instance of `keras.random.SeedGenerator()` "
                f"or an integer. Received: seed={seed}")
        self.seed = seed

    def get_config(self):
        seed = self._init_seed
        if isinstance(seed, SeedGenerator):
            seed = {"module": "keras.random", "class_name": "SeedGenerator",
                    "config": {"seed": None}, "registered_name": None}
        return {"seed": seed}


class _Distribution(RandomInitializer):
    """Samples of `_sample` (a `keras.random` function), whose arguments named in `_parameters`
    are the initializer's attributes and config: RandomNormal, TruncatedNormal, RandomUniform."""

    _sample, _parameters = None, ()

    def __call__(self, shape, dtype=None):
        return self._sample(shape, **{name: getattr(self, name) for name in self._parameters},
                            dtype=standardize_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {**super().get_config(), **{name: getattr(self, name) for name in self._parameters}}


class RandomNormal(_Distribution):
    """Normal samples: `N(mean, stddev^2)`."""

    _sample, _parameters = staticmethod(random.normal), ("mean", "stddev")

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed=seed)


class TruncatedNormal(_Distribution):
    """`N(mean, stddev^2)` samples, redrawn while more than two stddevs from the mean."""

    _sample, _parameters = staticmethod(random.truncated_normal), ("mean", "stddev")

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed=seed)


class RandomUniform(_Distribution):
    """Uniform samples in `[minval, maxval)`."""

    _sample, _parameters = staticmethod(random.uniform), ("minval", "maxval")

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed=seed)


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    Rank 1: (n, n); rank 2: (rows, cols); conv kernels `(*spatial, in, out)`:
    (in * prod(spatial), out * prod(spatial)). `input_axes` / `output_axes` override.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(math.prod(shape[a] for a in input_axes)),
                int(math.prod(shape[a] for a in output_axes)))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class VarianceScaling(RandomInitializer):
    """Samples with variance `scale / n`, n = fan_in, fan_out or their mean (`mode`).

    "truncated_normal": stddev = sqrt(scale / n) / 0.87962566103423978 (the stddev of a
    unit normal truncated at +-2); "untruncated_normal": stddev = sqrt(scale / n);
    "uniform": limit = sqrt(3 * scale / n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {allowed_modes}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}.Please use one of {allowed}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978
            return random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random.normal(shape, 0.0, math.sqrt(scale), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling with the scale, mode and distribution in `_fixed`: only the seed and
    the fan axes are arguments, and only they are saved (GlorotUniform, HeNormal, ...)."""

    _fixed = {}

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(**self._fixed, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": RandomInitializer.get_config(self)["seed"],
                "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""

    _fixed = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal, stddev = sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""

    _fixed = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal, stddev = sqrt(1 / fan_in) (LeCun et al. 1998)."""

    _fixed = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(3 / fan_in)."""

    _fixed = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_FixedVarianceScaling):
    """Truncated normal, stddev = sqrt(2 / fan_in) (He et al. 2015)."""

    _fixed = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(6 / fan_in) (He et al. 2015)."""

    _fixed = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class Orthogonal(RandomInitializer):
    """`gain * Q`, Q from the QR decomposition of a normal matrix (Saxe et al. 2014).

    Shapes of rank > 2 are flattened to (prod(shape[:-1]), shape[-1]).
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}.")
        dtype = standardize_dtype(dtype)
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = random.normal((max(rows, cols), min(rows, cols)), dtype=dtype, seed=self.seed)
        q, r = onp.linalg.qr(a)
        q = q * onp.sign(onp.diag(r))  # makes Q uniformly distributed
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


# --- the Fourier basis -------------------------------------------------------------------
class STFT(Initializer):
    """Kernel of a short-time Fourier transform written as a convolution: for shape
    (frame_length T, 1, bins F), the real (`side="real"`) or imaginary part of the DFT basis,
    k[t, 0, f] = cos(-2 pi t f / (2 (F - 1))) (or sin), times a window w[t] divided by
    sqrt(sum w^2) (`scaling="density"`) or sum |w| (`"spectrum"`).

    Args:
        side: "real" or "imag".
        window: a window name as scipy.signal.get_window knows it ("hann", "hamming",
            "blackman", "bartlett", "triang", "tukey", "boxcar"), an array of T values, or None.
        scaling: "density", "spectrum" or None.
        periodic: the periodic (DFT-even) form of a named window.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name fails here, as Keras's SciPy call does
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        frame_length, _, bins = shape
        time = onp.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        freq = onp.arange(bins, dtype=dtype).reshape(1, 1, bins) / onp.asarray((bins - 1) * 2, dtype)
        args = (-2 * time) * freq * onp.arccos(onp.asarray(-1, dtype))  # in dtype, as Keras
        kernel = (onp.cos(args) if self.side == "real" else onp.sin(args)).astype(dtype)
        if self.window is None:
            return kernel
        win = get_window(self.window, frame_length, self.periodic).astype(dtype)
        if win.ndim != 1 or win.shape[-1] != frame_length:
            raise ValueError("The shape of `window` must be equal to [frame_length]."
                             f"Received: window shape={win.shape}")
        win = win.reshape(frame_length, 1, 1)
        scale = {"density": onp.sqrt(onp.sum(onp.square(win))),
                 "spectrum": onp.sum(onp.abs(win))}.get(self.scaling, onp.asarray(1, dtype))
        return (kernel * win / scale).astype(dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


# snake_case names, as keras.initializers exports them
constant, zeros, ones, identity = Constant, Zeros, Ones, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, lecun_normal, lecun_uniform = (
    GlorotUniform, GlorotNormal, LecunNormal, LecunUniform)
he_normal, he_uniform = HeNormal, HeUniform
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
stft = STFT


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (
    Initializer, Constant, Identity, Ones, Zeros, GlorotNormal, GlorotUniform, HeNormal,
    HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform,
    TruncatedNormal, VarianceScaling, STFT)}
ALL_OBJECTS_DICT.update({_snake(name): cls for name, cls in list(ALL_OBJECTS_DICT.items())})
ALL_OBJECTS_DICT.update({"IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
                         "STFTInitializer": STFT,
                         "normal": RandomNormal, "uniform": RandomUniform, "one": Ones,
                         "zero": Zeros})


_registry = ObjectRegistry("initializer", ALL_OBJECTS_DICT)
serialize = _registry.serialize
deserialize = _registry.deserialize


def get(identifier):
    """An initializer from a name, a config dict, a class, a callable or an array of values."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, (onp.ndarray, onp.generic, Variable)):
        value = onp.asarray(identifier)

        def initialize_fn(shape, dtype=None):
            if tuple(shape) != value.shape:
                raise ValueError(
                    f"Expected `shape` to be {value.shape} for direct tensor as initializer. "
                    f"Received shape={shape}")
            return value.astype(standardize_dtype(dtype))
        return initialize_fn
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


variable.named_initializer = get  # keras.Variable("zeros", shape=...) resolves through this table
