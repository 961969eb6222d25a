"""Merge layers: combine a list of tensors into one.

Add, Subtract, Multiply, Average, Maximum, Minimum (element-wise, with broadcasting),
Concatenate(axis), Dot(axes, normalize), and the functional forms add(), ..., dot().
"""
from autograd import numpy as anp

from minikeras import ops
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.layers.layer import Layer


def _elementwise_shape(shape1, shape2):
    """The broadcast shape of two shapes without batch axis (None: unknown); Keras's rules."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return tuple(shape1)
    out = list(shape1[:len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ValueError(
                f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and {tuple(shape2)}")
        else:
            out.append(i)
    return tuple(out)


def _check_list_of_shapes(input_shape):
    if not isinstance(input_shape, (list, tuple)) or not input_shape \
            or not isinstance(input_shape[0], (tuple, list)):
        raise ValueError(
            "A merge layer should be called on a list of inputs. "
            f"Received: input_shape={input_shape} (not a list of shapes)")


class Merge(Layer):
    """Base of the element-wise merge layers: `_merge_function(list_of_tensors)` does the maths.

    Inputs of lower rank are expanded at axis 1 until all ranks match, then broadcast.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        """A position is kept when any input keeps it (Keras's OR); no mask unless every input
        has one."""
        if mask is None:
            return None
        _check_masks(inputs, mask)
        if any(m is None for m in mask):
            return None
        return _reduce(anp.logical_or, list(mask))

    def _apply_merge_op_and_or_mask(self, op, inputs):
        """`op` over the inputs where a masked-out position takes the other operand's value
        (Maximum / Minimum have no identity element); the output mask is the OR of the masks,
        when every input has one."""
        output = output_mask = None
        for x in inputs:
            mask = _mask_like(x)
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = anp.where(mask, x, output)
            if output_mask is not None:
                output = anp.where(output_mask, output, x)
            output_mask = anp.logical_or(output_mask, mask) if (
                mask is not None and output_mask is not None) else None
            output = op(output, x)
        if output_mask is not None:
            set_keras_mask(output, anp.any(output_mask, axis=-1))
        return output

    def build(self, input_shape):
        _check_list_of_shapes(input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                "Cannot merge tensors with different batch sizes. "
                f"Received tensors with shapes {[tuple(s) for s in input_shape]}")
        self._output_shape_without_batch(input_shape)
        self._reshape_required = len({len(s) for s in input_shape}) != 1
        self.built = True

    @staticmethod
    def _output_shape_without_batch(input_shape):
        out = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            out = _elementwise_shape(out, tuple(shape[1:]))
        return out

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs} (not a list of tensors)")
        if self._reshape_required:
            max_ndim = max(anp.ndim(x) for x in inputs)
            inputs = [anp.reshape(x, x.shape[:1] + (1,) * (max_ndim - anp.ndim(x)) + x.shape[1:])
                      for x in inputs]
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        _check_list_of_shapes(input_shape)
        batch_sizes = {s[0] for s in input_shape} - {None}
        batch = batch_sizes.pop() if len(batch_sizes) == 1 else None
        return (batch,) + self._output_shape_without_batch(input_shape)


def _check_masks(inputs, mask):
    """Keras's errors for `compute_mask(inputs, mask)` of a merge layer."""
    if not isinstance(mask, (tuple, list)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (tuple, list)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(
            "The lists `inputs` and `mask` should have the same length. Received: "
            f"inputs={inputs} of length {len(inputs)}, and mask={mask} of length {len(mask)}")


def _mask_like(x):
    """The mask attached to `x`, broadcast to x's shape (masks cover all but the last axis)."""
    mask = get_keras_mask(x)
    return None if mask is None else anp.broadcast_to(anp.expand_dims(mask, -1), anp.shape(x))


def _reduce(op, inputs):
    out = inputs[0]
    for x in inputs[1:]:
        out = op(out, x)
    return out


class Add(Merge):
    """Element-wise sum of the inputs: `x1 + x2 + ... + xn`."""

    def _merge_function(self, inputs):
        return _reduce(ops.add, inputs)


class Subtract(Merge):
    """Element-wise difference of exactly two inputs: `x1 - x2`."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Element-wise product of the inputs: `x1 * x2 * ... * xn` (masked-out positions count as
    1, and are 0 in the output when every input is masked there)."""

    def _merge_function(self, inputs):
        masks = [_mask_like(x) for x in inputs]
        every_input_masked = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                x = anp.where(mask, x, anp.ones((), x.dtype))
                if every_input_masked:
                    output_mask = mask if output_mask is None else anp.logical_or(output_mask, mask)
            output = x if output is None else ops.multiply(output, x)
        if every_input_masked:
            output = anp.where(output_mask, output, anp.zeros((), output.dtype))
            set_keras_mask(output, anp.any(output_mask, axis=-1))
        return output


class Average(Merge):
    """Element-wise mean of the inputs: `(x1 + ... + xn) / n`."""

    def _merge_function(self, inputs):
        return _reduce(ops.add, inputs) / len(inputs)


class Maximum(Merge):
    """Element-wise maximum of the inputs (over the unmasked ones where masks are attached)."""

    def _merge_function(self, inputs):
        return self._apply_merge_op_and_or_mask(ops.maximum, inputs)


class Minimum(Merge):
    """Element-wise minimum of the inputs (over the unmasked ones where masks are attached)."""

    def _merge_function(self, inputs):
        return self._apply_merge_op_and_or_mask(ops.minimum, inputs)


class Concatenate(Merge):
    """Concatenates the inputs along `axis`; all other axes must match.

    Args:
        axis: the concatenation axis (default -1).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_mask(self, inputs, mask=None):
        """Masks (all-true for unmasked inputs) concatenated along `axis`, reduced over the last."""
        if mask is None:
            return None
        _check_masks(inputs, mask)
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = anp.ones(anp.shape(x), dtype=bool)
            elif anp.ndim(m) < anp.ndim(x):
                m = anp.broadcast_to(anp.expand_dims(m, -1), anp.shape(x))
            full.append(m)
        return anp.any(anp.concatenate(full, axis=self.axis), axis=-1)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 \
                or not isinstance(input_shape[0], (tuple, list)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Received: input_shape={input_shape}")
        reduced = set()
        for shape in input_shape:
            shape = list(shape)
            if -len(shape) <= self.axis < len(shape):
                del shape[self.axis]
            reduced.add(tuple(shape))
        if len(reduced) != 1 and not self._compatible(reduced):
            raise ValueError(
                "A `Concatenate` layer requires inputs with matching shapes except for the "
                f"concatenation axis. Received: input_shape={[tuple(s) for s in input_shape]}")
        self.built = True

    @staticmethod
    def _compatible(shapes):
        """Shapes (without the concatenation axis) agree wherever both sizes are known."""
        if len({len(s) for s in shapes}) != 1:
            return False
        return all(len({d for d in dims if d is not None}) <= 1 for dims in zip(*shapes))

    def _merge_function(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or not isinstance(input_shape[0], (tuple, list)):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs. "
                             f"Received: input_shape={input_shape}")
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            if out[self.axis] is None or shape[self.axis] is None:
                out[self.axis] = None
                break
            out[self.axis] += shape[self.axis]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def batch_dot(x, y, axes):
    """Per-sample tensor product of `x` and `y`, contracting `x`'s axis `axes[0]` with `y`'s
    axis `axes[1]` (neither the batch axis):

        out[b, i..., j...] = sum_k x[b, i..., k, ...] * y[b, k, j...]

    A result with no axis besides the batch axis is returned as (batch, 1), as in Keras.
    """
    a0, a1 = axes
    if a0 == 0 or a1 == 0:
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not "
                         "batched, add a dummy batch dimension to your inputs using "
                         "keras.ops.expand_dims(x, 0)")
    x = ops.moveaxis(x, a0, -1)
    y = ops.moveaxis(y, a1, 1)
    batch, x_mid, y_rest, depth = x.shape[0], x.shape[1:-1], y.shape[2:], x.shape[-1]
    out = ops.matmul(ops.reshape(x, (batch, -1, depth)), ops.reshape(y, (batch, depth, -1)))
    out_shape = (batch,) + tuple(x_mid) + tuple(y_rest)
    return ops.reshape(out, out_shape if len(out_shape) > 1 else (batch, 1))


class Dot(Merge):
    """Dot product of two samples-wise tensors along `axes`: `sum_k x1[b, ..., k] * x2[b, k, ...]`.

    Args:
        axes: int or pair of ints, the axis contracted in each input (the batch axis 0 is
            never contracted).
        normalize: if True, L2-normalise both inputs along their axes first, so the result of
            two vectors is their cosine similarity.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for argument `axes`: it should be a list or an "
                                f"int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError("Invalid format for argument `axes`: it should contain two "
                                 f"elements. Received: axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError("Invalid format for argument `axes`: list elements should be "
                                 f"integers. Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def _axes(self, ndim1, ndim2):
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        return [axes[0] % ndim1, axes[1] % ndim2]

    def build(self, input_shape):
        if not isinstance(input_shape[0], (tuple, list)) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={input_shape}")
        shape1, shape2 = tuple(input_shape[0]), tuple(input_shape[1])
        a0, a1 = self._axes(len(shape1), len(shape2))
        if shape1[a0] != shape2[a1]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[a0]} (at axis {a0}) != "
                f"{shape2[a1]} (at axis {a1}). Full input shapes: {shape1}, {shape2}")
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Dot` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        x1, x2 = inputs
        a0, a1 = self._axes(anp.ndim(x1), anp.ndim(x2))
        if self.normalize:
            x1, x2 = ops.normalize(x1, axis=a0), ops.normalize(x2, axis=a1)
        return batch_dot(x1, x2, (a0, a1))

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={input_shape}")
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a0, a1 = self._axes(len(shape1), len(shape2))
        shape1.pop(a0)
        shape2.pop(a1)
        out = shape1 + shape2[1:]
        return tuple(out if len(out) > 1 else out + [1])

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([x1, x2])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `subtract([x1, x2])`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
