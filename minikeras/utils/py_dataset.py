"""`keras.utils.PyDataset` (alias `keras.utils.Sequence`): batches computed by Python code."""
import itertools
import warnings


class PyDataset:
    """Base class for a dataset that builds each batch in Python: `fit`, `evaluate` and
    `predict` read batch `i` as `dataset[i]`.

    Subclasses implement `__len__` (the number of batches) and `__getitem__(index)` returning a
    whole batch: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`. `on_epoch_begin` /
    `on_epoch_end` run around every epoch (e.g. to reshuffle). An infinite dataset defines a
    `num_batches` property returning None and needs `steps_per_epoch`.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted as in Keras and kept as
            attributes; minikeras produces the batches serially, in order.

    Example:
    ```python
    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            low = idx * self.batch_size
            return self.x[low:low + self.batch_size], self.y[low:low + self.batch_size]
    ```
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = [name for name in ("_workers", "_use_multiprocessing", "_max_queue_size")
                   if not hasattr(self, name)]
        if missing:
            self._workers = getattr(self, "_workers", 1)
            self._use_multiprocessing = getattr(self, "_use_multiprocessing", False)
            self._max_queue_size = getattr(self, "_max_queue_size", 10)
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`. Do not pass these arguments to `fit()`, as they will be "
                "ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position `index`."""
        raise NotImplementedError

    @property
    def num_batches(self):
        """The number of batches (`len(self)`), or None for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n"
            "@property\ndef num_batches(self):\n  return ...")

    def __iter__(self):
        try:
            n = self.num_batches
        except NotImplementedError:
            n = None
        for index in (itertools.count() if n is None else range(n)):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset
