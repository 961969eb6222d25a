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
