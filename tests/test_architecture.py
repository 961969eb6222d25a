"""The package's floors hold: `ops/` and `engine/` import nothing from above them (layers,
models, saving, callbacks, metrics, losses, optimizers, ...), not even inside a function. Below
them too sit `keras.tree` (nested structures; Keras's ops use it) and the tracked containers it
knows; those import only floors."""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "minikeras"
FLOORS = ("ops", "engine")
LEAVES = {"minikeras.tree", "minikeras.tree.tree_api", "minikeras.utils.tracking"}


def minikeras_imports(path):
    """(line, module) of every `minikeras.*` module a file imports, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("minikeras")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.startswith("minikeras"):
            if node.module == "minikeras":  # `from minikeras import layers` names modules
                found += [(node.lineno, f"minikeras.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("floor", FLOORS)
def test_floors_import_only_floors(floor):
    files = sorted((PACKAGE / floor).rglob("*.py"))
    assert files, f"no modules under minikeras/{floor}"
    upward = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
              for path in files for line, module in minikeras_imports(path)
              if module.split(".")[1] not in FLOORS and module not in LEAVES]
    assert upward == []


def test_the_leaves_below_the_floors_import_only_floors():
    paths = [PACKAGE / "tree" / "__init__.py", PACKAGE / "tree" / "tree_api.py",
             PACKAGE / "utils" / "tracking.py"]
    upward = [f"{path.name}:{line} imports {module}" for path in paths
              for line, module in minikeras_imports(path)
              if module.split(".")[1] not in FLOORS and module not in LEAVES]
    assert upward == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from minikeras.layers.core import Dense\n    import minikeras.models\n"
                      "from minikeras import losses\n")
    assert minikeras_imports(module) == [(4, "minikeras.losses"), (2, "minikeras.layers.core"),
                                         (3, "minikeras.models")]


def test_training_flag_is_per_thread():
    """A layer called with training=True in one thread passes the flag down there only."""
    import threading

    import numpy as np

    import minikeras as K

    seen = {}
    started, release = threading.Event(), threading.Event()

    class Probe(K.layers.Layer):
        def call(self, x, training=None):
            seen[threading.current_thread().name] = training
            if threading.current_thread().name == "training":
                started.set()
                release.wait(5)  # stay inside the training call while the other thread runs
            return x

    class Outer(K.layers.Layer):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, x, training=None):
            return self.probe(x)  # no flag given: inherits the outer call's

    outer, x = Outer(), np.ones((1, 2), "float32")
    worker = threading.Thread(target=lambda: outer(x, training=True), name="training")
    worker.start()
    assert started.wait(5)
    try:
        outer(x)  # in this thread, while the other one is inside its training=True call
    finally:
        release.set()
        worker.join(5)
    assert seen == {"training": True, threading.current_thread().name: None}


@pytest.mark.parametrize("name, module", [("Dropout", "regularization"), ("Flatten", "reshaping"),
                                          ("Dense", "core"), ("InputSpec", "input_spec")])
def test_layers_live_where_keras_keeps_them(name, module):
    import minikeras as K
    assert getattr(K.layers, name).__module__ == f"minikeras.layers.{module}"
