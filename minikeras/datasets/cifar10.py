"""`keras.datasets.cifar10`: 60,000 32x32 colour images in 10 classes (Alex Krizhevsky), read from
Keras's cache `~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py/` (or tf.keras 2's
`~/.keras/datasets/cifar-10-batches-py/`).

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck.
"""
import os

import numpy as onp

from minikeras.datasets.cifar import batches_dir, finish, load_batch


def load_data():
    """Loads CIFAR-10 as `(x_train, y_train), (x_test, y_test)`.

    x: uint8 (50000, 32, 32, 3) and (10000, 32, 32, 3) (channels_first: (n, 3, 32, 32));
    y: uint8 (n, 1) labels 0..9.
    """
    path = batches_dir("CIFAR-10", "cifar-10-batches-py",
                       "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                       "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = onp.concatenate([x for x, _ in batches]).astype("uint8")
    y_train = onp.concatenate([onp.asarray(y) for _, y in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return finish(x_train, y_train, x_test.astype("uint8"), onp.asarray(y_test).astype("uint8"))
