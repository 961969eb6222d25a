"""The element-wise transformations: map, filter, take, skip, repeat, concatenate, cache, ...

Each is a dataset over one input (`_Unary`); the cardinality rules are TensorFlow's, checked
against it in tests/conformance/test_tf_data_conformance.py.
"""
import itertools
import os

from minikeras.tf.data.dataset import INFINITE_CARDINALITY as INFINITE
from minikeras.tf.data.dataset import UNKNOWN_CARDINALITY as UNKNOWN
from minikeras.tf.data.dataset import Dataset
from minikeras.tf.data.structure import (
    call_with_element, flatten, map_structure, normalize_function_output, same_structure,
    to_tensor)
from minikeras.tf.data.tensor_spec import TensorSpec, relaxed
from minikeras.tf.errors import InvalidArgumentError


class _Unary(Dataset):
    """A dataset over one input; by default the same elements, count and spec."""

    def __init__(self, input_dataset):
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"Expected a `tf.data.Dataset`. Received: {input_dataset!r}")
        self._input = input_dataset
        self._inputs = (input_dataset,)

    def _generate(self, peek=False):
        return self._input._generate(peek)

    def _cardinality(self):
        return self._input._cardinality()

    def _static_spec(self):
        return self._input._static_spec()


class _MapDataset(_Unary):
    def __init__(self, input_dataset, map_func):
        super().__init__(input_dataset)
        self._map_func = map_func

    def _generate(self, peek=False):
        for element in self._input._generate(peek):
            yield normalize_function_output(call_with_element(self._map_func, element))

    def _static_spec(self):
        return None  # known only by calling the function: element_spec looks at an element


def _predicate_holds(predicate, element):
    """`predicate(element)` as a Python bool; like TensorFlow, only a bool scalar is accepted."""
    result = to_tensor(call_with_element(predicate, element))
    if result.dtype != bool or result.ndim != 0:
        raise ValueError("Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                         f"tensor, but its return type is {TensorSpec.from_tensor(result)}.")
    return bool(result)


class _FilterDataset(_Unary):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._predicate = predicate

    def _generate(self, peek=False):
        for element in self._input._generate(peek):
            if _predicate_holds(self._predicate, element):
                yield element

    def _cardinality(self):
        return UNKNOWN


class _TakeWhileDataset(_FilterDataset):
    def _generate(self, peek=False):
        for element in self._input._generate(peek):
            if not _predicate_holds(self._predicate, element):
                return
            yield element


class _FlatMapDataset(_Unary):
    def __init__(self, input_dataset, map_func):
        super().__init__(input_dataset)
        self._map_func = map_func

    def _generate(self, peek=False):
        for element in self._input._generate(peek):
            dataset = call_with_element(self._map_func, element)
            if not isinstance(dataset, Dataset):
                raise TypeError("The `map_func` argument of `flat_map` must return a "
                                f"`Dataset` object. Received: {type(dataset)}")
            yield from dataset._generate(peek)

    def _cardinality(self):
        return UNKNOWN

    def _static_spec(self):
        return None


class _TakeDataset(_Unary):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = int(count)

    def _generate(self, peek=False):
        if self._count < 0:
            return self._input._generate(peek)
        return itertools.islice(self._input._generate(peek), self._count)

    def _cardinality(self):
        n = self._input._cardinality()
        if n == UNKNOWN or self._count < 0:
            return n
        return self._count if n == INFINITE else min(n, self._count)


class _SkipDataset(_Unary):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = int(count)

    def _generate(self, peek=False):
        elements = self._input._generate(peek)
        if self._count < 0:
            for _ in elements:  # skips everything (never ends on an infinite input, as in TF)
                pass
            return iter(())
        return itertools.islice(elements, self._count, None)

    def _cardinality(self):
        n = self._input._cardinality()
        if n in (UNKNOWN, INFINITE):
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class _ShardDataset(_Unary):
    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self._num_shards, self._index = int(num_shards), int(index)
        if self._num_shards <= 0:
            raise InvalidArgumentError(f"Number of shards must be greater than zero "
                                       f"(currently num_shards = {self._num_shards}).")
        if not 0 <= self._index < self._num_shards:
            raise InvalidArgumentError(f"Index must be between 0 and {self._num_shards - 1} "
                                       f"(currently index = {self._index}).")

    def _generate(self, peek=False):
        return itertools.islice(self._input._generate(peek), self._index, None, self._num_shards)

    def _cardinality(self):
        n = self._input._cardinality()
        if n in (UNKNOWN, INFINITE):
            return n
        return n // self._num_shards + (1 if self._index < n % self._num_shards else 0)


class _RepeatDataset(_Unary):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = -1 if count is None else int(count)

    def _generate(self, peek=False):
        if self._count >= 0:
            for _ in range(self._count):
                yield from self._input._generate(peek)
            return
        while True:  # forever, but an empty input stays empty (as TensorFlow does)
            produced = False
            for element in self._input._generate(peek):
                produced = True
                yield element
            if not produced:
                return

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count == 0 or n == 0:
            return 0
        if self._count < 0:
            return INFINITE
        return n if n in (UNKNOWN, INFINITE) else n * self._count


class _ConcatenateDataset(_Unary):
    def __init__(self, input_dataset, other):
        super().__init__(input_dataset)
        if not isinstance(other, Dataset):
            raise TypeError(f"Expected a `tf.data.Dataset` to concatenate. Received: {other!r}")
        self._other = other
        self._inputs = (input_dataset, other)
        first, second = input_dataset._static_spec(), other._static_spec()
        if first is not None and second is not None and not (
                same_structure(first, second) and all(
                    a.dtype == b.dtype for a, b in zip(flatten(first), flatten(second)))):
            raise TypeError(f"Incompatible dataset elements:\n  {first} vs.   {second}")

    def _generate(self, peek=False):
        yield from self._input._generate(peek)
        yield from self._other._generate(peek)

    def _cardinality(self):
        counts = (self._input._cardinality(), self._other._cardinality())
        if INFINITE in counts:
            return INFINITE
        return UNKNOWN if UNKNOWN in counts else sum(counts)

    def _static_spec(self):
        first, second = self._input._static_spec(), self._other._static_spec()
        if first is None or second is None:
            return None
        return map_structure(relaxed, first, second)


class _CacheDataset(_Unary):
    """Records the elements of the first complete pass and replays them on later passes (an
    interrupted pass is not kept: TensorFlow discards a partial cache too)."""

    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        self._cache = None

    def _generate(self, peek=False):
        if self._cache is not None:
            yield from self._cache
            return
        if peek:
            yield from self._input._generate(peek)
            return
        seen = []
        for element in self._input._generate():
            seen.append(element)
            yield element
        self._cache = seen


class _PrefetchDataset(_Unary):
    """The same elements: minikeras computes each when asked, so there is nothing to prefetch."""


class _OptionsDataset(_Unary):
    def __init__(self, input_dataset, options):
        super().__init__(input_dataset)
        self._own_options = options


def _cores():
    """What TensorFlow's AUTOTUNE cycle length resolves to: the schedulable CPU cores."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _InterleaveDataset(_Unary):
    """TensorFlow's deterministic interleave: `cycle_length` slots, each holding the dataset
    `map_func` made from one input element; `block_length` elements are taken from a slot
    before moving to the next; an exhausted slot is refilled from the next input element when
    the cycle comes back to it."""

    def __init__(self, input_dataset, map_func, cycle_length, block_length):
        super().__init__(input_dataset)
        self._map_func = map_func
        self._cycle_length = _cores() if cycle_length in (None, -1) else int(cycle_length)
        self._block_length = 1 if block_length in (None, -1) else int(block_length)
        if self._cycle_length <= 0 or self._block_length <= 0:
            raise InvalidArgumentError("cycle_length and block_length must be positive.")

    def _open(self, element, peek):
        dataset = call_with_element(self._map_func, element)
        if not isinstance(dataset, Dataset):
            raise TypeError("The `map_func` argument of `interleave` must return a `Dataset` "
                            f"object. Received: {type(dataset)}")
        return dataset._generate(peek)

    def _generate(self, peek=False):
        inputs = self._input._generate(peek)
        slots = [None] * self._cycle_length
        index = taken = 0
        inputs_left = True
        while inputs_left or any(slot is not None for slot in slots):
            if slots[index] is not None:
                element = next(slots[index], StopIteration)
                if element is not StopIteration:
                    yield element
                    taken += 1
                    if taken < self._block_length:
                        continue
                else:
                    slots[index] = None
            elif inputs_left:
                element = next(inputs, StopIteration)
                inputs_left = element is not StopIteration
                if inputs_left:
                    slots[index] = self._open(element, peek)
                continue
            index, taken = (index + 1) % self._cycle_length, 0

    def _cardinality(self):
        return UNKNOWN

    def _static_spec(self):
        return None
