"""`keras.datasets.mnist`: 70,000 28x28 handwritten digits (Yann LeCun and Corinna Cortes,
CC BY-SA 3.0), read from Keras's cache file `~/.keras/datasets/mnist.npz`."""
import numpy as onp

from minikeras.datasets._cache import ORIGIN, fetch


def load_data(path="mnist.npz"):
    """Loads MNIST as `(x_train, y_train), (x_test, y_test)`.

    x: uint8 (60000, 28, 28) and (10000, 28, 28), pixels 0..255; y: uint8 (n,) digits 0..9.
    `path` is the file name in `$KERAS_HOME/datasets` (default `~/.keras/datasets`).
    """
    path = fetch("MNIST", path, f"{ORIGIN}mnist.npz",
                 "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    with onp.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
