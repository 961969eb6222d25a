"""keras.datasets loaders against real Keras on the SAME fake cache files, offline.

Keras checks a sha256 on most dataset files and, offline, deletes a cached file that fails it, so
its `load_data` never accepts a fake file as it is. For those datasets Keras's own `get_file` is
replaced by a cache hit that returns the file's path (what Keras does when the hash matches), and
all of Keras's parsing, shuffling and filtering then runs on the fake file. Fashion-MNIST has no
hash: there Keras's real `get_file` reads our fake cache. CIFAR-10's `load_data` hard-codes 10,000
images per batch, so it is compared through Keras's `load_batch` helper.
"""
import importlib
import os
import pickle
import sys
import tarfile

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import dataset_fakes as fakes  # noqa: E402

from minikeras import datasets  # noqa: E402
from minikeras.datasets import cifar as our_cifar  # noqa: E402
from minikeras.datasets import digits  # noqa: E402
from minikeras.datasets import npz_utils as our_npz  # noqa: E402
from minikeras.utils import file_utils  # noqa: E402


@pytest.fixture
def home(tmp_path, monkeypatch, keras):
    """One fake KERAS_HOME for both libraries; returns its `datasets` directory."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(importlib.import_module("keras.src.backend.config"), "_KERAS_DIR",
                        str(tmp_path))
    ddir = tmp_path / "datasets"
    ddir.mkdir()
    return str(ddir)


def keras_cache_hit(monkeypatch, name, ddir):
    """Keras's `keras.src.datasets.<name>.get_file`, as a cache hit with a matching hash."""
    def get_file(fname=None, origin=None, cache_subdir="datasets", **kwargs):
        assert origin.startswith("https://")
        return os.path.join(os.path.dirname(ddir), cache_subdir, fname)
    module = importlib.import_module(f"keras.src.datasets.{name}")
    monkeypatch.setattr(module, "get_file", get_file)
    return module


def assert_same(ours, theirs):
    """Nested tuples of arrays: equal values, shapes and dtypes (object arrays element-wise)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
        return
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if theirs.dtype == object:
        assert [list(np.ravel(v)) if isinstance(v, (list, np.ndarray)) else v
                for v in ours.ravel()] == [list(np.ravel(v)) if isinstance(v, (list, np.ndarray))
                                           else v for v in theirs.ravel()]
    else:
        np.testing.assert_array_equal(ours, theirs)


def test_mnist(keras, home, monkeypatch):
    fakes.write_mnist(home)
    theirs = keras_cache_hit(monkeypatch, "mnist", home).load_data()
    assert_same(datasets.mnist.load_data(), theirs)


def test_fashion_mnist_through_keras_get_file(keras, home):
    fakes.write_fashion_mnist(home)
    assert_same(datasets.fashion_mnist.load_data(), keras.datasets.fashion_mnist.load_data())


def test_cifar_load_batch_matches(keras, home):
    from keras.src.datasets.cifar import load_batch
    batches = fakes.write_cifar10(home)
    sub = os.path.join(home, "cifar-10-batches-py-target", "cifar-10-batches-py")
    py2 = os.path.join(home, "py2_batch")
    with open(py2, "wb") as f:
        f.write(fakes.py2_cifar_pickle(np.arange(3 * 3072, dtype=np.uint8).reshape(3, 3072),
                                       [4, 0, 9]))
    for path in [os.path.join(sub, name) for name in batches] + [py2]:
        (x, y), (kx, ky) = our_cifar.load_batch(path), load_batch(path)
        assert_same(x, kx)
        assert y == ky
    # CIFAR-10's assembly, done the Keras way from Keras's own batches
    kb = [load_batch(os.path.join(sub, f"data_batch_{i}")) for i in range(1, 6)]
    kx = np.concatenate([x for x, _ in kb]).astype("uint8").transpose(0, 2, 3, 1)
    ky = np.concatenate([np.asarray(y) for _, y in kb]).astype("uint8").reshape(-1, 1)
    (x_train, y_train), _ = datasets.cifar10.load_data()
    assert_same(x_train, kx)
    assert_same(y_train, ky)


@pytest.mark.parametrize("mode", ["fine", "coarse"])
def test_cifar100(keras, home, monkeypatch, mode):
    fakes.write_cifar100(home)
    theirs = keras_cache_hit(monkeypatch, "cifar100", home).load_data(label_mode=mode)
    assert_same(datasets.cifar100.load_data(label_mode=mode), theirs)


SEQ_KWARGS = [
    {}, {"num_words": 8}, {"skip_top": 5}, {"maxlen": 3}, {"maxlen": 5, "num_words": 10},
    {"start_char": None, "oov_char": None, "index_from": 0, "num_words": 5},
    {"start_char": None, "index_from": 2}, {"start_char": 7, "oov_char": 0, "index_from": 10},
    {"seed": 0},
]


@pytest.mark.parametrize("kwargs", SEQ_KWARGS)
def test_imdb(keras, home, monkeypatch, kwargs):
    fakes.write_imdb(home)
    theirs = keras_cache_hit(monkeypatch, "imdb", home).load_data(**kwargs)
    assert_same(datasets.imdb.load_data(**kwargs), theirs)


@pytest.mark.parametrize("kwargs", SEQ_KWARGS[:-1] + [{"test_split": 0.5, "seed": 3},
                                                      {"test_split": 0.0}])
def test_reuters(keras, home, monkeypatch, kwargs):
    fakes.write_reuters(home)
    theirs = keras_cache_hit(monkeypatch, "reuters", home).load_data(**kwargs)
    assert_same(datasets.reuters.load_data(**kwargs), theirs)
    assert datasets.reuters.get_label_names() == keras.datasets.reuters.get_label_names()


def test_imdb_maxlen_too_small_same_error(keras, home, monkeypatch):
    fakes.write_imdb(home)
    module = keras_cache_hit(monkeypatch, "imdb", home)
    with pytest.raises(ValueError) as theirs:
        module.load_data(maxlen=2)
    with pytest.raises(ValueError) as ours:
        datasets.imdb.load_data(maxlen=2)
    assert str(ours.value) == str(theirs.value)


def test_word_indices(keras, home, monkeypatch):
    for name in ("imdb", "reuters"):
        with open(os.path.join(home, f"{name}_word_index.json"), "w") as f:
            f.write('{"the": 1, "a": 2, "film": 19}')
        theirs = keras_cache_hit(monkeypatch, name, home).get_word_index()
        assert getattr(datasets, name).get_word_index() == theirs


@pytest.mark.parametrize("kwargs", [{}, {"test_split": 0.35, "seed": 5}, {"test_split": 0.0}])
def test_boston_housing(keras, home, monkeypatch, kwargs):
    fakes.write_xy(home, "boston_housing.npz", 23, 13)
    theirs = keras_cache_hit(monkeypatch, "boston_housing", home).load_data(**kwargs)
    assert_same(datasets.boston_housing.load_data(**kwargs), theirs)


@pytest.mark.parametrize("kwargs", [{}, {"version": "small"}, {"version": "small", "seed": 1,
                                                               "test_split": 0.1}])
def test_california_housing(keras, home, monkeypatch, kwargs):
    fakes.write_xy(home, "california_housing.npz", 650, 8, dtype=np.float32)
    theirs = keras_cache_hit(monkeypatch, "california_housing", home).load_data(**kwargs)
    assert_same(datasets.california_housing.load_data(**kwargs), theirs)


@pytest.mark.parametrize("bad", [{"test_split": 1.0}, {"test_split": -0.1}])
def test_housing_test_split_errors(keras, bad):
    for name in ("boston_housing", "california_housing"):
        with pytest.raises(ValueError) as theirs:
            getattr(keras.datasets, name).load_data(**bad)
        with pytest.raises(ValueError) as ours:
            getattr(datasets, name).load_data(**bad)
        assert str(ours.value) == str(theirs.value)


def test_both_refuse_malicious_pickles(keras, home, tmp_path):
    from keras.src.datasets import npz_utils
    from keras.src.datasets.cifar import load_batch
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = fakes.Evil(marker)
    np.savez(os.path.join(home, "evil.npz"), x=evil)
    with open(os.path.join(home, "evil_batch"), "wb") as f:
        pickle.dump({b"data": fakes.Evil(marker), b"labels": []}, f)
    for load in (npz_utils.load_npz, our_npz.load_npz):
        with pytest.raises(pickle.UnpicklingError, match="Refusing to deserialize"):
            load(os.path.join(home, "evil.npz"))
    for load in (load_batch, our_cifar.load_batch):
        with pytest.raises(pickle.UnpicklingError, match="Refusing to deserialize"):
            load(os.path.join(home, "evil_batch"))
    assert not marker.exists()


def test_load_npz_matches(keras, home):
    from keras.src.datasets import npz_utils
    fakes.write_imdb(home)
    ours, theirs = our_npz.load_npz(os.path.join(home, "imdb.npz")), npz_utils.load_npz(
        os.path.join(home, "imdb.npz"))
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert_same(ours[key], theirs[key])


def test_get_file_layout_with_local_urls(keras, home, tmp_path):
    """file:// URLs need no network: both libraries download, hash-check and extract alike."""
    from keras.src.utils import file_utils as kfu
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.txt").write_text("A")
    archive = tmp_path / "pkg.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "pkg", arcname="pkg")
    (tmp_path / "plain.txt").write_text("plain")
    sha = kfu.hash_file(str(archive))
    assert file_utils.hash_file(str(archive)) == sha
    assert file_utils.validate_file(str(archive), sha) and kfu.validate_file(str(archive), sha)
    cases = [dict(fname="plain.txt", origin=(tmp_path / "plain.txt").as_uri()),
             dict(fname="pkg.tar.gz", origin=archive.as_uri(), extract=True, file_hash=sha),
             dict(fname="pkgdir", origin=archive.as_uri(), extract=True),
             dict(origin=archive.as_uri(), extract=True, cache_subdir="other")]
    (tmp_path / "k").mkdir()  # Keras falls back to /tmp/.keras for a cache_dir that doesn't exist
    (tmp_path / "m").mkdir()
    for kwargs in cases:
        theirs = kfu.get_file(cache_dir=str(tmp_path / "k"), **kwargs)
        ours = file_utils.get_file(cache_dir=str(tmp_path / "m"), **kwargs)
        assert os.path.relpath(ours, tmp_path / "m") == os.path.relpath(theirs, tmp_path / "k")
        tree = [sorted(os.path.relpath(os.path.join(d, f), root)
                       for d, _, fs in os.walk(root) for f in fs)
                for root in (tmp_path / "k", tmp_path / "m")]
        assert tree[0] == tree[1]


def test_digits_resize_matches_keras_bilinear(keras):
    (x8, _), _ = datasets.digits.load_data()
    x8 = x8[:64].astype("float32")
    theirs = keras.ops.convert_to_numpy(keras.ops.image.resize(
        x8[..., None], (28, 28), interpolation="bilinear", antialias=False))[..., 0]
    np.testing.assert_allclose(digits.resize_bilinear(x8, 28), theirs, rtol=1e-5, atol=1e-4)
