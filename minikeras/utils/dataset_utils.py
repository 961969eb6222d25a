"""The datasets keras.utils returns, and `keras.utils.split_dataset`.

Keras 3's dataset utilities return `tf.data.Dataset` objects. minikeras returns a
`BatchDataset`: a `minikeras.tf.data.Dataset` whose elements are the batches (so every tf.data
method works on it, and `fit` reads it as a dataset), which also keeps random access as a
`keras.utils.PyDataset`: `len(ds)` batches, `ds[i]` is batch i. Each batch is a Tensor, or an
`(inputs, targets)` tuple of Tensors. `map` and `take` on it keep the random access; `cache`
keeps the first pass's batches.

Shuffling: the first pass goes in the order Keras's own utility draws for the same `seed`; a
`BatchDataset` made with `shuffle=True` then draws a new order (from that seed) after every
full pass, where tf.data would reshuffle within a buffer.
"""
import random

import numpy as onp

from minikeras.tf.data import INFINITE_CARDINALITY, Dataset
from minikeras.tf.data.structure import (
    call_with_element, flatten, map_structure, normalize, normalize_function_output)
from minikeras.tf.data.tensor_spec import TensorSpec, spec_of
from minikeras.utils.py_dataset import PyDataset


def _index_structure(structure, idx):
    if isinstance(structure, tuple):
        return tuple(_index_structure(s, idx) for s in structure)
    return structure[idx]


class BatchDataset(Dataset, PyDataset):
    """`num_samples` samples served in batches of `batch_size` (None: one sample at a time).

    Subclasses implement `load(indices)`: the batch (array or tuple of arrays) of samples
    `indices`. `ds[i]` is batch i of the current order; with `shuffle=True` the order is
    redrawn from `seed` at every `on_epoch_end` and after every full iteration.
    """

    def __init__(self, num_samples, batch_size=None, shuffle=False, seed=None):
        PyDataset.__init__(self)
        self.num_samples = int(num_samples)
        self.batch_size = batch_size
        self._order = onp.arange(self.num_samples)
        self._rng = onp.random.RandomState(seed) if shuffle else None

    def load(self, indices):
        raise NotImplementedError

    def __len__(self):
        if self.batch_size is None:
            return self.num_samples
        return -(-self.num_samples // self.batch_size)

    def __getitem__(self, index):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Batch index {index} out of range for a dataset of {n} batches.")
        index %= n
        if self.batch_size is None:
            return normalize(_index_structure(self.load(self._order[index:index + 1]), 0))
        return normalize(self.load(self._order[index * self.batch_size:
                                               (index + 1) * self.batch_size]))

    def on_epoch_end(self):
        if self._rng is not None:
            self._order = self._rng.permutation(self.num_samples)

    # --- as a tf.data.Dataset: the batches in order, a new order after each full pass --------
    def _generate(self, peek=False):
        for i in range(len(self)):
            yield self[i]
        if not peek:
            self.on_epoch_end()

    def _cardinality(self):
        return len(self)

    def _static_spec(self):
        """Read from one sample; the batch dimension is None, as tf.data's `batch` gives."""
        if self.num_samples == 0:
            return None
        first = _index_structure(self.load(self._order[:1]), 0)
        if self.batch_size is None:
            return map_structure(spec_of, normalize(first))
        return map_structure(lambda t: TensorSpec((None, *t.shape), t.dtype), normalize(first))

    # --- transformations that keep random access ----------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, synchronous=None,
            use_unbounded_threadpool=False, name=None):
        """A dataset of `map_func(*batch)` (tuple batches) or `map_func(batch)`."""
        return MappedDataset(self, map_func)

    def take(self, count, name=None):
        """The first `count` batches (all of them when count is -1)."""
        return TakeDataset(self, count)

    def cache(self, filename="", name=None):
        """The batches of the first full pass, kept in memory (a shuffle is then frozen)."""
        return CachedDataset(self)

    def prefetch(self, buffer_size=None, name=None):
        return self

    def unbatched_arrays(self):
        """Every sample in the current order, stacked: an array or a tuple of arrays."""
        return self.load(self._order)


class ArrayDataset(BatchDataset):
    """Batches sliced from in-memory arrays: `data` is an array or a tuple of arrays."""

    def __init__(self, data, batch_size=None, shuffle=False, seed=None):
        first = data[0] if isinstance(data, tuple) else data
        super().__init__(len(first), batch_size, shuffle, seed)
        self.data = data

    def load(self, indices):
        return _index_structure(self.data, indices)


class _Wrapped(BatchDataset):
    def __init__(self, parent):
        PyDataset.__init__(self)
        self.parent, self.batch_size, self._rng = parent, parent.batch_size, None
        self._inputs = (parent,)
        for attr in ("class_names", "file_paths"):
            if hasattr(parent, attr):
                setattr(self, attr, getattr(parent, attr))

    def __len__(self):
        return len(self.parent)

    def on_epoch_end(self):
        self.parent.on_epoch_end()

    def _static_spec(self):
        return self.parent._static_spec()

    def unbatched_arrays(self):
        raise TypeError(f"{type(self).__name__} cannot be unbatched: batch it from arrays.")


class MappedDataset(_Wrapped):
    def __init__(self, parent, map_func):
        super().__init__(parent)
        self.map_func = map_func

    def __getitem__(self, index):
        return normalize_function_output(call_with_element(self.map_func, self.parent[index]))

    def _static_spec(self):
        return None  # known by calling map_func: element_spec looks at a batch


class TakeDataset(_Wrapped):
    def __init__(self, parent, count):
        super().__init__(parent)
        self.count = len(parent) if count is None or count < 0 else min(int(count), len(parent))

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        if not -self.count <= index < self.count:
            raise IndexError(f"Batch index {index} out of range for a dataset of {self.count} "
                             "batches.")
        return self.parent[index % self.count]


class CachedDataset(_Wrapped):
    """The parent's batches, recorded during the first full pass and replayed from then on."""

    def __init__(self, parent):
        super().__init__(parent)
        self._cache = None

    def __getitem__(self, index):
        return self.parent[index] if self._cache is None else self._cache[index]

    def on_epoch_end(self):
        if self._cache is None:
            self.parent.on_epoch_end()

    def _generate(self, peek=False):
        if self._cache is not None or peek:
            yield from (self._cache or super()._generate(peek))
            return
        seen = []
        for batch in super()._generate():
            seen.append(batch)
            yield batch
        self._cache = seen


# --- split_dataset -------------------------------------------------------------------------
def _rescale_split_sizes(left_size, right_size, total):
    """Integer (left, right) sizes from ints (counts) or floats (fractions), as Keras."""
    bad = [size is not None and type(size) not in (int, float) for size in (left_size, right_size)]
    if all(bad):
        raise TypeError("Invalid `left_size` and `right_size` Types. Expected: integer or float or "
                        f"None, Received: type(left_size)={type(left_size)} and "
                        f"type(right_size)={type(right_size)}")
    if bad[0]:
        raise TypeError("Invalid `left_size` Type. Expected: int or float or None, Received: "
                        f"type(left_size)={type(left_size)}.  ")
    if bad[1]:
        raise TypeError("Invalid `right_size` Type. Expected: int or float or None,Received: "
                        f"type(right_size)={type(right_size)}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for name, size, smaller in (("left_size", left_size, f"smaller than {total},"),
                                ("right_size", right_size, f"and smaller than {total}")):
        if ((type(size) is int and not 0 < size < total)
                or (type(size) is float and not 0 < size < 1)):
            raise ValueError(f"`{name}` should be either a positive integer {smaller} or a float "
                             f"within the range `[0, 1]`. Received: {name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    # Keras counts in floats (its messages print "25.0"), then returns ints
    left, right = (round(v * total) if type(v) is float else (None if v is None else float(v))
                   for v in (left_size, right_size))
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right}and "
                         f"total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}.Resulting {side} side dataset split will be "
                             "empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def _as_arrays(dataset):
    """(structure of arrays, kind) for an array, a tuple / list of arrays, or a BatchDataset."""
    if isinstance(dataset, BatchDataset):
        return dataset.unbatched_arrays(), "dataset"
    if isinstance(dataset, Dataset):  # any other tf.data pipeline: each element is a sample
        if int(dataset.cardinality()) == INFINITE_CARDINALITY:
            raise ValueError("Cannot split an infinite dataset (one that repeats forever).")
        samples = list(dataset)
        if not samples:
            raise ValueError("Received an empty dataset. Argument `dataset` must yield at least "
                             "one sample.")
        return map_structure(lambda *rows: onp.stack(rows), *samples), "tf_dataset"
    if isinstance(dataset, onp.ndarray):
        if len(dataset) == 0:
            raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty "
                             "list/tuple of `numpy.ndarray` objects.")
        return dataset, "array"
    if isinstance(dataset, (list, tuple)):
        kind = type(dataset).__name__
        if not dataset:
            raise ValueError(f"Received an empty {kind} dataset. Please provide a non-empty "
                             f"{kind} of arrays.")
        for i, element in enumerate(dataset):
            if not isinstance(element, onp.ndarray):
                raise ValueError(f"Expected a {kind} of `numpy.ndarray` objects,Received: "
                                 f"{type(element)} at index {i}.")
            if len(element) != len(dataset[0]):
                raise ValueError(
                    f"Received a {kind} of NumPy arrays with different lengths.Mismatch found at "
                    f"index {i}, Expected shape={dataset[0].shape} Received shape="
                    f"{element.shape}.Please provide a {kind} of NumPy arrays of the same length.")
        return tuple(dataset), "tuple"
    raise TypeError("The `dataset` argument must be either a minikeras dataset (BatchDataset), "
                    f"or a list/tuple of arrays. Received: dataset={dataset} of type "
                    f"{type(dataset)}")


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits a dataset into a left part and a right part (e.g. train / test).

    The samples are (optionally) shuffled with Python's `random.Random(seed).shuffle`, then
    left = the first `left_size` samples and right = the last `right_size` ones: the same
    samples, in the same order, as Keras's split for the same seed.

    Args:
        dataset: a numpy array, a tuple / list of arrays of equal length, a minikeras
            dataset (`BatchDataset`, e.g. from `timeseries_dataset_from_array`: its samples),
            or another `tf.data.Dataset` (each element a sample).
        left_size, right_size: a float in (0, 1) (a fraction) or an int (a count); None means
            the complement of the other one.
        shuffle: shuffle the samples before splitting.
        seed: the shuffle seed (None: drawn from Python's `random`).
        preferred_backend: ignored (Keras uses it to choose tf.data or torch).

    Returns:
        `(left, right)`. Keras returns two `tf.data.Dataset` of single samples; minikeras
        returns plain numpy data for numpy data (two arrays for an array, two tuples of arrays
        for a tuple or list of arrays), two `ArrayDataset`s with the same batch size for a
        `BatchDataset`, and two `tf.data.Dataset`s of single samples for another dataset.
    """
    del preferred_backend
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    arrays, kind = _as_arrays(dataset)
    total = len(flatten(arrays)[0])
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(order)
    left, right = _rescale_split_sizes(left_size, right_size, total)
    order = onp.asarray(order, dtype=onp.int64)
    parts = [map_structure(lambda a, rows=rows: a[rows], arrays)
             for rows in (order[:left], order[total - right:])]
    if kind == "dataset":
        return tuple(ArrayDataset(p, batch_size=dataset.batch_size) for p in parts)
    if kind == "tf_dataset":
        return tuple(Dataset.from_tensor_slices(p) for p in parts)
    return tuple(parts)
