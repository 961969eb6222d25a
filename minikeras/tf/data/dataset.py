"""`tf.data.Dataset`: a pipeline of elements computed on demand, in plain Python over numpy.

A dataset is a recipe. `from_tensor_slices(...)`, `.map(f)`, `.batch(32)` each return a new
dataset that holds its input; nothing runs until it is iterated, and every `iter(ds)` starts a
fresh pass, as in TensorFlow (so a shuffle draws a new order each pass unless told not to). An
element is a `Tensor` or a tuple / dict of them (structure.py). `map` and `filter` functions are
called eagerly, element by element, on Tensors: TensorFlow traces them into a graph once, we just
call them.

A dataset class implements three methods:
- `_generate(peek)`: a fresh Python generator over the elements. `peek` is True when only the
  first element is wanted (to learn the element_spec), so that a shuffle does not count a pass.
- `_cardinality()`: the number of elements, INFINITE_CARDINALITY or UNKNOWN_CARDINALITY, by
  TensorFlow's rules, computed without running anything.
- `_static_spec()`: the element_spec when it is known without running the pipeline, else None
  (then `element_spec` looks at the first element; a `map` is such a case).
The transformations themselves live in sources.py, transforms.py, batching.py and shuffle.py.
"""
import numpy as onp

from minikeras.engine.tensor import as_tensor
from minikeras.tf.data.options import Options
from minikeras.tf.data.structure import (
    map_structure, normalize, normalize_function_output, to_numpy)
from minikeras.tf.data.tensor_spec import spec_of
from minikeras.tf.errors import InvalidArgumentError, OutOfRangeError

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
AUTOTUNE = -1


class Dataset:
    """A sequence of elements (Tensors, or tuples / dicts of them) built by a pipeline."""

    _inputs = ()         # the datasets this one reads, for options()
    _own_options = None  # set by with_options

    # --- what each dataset class implements -------------------------------------------------
    def _generate(self, peek=False):
        raise NotImplementedError

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _static_spec(self):
        return None

    # --- iteration and size -----------------------------------------------------------------
    def __iter__(self):
        return DatasetIterator(self)

    def as_numpy_iterator(self):
        """An iterator over the elements as numpy values (0-d tensors as numpy scalars)."""
        return NumpyIterator(self)

    def __bool__(self):
        return True  # as TensorFlow: never asks __len__, which raises for an infinite dataset

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def cardinality(self):
        """The number of elements as a 0-d int64 Tensor: -1 infinite, -2 unknown."""
        return as_tensor(onp.int64(self._cardinality()))

    @property
    def element_spec(self):
        """A TensorSpec per component, in the element's structure."""
        spec = self._static_spec()
        if spec is None:
            first = _first(self)
            spec = None if first is None else map_structure(spec_of, first)
        return spec

    def options(self):
        """The options set on this pipeline (with_options on it or on its inputs)."""
        merged = Options()
        for dataset in self._inputs:
            merged = merged.merge(dataset.options())
        return merged if self._own_options is None else merged.merge(self._own_options)

    def with_options(self, options, name=None):
        """The same dataset, with `options` (a `tf.data.Options`) set."""
        return transforms._OptionsDataset(self, options)

    def __repr__(self):
        return f"<{type(self).__name__} element_spec={self.element_spec}>"

    # --- sources ----------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of `tensors` (an array, or a tuple / dict of arrays with the
        same first dimension); a Python list is one array."""
        return sources._TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of the single element `tensors`."""
        return sources._TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """The elements `generator(*args)` yields, converted to `output_signature` (TensorSpecs)
        or to `output_types` / `output_shapes`. Each pass calls `generator` again."""
        return sources._GeneratorDataset(generator, output_types, output_shapes, args,
                                         output_signature)

    @staticmethod
    def range(*args, output_type="int64", name=None):
        """`range(stop)`, `range(start, stop[, step])` as 0-d int64 Tensors."""
        return sources._RangeDataset(*args, output_type=output_type)

    @staticmethod
    def counter(start=0, step=1, dtype="int64", name=None):
        """start, start + step, ... forever."""
        end = onp.iinfo(onp.int64).max if step > 0 else onp.iinfo(onp.int64).min
        return sources._RangeDataset(start, end, step, output_type=dtype)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements of several datasets side by side (a tuple, or the structure passed), up to
        the shortest one."""
        if datasets is None:
            datasets = args[0] if len(args) == 1 else args
        elif args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        return sources._ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The paths matching `file_pattern` (a glob or a list of them), shuffled unless
        `shuffle=False` (then sorted)."""
        return files.list_files(file_pattern, shuffle, seed)

    # --- element-wise transformations --------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, synchronous=None,
            use_unbounded_threadpool=False, name=None):
        """`map_func(*element)` for tuple elements, else `map_func(element)`, for each element.
        `num_parallel_calls` and `deterministic` are accepted; calls run in order."""
        return transforms._MapDataset(self, map_func)

    def filter(self, predicate, name=None):
        """The elements for which `predicate` returns True (a bool scalar)."""
        return transforms._FilterDataset(self, predicate)

    def flat_map(self, map_func, name=None):
        """The elements of each dataset `map_func(element)` returns, one after the other."""
        return transforms._FlatMapDataset(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Elements of the datasets `map_func` makes from each input element, taken in turn
        from `cycle_length` of them, `block_length` at a time (TensorFlow's order)."""
        return transforms._InterleaveDataset(self, map_func, cycle_length, block_length)

    def enumerate(self, start=0, name=None):
        """`(index, element)` pairs, counting from `start` (int64)."""
        return Dataset.zip((Dataset.counter(start), self))

    def take(self, count, name=None):
        """The first `count` elements (all when count is -1)."""
        return transforms._TakeDataset(self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none when count is -1)."""
        return transforms._SkipDataset(self, count)

    def take_while(self, predicate, name=None):
        """The elements up to the first for which `predicate` is False."""
        return transforms._TakeWhileDataset(self, predicate)

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting at `index`."""
        return transforms._ShardDataset(self, num_shards, index)

    def repeat(self, count=None, name=None):
        """The elements `count` times (forever when count is None or -1); each repetition
        is a new pass (a shuffle upstream reshuffles)."""
        return transforms._RepeatDataset(self, count)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then `dataset`'s (same structure and dtypes)."""
        return transforms._ConcatenateDataset(self, dataset)

    def cache(self, filename="", name=None):
        """Keeps the elements of the first complete pass in memory and replays them.
        `filename` is accepted; the cache is always in memory."""
        return transforms._CacheDataset(self)

    def prefetch(self, buffer_size, name=None):
        """The same elements (minikeras computes them on demand; nothing runs ahead)."""
        return transforms._PrefetchDataset(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """The elements in random order, drawn from a buffer of `buffer_size` (see shuffle.py)."""
        return shuffle._ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    # --- batching ---------------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Consecutive elements stacked into batches of `batch_size` (a smaller last batch
        unless `drop_remainder`)."""
        return batching._BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches whose components are padded (with `padding_values`, default 0 / "") to
        `padded_shapes` (None or -1 dimensions: the longest in the batch)."""
        return batching._PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                            drop_remainder)

    def unbatch(self):
        """Each batch split back into its rows."""
        return batching._UnbatchDataset(self)

    # --- whole-dataset helpers ----------------------------------------------------------------
    def apply(self, transformation_func):
        """`transformation_func(self)`, which must return a dataset."""
        return transformation_func(self)

    def reduce(self, initial_state, reduce_func, name=None):
        """`reduce_func(state, element)` folded over the elements, from `initial_state`."""
        state = normalize(initial_state)
        for element in self:
            state = normalize_function_output(reduce_func(state, element))
        return state

    def get_single_element(self, name=None):
        """The one element of a dataset that has exactly one."""
        iterator = self._generate()
        try:
            element = next(iterator)
        except StopIteration:
            raise InvalidArgumentError("Dataset was empty.") from None
        if next(iterator, iterator) is not iterator:
            raise InvalidArgumentError("Dataset had more than one element.")
        return element


def _first(dataset):
    """The first element (None for an empty dataset), without counting a pass."""
    generator = dataset._generate(peek=True)
    try:
        return next(generator, None)
    finally:
        generator.close()


class DatasetIterator:
    """What `iter(dataset)` returns: a Python iterator with TensorFlow's `get_next()`."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._elements = dataset._generate()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._elements)

    def get_next(self):
        try:
            return next(self._elements)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    @property
    def element_spec(self):
        return self._dataset.element_spec


class NumpyIterator(DatasetIterator):
    """What `as_numpy_iterator()` returns: elements as numpy values."""

    def __next__(self):
        return to_numpy(next(self._elements))


# The transformations subclass Dataset, so they are imported after it is defined.
from minikeras.tf.data import batching, files, shuffle, sources, transforms  # noqa: E402
