"""`keras.constraints`: projections applied to a weight after each optimizer step.

`constraint(w)` takes the updated weight (a numpy array, untraced) and returns the projected
one; the optimizer assigns it back.
"""

from autograd import numpy as anp

from minikeras.engine.config import epsilon
from minikeras.engine.variable import read_value
from minikeras.utils.registry import ObjectRegistry


class Constraint:
    """Base class: subclasses implement `__call__(w) -> w` and `get_config()`."""

    _keras_module = "constraints"

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return anp.sqrt(anp.sum(anp.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along `axis` exceeds `max_value`.

    `w * clip(n, 0, max_value) / (epsilon + n)`, n the norms along `axis` (0 for a Dense
    kernel: each unit's incoming weights; [0, 1, 2] for a channels-last Conv2D kernel).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = read_value(w)
        norms = _norms(w, self.axis)
        return w * (anp.clip(norms, 0, self.max_value) / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """`max(w, 0)`."""

    def __call__(self, w):
        return anp.maximum(read_value(w), 0)


class UnitNorm(Constraint):
    """`w / (epsilon + ||w||)` along `axis`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = read_value(w)
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves norms along `axis` towards `[min_value, max_value]` at `rate`.

    desired = rate * clip(n, min_value, max_value) + (1 - rate) * n;
    `w * desired / (epsilon + n)`.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = read_value(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * anp.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# lower-case names, as keras.constraints exports them
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
ALL_OBJECTS_DICT.update({"constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
                         "non_neg": NonNeg, "unit_norm": UnitNorm})


_registry = ObjectRegistry("constraint", ALL_OBJECTS_DICT)
serialize = _registry.serialize
deserialize = _registry.deserialize
get = _registry.get
