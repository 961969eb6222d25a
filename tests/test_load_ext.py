"""`%load_ext minikeras`: `import keras` in an IPython / Jupyter session gives minikeras.

Each case runs in a fresh interpreter, so the aliasing never leaks into this test session
(where the conformance tests may have imported the real Keras)."""
import importlib.util
import subprocess
import sys
import textwrap

STUB = """
import minikeras

class Shell:  # what IPython hands an extension; minikeras needs nothing from it
    user_ns = {}

minikeras.load_ipython_extension(Shell())
import keras
from keras.models import Sequential
import tensorflow as tf
from tensorflow.keras import layers
assert keras is minikeras and Sequential is minikeras.models.Sequential
assert tf.keras is minikeras and layers is minikeras.layers
minikeras.unload_ipython_extension(Shell())
assert "keras" not in sys.modules or sys.modules["keras"] is not minikeras
print("ok")
"""

IPYTHON = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "minikeras")
result = shell.run_cell(
    "import numpy as np\\n"
    "import keras\\n"
    "from tensorflow import keras as tf_keras\\n"
    "import minikeras\\n"
    "same = keras is minikeras and tf_keras is minikeras\\n"
    "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\\n"
    "m.compile('sgd', 'mse')\\n"
    "m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)\\n")
result.raise_error()
assert shell.user_ns["same"] is True
shell.run_line_magic("unload_ext", "minikeras")
print("ok")
"""

CASES = {"stub shell": STUB}
if importlib.util.find_spec("IPython") is not None:  # the notebooks extra installs it
    CASES["IPython shell"] = IPYTHON


def run(code):
    return subprocess.run([sys.executable, "-c", "import sys\n" + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


def test_load_ext_aliases_keras_and_tensorflow_keras():
    for name, code in CASES.items():
        proc = run(code)
        assert proc.returncode == 0, (name, proc.stderr[-3000:])
        assert proc.stdout.strip().endswith("ok"), (name, proc.stdout)


def test_extension_hooks_are_module_level_functions():
    import minikeras
    assert callable(minikeras.load_ipython_extension)
    assert callable(minikeras.unload_ipython_extension)
