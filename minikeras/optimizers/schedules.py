"""Learning rate schedules: `schedule(step) -> learning rate`, computed in float32 like Keras.

An optimizer built with a schedule evaluates it at `optimizer.iterations` on every step.
"""
import math

import numpy as onp

from minikeras.utils.registry import class_config, lookup


def _dtype_of(value):
    """Keras converts the initial learning rate to a tensor: a Python number becomes float32."""
    if isinstance(value, (onp.ndarray, onp.generic)) and onp.issubdtype(value.dtype, onp.floating):
        return value.dtype
    return onp.dtype("float32")


def _cast(x, dtype):
    return onp.asarray(x, dtype=dtype)


class LearningRateSchedule:
    """Base class: subclasses define `__call__(step)` and `get_config()`."""

    _keras_module = "optimizers.schedules"

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override "
            "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` "
            "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_positive(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: the arguments, the config, and the
    progress `p = step / decay_steps` (floored if `staircase`) their formulas take."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        p = _cast(step, dtype) / _cast(self.decay_steps, dtype)
        if self.staircase:
            p = onp.floor(p)
        return self._decay(_cast(self.initial_learning_rate, dtype),
                           _cast(self.decay_rate, dtype), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored if `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    @staticmethod
    def _decay(initial, decay_rate, p):
        return initial * onp.power(decay_rate, p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while step <= boundaries[0], `values[i]` on (boundaries[i-1], boundaries[i]],
    `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        step = onp.asarray(step)
        # Keras casts the boundaries to the step's dtype (an int step truncates float boundaries)
        bounds = [onp.asarray(b).astype(step.dtype) for b in self.boundaries]
        first = onp.asarray(self.values[0])
        dtype = onp.dtype("float32") if isinstance(self.values[0], float) else first.dtype
        values = [_cast(v, dtype) for v in self.values]
        result = (step <= bounds[0]) * values[0] + (step > bounds[-1]) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result = result + ((step > low) & (step <= high)) * value
        return _cast(result, dtype)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, step capped at decay_steps;
    with `cycle`, decay_steps grows to the first multiple above step."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        initial = _cast(self.initial_learning_rate, dtype)
        end = _cast(self.end_learning_rate, dtype)
        step = _cast(step, dtype)
        decay_steps = _cast(self.decay_steps, dtype)
        if self.cycle:
            multiplier = onp.where(step == 0, _cast(1.0, dtype), onp.ceil(step / self.decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = onp.minimum(step, decay_steps)
        p = step / decay_steps
        return _cast((initial - end) * onp.power(1 - p, _cast(self.power, dtype)) + end, dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_RateDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored if `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    @staticmethod
    def _decay(initial, decay_rate, p):
        return initial / (1 + decay_rate * p)


def _cosine(fraction, dtype):
    return 0.5 * (1.0 + onp.cos(_cast(math.pi, dtype) * fraction))


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup from `initial_learning_rate` to `warmup_target` over `warmup_steps`,
    then `lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`, s capped at
    decay_steps (lr0 is `warmup_target` when given)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_steps, self.warmup_target = warmup_steps, warmup_target
        _check_positive("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from_lr, dtype):
        decayed = (1 - self.alpha) * _cosine(step / decay_steps, dtype) + self.alpha
        return decay_from_lr * decayed

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        initial = _cast(self.initial_learning_rate, dtype)
        decay_steps = _cast(self.decay_steps, dtype)
        step = _cast(step, dtype)
        if self.warmup_target is None:
            return _cast(self._decay(onp.minimum(step, decay_steps), decay_steps, initial, dtype),
                         dtype)
        target = _cast(self.warmup_target, dtype)
        warmup_steps = _cast(self.warmup_steps, dtype)
        step = onp.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            out = (target - initial) * (step / warmup_steps) + initial
        else:
            out = self._decay(step - warmup_steps, decay_steps, target, dtype)
        return _cast(out, dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period i lasts `first_decay_steps * t_mul**i`
    steps and starts from `initial_learning_rate * m_mul**i`."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name
        _check_positive("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        alpha, t_mul, m_mul = (_cast(x, dtype) for x in (self.alpha, self._t_mul, self._m_mul))
        fraction = _cast(step, dtype) / _cast(self.first_decay_steps, dtype)
        if t_mul == 1.0:
            i_restart = onp.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = onp.floor(onp.log(_cast(1.0 - fraction * (1.0 - t_mul), dtype))
                                  / onp.log(t_mul))
            sum_r = (1.0 - onp.power(t_mul, i_restart)) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / onp.power(t_mul, i_restart)
        cosine = 0.5 * onp.power(m_mul, i_restart) * (
            1.0 + onp.cos(_cast(math.pi, dtype) * fraction))
        return _cast((1 - alpha) * cosine + alpha, dtype) * _cast(self.initial_learning_rate,
                                                                  dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


ALL_OBJECTS = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """`{"module", "class_name", "config", "registered_name"}`, as Keras writes it."""
    return class_config(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """A schedule from `serialize`'s dict (also the Keras 2 `{"class_name", "config"}`)."""
    if isinstance(config, LearningRateSchedule):
        return config
    table = {**ALL_OBJECTS, **(custom_objects or {})}
    name = config.get("registered_name") or config["class_name"]
    if name not in table:
        name = config["class_name"]
    cls = lookup("decay", name, table)
    return cls.from_config(config.get("config", {}))
