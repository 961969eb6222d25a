"""The seed-snippet scripts also run under real Keras 3 (tf.keras given as Keras 3's tf_keras namespace, as TF >= 2.16 does),
so minikeras never teaches code that real Keras rejects."""
import os
import subprocess
import sys

import pytest

SCRIPTS_DIR = os.path.join(os.path.dirname(__file__), "..", "scripts")
SCRIPTS = sorted(f for f in os.listdir(SCRIPTS_DIR) if f.startswith("seed_") and f.endswith(".py"))
RUN_WITH_KERAS = (  # what TensorFlow >= 2.16 does: tf.keras is Keras 3's tf_keras namespace
    "import sys, types, runpy; from keras._tf_keras import keras as tfk; "
    "tf = types.ModuleType('tensorflow'); tf.keras = tfk; sys.modules['tensorflow'] = tf; "
    "sys.modules['tensorflow.keras'] = tfk; runpy.run_path(sys.argv[1], run_name='__main__')")


@pytest.mark.parametrize("script", SCRIPTS)
def test_seed_script_runs_under_real_keras(keras, script):
    env = dict(os.environ, KERAS_BACKEND="jax")
    proc = subprocess.run([sys.executable, "-c", RUN_WITH_KERAS, os.path.join(SCRIPTS_DIR, script)],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{script[:-3]} ok" in proc.stdout


def test_real_keras3_jax_has_no_legacy_k_sigmoid(keras):
    """Why legacy_backend.py runs only under minikeras (docs/differences.md says so)."""
    assert not hasattr(keras.backend, "sigmoid")
