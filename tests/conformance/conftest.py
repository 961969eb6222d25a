"""Conformance tests compare minikeras with real Keras 3 (JAX backend, CPU).

Locally they skip when Keras is not installed; in CI (CI=true) a missing Keras is a failure.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402

from conformance_helpers import require_oracle  # noqa: E402

try:
    import keras as _real_keras  # noqa: E402
except ImportError:  # pragma: no cover - depends on the machine
    _real_keras = None
try:
    import tensorflow as _real_tf  # noqa: E402
except ImportError:  # pragma: no cover - depends on the machine
    _real_tf = None


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 module (the oracle)."""
    require_oracle(_real_keras, "real Keras 3")
    assert _real_keras.backend.backend() == "jax", _real_keras.backend.backend()
    return _real_keras


@pytest.fixture(scope="session")
def tf():
    """Real TensorFlow, the oracle of the `tf` stand-in (tf.data and the tf.* functions)."""
    return require_oracle(_real_tf, "real TensorFlow")
