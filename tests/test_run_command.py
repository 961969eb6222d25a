"""`python -m minikeras run script.py [args...]`: Keras scripts run unchanged, as `__main__`,
with their own argv, exit code and traceback."""
import os
import subprocess
import sys
import textwrap

import pytest

KERAS_SCRIPT = """
import sys
import numpy as np
import keras
from keras import layers
from keras.models import Sequential
import keras.utils, keras.backend, keras.datasets.mnist  # submodules resolve too
import minikeras

assert keras is minikeras and layers.Dense is minikeras.layers.Dense
assert keras.datasets.mnist is minikeras.datasets.mnist and keras.utils is minikeras.utils
assert minikeras.__spec__.name == "minikeras"  # the alias does not rename minikeras
assert int(keras.__version__.split(".")[0]) == 3 and keras.backend.backend() == "numpy"
assert keras.config.floatx() == "float32" and keras.config.image_data_format() == "channels_last"

keras.utils.set_random_seed(0)
x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
y = (x.sum(axis=1) > 0).astype("int32")
model = Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                    layers.Dense(2, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
assert history.history["accuracy"][-1] > 0.8, history.history["accuracy"][-1]
print("argv", sys.argv, "name", __name__, "file", __file__)
"""

TF_SCRIPT = """
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.layers import Dense
from tensorflow.keras import backend as K
import tensorflow.keras.utils
import minikeras

assert tf.keras is minikeras and keras is minikeras and Dense is minikeras.layers.Dense
assert tf.keras.layers.Dense is Dense and K is minikeras.backend
model = tf.keras.Sequential([tf.keras.Input((3,)), Dense(4, activation=K.sigmoid), Dense(1)])
model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=2, verbose=0)
print("tf.keras ok", model.predict(np.ones((1, 3), "float32"), verbose=0).shape)
"""


def run(tmp_path, source, *args, name="script.py", cwd=None):
    script = tmp_path / name
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "minikeras", "run", str(script), *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd or tmp_path)


def test_keras_script_trains_and_sees_its_argv_and_name(tmp_path):
    proc = run(tmp_path, KERAS_SCRIPT, "--epochs", "3", "-h")
    assert proc.returncode == 0, proc.stderr
    script = str(tmp_path / "script.py")
    assert f"argv ['{script}', '--epochs', '3', '-h'] name __main__ file {script}" in proc.stdout


def test_tf_keras_forms(tmp_path):
    proc = run(tmp_path, TF_SCRIPT)
    assert proc.returncode == 0, proc.stderr
    assert "tf.keras ok (1, 1)" in proc.stdout


def test_relative_script_path_and_script_directory_on_sys_path(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 41\n")
    source = """
        import sys, helper_mod
        print(sys.argv[0], helper_mod.VALUE + 1, sys.path[0])
        """
    (tmp_path / "sub").mkdir()
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(source))
    proc = subprocess.run([sys.executable, "-m", "minikeras", "run", os.path.join("..", "s.py")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path / "sub")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [os.path.join("..", "s.py"), "42", os.path.realpath(tmp_path)]


@pytest.mark.parametrize("code, status, stderr", [
    ("import sys; sys.exit(3)", 3, ""),
    ("raise SystemExit('bad input')", 1, "bad input"),
    ("import sys; print('done'); sys.exit(0)", 0, ""),
])
def test_exit_status_is_the_scripts(tmp_path, code, status, stderr):
    proc = run(tmp_path, code)
    assert proc.returncode == status
    assert proc.stderr.strip() == stderr


def test_uncaught_exception_shows_the_scripts_traceback(tmp_path):
    source = """
        import keras

        def build():
            return keras.layers.Dense(0)

        build()
        """
    proc = run(tmp_path, source)
    assert proc.returncode == 1
    script = str(tmp_path / "script.py")
    lines = proc.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == f'  File "{script}", line 7, in <module>'  # the runner's frames are gone
    assert f'File "{script}", line 5, in build' in proc.stderr
    assert "__main__.py" not in proc.stderr and "runpy" not in proc.stderr
    assert lines[-1].startswith("ValueError:") and "units=0" in lines[-1]


def test_syntax_error_is_reported_like_python(tmp_path):
    proc = run(tmp_path, "x = (\n")
    assert proc.returncode == 1
    assert "SyntaxError" in proc.stderr and "script.py" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_tf_names_the_stand_in_lacks_raise_one_clear_error(tmp_path):
    for code, kind, name in [("import tensorflow as tf\ntf.lite", "AttributeError", "lite"),
                             ("from tensorflow import lite", "ImportError", "lite"),
                             ("import tensorflow.compat.v1", "ImportError", "compat"),
                             ("import tensorflow.saved_model", "ImportError", "saved_model")]:
        proc = run(tmp_path, code)
        assert proc.returncode == 1
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(f"{kind}: tf.{name} is not available: minikeras's TensorFlow "
                               "stand-in covers `tf.keras` and the tf functions"), last


def test_tf_functions_run_under_the_stand_in(tmp_path):
    proc = run(tmp_path, "import tensorflow as tf\nimport tensorflow.math as tfm\n"
                         "from tensorflow import reduce_sum\n"
                         "x = tf.reshape(tf.range(6), (2, 3))\n"
                         "print(reduce_sum(x, axis=1).numpy().tolist(), tfm.square(3).numpy(), "
                         "tf.shape(x).numpy().tolist())")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[3, 12] 9 [2, 3]"


def test_missing_keras_submodule_names_it(tmp_path):
    proc = run(tmp_path, "import keras.no_such_thing")
    assert proc.returncode == 1
    assert ("ModuleNotFoundError: No module named 'keras.no_such_thing': minikeras has no "
            "module `minikeras.no_such_thing`") in proc.stderr


def test_classes_defined_in_the_script_pickle(tmp_path):
    proc = run(tmp_path, "import pickle\nclass Point:\n    x = 1\n"
                         "print(type(pickle.loads(pickle.dumps(Point()))).__name__)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Point"


def test_run_module_and_usage_errors(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "job.py").write_text("import sys, keras\nprint(__name__, sys.argv[1:], keras.__name__)\n")
    proc = subprocess.run([sys.executable, "-m", "minikeras", "run", "-m", "pkg.job", "a", "b"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "__main__ ['a', 'b'] minikeras"
    for args, status, text in [([], 2, "required: script"), (["nope.py"], 2, "can't open file"),
                               (["-h"], 0, "usage: python -m minikeras run")]:
        proc = subprocess.run([sys.executable, "-m", "minikeras", "run", *args],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == status
        assert text in proc.stdout + proc.stderr


def test_demo_subcommand_still_works():
    proc = subprocess.run([sys.executable, "-m", "minikeras", "demo", "--model", "mlp",
                           "--epochs", "1", "--verbose", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Test accuracy" in proc.stdout


def test_install_then_uninstall_restores_what_was_imported():
    code = textwrap.dedent("""
        import sys, types
        real = types.ModuleType("keras"); sys.modules["keras"] = real  # stands for a real Keras
        import minikeras
        minikeras.install()
        import keras
        assert keras is minikeras and sys.modules["keras"] is minikeras
        minikeras.uninstall()
        import keras
        assert keras is real and "tensorflow" not in sys.modules
        print("ok")
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


SCRIPTS_DIR = os.path.join(os.path.dirname(__file__), "scripts")
SEED_SCRIPTS = sorted(f for f in os.listdir(SCRIPTS_DIR)
                      if f.startswith(("seed_", "legacy_")) and f.endswith(".py"))


@pytest.mark.parametrize("script", SEED_SCRIPTS)
def test_seed_scripts_run_unchanged_through_the_run_command(script):
    """The seed documents' snippets (tf.keras forms and the `K.sigmoid` activation included)."""
    proc = subprocess.run([sys.executable, "-m", "minikeras", "run", os.path.join(SCRIPTS_DIR, script)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{script[:-3]} ok" in proc.stdout
