"""`keras.regularizers`: penalties on weights, added to the loss.

`regularizer(x)` returns a scalar and is traced by autograd: `x` is a weight's value (a traced
box inside a training step) or a Variable, which is read through `.value`.
"""
import math

import numpy as onp

from minikeras import ops
from autograd import numpy as anp
from minikeras.engine.autodiff import untraced

from minikeras.ops.nn import normalize
from minikeras.engine.variable import read_value
from minikeras.utils.registry import ObjectRegistry


class Regularizer:
    """Base class: subclasses implement `__call__(x) -> scalar` and `get_config()`."""

    _keras_module = "regularizers"

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def validate_float_arg(value, name):
    """`float(value)`, or a ValueError unless it is a finite non-negative number."""
    if (not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float."
            f"Received: {name}={value}")
    return float(value)


def _as_float32(value):
    # Keras keeps L1's and OrthogonalRegularizer's factor as a float32 tensor, so their
    # configs hold the float32 value (0.01 -> 0.009999999776482582).
    return float(onp.float32(value))


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x^2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = read_value(x)
        penalty = onp.zeros((), dtype=onp.result_type(untraced(x)))
        if self.l1 != 0.0:
            penalty = penalty + self.l1 * anp.sum(ops.abs(x))
        if self.l2 != 0.0:
            penalty = penalty + self.l2 * anp.sum(anp.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1=0.01):
        self.l1 = _as_float32(validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x):
        return self.l1 * anp.sum(ops.abs(read_value(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x^2)` (no factor 1/2)."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return self.l2 * anp.sum(anp.square(read_value(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """`factor * 0.5 * sum(|off-diagonal of N N^T|) / (n (n - 1) / 2)`, N the unit-norm rows.

    With `mode="columns"` the columns are normalised and compared instead. Rank-2 inputs only.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _as_float32(validate_float_arg(factor, name="factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode}')
        self.mode = mode

    def __call__(self, inputs):
        x = read_value(inputs)
        if anp.ndim(x) != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={anp.shape(x)}")
        if self.mode == "rows":
            x = normalize(x, axis=1)
            product = anp.matmul(x, anp.transpose(x))
        else:
            x = normalize(x, axis=0)
            product = anp.matmul(anp.transpose(x), x)
        size = anp.shape(product)[0]
        off_diagonal = product * (1.0 - onp.eye(size, dtype=onp.result_type(untraced(x))))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * anp.sum(ops.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# lower-case names, as keras.regularizers exports them (l1_l2 is the class, defaults 0.0)
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)}
ALL_OBJECTS_DICT.update({"regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2,
                         "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer})


_registry = ObjectRegistry("regularizer", ALL_OBJECTS_DICT)
serialize = _registry.serialize
deserialize = _registry.deserialize
get = _registry.get
