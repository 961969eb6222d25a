"""Turning what users pass to fit/evaluate/predict into numpy batches.

As in Keras 3, four kinds of data: arrays (sliced into `batch_size` batches, reshuffled each
epoch), Python generators (each item a batch `(x,)`, `(x, y)` or `(x, y, sample_weight)`),
`keras.utils.PyDataset` (batch `i` is `dataset[i]`) and `tf.data.Dataset` (each element a
batch, as for a generator). An adapter gives one pass over the data; an `EpochIterator` walks it
epoch by epoch with Keras's rules for `steps_per_epoch` and running out of data.
"""
import itertools
import random
import types
import warnings

import numpy as onp

from minikeras import tree
from minikeras.engine import config
from minikeras.engine.keras_tensor import flatten
from minikeras.engine.random import global_rng


def to_arrays(data):
    """Nested lists/dicts of array-likes -> the same structure of numpy arrays (floats -> floatx)."""
    if data is None:
        return None

    def convert(a):
        if a is None:
            return None
        if hasattr(a, "numpy") and not isinstance(a, onp.ndarray):
            a = a.numpy()
        arr = onp.asarray(a)
        if arr.dtype.kind == "f" and arr.dtype.name != config.floatx():
            arr = arr.astype(config.floatx())
        if arr.dtype == object and not all(isinstance(e, (str, bytes)) for e in arr.flat):
            # An object array of strings is a string tensor (a FeatureSpace's string feature).
            raise ValueError(
                f"Failed to convert a NumPy array to a Tensor: the data has ragged or mixed types "
                f"(dtype=object, shape={arr.shape}). Pad sequences to one length first.")
        return arr

    if isinstance(data, (list, tuple)) and data and all(onp.isscalar(e) for e in flatten(data)):
        return convert(data)
    return tree.map_structure(convert, data)  # namedtuples stay namedtuples


def check_cardinality(x, y=None, sample_weight=None):
    """The number of samples, or a ValueError when the arrays disagree (Keras's message)."""
    sizes = {}
    for label, data in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if data is not None:
            sizes[label] = [a.shape[0] if a.ndim else 1 for a in flatten(data) if a is not None]
    counts = {n for v in sizes.values() for n in v}
    if len(counts) > 1:
        msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
        for label, v in sizes.items():
            msg += f"\n'{label}' sizes: {', '.join(str(n) for n in v)}"
        raise ValueError(msg)
    return counts.pop() if counts else 0


def take(data, index):
    """Rows `index` (a slice or index array) of every array in a structure."""
    if data is None:
        return None
    return tree.map_structure(lambda a: None if a is None else a[index], data)


def split_validation(x, y, sample_weight, validation_split):
    """Keras's `validation_split`: the last fraction of the samples, before any shuffling."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            f"`validation_split` must be a float between 0 and 1 (exclusive). "
            f"Received: validation_split={validation_split}")
    n = check_cardinality(x, y, sample_weight)
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument.")
    train = slice(0, split_at)
    val = slice(split_at, n)
    return ((take(x, train), take(y, train), take(sample_weight, train)),
            (take(x, val), take(y, val), take(sample_weight, val)))


def unpack_validation_data(validation_data):
    """`(x_val, y_val[, sample_weight])` as arrays; a generator or PyDataset is passed on as x."""
    if not is_array_data(validation_data):
        return validation_data, None, None
    if isinstance(validation_data, (list, tuple)) and len(validation_data) in (2, 3):
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return to_arrays(vx), to_arrays(vy), to_arrays(vsw)
    raise ValueError(
        "When passing a `validation_data` argument, it must be a tuple (x_val, y_val) or "
        f"(x_val, y_val, val_sample_weight). Received: validation_data={validation_data}")


def class_weights_to_sample_weights(y, class_weight):
    """One weight per sample from a {class_index: weight} dict."""
    y = flatten(y)[0]
    labels = onp.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0]
    labels = onp.round(labels).astype(int)
    table = onp.ones(int(max(labels.max(initial=0), max(class_weight, default=0))) + 1, dtype=config.floatx())
    for cls, w in class_weight.items():
        table[int(cls)] = w
    return table[labels]


# --- adapters: one pass over the data, as (x, y, sample_weight) batches ------------------------
def unpack_x_y_sample_weight(data):
    """`(x,)`, `(x, y)`, `(x, y, sample_weight)` or a bare `x` -> `(x, y, sample_weight)`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, "
                     f"or `(x, y, sample_weight)`, found: {data}")


def _batch_to_arrays(batch):
    return tuple(to_arrays(part) for part in unpack_x_y_sample_weight(batch))


class ArrayAdapter:
    """Arrays cut into batches of `batch_size`; `shuffle` (True or "batch") reorders each pass."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, rng):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = check_cardinality(x, y, sample_weight)
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.num_batches = -(-self.num_samples // batch_size)

    def _order(self):
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            return onp.concatenate([onp.arange(s * size, min((s + 1) * size, n))
                                    for s in self.rng.permutation(self.num_batches)])
        return self.rng.permutation(n) if self.shuffle else None

    def get_iterator(self):
        order = self._order()
        for start in range(0, self.num_samples, self.batch_size):
            stop = min(start + self.batch_size, self.num_samples)
            index = slice(start, stop) if order is None else order[start:stop]
            yield take(self.x, index), take(self.y, index), take(self.sample_weight, index)

    def peek(self):
        first = slice(0, 1)
        return take(self.x, first), take(self.y, first), take(self.sample_weight, first)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


class GeneratorAdapter:
    """A Python generator of batches. Like Keras, it looks at the first two batches up front and
    replays them at the start of every new pass (a generator cannot be rewound), so a finite
    generator gives a whole first epoch and only those two batches afterwards: loop forever and
    pass `steps_per_epoch` instead."""

    num_batches = None

    def __init__(self, generator):
        self._first = list(itertools.islice(generator, 2))
        self.generator = generator
        if not self._first:
            raise ValueError("When passing a Python generator to a Keras model, the generator "
                             "must yield at least one batch. Received an empty generator.")
        if not isinstance(self._first[0], tuple):
            raise ValueError("When passing a Python generator to a Keras model, the generator "
                             "must return a tuple, either (input,) or (inputs, targets) or "
                             f"(inputs, targets, sample_weights). Received: {self._first[0]}")

    def get_iterator(self):
        for batch in itertools.chain(self._first, self.generator):
            yield _batch_to_arrays(batch)

    def peek(self):
        return _batch_to_arrays(self._first[0])

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


class PyDatasetAdapter:
    """A `keras.utils.PyDataset`: batch `i` is `dataset[i]`; `shuffle` reorders the batch indices
    with Python's `random` (as Keras does). `workers` and friends are accepted; batches are
    produced serially, in order."""

    def __init__(self, dataset, class_weight=None, shuffle=False):
        self.dataset, self.class_weight, self.shuffle = dataset, class_weight, shuffle
        _ = (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size)  # warns if no super().__init__

    @property
    def num_batches(self):
        return self.dataset.num_batches

    def _standardize(self, batch):
        if isinstance(batch, onp.ndarray):
            batch = (batch,)
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, (tuple, dict)) or (isinstance(batch, tuple) and len(batch) not in (1, 2, 3)):
            raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it "
                             "must be ordered either (input,) or (inputs, targets) or (inputs, "
                             "targets, sample_weights). "
                             f"Received: {str(batch)[:100]}... of type {type(batch)}")
        if self.class_weight is not None and isinstance(batch, tuple):
            if len(batch) == 3:
                raise ValueError("You cannot specify `class_weight` and `sample_weight` at the same time.")
            if len(batch) == 2:
                batch = batch + (class_weights_to_sample_weights(to_arrays(batch[1]), self.class_weight),)
        return _batch_to_arrays(batch)

    def get_iterator(self):
        n = self.num_batches
        indices = itertools.count() if n is None else list(range(n))
        if self.shuffle and n is not None:
            random.shuffle(indices)
        for i in indices:
            yield self._standardize(self.dataset[i])

    def peek(self):
        try:
            return next(iter(self.get_iterator()))
        except StopIteration:
            raise ValueError("The PyDataset has length 0") from None

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


class DatasetAdapter:
    """A `tf.data.Dataset` (minikeras.tf.data) whose elements are batches, as Keras's
    TFDatasetAdapter reads one: a pass is one `iter(dataset)`, so a `shuffle` in the pipeline
    draws a new order every epoch. `num_batches` is the cardinality, or None when it is
    infinite or unknown. The pass that `peek` starts is the first epoch's, so building the
    model does not cost a pass (nor a shuffle order)."""

    def __init__(self, dataset, class_weight=None):
        from minikeras.tf.data import INFINITE_CARDINALITY
        self.dataset, self.class_weight = dataset, class_weight
        cardinality = int(dataset.cardinality())
        self.num_batches = cardinality if cardinality >= 0 else None
        self.infinite = cardinality == INFINITE_CARDINALITY
        self._started = None  # (first batch, rest of its pass) after peek()

    def _standardize(self, batch):
        x, y, sample_weight = unpack_x_y_sample_weight(batch)
        if self.class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            if isinstance(y, (tuple, list, dict)):
                raise ValueError("`class_weight` is only supported for Models with a single "
                                 "output.")
            sample_weight = class_weights_to_sample_weights(to_arrays(y), self.class_weight)
        return to_arrays(x), to_arrays(y), to_arrays(sample_weight)

    def get_iterator(self):
        if self._started is not None:
            (first, rest), self._started = self._started, None
            yield first
        else:
            rest = iter(self.dataset)
        for batch in rest:
            yield self._standardize(batch)

    def peek(self):
        rest = iter(self.dataset)
        try:
            first = self._standardize(next(rest))
        except StopIteration:
            raise ValueError("The tf.data.Dataset passed as `x` is empty: it must yield at "
                             "least one batch.") from None
        self._started = (first, rest)
        return first

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


def is_tf_dataset(x):
    from minikeras.tf.data import Dataset
    return isinstance(x, Dataset)


def is_py_dataset(x):
    from minikeras.utils.py_dataset import PyDataset
    return isinstance(x, PyDataset)


def is_array_data(x):
    """Arrays, nested lists/dicts of arrays: anything but a generator, PyDataset, tf.data
    Dataset or iterator."""
    return not (isinstance(x, types.GeneratorType) or is_py_dataset(x) or is_tf_dataset(x)
                or hasattr(x, "__next__"))


def _unsupported_arg(arg_name, description, input_type):
    return ValueError(f"When providing `x` as a {input_type}, `{arg_name}` should not be passed. "
                      f"Instead, {description} should be included as part of the {input_type}.")


def get_data_adapter(x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                     class_weight=None, rng=None):
    """The adapter for `x` (with Keras's errors for arguments the kind of data cannot take)."""
    if is_tf_dataset(x):  # before PyDataset: keras.utils' datasets are both
        if y is not None:
            raise _unsupported_arg("y", "the targets", "tf.data.Dataset")
        if sample_weight is not None:
            raise _unsupported_arg("sample_weights", "the sample weights", "tf.data.Dataset")
        if shuffle:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was "
                          "provided as a tf.data.Dataset. The Dataset is expected to already be "
                          "shuffled (via `.shuffle(buffer_size)`).", stacklevel=4)
        return DatasetAdapter(x, class_weight)
    if isinstance(x, types.GeneratorType) or is_py_dataset(x):
        kind = "generator" if isinstance(x, types.GeneratorType) else "PyDataset"
        if y is not None:
            raise _unsupported_arg("y", "the targets", kind)
        if sample_weight is not None:
            raise _unsupported_arg("sample_weights", "the sample weights", kind)
        if kind == "generator":
            if class_weight is not None:
                raise ValueError("Argument `class_weight` is not supported for Python generator "
                                 f"inputs. Received: class_weight={class_weight}")
            if shuffle:
                warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` "
                              "was provided as a generator. The generator is expected to yield "
                              "already-shuffled data.", stacklevel=4)
            return GeneratorAdapter(x)
        if shuffle and x.num_batches is None:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was "
                          "provided as an infinite PyDataset. The PyDataset is expected to "
                          "already be shuffled.", stacklevel=4)
        return PyDatasetAdapter(x, class_weight=class_weight, shuffle=shuffle)
    if not is_array_data(x):
        raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")
    x, y, sample_weight = to_arrays(x), to_arrays(y), to_arrays(sample_weight)
    if class_weight is not None:
        cw = class_weights_to_sample_weights(y, class_weight)
        sample_weight = cw if sample_weight is None else sample_weight * cw
    return ArrayAdapter(x, y, sample_weight, batch_size, shuffle, rng or global_rng())


# --- epochs ------------------------------------------------------------------------------------
def _warn_ran_out():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset "
                  "or generator can generate at least `steps_per_epoch * epochs` batches. You may "
                  "need to use the `.repeat()` function when building your dataset.", stacklevel=3)


class EpochIterator:
    """Yields `(step, x, y, sample_weight)` for one epoch each time it is iterated.

    Keras's rules: without `steps_per_epoch` an epoch is one full pass (for a generator: until
    it is exhausted); with it, an epoch is `steps_per_epoch` batches and the next epoch continues
    where this one stopped, starting a new pass once the data has been seen. Running out of data
    early warns and ends the epoch.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, steps_per_epoch=None,
                 shuffle=False, class_weight=None, rng=None):
        cap = config.max_steps_per_epoch()
        if cap and (not steps_per_epoch or cap < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
            steps_per_epoch = cap
        self.steps_per_epoch = steps_per_epoch
        self.adapter = get_data_adapter(x, y, sample_weight, batch_size, shuffle, class_weight, rng)
        if getattr(self.adapter, "infinite", False) and not steps_per_epoch:
            # Keras 3 would loop forever here; Keras 2 raised this error, which is kinder.
            raise ValueError("When passing an infinitely repeating dataset, please specify a "
                             "`steps_per_epoch` argument (`steps` in evaluate() and predict(), "
                             "`validation_steps` for `validation_data`).")
        self._num_batches = self.adapter.num_batches
        self._current, self._seen = None, 0

    @property
    def num_batches(self):
        """Steps in an epoch, or None while a generator's length is unknown."""
        return self.steps_per_epoch or self._num_batches

    def peek(self):
        """The first batch, to build the model from; call `reset()` before training."""
        self.adapter.on_epoch_begin()
        return self.adapter.peek()

    def reset(self):
        self._current, self._seen = None, 0
        self._num_batches = self.adapter.num_batches
        self.adapter.on_epoch_end()

    def __iter__(self):
        self.adapter.on_epoch_begin()
        steps = self.steps_per_epoch or self._num_batches or None
        if self._current is None or self.steps_per_epoch is None:
            self._current, self._seen = iter(self.adapter.get_iterator()), 0
        step = 0
        while steps is None or step < steps:
            if self._num_batches and self._seen >= self._num_batches:
                if self.steps_per_epoch:
                    _warn_ran_out()
                break
            self._seen += 1
            try:
                x, y, sample_weight = next(self._current)
            except StopIteration:
                if self._num_batches is None:
                    self._num_batches = self._seen
                _warn_ran_out()
                self._current = None
                self.adapter.on_epoch_end()
                return
            yield step, x, y, sample_weight
            step += 1
        if self._num_batches and self._seen >= self._num_batches:
            self._current, self._seen = iter(self.adapter.get_iterator()), 0
        self.adapter.on_epoch_end()
