"""What Keras's repository-level conftest.py gives its tests (`from conftest import skip_if_backend`)."""
import pytest

from keras_suite.backend_shim import backend


def skip_if_backend(given_backend, reason):
    return pytest.mark.skipif(backend() == given_backend, reason=reason)
