"""`keras.utils.timeseries_dataset_from_array`: sliding windows over a series, in batches."""
import numpy as onp

from minikeras.tf.data.tensor_spec import TensorSpec
from minikeras.utils.dataset_utils import BatchDataset


class TimeseriesDataset(BatchDataset):
    """Window k starts at `start_positions[k]`: x = data[s + arange(length) * rate],
    y = targets[s] (both after slicing [start_index:end_index])."""

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate,
                 batch_size, shuffle, seed):
        super().__init__(len(start_positions), batch_size, shuffle, seed)
        self.data, self.targets = data, targets
        self.start_positions = start_positions
        self._offsets = onp.arange(sequence_length) * sampling_rate

    def load(self, indices):
        starts = self.start_positions[indices]
        x = self.data[starts[:, None] + self._offsets]
        return x if self.targets is None else (x, self.targets[starts])

    def _static_spec(self):
        """As Keras's tf.data windows report it: the time dimension of x is unknown (None)."""
        spec = super()._static_spec()
        if spec is None:
            return None
        x_spec = spec if self.targets is None else spec[0]
        time_axis = 0 if self.batch_size is None else 1
        shape = list(x_spec.shape)
        shape[time_axis] = None
        x_spec = TensorSpec(shape, x_spec.dtype)
        return x_spec if self.targets is None else (x_spec, spec[1])


def _check(name, value, data_length, upper=True):
    if value <= 0:
        raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
    if upper and value >= data_length:
        raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                         f"{name}={value}, for data of length {data_length}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Batches of sliding windows over `data` (axis 0 is time), with optional targets.

    With T = end_index - start_index, there are
        n = min(T - (sequence_length - 1) * sampling_rate, len(targets))
    admissible starts; windows start at 0, s, 2s, ... < n (s = sequence_stride), window k is
    data[start_index + k*s + r*i] for i < sequence_length (r = sampling_rate) and its target is
    targets[start_index + k*s]. With shuffle the starts are permuted by
    `numpy.random.RandomState(seed).shuffle`, as Keras does before its buffer shuffle.

    Args:
        data: array (or list) of timesteps along axis 0.
        targets: targets[i] belongs to the window starting at i, or None (inputs only).
        sequence_length: timesteps per window.
        sequence_stride: steps between window starts.
        sampling_rate: steps between the timesteps of a window.
        batch_size: windows per batch (None: single windows).
        shuffle, seed: shuffle the windows (and reshuffle after every epoch).
        start_index, end_index: use only data[start_index:end_index].
        format: accepted for compatibility ("tf" or "grain"); the result is always a
            minikeras `tf.data.Dataset`.

    Returns:
        A `TimeseriesDataset`: a `tf.data.Dataset` (minikeras.tf.data), also indexable as a
        `keras.utils.PyDataset`, of batches `(x, y)` with x of shape
        (batch, sequence_length, *data.shape[1:]), or `x` alone when targets is None: the
        batches Keras's `tf.data.Dataset` yields.
    """
    data = onp.asarray(data)
    n_data = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError("`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n_data:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n_data}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n_data:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n_data}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    _check("sampling_rate", sampling_rate, n_data)
    _check("sequence_stride", sequence_stride, n_data)
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    start_index = start_index or 0
    end_index = n_data if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = onp.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    starts = onp.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = onp.random.randint(1e6)
        onp.random.RandomState(seed).shuffle(starts)
    return TimeseriesDataset(
        data[start_index:end_index], None if targets is None else targets[start_index:end_index],
        starts, sequence_length, sampling_rate, batch_size, shuffle, seed)
