"""Reading the CIFAR-10/100 "python version" batches (pickled dicts) without arbitrary unpickling."""
import os

import numpy as onp

from minikeras.datasets._cache import datasets_dir, fetch
from minikeras.datasets.npz_utils import load_pickle
from minikeras.engine import config


def load_batch(fpath, label_key="labels"):
    """`(data, labels)` of one batch file: uint8 data (n, 3, 32, 32) and the list of labels."""
    d = load_pickle(fpath, encoding="bytes")
    if not isinstance(d, dict):
        raise ValueError(f"{fpath} is not a CIFAR batch: expected a pickled dict, "
                         f"found {type(d).__name__}.")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    missing = [k for k in ("data", label_key) if k not in d]
    if missing:
        raise ValueError(f"{fpath} is not a CIFAR batch: it has no {missing} entry "
                         f"(keys: {sorted(map(str, d))}).")
    data = onp.asarray(d["data"])
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def batches_dir(dataset, inner, origin, file_hash):
    """Directory holding the batch files.

    Keras 3 keeps them in `datasets/<inner>-target/<inner>/` (archive `<inner>-target_archive`);
    tf.keras 2 extracted them to `datasets/<inner>/`. Either cache is used; else a download.
    """
    legacy = os.path.join(datasets_dir(), inner)
    if os.path.isdir(legacy) and os.listdir(legacy):
        return legacy
    return os.path.join(fetch(dataset, f"{inner}-target", origin, file_hash, extract=True), inner)


def finish(x_train, y_train, x_test, y_test):
    """Labels as (n, 1) columns; images channels_last unless the image data format says otherwise."""
    y_train = onp.reshape(y_train, (len(y_train), 1))
    y_test = onp.reshape(y_test, (len(y_test), 1))
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
