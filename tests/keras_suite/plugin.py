"""pytest plugin that runs Keras's own test files, on minikeras or (for the baseline) on real Keras.

Environment: KERAS_SUITE_SOURCE (the unpacked Keras sdist), KERAS_SUITE_MODE ("minikeras" or
"keras"), KERAS_SUITE_RESULTS (where to write {nodeid: outcome} as JSON).
Each test file is imported under its Keras module name (`keras.src.layers.core.dense_test`), so
Keras's tests that import each other share modules. Excluded tests (exclusions.py) are deselected
and recorded as "excluded"; a file that fails to import records "collection-error".
"""
import importlib
import importlib.abc
import importlib.util
import json
import os
import sys

import pytest

SOURCE = os.environ.get("KERAS_SUITE_SOURCE", "")
MODE = os.environ.get("KERAS_SUITE_MODE", "minikeras")
RESULTS_PATH = os.environ.get("KERAS_SUITE_RESULTS")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_suite import exclusions  # noqa: E402

RESULTS = {}
REASONS = {}  # nodeid -> the first line of why it failed or skipped (for grouping by cause)


class _TestFilesFromSource(importlib.abc.MetaPathFinder):
    """Real-Keras mode: Keras's test files (not in the installed wheel) come from the sdist."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "conftest":
            return importlib.util.spec_from_file_location(
                fullname, os.path.join(os.path.dirname(__file__), "keras_conftest_real.py"))
        if fullname.startswith("keras.src.") and (
                fullname.endswith("_test") or fullname == "keras.src.testing.test_utils"):
            where = os.path.join(SOURCE, *fullname.split(".")) + ".py"
            if os.path.isfile(where):
                return importlib.util.spec_from_file_location(fullname, where)
        return None


def pytest_configure(config):
    if not SOURCE:
        raise pytest.UsageError("KERAS_SUITE_SOURCE must name the unpacked Keras source")
    if MODE == "minikeras":
        import minikeras.layers  # noqa: F401  (ops on a bare KerasTensor record OpLayers)
        from keras_suite import keras_alias
        keras_alias.install(SOURCE)
    else:
        sys.meta_path.insert(0, _TestFilesFromSource())
    config.addinivalue_line("markers", "requires_trainable_backend: needs a backend that trains")


def module_name(path):
    rel = os.path.relpath(str(path), SOURCE)
    return rel[:-3].replace(os.sep, ".")


class KerasTestModule(pytest.Module):
    """A Keras test file imported by its Keras module name."""

    def _getobj(self):
        return importlib.import_module(module_name(self.path))


def pytest_pycollect_makemodule(module_path, parent):
    if str(module_path).startswith(SOURCE):
        return KerasTestModule.from_parent(parent, path=module_path)
    return None


def pytest_collect_directory(path, parent):
    """Keras's packages are plain directories here: importing their `__init__.py` would run Keras."""
    if str(path).startswith(SOURCE):
        return pytest.Dir.from_parent(parent, path=path)
    return None


def pytest_collection_modifyitems(config, items):
    kept = []
    for item in items:
        reason = exclusions.reason_for(item.nodeid)
        if reason:
            RESULTS[item.nodeid] = "excluded"
        else:
            kept.append(item)
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_collectreport(report):
    if report.failed:
        RESULTS[report.nodeid] = "collection-error"
        REASONS[report.nodeid] = str(report.longrepr).strip().splitlines()[-1][:300]


def pytest_runtest_logreport(report):
    outcome = RESULTS.get(report.nodeid)
    if report.when == "call" or report.failed or report.skipped:
        if report.skipped:
            new = "skipped"
        elif report.failed:
            new = "failed"
        else:
            new = "passed"
        if outcome in (None, "passed"):  # a teardown error turns a pass into a failure
            RESULTS[report.nodeid] = new
            if new != "passed":
                REASONS[report.nodeid] = _reason(report)


def _reason(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = crash.message
    elif isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        text = report.longrepr[-1]
    else:
        text = str(report.longrepr)
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def pytest_sessionfinish(session, exitstatus):
    if MODE == "minikeras" and "keras" in sys.modules:
        real = getattr(sys.modules["keras"], "__file__", None)
        if real:  # only our alias module (no file) may be there
            raise RuntimeError(f"real Keras was imported during the minikeras run: {real}")
    if RESULTS_PATH:
        with open(RESULTS_PATH, "w") as f:
            json.dump(dict(sorted(RESULTS.items())), f, indent=0)
        with open(RESULTS_PATH + ".reasons", "w") as f:
            json.dump(dict(sorted(REASONS.items())), f, indent=0)

