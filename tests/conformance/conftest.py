"""Conformance tests compare minikeras with real Keras 3 (JAX backend, CPU).

Locally they skip when Keras is not installed; in CI (CI=true) a missing Keras is a failure.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402

try:
    import keras as _real_keras  # noqa: E402
except ImportError:  # pragma: no cover - depends on the machine
    _real_keras = None


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 module (the oracle)."""
    if _real_keras is None:
        if os.environ.get("CI"):
            pytest.fail("real Keras 3 is required for conformance tests in CI")
        pytest.skip("real Keras 3 is not installed (pip install -e .[conformance])")
    assert _real_keras.backend.backend() == "jax", _real_keras.backend.backend()
    return _real_keras
