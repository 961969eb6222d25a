"""Helpers the conformance files share: comparing our configs with Keras's, requiring oracles."""
import os


def plain(value):
    """Tuples as lists, recursively, so Keras's and our configs compare by value."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def same_config(ours, theirs):
    """Both layers' configs have the same keys and, except the name, the same values."""
    mine, ref = ours.get_config(), theirs.get_config()
    assert sorted(mine) == sorted(ref)
    for key in ref.keys() - {"name"}:
        assert plain(mine[key]) == plain(ref[key]), key


def require_oracle(module, what):
    """`module` (an oracle such as real Keras or TensorFlow), or a skip when it is missing
    locally; in CI (CI set) a missing oracle fails the test."""
    import pytest
    if module is None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is required for conformance tests in CI (pip install -e .[conformance])")
        pytest.skip(f"{what} is not installed (pip install -e .[conformance])")
    return module
