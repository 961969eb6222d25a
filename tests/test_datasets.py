"""keras.datasets loaders on fake cache files, keras.utils.get_file, digits(size=28). No network:
every test runs with `urllib.request.urlopen` replaced."""
import io
import os
import pickle
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest

import dataset_fakes as fakes
from minikeras import datasets
from minikeras.datasets import (boston_housing, california_housing, cifar10, cifar100, digits,
                                fashion_mnist, imdb, mnist, reuters)
from minikeras.datasets.npz_utils import UnsafePickleError, load_npz
from minikeras.engine import config
from minikeras.utils import file_utils, get_file

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


class FakeResponse(io.BytesIO):
    """What `urlopen` returns: `read(n)`, `headers`, a context manager; can fail mid-stream."""

    def __init__(self, payload, fail_after=None, length=None):
        super().__init__(payload)
        self.headers = {"Content-Length": str(length or len(payload))}
        self.fail_after = fail_after

    def read(self, n=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        return super().read(n if self.fail_after is None else min(n, self.fail_after))


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may touch the network: urlopen fails like an offline machine; records its calls."""
    calls = []

    def urlopen(url, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


@pytest.fixture
def ddir(tmp_path, monkeypatch):
    """A fresh KERAS_HOME; returns its `datasets` directory."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    path = tmp_path / "kh" / "datasets"
    path.mkdir(parents=True)
    return str(path)


def serve(monkeypatch, payload, fail_after=None, length=None):
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, *a, **k: FakeResponse(payload, fail_after, length))


def files_in(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def test_exports():
    for name in ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
                 "boston_housing", "california_housing", "digits"):
        assert callable(getattr(datasets, name).load_data)
    assert get_file is file_utils.get_file
    assert issubclass(datasets.DatasetNotAvailableError, OSError)


# --- MNIST / Fashion-MNIST -------------------------------------------------------------------
def test_mnist_reads_cache(ddir, offline):
    data = fakes.write_mnist(ddir)
    (xt, yt), (xv, yv) = mnist.load_data()
    for got, key in ((xt, "x_train"), (yt, "y_train"), (xv, "x_test"), (yv, "y_test")):
        np.testing.assert_array_equal(got, data[key])
        assert got.dtype == np.uint8
    assert xt.shape == (6, 28, 28) and yv.shape == (3,)
    assert offline == []


def test_mnist_custom_name_and_path_rejected(ddir):
    data = fakes.write_mnist(ddir, name="my.npz", n_train=2)
    (xt, _), _ = mnist.load_data(path="my.npz")
    np.testing.assert_array_equal(xt, data["x_train"])
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        mnist.load_data(path=os.path.join(ddir, "my.npz"))


def test_fashion_mnist_idx_files(ddir):
    data = fakes.write_fashion_mnist(ddir)
    (xt, yt), (xv, yv) = fashion_mnist.load_data()
    assert xt.shape == (5, 28, 28) and xv.shape == (4, 28, 28) and xt.dtype == np.uint8
    for got, key in ((xt, "x_train"), (yt, "y_train"), (xv, "x_test"), (yv, "y_test")):
        np.testing.assert_array_equal(got, data[key])


# --- CIFAR -----------------------------------------------------------------------------------
def chw_to_hwc(d):
    """Hand layout: a row holds 1024 red, then green, then blue values, each 32x32 row-major."""
    return d[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


@pytest.mark.parametrize("layout", ["keras3", "legacy"])
def test_cifar10_layouts_shapes_dtypes(ddir, layout):
    batches = fakes.write_cifar10(ddir, layout=layout)
    (xt, yt), (xv, yv) = cifar10.load_data()
    assert xt.shape == (12, 32, 32, 3) and yt.shape == (12, 1) and xv.shape == (3, 32, 32, 3)
    assert xt.dtype == yt.dtype == xv.dtype == yv.dtype == np.uint8
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    np.testing.assert_array_equal(xt, np.concatenate([chw_to_hwc(b) for b in train]))
    np.testing.assert_array_equal(yt[:, 0], sum((b[b"labels"] for b in train), []))
    # one pixel by hand: image 0, row 1, column 2, green = data[0, 1024 + 1 * 32 + 2]
    assert xt[0, 1, 2, 1] == train[0][b"data"][0, 1024 + 34]
    np.testing.assert_array_equal(xv, chw_to_hwc(batches["test_batch"]))
    np.testing.assert_array_equal(yv[:, 0], batches["test_batch"][b"labels"])


def test_cifar10_channels_first(ddir):
    batches = fakes.write_cifar10(ddir)
    config.set_image_data_format("channels_first")
    try:
        (xt, _), (xv, _) = cifar10.load_data()
    finally:
        config.set_image_data_format("channels_last")
    assert xt.shape == (12, 3, 32, 32)
    np.testing.assert_array_equal(xv, batches["test_batch"][b"data"].reshape(-1, 3, 32, 32))


def test_cifar10_extracts_cached_archive(ddir, tmp_path, offline):
    src = tmp_path / "src"
    batches = fakes.write_cifar10(str(src), layout="legacy")
    archive = os.path.join(ddir, "cifar-10-batches-py-target_archive")  # Keras 3's name
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    (_, _), (xv, _) = cifar10.load_data()
    np.testing.assert_array_equal(xv, chw_to_hwc(batches["test_batch"]))
    assert os.path.isfile(os.path.join(ddir, "cifar-10-batches-py-target", "cifar-10-batches-py",
                                       "data_batch_5"))
    assert os.path.exists(archive) and offline == []


def test_cifar10_reads_python2_pickles(ddir):
    sub = os.path.join(ddir, "cifar-10-batches-py")
    os.makedirs(sub)
    rng = np.random.default_rng(5)
    datas = [rng.integers(0, 256, (2, 3072), dtype=np.uint8) for _ in range(6)]
    for i, name in enumerate([f"data_batch_{j}" for j in range(1, 6)] + ["test_batch"]):
        with open(os.path.join(sub, name), "wb") as f:
            f.write(fakes.py2_cifar_pickle(datas[i], [i, 9 - i]))
    (xt, yt), (xv, yv) = cifar10.load_data()
    np.testing.assert_array_equal(xt[2, :, :, 0], datas[1][0, :1024].reshape(32, 32))
    assert yt[:, 0].tolist() == [0, 9, 1, 8, 2, 7, 3, 6, 4, 5] and yv[:, 0].tolist() == [5, 4]


@pytest.mark.parametrize("mode", ["fine", "coarse"])
def test_cifar100(ddir, mode):
    batches = fakes.write_cifar100(ddir)
    (xt, yt), (xv, yv) = cifar100.load_data(label_mode=mode)
    assert xt.shape == (4, 32, 32, 3) and xt.dtype == np.uint8 and xv.shape == (3, 32, 32, 3)
    assert yt.shape == (4, 1) and yt.dtype == np.int64  # Keras reshapes the label list: int64
    np.testing.assert_array_equal(yt[:, 0], batches["train"][f"{mode}_labels".encode()])
    np.testing.assert_array_equal(xv, chw_to_hwc(batches["test"]))


def test_cifar100_bad_label_mode():
    with pytest.raises(ValueError, match='`label_mode` must be one of `"fine"`, `"coarse"`. '
                                         "Received: label_mode=medium"):
        cifar100.load_data(label_mode="medium")


# --- malicious pickles are refused, never run -------------------------------------------------
def test_malicious_cifar_batch_refused(ddir, tmp_path):
    fakes.write_cifar10(ddir)
    marker = tmp_path / "pwned"
    path = os.path.join(ddir, "cifar-10-batches-py-target", "cifar-10-batches-py", "data_batch_2")
    with open(path, "wb") as f:
        pickle.dump({b"data": fakes.Evil(marker), b"labels": [1]}, f)
    with pytest.raises(UnsafePickleError, match=r"Refusing to deserialize `(posix|os)\.system`"
                       r".*data_batch_2.*corrupted or malicious") as info:
        cifar10.load_data()
    assert isinstance(info.value, ValueError) and isinstance(info.value, pickle.UnpicklingError)
    assert not marker.exists()


@pytest.mark.parametrize("loader,name", [(imdb, "imdb.npz"), (reuters, "reuters.npz")])
def test_malicious_npz_refused(ddir, tmp_path, loader, name):
    marker = tmp_path / "pwned"
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = [1, 2], fakes.Evil(marker)
    arrays = dict(x_train=evil, y_train=np.zeros(2), x_test=evil, y_test=np.zeros(2), x=evil,
                  y=np.zeros(2))
    np.savez(os.path.join(ddir, name), **arrays)
    with pytest.raises(UnsafePickleError, match=rf"system`.*{name}"):
        loader.load_data()
    assert not marker.exists()


def test_load_npz_numeric_members_never_unpickle(tmp_path):
    path = str(tmp_path / "a.npz")
    np.savez(path, a=np.arange(3, dtype=np.int16), b=fakes.object_array([[1], [2, 3]]))
    out = load_npz(path)
    assert out["a"].dtype == np.int16 and out["b"].dtype == object
    assert [list(v) for v in out["b"]] == [[1], [2, 3]]


def test_mnist_with_object_array_refused(ddir):
    np.savez(os.path.join(ddir, "mnist.npz"), x_train=fakes.object_array([[1]]),
             y_train=np.zeros(1), x_test=np.zeros(1), y_test=np.zeros(1))
    with pytest.raises(ValueError, match="allow_pickle=False"):
        mnist.load_data()


# --- IMDB ----------------------------------------------------------------------------------
def shuffled(seed=113):
    """Keras's order: one RandomState shuffles the train indices, then the test indices."""
    rng = np.random.RandomState(seed)
    perms = []
    for n in (4, 3):
        idx = np.arange(n)
        rng.shuffle(idx)
        perms.append(idx)
    return perms


# raw review -> expected sequence, worked out by hand for each setting
IMDB_CASES = {
    # num_words=None means "below the largest index seen" (15): Keras turns 15 itself into oov
    "defaults": ({}, {(1, 2, 3): [1, 4, 5, 6], (4, 5, 6, 7, 8): [1, 7, 8, 9, 10, 11], (9,): [1, 12],
                      (2, 2): [1, 5, 5], (3, 1): [1, 6, 4], (10, 11, 12): [1, 13, 14, 2],
                      (5,): [1, 8]}),
    "num_words=8": ({"num_words": 8}, {(1, 2, 3): [1, 4, 5, 6], (4, 5, 6, 7, 8): [1, 7, 2, 2, 2, 2],
                                       (9,): [1, 2], (2, 2): [1, 5, 5], (3, 1): [1, 6, 4],
                                       (10, 11, 12): [1, 2, 2, 2], (5,): [1, 2]}),
    # skip_top also catches start_char (1 < 5): Keras replaces it with oov_char too
    "skip_top=5": ({"skip_top": 5}, {(1, 2, 3): [2, 2, 5, 6], (4, 5, 6, 7, 8): [2, 7, 8, 9, 10, 11],
                                     (9,): [2, 12], (2, 2): [2, 5, 5], (3, 1): [2, 6, 2],
                                     (10, 11, 12): [2, 13, 14, 2], (5,): [2, 8]}),
    "no start/oov/offset": ({"start_char": None, "oov_char": None, "index_from": 0,
                             "num_words": 5},
                            {(1, 2, 3): [1, 2, 3], (4, 5, 6, 7, 8): [4], (9,): [], (2, 2): [2, 2],
                             (3, 1): [3, 1], (10, 11, 12): [], (5,): []}),
    "custom chars": ({"start_char": 7, "oov_char": 0, "index_from": 10, "num_words": 14},
                     {(1, 2, 3): [7, 11, 12, 13], (4, 5, 6, 7, 8): [7, 0, 0, 0, 0, 0], (9,): [7, 0],
                      (2, 2): [7, 12, 12], (3, 1): [7, 13, 11], (10, 11, 12): [7, 0, 0, 0],
                      (5,): [7, 0]}),
}


@pytest.mark.parametrize("case", list(IMDB_CASES))
def test_imdb_filters(ddir, case):
    kwargs, expected = IMDB_CASES[case]
    x_train, y_train, x_test, y_test = fakes.write_imdb(ddir)
    (xt, yt), (xv, yv) = imdb.load_data(**kwargs)
    p_train, p_test = shuffled()
    assert xt.dtype == object and xt.shape == (4,) and xv.shape == (3,)
    assert [list(s) for s in xt] == [expected[tuple(x_train[i])] for i in p_train]
    assert [list(s) for s in xv] == [expected[tuple(x_test[i])] for i in p_test]
    np.testing.assert_array_equal(yt, y_train[p_train])
    np.testing.assert_array_equal(yv, y_test[p_test])
    assert yt.dtype == np.int64


def test_imdb_maxlen_keeps_strictly_shorter(ddir):
    fakes.write_imdb(ddir)
    # only [1, 12] (len 2) and [1, 8] stay; [1, 5, 5] (len 3) goes; 12 is now the largest index
    # seen, so it becomes oov. A single kept list makes np.array build a 2-D object array.
    (xt, yt), (xv, yv) = imdb.load_data(maxlen=3)
    assert xt.tolist() == [[1, 2]] and yt.tolist() == [1] and xt.shape == (1, 2)
    assert xv.tolist() == [[1, 8]] and yv.tolist() == [1]
    with pytest.raises(ValueError, match="no sequence was kept. Increase maxlen"):
        imdb.load_data(maxlen=2)


def test_imdb_seed_changes_order_and_word_index(ddir):
    fakes.write_imdb(ddir)
    (a, _), _ = imdb.load_data(seed=1)
    p_train, _ = shuffled(1)
    assert a[0] == [1] + [w + 3 for w in fakes.imdb_raw()[0][p_train[0]]]
    with open(os.path.join(ddir, "imdb_word_index.json"), "w") as f:
        f.write('{"the": 1, "and": 2}')
    assert imdb.get_word_index() == {"the": 1, "and": 2}


# --- Reuters -------------------------------------------------------------------------------
def test_reuters_split_and_filters(ddir):
    xs, ys = fakes.write_reuters(ddir)
    perm = np.arange(len(xs))
    np.random.RandomState(113).shuffle(perm)
    (xt, yt), (xv, yv) = reuters.load_data()
    assert len(xt) == int(7 * 0.8) == 5 and len(xv) == 2 and xt.dtype == object
    for got, i in zip(list(xt) + list(xv), perm):  # 14 is the largest index: it becomes oov
        assert list(got) == [1] + [w + 3 if w + 3 < 14 else 2 for w in xs[i]]
    np.testing.assert_array_equal(np.concatenate([yt, yv]), ys[perm])
    (xt, yt), (xv, _) = reuters.load_data(num_words=6, test_split=0.5, maxlen=4)
    kept = [i for i in perm if len(xs[i]) + 1 < 4]
    assert len(xt) == int(len(kept) * 0.5)
    expected = {(1, 2, 3): [1, 4, 5, 2], (4, 5): [1, 2, 2], (1,): [1, 4], (5, 5): [1, 2, 2],
                (11, 1, 1): [1, 2, 4, 4]}
    assert [list(s) for s in list(xt) + list(xv)] == [expected[tuple(xs[i])] for i in kept]
    assert yt.tolist() == [int(ys[i]) for i in kept[:len(xt)]]


def test_reuters_label_names_and_word_index(ddir):
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[45] == "lead"
    with open(os.path.join(ddir, "reuters_word_index.json"), "w") as f:
        f.write('{"said": 3}')
    assert reuters.get_word_index() == {"said": 3}


# --- housing -------------------------------------------------------------------------------
def expected_split(n, test_split, seed=113):
    perm = np.arange(n)
    np.random.RandomState(seed).shuffle(perm)
    cut = int(n * (1 - test_split))
    return perm[:cut], perm[cut:]


def test_boston_housing(ddir):
    x, y = fakes.write_xy(ddir, "boston_housing.npz", 10, 13)
    (xt, yt), (xv, yv) = boston_housing.load_data(test_split=0.3, seed=7)
    tr, te = expected_split(10, 0.3, seed=7)
    assert xt.shape == (7, 13) and xv.shape == (3, 13) and xt.dtype == yt.dtype == np.float64
    np.testing.assert_array_equal(xt[:, 0], tr)
    np.testing.assert_array_equal(yv, y[te])
    with pytest.raises(ValueError, match=r"Invalid `test_split` argument: 1\. It must be between"):
        boston_housing.load_data(test_split=1)


def test_california_housing_versions(ddir):
    fakes.write_xy(ddir, "california_housing.npz", 700, 8, dtype=np.float32)
    (xt, yt), (xv, _) = california_housing.load_data()
    assert len(xt) == 560 and len(xv) == 140 and xt.dtype == np.float32
    np.testing.assert_array_equal(xt[:, 0], expected_split(700, 0.2)[0])
    (xt, yt), (xv, _) = california_housing.load_data(version="small")
    assert len(xt) == 480 and len(xv) == 120 and xt[:, 0].max() < 600 and xv[:, 0].max() < 600
    np.testing.assert_array_equal(yt, 10.0 * expected_split(600, 0.2)[0])
    with pytest.raises(ValueError, match="must be one of 'small', 'large'. Received: version=tiny"):
        california_housing.load_data(version="tiny")


# --- offline errors --------------------------------------------------------------------------
@pytest.mark.parametrize("load,name,where,url", [
    (mnist.load_data, "MNIST", "mnist.npz", URL + "mnist.npz"),
    (imdb.load_data, "IMDB", "imdb.npz", URL + "imdb.npz"),
    (boston_housing.load_data, "Boston Housing", "boston_housing.npz", URL + "boston_housing.npz"),
    (fashion_mnist.load_data, "Fashion-MNIST", "fashion-mnist/train-labels-idx1-ubyte.gz",
     URL + "train-labels-idx1-ubyte.gz"),
    (cifar10.load_data, "CIFAR-10", "cifar-10-batches-py-target_archive",
     "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
    (cifar100.load_data, "CIFAR-100", "cifar-100-python-target_archive",
     "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"),
])
def test_offline_error_names_dataset_path_and_url(ddir, offline, load, name, where, url):
    with pytest.raises(datasets.DatasetNotAvailableError) as info:
        load()
    err, path = info.value, os.path.join(ddir, where)
    message = str(err)
    assert isinstance(err, OSError)
    assert f"The {name} dataset" in message and f"save it as {path}" in message
    assert f"Download {url} " in message and "Temporary failure in name resolution" in message
    assert err.path == path and err.origin == url and offline == [url]
    assert err.__cause__ is None and err.__suppress_context__  # no chained urllib traceback
    assert not [f for f in files_in(os.path.dirname(path)) if not os.path.isdir(
        os.path.join(os.path.dirname(path), f))]  # nothing half-written


# --- get_file --------------------------------------------------------------------------------
def test_get_file_downloads_atomically_and_checks_hash(tmp_path, monkeypatch, capsys):
    import hashlib
    payload = b"x" * 200_000
    good = hashlib.sha256(payload).hexdigest()
    serve(monkeypatch, payload)
    path = get_file("blob.bin", "https://example.invalid/blob", file_hash=good,
                    cache_dir=str(tmp_path))
    assert path == str(tmp_path / "datasets" / "blob.bin") and open(path, "rb").read() == payload
    assert "Downloading data from https://example.invalid/blob" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        get_file("bad.bin", "https://example.invalid/blob", file_hash="0" * 64,
                 cache_dir=str(tmp_path))
    md5 = hashlib.md5(payload).hexdigest()
    assert get_file("m.bin", "https://x.invalid/m", md5_hash=md5, cache_dir=str(tmp_path))
    assert files_in(tmp_path / "datasets") == ["blob.bin", "m.bin"]


def test_get_file_failed_download_leaves_no_partial_file(tmp_path, monkeypatch):
    serve(monkeypatch, b"y" * 300_000, fail_after=70_000)
    with pytest.raises(file_utils.URLFetchError, match="URL fetch failure on https://h.invalid/f")\
            as info:
        get_file("f.bin", "https://h.invalid/f", cache_subdir="sub", cache_dir=str(tmp_path))
    assert isinstance(info.value, OSError) and info.value.path == str(tmp_path / "sub" / "f.bin")
    assert info.value.__cause__ is None
    assert files_in(tmp_path / "sub") == []
    serve(monkeypatch, b"z" * 1000, length=5000)  # the server closes the connection early
    with pytest.raises(file_utils.URLFetchError, match="closed after 1000 of 5000 bytes"):
        get_file("f.bin", "https://h.invalid/f", cache_subdir="sub", cache_dir=str(tmp_path))
    assert files_in(tmp_path / "sub") == []


def test_get_file_trusts_cache_and_keras_home(ddir, offline):
    path = os.path.join(ddir, "cached.txt")
    with open(path, "w") as f:
        f.write("mine")
    assert get_file("cached.txt", "https://x.invalid/c", file_hash="1" * 64) == path
    assert open(path).read() == "mine" and offline == []  # no hash check, no download


def test_get_file_name_from_origin_and_argument_errors(tmp_path, monkeypatch):
    serve(monkeypatch, b"abc")
    assert get_file(origin="https://x.invalid/dir/data.csv", cache_dir=str(tmp_path)).endswith(
        os.path.join("datasets", "data.csv"))
    with pytest.raises(ValueError, match='Please specify the "origin" argument'):
        get_file("a")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b", origin="https://x.invalid/b")
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin="https://x.invalid/")


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_get_file_extract_layout_and_path_traversal(tmp_path, monkeypatch):
    serve(monkeypatch, tar_bytes({"pkg/a.txt": b"A", "../escape.txt": b"E"}))
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        out = get_file("pkg.tar.gz", "https://x.invalid/pkg.tar.gz", extract=True,
                       cache_dir=str(tmp_path))
    assert out == str(tmp_path / "datasets" / "pkg_extracted")  # Keras 3: "<name>_extracted"
    assert open(os.path.join(out, "pkg", "a.txt")).read() == "A"
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "datasets" / "escape.txt").exists()
    serve(monkeypatch, tar_bytes({"b.txt": b"B"}))
    out = get_file("plain", "https://x.invalid/p.tgz", extract=True, cache_dir=str(tmp_path))
    assert out == str(tmp_path / "datasets" / "plain")  # archive saved as "plain_archive"
    assert files_in(tmp_path / "datasets") == ["pkg.tar.gz", "pkg_extracted", "plain",
                                               "plain_archive"]


# --- digits at 28x28 -------------------------------------------------------------------------
def test_bilinear_matrix_by_hand():
    m = digits.bilinear_matrix(8, 28)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    # output 0 and 1 sample before the first centre (clamped), output 2 samples at s = 3/14
    assert m[0, 0] == m[1, 0] == 1.0
    np.testing.assert_allclose(m[2, :2], [1 - 3 / 14, 3 / 14])
    # output 27 samples past the last centre: clamped to input 7
    assert m[27, 7] == 1.0
    np.testing.assert_allclose(digits.bilinear_matrix(4, 4), np.eye(4))


def test_digits_size_28_is_mnist_like():
    (x8, y8), (v8, w8) = digits.load_data()
    (x28, y28), (v28, w28) = digits.load_data(size=28)
    assert x28.shape == (len(x8), 28, 28) and v28.shape == (len(v8), 28, 28)
    assert x28.dtype == np.uint8 and x28.max() == 255 and x8.max() == 16
    np.testing.assert_array_equal(y28, y8)
    np.testing.assert_array_equal(w28, w8)
    img = x8[0].astype(np.float64)
    m = digits.bilinear_matrix(8, 28)
    # output (2, 10) samples rows 0/1 at s = 3/14 and columns 2/3 at s = 2.5
    np.testing.assert_allclose(m[10, 2:4], [0.5, 0.5])
    by_hand = ((11 / 14) * (img[0, 2] + img[0, 3]) + (3 / 14) * (img[1, 2] + img[1, 3])) / 2
    assert x28[0, 2, 10] == np.rint(by_hand * 255 / 16)
    corners = np.ix_([0, 27], [0, 27])  # clamped: the corner pixels themselves
    np.testing.assert_array_equal(x28[0][corners], np.rint(img[np.ix_([0, 7], [0, 7])] * 255 / 16))
    assert x28[..., None].shape[1:] == (28, 28, 1)
    with pytest.raises(ValueError, match="`size` must be None or a positive integer"):
        digits.load_data(size=0)
