"""The last public names of Keras 3.15 against real Keras: initializers.STFT,
utils.legacy serialization, utils.audio_dataset_from_directory, saving.KerasFileEditor."""
import numpy as np
import pytest

import minikeras

# --- initializers.STFT ---------------------------------------------------------------------
STFT_CASES = [
    ("real", "hann", "density", False, (64, 1, 33)),
    ("imag", "hann", "density", True, (64, 1, 33)),
    ("real", "hamming", None, True, (256, 1, 513)),
    ("imag", "tukey", "density", False, (256, 1, 513)),
    ("real", "blackman", "spectrum", False, (31, 1, 17)),
    ("imag", "bartlett", "spectrum", True, (20, 1, 16)),
    ("real", "triang", "density", False, (15, 1, 9)),
    ("real", "triang", None, True, (16, 1, 9)),
    ("imag", None, "density", False, (12, 1, 7)),
    ("real", [float(i) for i in range(1, 17)], "spectrum", False, (16, 1, 9)),
]


@pytest.mark.parametrize("side, window, scaling, periodic, shape", STFT_CASES)
def test_stft_initializer_matches_keras(keras, side, window, scaling, periodic, shape):
    expected = np.asarray(keras.initializers.STFT(side, window, scaling, periodic)(shape))
    ours = minikeras.initializers.STFT(side, window, scaling, periodic)(shape)
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, atol=2e-6, rtol=1e-5)


def test_stft_config_round_trips_through_keras(keras):
    ours = minikeras.initializers.STFT("imag", "hamming", "spectrum", True)
    theirs = keras.initializers.STFT("imag", "hamming", "spectrum", True)
    assert minikeras.initializers.serialize(ours) == keras.initializers.serialize(theirs)
    from_ours = keras.initializers.deserialize(minikeras.initializers.serialize(ours))
    np.testing.assert_allclose(np.asarray(from_ours((16, 1, 9))), ours((16, 1, 9)), atol=1e-6)
    assert isinstance(minikeras.initializers.get("STFTInitializer"), minikeras.initializers.STFT)


# --- utils.audio_dataset_from_directory ------------------------------------------------------
def _audio_tree(root):
    import wave
    rng = np.random.RandomState(0)
    for c, name in enumerate(["dog", "cat", "bird"]):
        for i in range(3):
            n, channels = 20 + 11 * i + 5 * c, 2
            samples = rng.randint(-32768, 32767, size=(n, channels)).astype("<i2")
            (root / name).mkdir(parents=True, exist_ok=True)
            with wave.open(str(root / name / f"{i}.wav"), "wb") as f:
                f.setnchannels(channels)
                f.setsampwidth(2)
                f.setframerate(8000)
                f.writeframes(samples.tobytes())
    return root


def _batches(ds):
    return [tuple(np.asarray(t) for t in (b if isinstance(b, tuple) else (b,))) for b in ds]


@pytest.mark.parametrize("kwargs", [
    {"batch_size": 4},
    {"batch_size": 3, "output_sequence_length": 30, "label_mode": "categorical"},
    {"batch_size": 2, "output_sequence_length": 50, "class_names": ["cat", "dog"]},
    {"batch_size": None, "label_mode": None},
    {"batch_size": 5, "validation_split": 0.3, "subset": "validation", "seed": 7},
])
def test_audio_dataset_matches_keras(keras, tf, tmp_path, kwargs):
    from keras.src.utils.audio_dataset_utils import audio_dataset_from_directory
    root = _audio_tree(tmp_path)
    kwargs = {"shuffle": False, "verbose": False, **kwargs}
    if "validation_split" in kwargs:
        kwargs["shuffle"] = True  # a split needs shuffle; Keras's tf.data shuffle order is TF's own
        ours = minikeras.utils.audio_dataset_from_directory(root, **kwargs)
        theirs = audio_dataset_from_directory(str(root), **kwargs)
        assert ours.class_names == theirs.class_names
        ours_all = [a for b in _batches(ours) for a in zip(*b)]
        theirs_all = [a for b in _batches(theirs) for a in zip(*b)]
        key = lambda pair: (int(pair[1]), pair[0].tobytes())  # noqa: E731
        for (a, la), (b, lb) in zip(sorted(ours_all, key=key), sorted(theirs_all, key=key)):
            assert la == lb and a.shape[1:] == b.shape[1:]
        return
    ours = minikeras.utils.audio_dataset_from_directory(root, **kwargs)
    theirs = audio_dataset_from_directory(str(root), **kwargs)
    assert ours.class_names == theirs.class_names
    ours_b, theirs_b = _batches(ours), _batches(theirs)
    assert len(ours_b) == len(theirs_b)
    for mine, ref in zip(ours_b, theirs_b):
        for a, b in zip(mine, ref):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_audio_dataset_errors_match_keras(keras, tf, tmp_path):
    from keras.src.utils.audio_dataset_utils import audio_dataset_from_directory
    root = _audio_tree(tmp_path)
    for kwargs in ({"sampling_rate": 0}, {"sampling_rate": 1.5}, {"ragged": True,
                   "output_sequence_length": 4}, {"label_mode": "binary"}):
        with pytest.raises(ValueError) as ours:
            minikeras.utils.audio_dataset_from_directory(root, verbose=False, **kwargs)
        with pytest.raises(ValueError) as theirs:
            audio_dataset_from_directory(str(root), verbose=False, **kwargs)
        assert str(ours.value) == str(theirs.value)


# --- saving.KerasFileEditor ------------------------------------------------------------------
def _flat(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = np.asarray(value)
    return out


def _stack(lib, hidden):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(hidden),
                           lib.layers.LayerNormalization(), lib.layers.Dense(2)])


def test_file_editor_reads_what_keras_reads(keras, tmp_path):
    from keras.src.saving.file_editor import KerasFileEditor as TheirEditor
    model = _stack(keras, 5)
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4)), np.ones((4, 2)), verbose=0)
    model.save(tmp_path / "k.keras")
    ours = minikeras.saving.KerasFileEditor(str(tmp_path / "k.keras"))
    theirs = TheirEditor(str(tmp_path / "k.keras"))
    a, b = _flat(ours.weights_dict), _flat(theirs.weights_dict)
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert ours.config == theirs.config and ours.metadata == theirs.metadata


def test_file_editor_output_loads_in_keras_and_minikeras(keras, tmp_path):
    """Widen the first Dense of a minikeras file from 3 to 5 units with the editor; the new
    file loads into the 5-unit model in both libraries with the edited values."""
    _stack(minikeras, 3).save(tmp_path / "m.keras")
    editor = minikeras.saving.KerasFileEditor(str(tmp_path / "m.keras"))
    kernel = np.arange(20, dtype="float32").reshape(4, 5) / 10
    editor.delete_weight("layers/dense", "0")
    editor.add_weights("layers/dense", {"0": kernel, "1": np.full(5, 0.5, "float32")})
    gamma = np.linspace(1, 2, 5).astype("float32")
    editor.delete_object("layer_normalization")
    editor.add_object("layers/layer_normalization", {"0": gamma, "1": np.zeros(5, "float32")})
    editor.add_weights("dense_1", {"0": np.ones((5, 2), "float32")})
    wide_ours, wide_theirs = _stack(minikeras, 5), _stack(keras, 5)
    assert editor.compare(wide_ours)["status"] == "success"
    editor.save(tmp_path / "wide.weights.h5")
    wide_ours.load_weights(tmp_path / "wide.weights.h5")
    wide_theirs.load_weights(tmp_path / "wide.weights.h5")
    x = np.random.RandomState(0).rand(3, 4).astype("float32")
    np.testing.assert_allclose(np.asarray(wide_ours(x)), np.asarray(wide_theirs(x)), atol=1e-5)
    np.testing.assert_array_equal(wide_theirs.layers[0].kernel.numpy(), kernel)
    np.testing.assert_array_equal(wide_ours.layers[1].gamma.numpy(), gamma)


# --- utils.legacy ----------------------------------------------------------------------------
LEGACY_OBJECTS = [
    lambda k: k.layers.Dense(3, activation="relu", kernel_regularizer=k.regularizers.L2(0.1), name="d"),
    lambda k: k.layers.Dropout(0.3, seed=2, name="drop"),
    lambda k: k.layers.Conv2D(4, 3, padding="same", kernel_constraint=k.constraints.MaxNorm(2),
                               name="c"),
    lambda k: k.layers.LSTM(5, return_sequences=True, name="l"),
    lambda k: k.layers.Embedding(10, 4, mask_zero=True, name="e"),
    lambda k: k.losses.MeanSquaredError(),
    lambda k: k.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    lambda k: k.metrics.AUC(num_thresholds=50),
    lambda k: k.metrics.SparseCategoricalAccuracy(),
    lambda k: k.optimizers.Adam(0.01, name="a"),
    lambda k: k.optimizers.SGD(momentum=0.9, nesterov=True, name="s"),
    lambda k: k.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
    lambda k: k.initializers.GlorotUniform(seed=1),
    lambda k: k.initializers.STFT("imag", "hamming"),
    lambda k: k.regularizers.L1L2(0.01, 0.02),
    lambda k: k.constraints.MinMaxNorm(0.5, 2.0),
    lambda k: k.activations.relu,
    lambda k: k.losses.mean_squared_error,
    lambda k: k.layers.BatchNormalization(momentum=0.9, name="bn"),
    lambda k: k.Sequential([k.Input((2,), name="x"), k.layers.Dense(1, name="d")], name="seq"),
    lambda k: None,
]


@pytest.mark.parametrize("make", LEGACY_OBJECTS)
def test_legacy_serialize_matches_keras(keras, make):
    # Compared as the JSON they become (Keras keeps a Sequential's batch_shape a tuple); every
    # object is named, since Keras and minikeras number default names after different histories.
    import json
    ours = minikeras.utils.legacy.serialize_keras_object(make(minikeras))
    theirs = keras.utils.legacy.serialize_keras_object(make(keras))
    ours, theirs = json.loads(json.dumps(ours)), json.loads(json.dumps(theirs))
    assert ours == theirs


def _holder_class(lib):
    """A user object whose get_config returns live objects (passive serialization)."""
    class Holder:
        def __init__(self, initializer, activation, size=2):
            self.initializer, self.activation, self.size = initializer, activation, size

        def get_config(self):
            return {"initializer": self.initializer, "activation": self.activation,
                    "size": self.size}

        @classmethod
        def from_config(cls, config):
            return cls(**config)
    return Holder


def test_legacy_passive_serialization_matches_keras(keras):
    outputs = []
    for lib in (minikeras, keras):
        holder = _holder_class(lib)(lib.initializers.Orthogonal(gain=2.0), lib.activations.tanh)
        outputs.append(lib.utils.legacy.serialize_keras_object(holder))
    assert outputs[0] == outputs[1]
    assert outputs[0]["config"]["initializer"]["__passive_serialization__"] is True
    assert outputs[0]["config"]["activation"] == "tanh"


@pytest.mark.parametrize("config", [
    {"class_name": "Dense", "config": {"units": 3, "activation": "relu", "use_bias": False,
                                       "kernel_initializer": {"class_name": "Ones", "config": {}}}},
    {"class_name": "MeanSquaredError", "config": {"name": "mse_loss"}},
    {"class_name": "Adam", "config": {"learning_rate": 0.02, "beta_1": 0.8}},
])
def test_legacy_deserialize_matches_keras(keras, config):
    import copy
    tables = {}
    for lib in (minikeras, keras):
        tables[lib] = {"Dense": lib.layers.Dense, "MeanSquaredError": lib.losses.MeanSquaredError,
                       "Adam": lib.optimizers.Adam, "Ones": lib.initializers.Ones,
                       "relu": lib.activations.relu}
    ours = minikeras.utils.legacy.deserialize_keras_object(copy.deepcopy(config),
                                                           module_objects=tables[minikeras])
    theirs = keras.utils.legacy.deserialize_keras_object(copy.deepcopy(config),
                                                         module_objects=tables[keras])
    assert type(ours).__name__ == type(theirs).__name__
    a, b = ours.get_config(), theirs.get_config()
    for key in ("name",):
        a.pop(key, None), b.pop(key, None)
    assert keras.utils.legacy.serialize_keras_object(theirs)["class_name"] == \
        minikeras.utils.legacy.serialize_keras_object(ours)["class_name"]
    assert {k: v for k, v in a.items() if k in b} == {k: v for k, v in b.items() if k in a}
