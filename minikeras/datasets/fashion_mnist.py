"""`keras.datasets.fashion_mnist`: 70,000 28x28 grayscale images of 10 kinds of clothing
(Zalando SE, MIT licence), read from `~/.keras/datasets/fashion-mnist/*-idx?-ubyte.gz`.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot.
"""
import gzip
import os

import numpy as onp

from minikeras.datasets._cache import ORIGIN, DatasetNotAvailableError, fetch

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _read(path, offset):
    """The uint8 payload of a gzipped IDX file after its `offset`-byte header."""
    with gzip.open(path, "rb") as f:
        return onp.frombuffer(f.read(), onp.uint8, offset=offset)


def load_data():
    """Loads Fashion-MNIST as `(x_train, y_train), (x_test, y_test)`.

    x: uint8 (60000, 28, 28) and (10000, 28, 28); y: uint8 (n,) labels 0..9.
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    try:
        paths = [fetch("Fashion-MNIST", name, ORIGIN + name, cache_subdir=subdir) for name in _FILES]
    except DatasetNotAvailableError as e:
        folder = os.path.dirname(e.path)
        raise DatasetNotAvailableError(
            f"{e} Fashion-MNIST needs all four files {', '.join(_FILES)} from {ORIGIN} in {folder}.",
            dataset=e.dataset, path=e.path, origin=e.origin) from None
    y_train, y_test = _read(paths[0], 8), _read(paths[2], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
