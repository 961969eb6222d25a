"""The 8x8 handwritten digits (1,797 images, UCI / Alpaydin & Kaynak, CC BY 4.0), shipped with
minikeras so the demo and tests run offline."""
import gzip
import os

import numpy as onp

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")


def load_data(test_split=0.2, seed=113):
    """Loads the digits as `(x_train, y_train), (x_test, y_test)`.

    x: uint8 arrays of shape (n, 8, 8) with values 0..16; y: uint8 labels 0..9. The split is
    a seeded shuffle, like Keras's `boston_housing.load_data(test_split, seed)`.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be between 0 and 1. Received: test_split={test_split}")
    with gzip.open(_PATH, "rt") as f:
        table = onp.loadtxt(f, delimiter=",", dtype=onp.float32)
    x = table[:, :64].reshape(-1, 8, 8).astype(onp.uint8)
    y = table[:, 64].astype(onp.uint8)
    order = onp.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    n_train = int(len(y) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
