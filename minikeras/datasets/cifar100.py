"""`keras.datasets.cifar100`: 60,000 32x32 colour images in 100 fine classes grouped into 20 coarse
ones (Alex Krizhevsky), read from Keras's cache
`~/.keras/datasets/cifar-100-python-target/cifar-100-python/{train,test}` (or tf.keras 2's
`~/.keras/datasets/cifar-100-python/`)."""
import os

from minikeras.datasets.cifar import batches_dir, finish, load_batch


def load_data(label_mode="fine"):
    """Loads CIFAR-100 as `(x_train, y_train), (x_test, y_test)`.

    `label_mode`: `"fine"` (labels 0..99) or `"coarse"` (superclasses 0..19).
    x: uint8 (50000, 32, 32, 3) and (10000, 32, 32, 3); y: int64 (n, 1), as Keras returns them.
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    path = batches_dir("CIFAR-100", "cifar-100-python",
                       "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                       "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7")
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=key)
    return finish(x_train, y_train, x_test, y_test)
