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
