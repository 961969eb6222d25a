"""Turning what users pass to fit/evaluate/predict into numpy batches."""
import numpy as onp

from minikeras.engine import config
from minikeras.engine.keras_tensor import flatten, map_structure


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
        if arr.dtype == object:
            raise ValueError(
                f"Failed to convert a NumPy array to a Tensor: the data has ragged or mixed types "
                f"(dtype=object, shape={arr.shape}). Pad sequences to one length first.")
        return arr

    if isinstance(data, (list, tuple)) and data and all(onp.isscalar(e) for e in flatten(data)):
        return convert(data)
    return map_structure(convert, data)


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
    return map_structure(lambda a: None if a is None else a[index], data)


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


class EpochIterator:
    """Yields (step, x, y, sample_weight) batches; reshuffles each epoch when asked."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, steps_per_epoch=None,
                 shuffle=False, rng=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = check_cardinality(x, y, sample_weight)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        full = -(-self.num_samples // batch_size) if self.num_samples else 0
        self.num_batches = full
        self.steps_per_epoch = steps_per_epoch or full
        self._cursor = 0
        self._order = None

    def _new_order(self):
        if self.shuffle == "batch":
            starts = self.rng.permutation(self.num_batches)
            return onp.concatenate([onp.arange(s * self.batch_size, min((s + 1) * self.batch_size, self.num_samples)) for s in starts])
        if self.shuffle:
            return self.rng.permutation(self.num_samples)
        return None

    def __iter__(self):
        for step in range(self.steps_per_epoch):
            if self._cursor == 0:
                self._order = self._new_order()
            start = self._cursor * self.batch_size
            stop = min(start + self.batch_size, self.num_samples)
            index = slice(start, stop) if self._order is None else self._order[start:stop]
            self._cursor = (self._cursor + 1) % max(self.num_batches, 1)
            yield step, take(self.x, index), take(self.y, index), take(self.sample_weight, index)
        if self.steps_per_epoch == self.num_batches:
            self._cursor = 0
