"""The harness that runs Keras's own tests on minikeras (tests/keras_suite): a missing Keras name fails
the tests that use it (and only those), exclusions are explicit, and the counts are honest."""
import json
import os
import subprocess
import sys
import textwrap

from keras_suite import exclusions, run

HERE = os.path.dirname(os.path.abspath(__file__))

FAKE_TEST = '''
from keras.src import layers
from keras.src import testing
from keras.src.layers.core.dense import Dense
from keras.src.optimizers.no_such_optimizer import NoSuchOptimizer


class FakeTest(testing.TestCase):
    def test_existing_layer(self):
        self.assertEqual(Dense(3)(layers.Input((2,))).shape, (None, 3))

    def test_missing_layer_fails(self):
        layers.NoSuchLayer(3)

    def test_missing_module_name_fails(self):
        NoSuchOptimizer()

    def test_isinstance_of_missing_fails(self):
        isinstance(1, NoSuchOptimizer)

    def test_quantize_excluded(self):
        raise AssertionError("excluded tests never run")

    def test_sparse_plus_runs(self):
        self.assertAllClose(1.0, 1.0)
'''


def _fake_source(tmp_path):
    """A Keras-like source tree: packages with __init__.py files that must never run."""
    src = tmp_path / "keras" / "src"
    for package in ("layers/core", "optimizers", "testing"):
        (src / package).mkdir(parents=True, exist_ok=True)
    for init in (tmp_path / "keras", src, src / "layers", src / "layers" / "core",
                 src / "optimizers", src / "testing"):
        (init / "__init__.py").write_text("raise RuntimeError('Keras code must not run')\n")
    (src / "layers" / "core" / "dense.py").write_text("raise RuntimeError('Keras code')\n")
    (src / "optimizers" / "no_such_optimizer.py").write_text("raise RuntimeError('Keras code')\n")
    (src / "layers" / "fake_test.py").write_text(FAKE_TEST)
    (src / "layers" / "broken_test.py").write_text("from keras.src.nowhere import thing\n")
    return tmp_path


def _run_fake(tmp_path):
    source = _fake_source(tmp_path)
    results = tmp_path / "results.json"
    env = dict(os.environ, KERAS_SUITE_SOURCE=str(source), KERAS_SUITE_MODE="minikeras",
               KERAS_SUITE_RESULTS=str(results), PYTHONPATH=HERE)
    subprocess.run([sys.executable, "-m", "pytest", "-p", "keras_suite.plugin", "-c",
                    os.path.join(HERE, "keras_suite", "pytest.ini"), "--rootdir", str(source), "-q",
                    "-p", "no:cacheprovider", str(source / "keras" / "src" / "layers")],
                   env=env, cwd=str(source), capture_output=True, text=True, timeout=300)
    return json.loads(results.read_text())


def test_missing_names_fail_only_their_tests(tmp_path):
    results = _run_fake(tmp_path)
    prefix = "keras/src/layers/fake_test.py::FakeTest::"
    assert results[prefix + "test_existing_layer"] == "passed"
    assert results[prefix + "test_missing_layer_fails"] == "failed"
    assert results[prefix + "test_missing_module_name_fails"] == "failed"
    assert results[prefix + "test_isinstance_of_missing_fails"] == "failed"
    assert results[prefix + "test_quantize_excluded"] == "excluded"
    assert results[prefix + "test_sparse_plus_runs"] == "passed"
    assert results["keras/src/layers/broken_test.py"] == "collection-error"


def test_a_file_that_does_not_import_counts_keras_passes_as_failures():
    baseline = {"files": {"a_test.py": {"collected": 3, "passed": 3},
                          "b_test.py": {"collected": 2, "passed": 1}},
                "not_passed": ["b_test.py::T::test_y"]}
    results = {"a_test.py": "collection-error", "b_test.py::T::test_x": "passed",
               "b_test.py::T::test_y": "passed"}
    row = run.summarize(results, baseline)
    assert row["keras_passed"] == 4
    assert row["passed_of_keras"] == 1  # test_y does not pass on Keras, so it does not count
    assert row["relative"] == 0.25
    assert row["collected"] == 5
    assert row["collection_errors"] == ["a_test.py"]


def test_exclusions_name_their_reason_and_spare_similar_names():
    assert "quantization" in exclusions.reason_for("x_test.py::T::test_quantize_int8")
    assert "sparse" in exclusions.reason_for("x_test.py::T::test_sparse_inputs")
    for kept in ("test_sparse_plus", "test_sparsemax", "test_sparse_categorical_accuracy",
                 "test_int8_dtype_is_not_excluded_by_name_alone"):
        assert exclusions.reason_for(f"x_test.py::T::{kept}") is None, kept


def test_the_ratchet_never_lowers(tmp_path, monkeypatch):
    ratchet = tmp_path / "ratchet.json"
    ratchet.write_text(json.dumps({"losses": 10}))
    monkeypatch.setattr(run, "RATCHET", str(ratchet))
    assert run.check_ratchet({"losses": {"passed_of_keras": 9}}, update=False) == 1
    assert run.check_ratchet({"losses": {"passed_of_keras": 9}}, update=True) == 1
    assert json.loads(ratchet.read_text()) == {"losses": 10}
    assert run.check_ratchet({"losses": {"passed_of_keras": 12}}, update=True) == 0
    assert json.loads(ratchet.read_text()) == {"losses": 12}


def test_pinned_keras_version_is_the_conformance_pin():
    assert run.pinned_keras_version().count(".") == 2
    text = textwrap.dedent(open(os.path.join(os.path.dirname(HERE), "pyproject.toml")).read())
    assert f'"keras=={run.pinned_keras_version()}"' in text
