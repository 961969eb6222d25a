"""Saving and loading: `.keras` zips and `.weights.h5` files in Keras 3's layout, round trips,
resuming training, atomic saves, and every attack a hostile file can try."""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.saving import h5_guard, saving_lib

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _h5_tree(source):
    out = {}
    with h5py.File(source, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(
            name, obj.shape if isinstance(obj, h5py.Dataset) else dict(obj.attrs)))
    return out


def _mlp(units=3, use_bias=True):
    return keras.Sequential([keras.Input((4,)), layers.Dense(units, activation="relu"),
                             layers.BatchNormalization(), layers.Dropout(0.2),
                             layers.Dense(2, use_bias=use_bias)])


def _functional_shared():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    merged = layers.Concatenate()([shared(a), shared(b)])
    return keras.Model([a, b], layers.Dense(1)(merged))


def _cnn():
    return keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                             layers.MaxPooling2D(), layers.BatchNormalization(),
                             layers.Flatten(), layers.Dense(3, activation="softmax")])


def _rnn():
    return keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                             layers.Bidirectional(layers.GRU(2, return_sequences=True)),
                             layers.SimpleRNN(2)])


def _mha():
    q, v = keras.Input((4, 6)), keras.Input((5, 6))
    out = layers.MultiHeadAttention(2, 3)(q, v)
    return keras.Model([q, v], layers.LayerNormalization()(out))


def _inputs(model):
    xs = [_x(3, *t.shape[1:]) for t in model.inputs]
    return xs if len(xs) > 1 else xs[0]


# --- the weights tree --------------------------------------------------------------------
def test_weights_file_has_keras_layout(tmp_path):
    model = _mlp()
    model.compile(keras.optimizers.Adam(), "mse")
    model.fit(_x(4, 4), _x(4, 2), verbose=0)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    tree = _h5_tree(path)
    assert tree["vars"] == {"name": model.name}
    assert tree["layers/dense/vars/0"] == (4, 3) and tree["layers/dense/vars/1"] == (3,)
    assert [tree[f"layers/batch_normalization/vars/{i}"] for i in range(4)] == [(3,)] * 4
    assert tree["layers/dropout/vars"] == {"name": model.layers[2].name}
    assert tree["layers/dense_1/vars/0"] == (3, 2)
    # iteration, learning_rate, then (momentum, velocity) per trainable variable
    opt = {k: v for k, v in tree.items() if k.startswith("optimizer/vars/")}
    assert len(opt) == 2 + 2 * 6 and opt["optimizer/vars/2"] == (4, 3)
    assert opt["optimizer/vars/12"] == (2,) and "optimizer/vars/14" not in opt


def test_nested_layers_follow_attribute_names(tmp_path):
    path = tmp_path / "r.weights.h5"
    _rnn().save_weights(path)
    tree = _h5_tree(path)
    assert tree["layers/lstm/cell/vars/0"] == (3, 16)
    assert tree["layers/bidirectional/forward_layer/cell/vars/2"] == (2, 6)
    assert tree["layers/bidirectional/backward_layer/cell/vars/1"] == (2, 6)
    path = tmp_path / "a.weights.h5"
    _mha().save_weights(path)
    tree = _h5_tree(path)
    for sub in ("query_dense", "key_dense", "value_dense"):
        assert tree[f"layers/multi_head_attention/{sub}/vars/0"] == (6, 2, 3)
    assert tree["layers/multi_head_attention/output_dense/vars/0"] == (2, 3, 6)
    assert "layers/input_layer/vars" in tree and "layers/input_layer_1/vars" in tree


class Twin(layers.Layer):
    """A layer whose sublayer attribute names differ from a (hypothetical) Keras twin."""
    _keras_saving_names = {"proj": "projection", "scratch": None}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.proj, self.scratch = layers.Dense(2), layers.Dense(2)

    def call(self, x):
        return self.proj(x) + self.scratch(x)


def test_saving_names_hook_renames_and_skips(tmp_path):
    model = keras.Sequential([keras.Input((3,)), Twin()])
    model.save_weights(tmp_path / "t.weights.h5")
    tree = _h5_tree(tmp_path / "t.weights.h5")
    assert tree["layers/twin/projection/vars/0"] == (3, 2)
    assert not any("proj/" in k or "scratch" in k for k in tree)


@pytest.mark.parametrize("build", [_mlp, _functional_shared, _cnn, _rnn, _mha])
def test_weights_round_trip(tmp_path, build):
    model, fresh = build(), build()
    x = _inputs(model)
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    assert not np.allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_suffix_and_build_errors(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        keras.Sequential([layers.Dense(2)]).save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.txt")
    assert os.listdir(tmp_path) == []


def test_shape_mismatch_names_layer_and_restores_weights(tmp_path):
    path = tmp_path / "w.weights.h5"
    _mlp(units=3).save_weights(path)
    other = _mlp(units=5)
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"Layer 'dense\w*'.*shape \(4, 5\).*\(4, 3\)"):
        other.load_weights(path)
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing half-loaded


def test_count_mismatch_and_skip_mismatch(tmp_path):
    path = tmp_path / "w.weights.h5"
    source = _mlp(use_bias=False)
    source.save_weights(path)
    target = _mlp(use_bias=True)
    with pytest.raises(ValueError, match=r"expected 2 variables, but received 1"):
        target.load_weights(path)
    with pytest.warns(UserWarning, match="could not be loaded"):
        target.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(target.layers[0].kernel.numpy(), source.layers[0].kernel.numpy())


# --- .keras round trips ------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="test_saving")
class Residual(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = layers.Dense(units, activation="tanh")
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(x + self.inner(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@pytest.mark.parametrize("build", [_mlp, _functional_shared, _cnn, _rnn, _mha,
                                   lambda: _built(Residual(4))])
def test_keras_round_trip(tmp_path, build):
    model = build()
    x = _inputs(model) if hasattr(model, "inputs") and model.inputs else _x(3, 4)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert [i.filename for i in zf.infolist()] == ["metadata.json", "config.json",
                                                       "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        assert set(json.loads(zf.read("metadata.json"))) == {"keras_version", "date_saved"}
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_weights_from_keras_file(tmp_path):
    model, fresh = _cnn(), _cnn()
    model.save(tmp_path / "m.keras")
    fresh.load_weights(tmp_path / "m.keras")
    x = _x(2, 8, 8, 1)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras_file_objects(tmp_path):
    model, buffer = _mlp(), io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = keras.saving.load_model(buffer)
    x = _x(2, 4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def _built(model):
    model(np.zeros((1, 4), "float32"))
    return model


def _fit_model():
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    return model


def test_resume_after_load_equals_never_stopping(tmp_path):
    x, y = _x(32, 4), _x(32, 1)
    straight = _fit_model()
    straight.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    first = _fit_model()
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = keras.models.load_model(tmp_path / "half.keras")
    assert resumed.compiled and type(resumed.optimizer).__name__ == "Adam"
    assert int(resumed.optimizer.iterations.numpy()) == 8
    resumed.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    for a, b in zip(straight.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_load_without_compile(tmp_path):
    model = _fit_model()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    assert not loaded.compiled


# --- atomic saves ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
def test_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch, name):
    path = tmp_path / name
    model = _mlp()
    (model.save if name.endswith(".keras") else model.save_weights)(path)
    old = path.read_bytes()
    real_write = saving_lib.atomic_write

    def failing_write(filepath, write):
        def broken(f):
            f.write(b"partial data")
            raise OSError("disk full")
        real_write(filepath, broken)
    monkeypatch.setattr(saving_lib, "atomic_write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        (model.save if name.endswith(".keras") else model.save_weights)(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == [name]


def test_saved_file_gets_normal_permissions(tmp_path):
    path = tmp_path / "m.weights.h5"
    _mlp().save_weights(path)
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(path, 0o640)
    _mlp().save_weights(path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_failure_while_serializing_leaves_no_file(tmp_path, monkeypatch):
    def boom(model):
        raise RuntimeError("interrupted")
    monkeypatch.setattr(saving_lib, "weights_to_bytes", boom)
    with pytest.raises(RuntimeError):
        _mlp().save(tmp_path / "m.keras")
    assert os.listdir(tmp_path) == []


# --- hostile HDF5 files ------------------------------------------------------------------
def _weights_file(tmp_path, edit):
    """A valid weights file of `_mlp()` with `edit(h5py.File)` applied to it."""
    path = tmp_path / "evil.weights.h5"
    _mlp().save_weights(path)
    with h5py.File(path, "a") as f:
        edit(f)
    return path


def _replace(f, path, make):
    del f[path]
    make(f, path)


ATTACKS = {
    "external link": (lambda f: _replace(f, "layers/dense/vars/0", lambda f, p: f.__setitem__(
        p, h5py.ExternalLink("/etc/passwd", "/x"))), "ExternalLink"),
    "soft link": (lambda f: _replace(f, "layers/dense/vars/0", lambda f, p: f.__setitem__(
        p, h5py.SoftLink("/layers/dense/vars/1"))), "SoftLink"),
    "external dataset": (lambda f: _replace(f, "layers/dense/vars/0", lambda f, p: f.create_dataset(
        p, shape=(4, 3), dtype="f4", external=[(os.path.abspath(__file__), 0, 48)])),
        "external dataset"),
    "huge shape": (lambda f: _replace(f, "layers/dense/vars/0", lambda f, p: f.create_dataset(
        p, shape=(1 << 16, 1 << 16), dtype="f4", chunks=(1, 1024), compression="gzip")),
        "allocation bomb"),
    "many medium datasets": (lambda f: [f.create_dataset(
        f"pad/{i}", shape=(1 << 18,), dtype="f4", chunks=(1 << 12,), compression="gzip")
        for i in range(40)], "in total"),
    "string dataset": (lambda f: _replace(f, "layers/dense/vars/1", lambda f, p: f.create_dataset(
        p, data=["a", "b", "c"], dtype=h5py.string_dtype())), "non-numeric"),
    "object reference": (lambda f: _replace(f, "layers/dense/vars/1", lambda f, p: f.create_dataset(
        p, data=[f["vars"].ref] * 3, dtype=h5py.ref_dtype)), "non-numeric"),
    "hard-link cycle": (lambda f: f["layers/dense"].__setitem__("loop", f["layers"]),
                        "linked more than once"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_weights_file_is_refused(tmp_path, attack):
    edit, message = ATTACKS[attack]
    path = _weights_file(tmp_path, edit)
    model = _mlp()
    before = model.get_weights()
    with pytest.raises(ValueError, match=message) as info:
        model.load_weights(path)
    assert "Not allowed" in str(info.value)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_virtual_dataset_is_refused(tmp_path):
    source = tmp_path / "src.h5"
    with h5py.File(source, "w") as f:
        f["data"] = np.ones((4, 3), "f4")

    def edit(f):
        layout = h5py.VirtualLayout(shape=(4, 3), dtype="f4")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(4, 3))
        del f["layers/dense/vars/0"]
        f.create_virtual_dataset("layers/dense/vars/0", layout)
    with pytest.raises(ValueError, match="virtual dataset at '/layers/dense/vars/0'"):
        _mlp().load_weights(_weights_file(tmp_path, edit))


def test_guard_names_path_and_rejects_garbage(tmp_path):
    bad = tmp_path / "junk.weights.h5"
    bad.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(ValueError, match="Could not open"):
        _mlp().load_weights(bad)
    with pytest.raises(ValueError, match="at '/layers/dense/vars/0'"):
        h5_guard.open_h5(_weights_file(tmp_path, ATTACKS["soft link"][0]))


def test_read_attr_accepts_text_and_numbers_only(tmp_path):
    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential"})
        f.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
        f.attrs["ref"] = f.ref
    with h5_guard.open_h5(path) as f:
        assert json.loads(h5_guard.read_attr(f, "model_config")) == {"class_name": "Sequential"}
        assert list(h5_guard.read_attr(f, "weight_names")) == [b"dense/kernel:0", b"dense/bias:0"]
        with pytest.raises(ValueError, match="Not allowed"):
            h5_guard.read_attr(f, "ref")
        with pytest.raises(ValueError, match="declares"):
            h5_guard.read_attr(f, "weight_names", max_bytes=8)


# --- hostile .keras zips ----------------------------------------------------------------
def _valid_members(tmp_path):
    path = tmp_path / "ok.keras"
    _mlp().save(path)
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("name,message", [
    ("../escape.txt", "absolute or parent path"),
    ("/abs/escape.txt", "absolute or parent path"),
    ("assets/../../escape.txt", "absolute or parent path"),
    ("payload.pkl", "unexpected member"),
])
def test_zip_member_names_are_checked(tmp_path, name, message):
    members = _valid_members(tmp_path)
    members[name] = b"evil"
    (tmp_path / "sub").mkdir()
    path = _zip(tmp_path / "sub" / "evil.keras", members)
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)
    assert not (tmp_path / "escape.txt").exists()
    assert sorted(os.listdir(tmp_path / "sub")) == ["evil.keras"]


def test_zip_bomb_is_refused_before_reading(tmp_path, monkeypatch):
    members = _valid_members(tmp_path)
    members["assets/zeros.bin"] = b"\0" * (40 << 20)
    path = _zip(tmp_path / "bomb.keras", members, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < (1 << 20)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("member was read"))
    with pytest.raises(ValueError, match="decompression bomb"):
        keras.models.load_model(path)


def test_weights_member_attack_inside_keras_zip(tmp_path):
    members = _valid_members(tmp_path)
    evil = _weights_file(tmp_path, ATTACKS["external link"][0])
    members["model.weights.h5"] = evil.read_bytes()
    with pytest.raises(ValueError, match="ExternalLink"):
        keras.models.load_model(_zip(tmp_path / "evil.keras", members))


@pytest.mark.parametrize("config", [
    {"module": "os", "class_name": "system", "config": {"command": "touch {marker}"}},
    {"module": "builtins", "class_name": "eval", "config": {"source": "open('{marker}','w')"}},
    {"module": "keras.utils", "class_name": "get_file",
     "config": {"fname": "{marker}", "origin": "file:///etc/hostname"}},
    {"module": "subprocess", "class_name": "Popen", "config": {"args": ["touch", "{marker}"]}},
])
def test_config_naming_forbidden_callables_is_refused(tmp_path, config):
    marker = str(tmp_path / "pwned")
    members = _valid_members(tmp_path)
    members["config.json"] = json.dumps(config).replace("{marker}", marker)
    with pytest.raises(ValueError):
        keras.models.load_model(_zip(tmp_path / "evil.keras", members))
    assert not os.path.exists(marker)
    assert not os.path.exists(os.path.expanduser(f"~/.keras/datasets/{marker}"))


def test_not_a_zip_and_missing_file(tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(ValueError, match="Not a valid `.keras` file"):
        keras.models.load_model(tmp_path / "junk.keras")
    with pytest.raises(ValueError, match="File not found"):
        keras.models.load_model(tmp_path / "missing.keras")


def test_mutated_files_load_or_raise_value_error(tmp_path):
    """A small fuzz: damaged members, re-zipped correctly, load or raise ValueError only."""
    members = _valid_members(tmp_path)
    rng = np.random.default_rng(5)
    for trial in range(200):
        mutated = dict(members)
        name = ["config.json", "model.weights.h5"][trial % 2]
        data = bytearray(mutated[name])
        for _ in range(int(rng.integers(1, 8))):
            data[int(rng.integers(len(data)))] = int(rng.integers(256))
        if trial % 5 == 0:
            data = data[:int(rng.integers(len(data)))]
        mutated[name] = bytes(data)
        path = _zip(tmp_path / f"f{trial}.keras", mutated)
        try:
            keras.models.load_model(path)
        except ValueError:
            pass


def test_config_declaring_huge_weights_is_refused_before_allocating(tmp_path):
    """A config may declare Dense(units=10**9): the loader refuses to allocate far beyond the
    weights the file holds, instead of exhausting memory."""
    import json
    import zipfile
    import minikeras as mk
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][-1]["config"]["units"] = 10 ** 9
    members["config.json"] = json.dumps(config).encode()
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="declares more weights than its file holds"):
        mk.models.load_model(bomb)
    assert mk.models.load_model(path).count_params() == 10  # the honest file still loads


def test_h5_guard_reads_empty_attributes(tmp_path):
    """Keras writes `weight_names = []` for every weightless layer of a legacy .h5."""
    import h5py
    from minikeras.saving import h5_guard
    path = tmp_path / "a.h5"
    with h5py.File(path, "w") as f:
        f.create_group("g").attrs["weight_names"] = np.array([], dtype="S1")
    with h5_guard.open_h5(str(path)) as f:
        assert len(h5_guard.read_attr(f["g"], "weight_names")) == 0


def test_adapted_text_vectorization_vocabulary_travels_as_an_asset(tmp_path):
    import zipfile
    import minikeras as mk
    texts = np.array(["the cat sat", "the dog ran far away", "a cat", "dogs ran"])
    tv = mk.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    tv.adapt(texts)
    inp = mk.Input(shape=(1,), dtype="string")
    model = mk.Model(inp, mk.layers.Dense(1)(mk.layers.GlobalAveragePooling1D()(
        mk.layers.Embedding(20, 4)(tv(inp)))))
    model.save(tmp_path / "tv.keras")
    assert "assets/layers/text_vectorization/vocabulary.txt" in zipfile.ZipFile(tmp_path / "tv.keras").namelist()
    loaded = mk.models.load_model(tmp_path / "tv.keras")
    assert loaded.layers[1].get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_allclose(loaded.predict(texts[:, None], verbose=0),
                               model.predict(texts[:, None], verbose=0))
