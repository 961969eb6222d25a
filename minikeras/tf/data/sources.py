"""Where a pipeline's elements come from: tensors, slices of tensors, a generator, a range,
other datasets side by side (zip), or file names."""
import numpy as onp

from minikeras.engine.tensor import as_tensor
from minikeras.tf.data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from minikeras.tf.data.structure import (
    flatten, flatten_up_to, is_nested, map_structure, normalize, pack_as, packer, to_tensor)
from minikeras.tf.data.tensor_spec import TensorShape, TensorSpec, spec_of
from minikeras.tf.errors import InvalidArgumentError


# a range up to the int64 limit counts as infinite, as in TensorFlow (counter(), enumerate())
_INT64_MAX, _INT64_MIN = int(onp.iinfo(onp.int64).max), int(onp.iinfo(onp.int64).min)


def _read_only(tensor):
    """A read-only view: elements are views of the user's arrays and, like TensorFlow's tensors,
    must not be changed in place (a `map` doing `x /= 255` would otherwise corrupt the source
    for every later epoch)."""
    view = tensor.view()
    view.flags.writeable = False
    return view


class _TensorDataset(Dataset):
    """`from_tensors(element)`: that one element."""

    def __init__(self, element):
        self._element = map_structure(_read_only, normalize(element))

    def _generate(self, peek=False):
        yield self._element

    def _cardinality(self):
        return 1

    def _static_spec(self):
        return map_structure(spec_of, self._element)


class _TensorSliceDataset(Dataset):
    """`from_tensor_slices(tensors)`: element i is row i of every component."""

    def __init__(self, tensors):
        self._tensors = map_structure(_read_only, normalize(tensors))
        leaves = self._leaves = flatten(self._tensors)
        if is_nested(self._tensors) and not leaves:
            raise ValueError("Invalid `element`. `element` should not be empty.")
        if any(t.ndim == 0 for t in leaves):
            raise ValueError("Unbatching a tensor is only supported for rank >= 1")
        self._length = leaves[0].shape[0]
        for t in leaves[1:]:
            if t.shape[0] != self._length:
                raise ValueError(f"Dimensions {self._length} and {t.shape[0]} are not compatible")

    def _generate(self, peek=False):
        pack = packer(self._tensors)
        for i in range(self._length):
            yield pack([t[i, ...] for t in self._leaves])  # [i, ...]: a 0-d array, not a scalar

    def _batches_by_rows(self, batch_size, drop_remainder, peek=False):
        """What `.batch(batch_size, drop_remainder)` yields, cut as slices (copies, so a batch
        may be changed in place) instead of stacking row by row: the common pipeline's fast
        path, taken by batching.py."""
        stop = self._length - self._length % batch_size if drop_remainder else self._length
        return (self._rows(slice(start, start + batch_size))
                for start in range(0, stop, batch_size))

    def _rows(self, index):
        """Rows `index` (a slice or row numbers) of every component, as one new batch."""
        return packer(self._tensors)([as_tensor(onp.array(t[index])) for t in self._leaves])

    def _cardinality(self):
        return self._length

    def _static_spec(self):
        return map_structure(lambda t: TensorSpec(t.shape[1:], t.dtype), self._tensors)


class _RangeDataset(Dataset):
    """`range(stop)` / `range(start, stop[, step])`: 0-d integer Tensors."""

    def __init__(self, *args, output_type="int64"):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid `args`. The length of `args` should be between 1 and 3 "
                             f"but was {len(args)}.")
        try:
            self._range = range(*(int(a) for a in args))
        except ValueError:
            raise InvalidArgumentError("step must be a non-zero integer.") from None
        self._dtype = TensorSpec((), output_type).dtype

    def _generate(self, peek=False):
        for value in self._range:
            yield to_tensor(value, self._dtype)

    def _cardinality(self):
        if self._range.stop == (_INT64_MAX if self._range.step > 0 else _INT64_MIN):  # counter()
            return INFINITE_CARDINALITY
        return len(self._range)

    def _static_spec(self):
        return TensorSpec((), self._dtype)


def _as_spec(spec):
    """A TensorSpec from ours or from anything with `.shape` and `.dtype`."""
    return spec if isinstance(spec, TensorSpec) else TensorSpec(spec.shape, spec.dtype)


class _GeneratorDataset(Dataset):
    """`from_generator`: what `generator(*args)` yields, converted to the declared signature."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("The `output_types` and `output_shapes` arguments can not be "
                                "used together with the `output_signature` argument.")
            signature = map_structure(_as_spec, output_signature)
        elif output_types is None:
            raise TypeError("To specify the output signature you need to provide either the "
                            "`output_signature` argument or the `output_types` argument.")
        elif output_shapes is None:
            signature = map_structure(lambda t: TensorSpec(None, t), output_types)
        else:
            signature = map_structure(lambda t, s: TensorSpec(s, t), output_types, output_shapes)
        self._generator, self._signature = generator, signature
        self._args = tuple(to_tensor(a).numpy() for a in (args or ()))

    def _convert(self, value):
        specs = flatten(self._signature)
        try:
            leaves = flatten_up_to(self._signature, value)
        except (TypeError, KeyError):
            raise TypeError("`generator` yielded an element that did not match the expected "
                            f"structure. The expected structure was {self._signature}, but the "
                            f"yielded element was {value}.") from None
        tensors = []
        for spec, leaf in zip(specs, leaves):
            try:
                tensor = to_tensor(leaf, spec.dtype)
            except (TypeError, ValueError):
                raise InvalidArgumentError(
                    "TypeError: `generator` yielded an element that could not be converted to "
                    f"the expected type. The expected type was {spec.dtype}, but the yielded "
                    f"element was {leaf}.") from None
            if not spec.shape.is_compatible_with(tensor.shape):
                raise InvalidArgumentError(
                    f"TypeError: `generator` yielded an element of shape {TensorShape(tensor.shape)} "
                    f"where an element of shape {spec.shape} was expected.")
            tensors.append(tensor)
        return pack_as(self._signature, tensors)

    def _generate(self, peek=False):
        for value in self._generator(*self._args):
            yield self._convert(value)

    def _static_spec(self):
        return self._signature


class _ZipDataset(Dataset):
    """`zip(datasets)`: one element from each, in the structure of `datasets`, while all last."""

    def __init__(self, datasets):
        if isinstance(datasets, list) or not all(
                isinstance(d, Dataset) for d in flatten(datasets)):
            raise TypeError("Invalid input to `zip`. Inputs are expected to be (nested) "
                            "structures of `tf.data.Dataset` objects. Python `list` is not "
                            "supported and you should use `tuple` instead.")
        self._datasets = datasets
        self._inputs = tuple(flatten(datasets))

    def _generate(self, peek=False):
        generators = [d._generate(peek) for d in self._inputs]
        while True:
            items = []
            for generator in generators:
                item = next(generator, StopIteration)
                if item is StopIteration:
                    return
                items.append(item)
            yield pack_as(self._datasets, items)

    def _cardinality(self):
        counts = [d._cardinality() for d in self._inputs]
        if UNKNOWN_CARDINALITY in counts:
            return UNKNOWN_CARDINALITY
        finite = [n for n in counts if n != INFINITE_CARDINALITY]
        return min(finite) if finite else INFINITE_CARDINALITY

    def _static_spec(self):
        specs = [d._static_spec() for d in self._inputs]
        return None if any(s is None for s in specs) else pack_as(self._datasets, specs)
