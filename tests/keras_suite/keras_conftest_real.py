"""Keras's repository conftest helper, for the baseline run on real Keras."""
import pytest

from keras.src.backend import backend


def skip_if_backend(given_backend, reason):
    return pytest.mark.skipif(backend() == given_backend, reason=reason)
