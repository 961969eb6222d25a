"""Datasets read from files: `Dataset.list_files` and `tf.data.TextLineDataset`.

Paths and lines are Python `str` (TensorFlow yields utf-8 bytes), like the text minikeras's
other datasets yield.
"""
import glob
import gzip
import zlib

import numpy as onp

from minikeras.tf.data.dataset import Dataset
from minikeras.tf.data.sources import _TensorSliceDataset
from minikeras.tf.data.structure import to_tensor
from minikeras.tf.data.tensor_spec import TensorSpec
from minikeras.tf.errors import InvalidArgumentError


def _text(value):
    value = value.numpy() if hasattr(value, "numpy") else value
    return value.decode() if isinstance(value, bytes) else str(value)


def list_files(file_pattern, shuffle=None, seed=None):
    """The paths matching `file_pattern` (a glob or a list of globs), sorted, then shuffled
    (a buffer as large as the list) unless `shuffle=False`."""
    patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(file_pattern)
    paths = sorted({path for pattern in patterns for path in glob.glob(_text(pattern))})
    if not paths:
        raise InvalidArgumentError("Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be "
                                   "true. Summarized data: b'No files matched pattern: "
                                   f"{', '.join(_text(p) for p in patterns)}'")
    dataset = _TensorSliceDataset(onp.array(paths, dtype=str))
    if shuffle is None or shuffle:
        dataset = dataset.shuffle(len(paths), seed=seed)
    return dataset


_OPENERS = {None: lambda path: open(path, "rb"), "": lambda path: open(path, "rb"),
            "GZIP": lambda path: gzip.open(path, "rb")}


def _lines(path, compression_type):
    """The lines of one file without their line ending ("\\n" or "\\r\\n")."""
    if compression_type == "ZLIB":
        with open(path, "rb") as f:
            chunks = [zlib.decompress(f.read())]
    else:
        if compression_type not in _OPENERS:
            raise ValueError(f"Unsupported compression_type: {compression_type}. Expected "
                             "'', 'GZIP' or 'ZLIB'.")
        with _OPENERS[compression_type](path) as f:
            chunks = [f.read()]
    for line in b"".join(chunks).splitlines():
        yield to_tensor(line.decode("utf-8", errors="replace"))


class TextLineDataset(Dataset):
    """`tf.data.TextLineDataset(filenames)`: the lines of each file, file after file, or
    interleaved one line at a time across `num_parallel_reads` files as TensorFlow does.

    Args:
        filenames: a path, a list of paths or a dataset of paths.
        compression_type: None / "" (none), "GZIP" or "ZLIB".
        buffer_size: accepted.
        num_parallel_reads: read this many files in turn (TensorFlow's interleave order).
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        if not isinstance(filenames, Dataset):
            paths = onp.asarray(filenames.numpy() if hasattr(filenames, "numpy") else filenames)
            filenames = _TensorSliceDataset(onp.array([_text(p) for p in paths.ravel()],
                                                      dtype=str))
        self._inputs = (filenames,)
        self._compression_type = compression_type
        one_file = lambda path: _FileLines(_text(path), compression_type)  # noqa: E731
        if num_parallel_reads and num_parallel_reads > 1:
            self._lines = filenames.interleave(one_file, cycle_length=num_parallel_reads,
                                               block_length=1)
        else:
            self._lines = filenames.flat_map(one_file)

    def _generate(self, peek=False):
        return self._lines._generate(peek)

    def _static_spec(self):
        return TensorSpec((), "string")


class _FileLines(Dataset):
    """The lines of one file (what TextLineDataset interleaves)."""

    def __init__(self, path, compression_type):
        self._path, self._compression_type = path, compression_type

    def _generate(self, peek=False):
        return _lines(self._path, self._compression_type)

    def _static_spec(self):
        return TensorSpec((), "string")
