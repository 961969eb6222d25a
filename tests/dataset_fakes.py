"""Tiny stand-ins for Keras's dataset cache files, in their exact on-disk formats.

Used by tests/test_datasets.py and tests/conformance/test_datasets_conformance.py. Every writer
takes the cache's `datasets` directory and returns the raw data it wrote.
"""
import gzip
import os
import pickle
import struct

import numpy as np


class Evil:
    """Unpickling this runs `touch <marker>` through `os.system`: a safe loader must refuse it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def object_array(seqs):
    """A 1-D object array of lists (ragged or not), as imdb.npz / reuters.npz hold them."""
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = list(s)
    return out


def write_mnist(ddir, name="mnist.npz", n_train=6, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    data = dict(x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
                y_train=rng.integers(0, 10, n_train).astype(np.uint8),
                x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
                y_test=rng.integers(0, 10, n_test).astype(np.uint8))
    np.savez(os.path.join(ddir, name), **data)
    return data


def _idx(path, array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion_mnist(ddir, n_train=5, n_test=4, seed=1):
    """The four gzipped IDX files in `datasets/fashion-mnist/`."""
    rng = np.random.default_rng(seed)
    sub = os.path.join(ddir, "fashion-mnist")
    os.makedirs(sub, exist_ok=True)
    data = dict(x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
                y_train=rng.integers(0, 10, n_train).astype(np.uint8),
                x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
                y_test=rng.integers(0, 10, n_test).astype(np.uint8))
    _idx(os.path.join(sub, "train-labels-idx1-ubyte.gz"), data["y_train"], 2049)
    _idx(os.path.join(sub, "train-images-idx3-ubyte.gz"), data["x_train"], 2051)
    _idx(os.path.join(sub, "t10k-labels-idx1-ubyte.gz"), data["y_test"], 2049)
    _idx(os.path.join(sub, "t10k-images-idx3-ubyte.gz"), data["x_test"], 2051)
    return data


def cifar_batch(n, rng, label_keys=("labels",), n_classes=10):
    """A batch dict with bytes keys, as the CIFAR "python version" files hold it."""
    d = {b"batch_label": b"fake batch", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
         b"filenames": [f"img_{i}.png".encode() for i in range(n)]}
    for key in label_keys:
        d[key.encode()] = [int(v) for v in rng.integers(0, n_classes, n)]
    return d


def write_cifar10(ddir, sizes=(3, 2, 4, 1, 2), n_test=3, layout="keras3", seed=2):
    """data_batch_1..5 and test_batch; layout "keras3" (`-target/` dir) or "legacy" (tf.keras 2)."""
    rng = np.random.default_rng(seed)
    sub = os.path.join(ddir, "cifar-10-batches-py")
    if layout == "keras3":
        sub = os.path.join(ddir, "cifar-10-batches-py-target", "cifar-10-batches-py")
    os.makedirs(sub, exist_ok=True)
    batches = {f"data_batch_{i + 1}": cifar_batch(n, rng) for i, n in enumerate(sizes)}
    batches["test_batch"] = cifar_batch(n_test, rng)
    for name, d in batches.items():
        with open(os.path.join(sub, name), "wb") as f:
            pickle.dump(d, f)
    return batches


def write_cifar100(ddir, n_train=4, n_test=3, seed=3):
    rng = np.random.default_rng(seed)
    sub = os.path.join(ddir, "cifar-100-python-target", "cifar-100-python")
    os.makedirs(sub, exist_ok=True)
    batches = {}
    for name, n in (("train", n_train), ("test", n_test)):
        d = cifar_batch(n, rng, label_keys=("fine_labels",), n_classes=100)
        d[b"coarse_labels"] = [v // 5 for v in d[b"fine_labels"]]
        batches[name] = d
        with open(os.path.join(sub, name), "wb") as f:
            pickle.dump(d, f)
    return batches


def py2_cifar_pickle(data, labels):
    """A batch pickled the way Python 2's cPickle wrote the real CIFAR files (protocol 2, `str`
    keys as SHORT_BINSTRING, the array through `numpy.core.multiarray._reconstruct`)."""
    def s(b):
        return b"U" + bytes([len(b)]) + b
    dtype = (b"cnumpy\ndtype\n" + s(b"u1") + b"K\x00K\x01\x87R"
             + b"(K\x03" + s(b"|") + b"NNN" + b"J" + struct.pack("<i", -1)
             + b"J" + struct.pack("<i", -1) + b"K\x00tb")
    array = (b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + b"K\x00\x85"
             + s(b"b") + b"\x87R" + b"(K\x01" + b"J" + struct.pack("<i", data.shape[0])
             + b"M" + struct.pack("<H", data.shape[1]) + b"\x86" + dtype + b"\x89"
             + b"T" + struct.pack("<i", data.nbytes) + data.tobytes() + b"tb")
    items = b"".join(b"K" + bytes([v]) for v in labels)
    return (b"\x80\x02}(" + s(b"data") + array + s(b"labels") + b"](" + items + b"e"
            + s(b"batch_label") + s(b"py2 batch") + b"u.")


def imdb_raw():
    """Raw reviews (word ranks before `index_from`) and labels."""
    x_train = [[1, 2, 3], [4, 5, 6, 7, 8], [9], [2, 2]]
    x_test = [[3, 1], [10, 11, 12], [5]]
    return x_train, np.array([0, 1, 1, 0]), x_test, np.array([1, 0, 1])


def write_imdb(ddir, name="imdb.npz"):
    x_train, y_train, x_test, y_test = imdb_raw()
    np.savez(os.path.join(ddir, name), x_train=object_array(x_train), y_train=y_train,
             x_test=object_array(x_test), y_test=y_test)
    return x_train, y_train, x_test, y_test


def reuters_raw():
    xs = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [1], [10, 2, 2, 2, 3], [5, 5], [11, 1, 1]]
    return xs, np.array([3, 1, 0, 45, 3, 2, 19])


def write_reuters(ddir, name="reuters.npz"):
    xs, ys = reuters_raw()
    np.savez(os.path.join(ddir, name), x=object_array(xs), y=ys)
    return xs, ys


def write_xy(ddir, name, n, d, dtype=np.float64):
    """boston_housing.npz / california_housing.npz: `x` (n, d) whose column 0 is the row id."""
    x = np.random.default_rng(4).normal(size=(n, d)).astype(dtype)
    x[:, 0] = np.arange(n)
    y = (np.arange(n) * 10.0).astype(dtype)
    np.savez(os.path.join(ddir, name), x=x, y=y)
    return x, y
