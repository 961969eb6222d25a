"""The seed documents' Keras snippets run unchanged with `keras` resolved to minikeras."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(__file__)
SCRIPTS = sorted(f for f in os.listdir(os.path.join(HERE, "scripts")) if f.startswith(("seed_", "legacy_")) and f.endswith(".py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_seed_script_runs_unchanged(script):
    code = ("import minikeras, runpy, sys; minikeras.install(); "
            f"runpy.run_path({os.path.join(HERE, 'scripts', script)!r}, run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{script[:-3]} ok" in proc.stdout


def test_tensorflow_stand_in_names_what_is_missing():
    code = "import minikeras; minikeras.install(); import tensorflow as tf; tf.lite"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "tf.lite" in proc.stderr and "not" in proc.stderr
