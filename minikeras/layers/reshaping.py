"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector."""
import math

import numpy as onp

from minikeras import ops
from minikeras.engine.config import standardize_data_format
from minikeras.layers.layer import InputSpec, Layer
from minikeras.utils.argument_validation import positive_int


def validate_reshape_shape(shape, arg_name="newshape"):
    """Each size is >= 0, or -1 for at most one unknown size."""
    for dim in shape:
        if isinstance(dim, int) and dim < -1:
            raise ValueError(
                f"Each dimension in `{arg_name}` must be a non-negative integer, or `-1` for a "
                f"single unknown dimension. Received: {arg_name}={shape}.")
    if sum(1 for dim in shape if dim == -1) > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in `{arg_name}`. "
                         f"Received: {arg_name}={shape}.")


def compute_reshape_output_shape(input_shape, newshape, arg_name="newshape"):
    """`newshape` with its -1 resolved from `input_shape` (None when a size is unknown)."""
    validate_reshape_shape(newshape, arg_name)
    if None in input_shape or None in newshape:
        return tuple(None if d == -1 else d for d in newshape)
    input_size = math.prod(input_shape)
    if -1 not in newshape:
        if input_size != math.prod(newshape):
            raise ValueError("The total size of the tensor must be unchanged. Received: "
                             f"input_shape={tuple(input_shape)}, {arg_name}={newshape}")
        return tuple(newshape)
    known = math.prod(d for d in newshape if d != -1)
    if known == 0 or input_size % known != 0:
        raise ValueError(
            "The total size of the tensor must be unchanged, however, the input size cannot by "
            f"divided by the specified dimensions in {arg_name}. Received: "
            f"input_shape={tuple(input_shape)}, {arg_name}={newshape}")
    return tuple(input_size // known if d == -1 else d for d in newshape)


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, d1, d2, ...) -> (batch, d1*d2*...)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._build_at_init()

    def call(self, inputs):
        shape = ops.shape(inputs)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = ops.transpose(inputs, (0, *range(2, len(shape)), 1))
        return ops.reshape(inputs, (shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        flat = None if any(d is None for d in rest) else int(onp.prod(rest, dtype=onp.int64))
        return (input_shape[0], flat)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape`: (batch, *any) -> (batch, *target_shape).

    Args:
        target_shape: tuple of ints, without the batch axis; one entry may be -1 (inferred).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        validate_reshape_shape(target_shape, "target_shape")
        self.target_shape = target_shape
        self._build_at_init()

    def call(self, inputs):
        shape = compute_reshape_output_shape(tuple(inputs.shape)[1:], self.target_shape,
                                             "target_shape")
        return ops.reshape(inputs, (inputs.shape[0],) + shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + compute_reshape_output_shape(
            tuple(input_shape[1:]), self.target_shape, "target_shape")

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes: output axis i+1 is input axis `dims[i]`.

    Args:
        dims: a permutation of 1..n (the batch axis 0 stays first), e.g. (2, 1) swaps the
            two axes of a (batch, steps, features) input.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self._build_at_init()

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a (batch, features) input `n` times: output (batch, n, features).

    Args:
        n: positive integer, the number of repetitions.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        positive_int(n, "n", None, "Argument `{name}` should be a positive integer. "
                     "Received: {name}={value}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self._build_at_init()

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
