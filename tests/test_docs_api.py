"""docs/api.md is generated from the code (docs/gen_api.py) and every public name is documented."""
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", os.path.join(ROOT, "docs", "gen_api.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_md_is_up_to_date(gen_api):
    with open(os.path.join(ROOT, "docs", "api.md"), encoding="utf-8") as f:
        written = f.read()
    assert written == gen_api.render(), (
        "docs/api.md is out of date with the code: run `python docs/gen_api.py`")


def test_every_public_name_has_a_docstring(gen_api):
    missing = [f"{name} (in {where})" for name, where in gen_api.undocumented()]
    assert not missing, "public names without a docstring:\n" + "\n".join(missing)


def test_every_listed_name_exists(gen_api):
    assert gen_api.broken_exports() == [], "names listed by dir()/__all__ that cannot be imported"


def test_the_reference_covers_every_namespace(gen_api):
    text = gen_api.render()
    for ns in gen_api.NAMESPACES:
        assert f"\n## {gen_api.module_name(ns)}\n" in text
    for name in ("`Dense(units,", "`matmul(x1, x2)`", "`.fit(x=None,", "class `Adam(",
                 "`load_model(", "`to_categorical(", "`pad_sequences("):
        assert name in text, name


def test_private_arguments_and_addresses_are_not_shown(gen_api):
    text = gen_api.render()
    assert "_internal" not in text and " at 0x" not in text
