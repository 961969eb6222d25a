"""Finding a Keras dataset file in the cache, or downloading it, with one clear offline error."""
import os

import numpy as onp

from minikeras.utils import file_utils

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


class DatasetNotAvailableError(FileNotFoundError):
    """A dataset is neither in the Keras cache nor downloadable (no network)."""

    __module__ = "minikeras.datasets"

    def __init__(self, message, dataset=None, path=None, origin=None):
        super().__init__(message)
        self.dataset, self.path, self.origin = dataset, path, origin

    def __str__(self):
        return self.args[0]


def datasets_dir(cache_subdir="datasets"):
    """`$KERAS_HOME/datasets` (by default `~/.keras/datasets`)."""
    return os.path.join(os.path.expanduser(file_utils.keras_home()), cache_subdir)


def fetch(dataset, fname, origin, file_hash=None, cache_subdir="datasets", extract=False):
    """Local path of a dataset file (or extracted directory): the cache, else a download.

    Offline, raises `DatasetNotAvailableError` naming the dataset, the URL and the exact path
    where to save the file.
    """
    try:
        return file_utils.get_file(fname, origin=origin, file_hash=file_hash,
                                   cache_subdir=cache_subdir, extract=extract)
    except file_utils.URLFetchError as e:
        then = " (minikeras extracts it on first use)" if extract else ""
        raise DatasetNotAvailableError(
            f"The {dataset} dataset is not in the Keras cache and could not be downloaded "
            f"({e.reason}). Download {origin} and save it as {e.path}{then}. The cache "
            "directory is $KERAS_HOME/datasets, by default ~/.keras/datasets.",
            dataset=dataset, path=e.path, origin=origin) from None


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. "
                         "It must be between 0 and 1 (exclusive of 1).")


def shuffle_split(x, y, test_split, seed):
    """Keras's split: shuffle with `RandomState(seed)`, then the first `1 - test_split` trains."""
    indices = onp.arange(len(x))
    onp.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n = int(len(x) * (1 - test_split))
    return (onp.array(x[:n]), onp.array(y[:n])), (onp.array(x[n:]), onp.array(y[n:]))


def load_xy_npz(path):
    """`x` and `y` of a numeric `.npz` (pickles disabled)."""
    with onp.load(path, allow_pickle=False) as f:
        return f["x"], f["y"]


def index_words(xs, start_char, index_from):
    """Prepends `start_char` (unless None) and shifts every word index by `index_from`."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def remove_long_seq(maxlen, seq, label):
    """Keeps the sequences strictly shorter than `maxlen` (Keras's filter), with their labels."""
    kept = [(x, y) for x, y in zip(seq, label) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def cut_vocabulary(xs, num_words, skip_top, oov_char):
    """Words outside `[skip_top, num_words)` become `oov_char`, or are dropped if it is None.

    `num_words=None` (or 0) keeps every word: the bound is then the largest index seen.
    """
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(xs):
    """`np.array(xs, dtype="object")`, exactly as Keras builds its sequence arrays."""
    return onp.array(xs, dtype="object")
