"""The last public names of Keras 3.15 minikeras gained: initializers.STFT, utils.legacy,
utils.audio_dataset_from_directory, saving.KerasFileEditor."""
import numpy as np
import pytest

import minikeras
from minikeras import initializers

# --- initializers.STFT ---------------------------------------------------------------------
SHAPE = (256, 1, 513)
TIME = np.arange(256).reshape((-1, 1, 1))
FREQ = (np.arange(513) / 1024.0).reshape((1, 1, -1))
ARGS = -2 * np.arccos(np.float32(-1)) * TIME * FREQ


def test_stft_without_window_is_the_dft_basis():
    np.testing.assert_allclose(initializers.STFT("real", None)(SHAPE), np.cos(ARGS), atol=1e-4)
    np.testing.assert_allclose(initializers.STFT("imag", None)(SHAPE), np.sin(ARGS), atol=1e-4)


def test_stft_window_and_scaling():
    win = np.arange(1, 257, dtype="float32").reshape((-1, 1, 1))
    values = initializers.STFT("imag", list(range(1, 257)), "spectrum")(SHAPE, "float32")
    np.testing.assert_allclose(values, np.sin(ARGS) * win / win.sum(), atol=1e-4, rtol=1e-6)
    values = initializers.STFT("real", list(range(1, 257)), "density")(SHAPE)
    np.testing.assert_allclose(values, np.cos(ARGS) * win / np.sqrt((win ** 2).sum()), atol=1e-4)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(256) / 256)  # periodic Hann
    values = initializers.STFT("real", "hann", None, True)(SHAPE)
    np.testing.assert_allclose(values, np.cos(ARGS) * hann.reshape(-1, 1, 1), atol=1e-4)


def test_stft_errors_and_names():
    with pytest.raises(ValueError):
        initializers.STFT("imaginary")
    with pytest.raises(ValueError):
        initializers.STFT("real", scaling="l2")
    with pytest.raises(ValueError):
        initializers.STFT("real", window="unknown")
    with pytest.raises(ValueError, match="frame_length"):
        initializers.STFT("real", window=[1.0, 2.0])((4, 1, 3))
    for name in ("STFT", "STFTInitializer", "stft"):
        assert isinstance(initializers.get(name), initializers.STFT)
    assert initializers.STFTInitializer is initializers.stft is initializers.STFT


def test_stft_config_round_trip():
    init = initializers.STFT("imag", "hamming", "spectrum", True)
    config = initializers.serialize(init)
    assert config == {"module": "keras.initializers", "class_name": "STFT", "registered_name": None,
                      "config": {"side": "imag", "window": "hamming", "periodic": True,
                                 "scaling": "spectrum"}}
    again = initializers.deserialize(config)
    np.testing.assert_array_equal(again((32, 1, 17)), init((32, 1, 17)))


def test_stft_spectrogram_kernels_come_from_the_initializer():
    layer = minikeras.layers.STFTSpectrogram(mode="stft", frame_length=32, window="tukey",
                                             scaling="spectrum", periodic=True)
    layer.build((None, 100, 1))
    np.testing.assert_array_equal(layer.real_kernel.numpy(),
                                  initializers.STFT("real", "tukey", "spectrum", True)((32, 1, 17)))
    np.testing.assert_array_equal(layer.imag_kernel.numpy(),
                                  initializers.STFT("imag", "tukey", "spectrum", True)((32, 1, 17)))


# --- utils.audio_dataset_from_directory ------------------------------------------------------
def write_wav(path, samples, rate=16000):
    """int16 samples (n,) or (n, channels) -> a 16-bit PCM .wav file."""
    import wave
    samples = np.asarray(samples, dtype="<i2")
    samples = samples.reshape(len(samples), -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.tobytes())


def make_audio_tree(root, channels=1):
    """class_a: lengths 5, 9, 3; class_b: lengths 7, 4; sample values encode file and position."""
    lengths = {"class_a": [5, 9, 3], "class_b": [7, 4]}
    for c, (name, ls) in enumerate(lengths.items()):
        for i, n in enumerate(ls):
            values = (np.arange(n)[:, None] * 100 + 1000 * (3 * c + i + 1)
                      + np.arange(channels) * 7) * (-1) ** i
            write_wav(root / name / f"{i}.wav", values)
    return root


def test_audio_dataset_pads_each_batch_to_its_longest_file(tmp_path):
    root = make_audio_tree(tmp_path)
    ds = minikeras.utils.audio_dataset_from_directory(root, batch_size=2, shuffle=False)
    assert ds.class_names == ["class_a", "class_b"]
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(2, 9, 1), (2, 7, 1), (1, 4, 1)]
    audio, labels = batches[0]
    assert audio.dtype == np.float32 and labels.dtype == np.int32
    np.testing.assert_array_equal(labels, [0, 0])
    np.testing.assert_allclose(audio[0, :5, 0], (np.arange(5) * 100 + 1000) / 32768.0)
    np.testing.assert_array_equal(audio[0, 5:, 0], 0.0)  # zero padding
    np.testing.assert_allclose(audio[1, :, 0], -(np.arange(9) * 100 + 2000) / 32768.0)


def test_audio_dataset_output_sequence_length_and_label_modes(tmp_path):
    root = make_audio_tree(tmp_path, channels=2)
    ds = minikeras.utils.audio_dataset_from_directory(
        root, batch_size=8, shuffle=False, output_sequence_length=6, label_mode="categorical")
    audio, labels = next(iter(ds))
    assert audio.shape == (5, 6, 2)
    np.testing.assert_array_equal(labels, [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]])
    np.testing.assert_allclose(audio[1, :, 1], -(np.arange(6) * 100 + 2007) / 32768.0)  # cut
    np.testing.assert_array_equal(audio[2, 3:], 0.0)  # padded
    only = minikeras.utils.audio_dataset_from_directory(root, label_mode=None, batch_size=None,
                                                        shuffle=False)
    assert next(iter(only)).shape == (5, 2)
    train, val = minikeras.utils.audio_dataset_from_directory(
        root, validation_split=0.4, subset="both", seed=3, label_mode="binary")
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert next(iter(val))[1].shape == (2, 1)


def test_audio_dataset_refusals(tmp_path):
    root = make_audio_tree(tmp_path)
    audio_ds = minikeras.utils.audio_dataset_from_directory
    with pytest.raises(ImportError, match="tensorflow_io"):
        audio_ds(root, sampling_rate=8000)
    with pytest.raises(ValueError, match="integer"):
        audio_ds(root, sampling_rate=8000.5)
    with pytest.raises(ValueError, match="higher than 0"):
        audio_ds(root, sampling_rate=0)
    with pytest.raises(ValueError, match="Cannot set both"):
        audio_ds(root, ragged=True, output_sequence_length=3)
    with pytest.raises(NotImplementedError, match="ragged"):
        audio_ds(root, ragged=True)
    with pytest.raises(ValueError, match="audio samples"):
        audio_ds(root, labels="class_a")
    with pytest.raises(ValueError, match="No audio files found"):
        audio_ds(root / "class_a")  # files but no class subfolders


# --- saving.KerasFileEditor ------------------------------------------------------------------
def _two_dense(hidden=3):
    inputs = minikeras.Input((2,))
    x = minikeras.layers.Dense(hidden, name="mydense")(inputs)
    return minikeras.Model(inputs, minikeras.layers.Dense(3, name="out")(x))


def _three_dense():
    inputs = minikeras.Input((2,))
    x = minikeras.layers.Dense(3, name="mydense")(inputs)
    x = minikeras.layers.Dense(3, name="middle")(x)
    return minikeras.Model(inputs, minikeras.layers.Dense(3, name="out")(x))


def test_file_editor_edits_a_keras_file_into_new_weights(tmp_path, capsys):
    from minikeras.saving import KerasFileEditor
    source = _two_dense()
    source.save(tmp_path / "m.keras")
    editor = KerasFileEditor(str(tmp_path / "m.keras"))
    assert editor.metadata["keras_version"] and editor.config["class_name"] == "Functional"
    assert sorted(editor.weights_dict["layers"]) == ["dense", "dense_1"]
    np.testing.assert_array_equal(editor.weights_dict["layers"]["dense"]["0"],
                                  source.layers[1].kernel.numpy())
    editor.summary()
    assert "dense_1 ('out')" in capsys.readouterr().out
    assert editor.compare(source) == {"status": "success", "error_count": 0, "match_count": 4}
    target = _three_dense()
    assert editor.compare(target)["status"] == "error"
    # the new middle layer: dense_1 is now the middle layer, the old output becomes dense_2
    editor.rename_object("dense_1", "dense_2")
    middle = np.arange(9, dtype="float32").reshape(3, 3)
    editor.add_object("layers/dense_1", {"0": middle})
    result = editor.compare(target)
    assert result["status"] == "error" and result["error_count"] == 1  # the missing bias
    editor.add_weights("layers/dense_1", {"1": np.ones(3, "float32")})
    assert editor.compare(target)["status"] == "success"
    editor.save(tmp_path / "edited.weights.h5")
    target.load_weights(tmp_path / "edited.weights.h5")
    np.testing.assert_array_equal(target.get_layer("middle").kernel.numpy(), middle)
    np.testing.assert_array_equal(target.get_layer("out").kernel.numpy(),
                                  source.get_layer("out").kernel.numpy())


def test_file_editor_errors(tmp_path):
    from minikeras.saving import KerasFileEditor
    _two_dense().save_weights(tmp_path / "w.weights.h5")
    editor = KerasFileEditor(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="more than once"):
        editor.delete_weight("0", "x")
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("nothing")
    with pytest.raises(ValueError, match="not found in model"):
        editor.rename_object("layers/nothing", "x")
    with pytest.raises(ValueError, match="leaf name"):
        editor.rename_object("dense", "layers/x")
    with pytest.raises(ValueError, match="Weight 7 not found"):
        editor.delete_weight("layers/dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [np.ones(3)])
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        editor.save(tmp_path / "x.h5")
    with pytest.raises(ValueError, match="Invalid filename"):
        KerasFileEditor(str(tmp_path / "w.h5"))
    (tmp_path / "bad.weights.h5").write_bytes(b"not an hdf5 file")
    with pytest.raises(ValueError):
        KerasFileEditor(str(tmp_path / "bad.weights.h5"))
    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ValueError):
        KerasFileEditor(str(tmp_path / "bad.keras"))


def test_file_editor_refuses_links_and_string_data(tmp_path):
    import h5py
    from minikeras.saving import KerasFileEditor
    with h5py.File(tmp_path / "soft.weights.h5", "w") as f:
        f.create_group("real").create_dataset("0", data=np.zeros(1))
        f["layers"] = h5py.SoftLink("/real")
    with pytest.raises(ValueError, match="SoftLink"):
        KerasFileEditor(str(tmp_path / "soft.weights.h5"))
    with h5py.File(tmp_path / "text.weights.h5", "w") as f:
        f.create_group("layers/dense/vars").create_dataset("0", data=np.array([b"x"], "S1"))
    with pytest.raises(ValueError, match="non-numeric"):
        KerasFileEditor(str(tmp_path / "text.weights.h5"))


# --- utils.legacy ----------------------------------------------------------------------------
def test_legacy_serialize_format():
    legacy = minikeras.utils.legacy
    layer = minikeras.layers.Dense(3, activation="tanh", name="d")
    out = legacy.serialize_keras_object(layer)
    assert set(out) == {"class_name", "config"} and out["class_name"] == "Dense"
    assert out["config"]["units"] == 3 and out["config"]["activation"] == "tanh"
    assert legacy.serialize_keras_object(minikeras.activations.relu) == "relu"
    assert legacy.serialize_keras_object(None) is None
    with pytest.raises(ValueError, match="get_config"):
        legacy.serialize_keras_object(3)


def test_legacy_round_trip_with_module_objects():
    legacy = minikeras.utils.legacy
    table = {"Dense": minikeras.layers.Dense, "Adam": minikeras.optimizers.Adam,
             "AUC": minikeras.metrics.AUC, "L1L2": minikeras.regularizers.L1L2,
             "relu": minikeras.activations.relu, "Ones": minikeras.initializers.Ones}
    for obj in (minikeras.layers.Dense(4, activation="relu", kernel_regularizer="l1l2"),
                minikeras.optimizers.Adam(0.02, beta_1=0.7), minikeras.metrics.AUC(curve="PR"),
                minikeras.regularizers.L1L2(0.1, 0.3)):
        again = legacy.deserialize_keras_object(legacy.serialize_keras_object(obj),
                                                module_objects=table)
        assert type(again) is type(obj) and again.get_config() == obj.get_config()
    assert legacy.deserialize_keras_object("relu", module_objects=table) is minikeras.activations.relu
    assert isinstance(legacy.deserialize_keras_object("Ones", module_objects=table),
                      minikeras.initializers.Ones)  # a class name gives an instance
    dense = legacy.deserialize_keras_object(
        {"class_name": "Dense", "config": {"units": 2, "kernel_initializer": {
            "class_name": "Ones", "config": {}, "__passive_serialization__": True}}},
        module_objects=table)
    np.testing.assert_array_equal(dense(np.ones((1, 3), "float32")), [[3.0, 3.0]])


def test_legacy_custom_objects_and_errors():
    legacy = minikeras.utils.legacy

    class Scale:
        def __init__(self, factor, fn=None):
            self.factor, self.fn = factor, fn

        def get_config(self):
            return {"factor": self.factor, "fn": self.fn}

    def double(x):
        return 2 * x

    out = legacy.serialize_keras_object(Scale(3, double))
    assert out == {"class_name": "Scale", "config": {"factor": 3, "fn": "double"}}
    again = legacy.deserialize_keras_object(out, custom_objects={"Scale": Scale, "double": double})
    assert again.factor == 3 and again.fn is double  # a function name in a config is resolved
    with pytest.raises(ValueError, match="Unknown object: 'Scale'"):
        legacy.deserialize_keras_object({"class_name": "Scale", "config": {}})
    with pytest.raises(ValueError, match="Unknown layer: 'nothing'"):
        legacy.deserialize_keras_object("nothing", module_objects={},
                                        printable_module_name="layer")
    with pytest.raises(ValueError, match="Improper config format"):
        legacy.deserialize_keras_object({"config": {}})
    with pytest.raises(ValueError, match="Could not interpret"):
        legacy.deserialize_keras_object(3)


def test_module_utils_tensorflow_is_the_stand_in():
    from minikeras.utils import module_utils
    import minikeras.tf
    assert module_utils.tensorflow.audio is minikeras.tf.audio
    assert module_utils.tensorflow.available
    if not module_utils.tensorflow_io.available:
        with pytest.raises(ImportError, match="pip install tensorflow-io"):
            module_utils.tensorflow_io.IOTensor
