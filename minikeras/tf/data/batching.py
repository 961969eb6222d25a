"""batch, padded_batch and unbatch: consecutive elements stacked into one along a new first axis,
and back.

Batch boundaries are TensorFlow's: batches of `batch_size` in order, the last one smaller unless
`drop_remainder`. Stacking needs equal shapes; `padded_batch` first pads every component to a
common shape (by default the largest in the batch, dimension by dimension).
"""
import numpy as onp

from minikeras.engine.tensor import as_tensor
from minikeras.tf.data.dataset import INFINITE_CARDINALITY as INFINITE
from minikeras.tf.data.dataset import UNKNOWN_CARDINALITY as UNKNOWN
from minikeras.tf.data.structure import (
    flatten, flatten_up_to, flattener, is_nested, map_structure, pack_as, packer)
from minikeras.tf.data.tensor_spec import TensorShape, TensorSpec
from minikeras.tf.data.transforms import _Unary
from minikeras.tf.errors import InvalidArgumentError


def _batches(elements, batch_size, drop_remainder):
    """Lists of `batch_size` consecutive elements (the last one shorter unless dropped)."""
    batch = []
    for element in elements:
        batch.append(element)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch and not drop_remainder:
        yield batch


def _components(batch):
    """Component j of every element of a batch, for each j."""
    return list(zip(*map(flattener(batch[0]), batch)))


def _batched_spec(spec, batch_size, drop_remainder):
    dim = batch_size if drop_remainder else None
    return map_structure(lambda s: TensorSpec((dim, *s.shape), s.dtype)
                         if s.shape.rank is not None else TensorSpec(None, s.dtype), spec)


class _BatchDataset(_Unary):
    def __init__(self, input_dataset, batch_size, drop_remainder=False):
        super().__init__(input_dataset)
        self._batch_size, self._drop_remainder = int(batch_size), bool(drop_remainder)
        if self._batch_size <= 0:
            raise InvalidArgumentError("Batch size must be greater than zero.")

    def _generate(self, peek=False):
        # from_tensor_slices(...)[.shuffle(...)].batch(...): whole batches cut from the arrays
        by_rows = getattr(self._input, "_batches_by_rows", None)
        batches = by_rows and by_rows(self._batch_size, self._drop_remainder, peek)
        if batches is not None:
            yield from batches
            return
        for batch in _batches(self._input._generate(peek), self._batch_size,
                              self._drop_remainder):
            yield packer(batch[0])([self._stack(j, parts)
                                    for j, parts in enumerate(_components(batch))])

    @staticmethod
    def _stack(j, parts):
        try:
            return as_tensor(onp.stack(parts))
        except ValueError:
            pass
        i = next(i for i, part in enumerate(parts) if part.shape != parts[0].shape)
        raise InvalidArgumentError(
            f"Cannot batch tensors with different shapes in component {j}. First element had "
            f"shape {list(parts[0].shape)} and element {i} had shape {list(parts[i].shape)}.")

    def _cardinality(self):
        n = self._input._cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        return n // self._batch_size if self._drop_remainder else -(-n // self._batch_size)

    def _static_spec(self):
        spec = self._input._static_spec()
        return None if spec is None else _batched_spec(spec, self._batch_size,
                                                       self._drop_remainder)


def _dims(shape):
    """A padded shape with -1 (TensorFlow's "as long as the longest") read as None."""
    return [None if d is None or int(d) < 0 else int(d) for d in shape]


def _default_padding(parts, dtype):
    """0, or the empty string of the kind the batch holds."""
    if dtype.kind == "O":
        return b"" if isinstance(parts[0].ravel()[0] if parts[0].size else b"", bytes) else ""
    return {"U": "", "S": b""}.get(dtype.kind, 0)


class _PaddedBatchDataset(_BatchDataset):
    """Batches whose components are padded to `padded_shapes` with `padding_values`."""

    def __init__(self, input_dataset, batch_size, padded_shapes=None, padding_values=None,
                 drop_remainder=False):
        super().__init__(input_dataset, batch_size, drop_remainder)
        self._padded_shapes, self._padding_values = padded_shapes, padding_values

    def _targets(self, element):
        """Per component: the padded shape (None where the batch decides) and the pad value."""
        leaves = flatten(element)
        shapes = ([None] * len(leaves) if self._padded_shapes is None
                  else flatten_up_to(element, self._padded_shapes))
        values = self._padding_values
        values = ([values] * len(leaves) if not is_nested(values)
                  else flatten_up_to(element, values))
        return shapes, values

    def _generate(self, peek=False):
        for batch in _batches(self._input._generate(peek), self._batch_size,
                              self._drop_remainder):
            shapes, values = self._targets(batch[0])
            parts = [self._pad(p, s, v) for p, s, v in zip(_components(batch), shapes, values)]
            yield pack_as(batch[0], parts)

    @staticmethod
    def _pad(parts, padded_shape, value):
        rank = parts[0].ndim
        longest = [max(p.shape[d] for p in parts) for d in range(rank)]
        if padded_shape is None:
            target = longest
        else:
            padded_shape = TensorShape(_dims(padded_shape))
            if len(padded_shape) != rank:
                raise ValueError(f"The padded shape {padded_shape} is not compatible with the "
                                 f"shape {parts[0].shape} of the corresponding input component.")
            target = [n if d is None else d for d, n in zip(padded_shape, longest)]
            if any(n > d for n, d in zip(longest, target)):
                raise InvalidArgumentError("Attempted to pad to a smaller size than the input "
                                           "element.")
        dtype = onp.result_type(*parts)
        value = _default_padding(parts, dtype) if value is None else onp.asarray(value).item()
        out = onp.full((len(parts), *target), value, dtype=dtype)
        for i, part in enumerate(parts):
            out[(i, *(slice(0, n) for n in part.shape))] = part
        return as_tensor(out)

    def _static_spec(self):
        spec = self._input._static_spec()
        if spec is None:
            return None
        if self._padded_shapes is not None:
            shapes = flatten_up_to(spec, self._padded_shapes)
            spec = pack_as(spec, [TensorSpec(_dims(shape), s.dtype)
                                  for s, shape in zip(flatten(spec), shapes)])
        return _batched_spec(spec, self._batch_size, self._drop_remainder)


class _UnbatchDataset(_Unary):
    """Each element split along its first axis into rows."""

    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        spec = input_dataset._static_spec()
        if spec is not None:
            shapes = [s.shape for s in flatten(spec)]
            if any(shape.rank == 0 for shape in shapes):
                raise ValueError("Cannot unbatch an input with scalar components.")
            known = sorted({shape[0] for shape in shapes if shape.rank and shape[0] is not None})
            if len(known) > 1:
                raise ValueError("`unbatch()` is only supported for datasets of elements whose "
                                 "components have a matching leading dimension. Encountered "
                                 f"both {known[0]} and {known[1]}.")

    def _generate(self, peek=False):
        for element in self._input._generate(peek):
            leaves = flatten(element)
            if any(leaf.ndim == 0 for leaf in leaves):
                raise InvalidArgumentError("Cannot unbatch an input with scalar components.")
            sizes = [leaf.shape[0] for leaf in leaves]
            for j, size in enumerate(sizes):
                if size != sizes[0]:
                    raise InvalidArgumentError(
                        "Input element must have the same batch size in each component. "
                        f"Component 0 had size {sizes[0]} but component {j} had size {size}.")
            for i in range(sizes[0]):
                yield pack_as(element, [leaf[i, ...] for leaf in leaves])

    def _leading_dim(self):
        spec = self._input._static_spec()
        if spec is None:
            return None
        dims = {s.shape[0] if s.shape.rank else None for s in flatten(spec)}
        return dims.pop() if len(dims) == 1 else None

    def _cardinality(self):
        n, rows = self._input._cardinality(), self._leading_dim()
        if n == INFINITE:
            return INFINITE
        return UNKNOWN if n == UNKNOWN or rows is None else n * rows

    def _static_spec(self):
        spec = self._input._static_spec()
        return None if spec is None else map_structure(
            lambda s: TensorSpec(s.shape[1:] if s.shape.rank else None, s.dtype), spec)
