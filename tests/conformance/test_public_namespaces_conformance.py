"""Every public name of Keras's namespaces exists in minikeras, or is refused as the differences
page lists. Compared with the installed Keras, so a name a new Keras adds fails here until
minikeras has it."""
import importlib
import os
import re

import pytest

from conformance_helpers import require_oracle

NAMESPACES = ["layers", "metrics", "losses", "optimizers", "optimizers.schedules", "utils", "random",
              "backend", "config", "tree", "mixed_precision", "dtype_policies", "activations",
              "callbacks", "models", "initializers", "regularizers", "constraints", "saving",
              "datasets", "preprocessing", "ops", "ops.nn", "ops.numpy", "ops.linalg", "ops.image"]
DIFFERENCES = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "differences.md")


def refused_names():
    """The names docs/differences.md lists in `<!-- refused: keras.a.B ... -->` comments."""
    text = open(DIFFERENCES).read()
    return [name for line in re.findall(r"<!-- refused: (.*?) -->", text) for name in line.split()]


def public_names(module):
    return sorted(n for n in dir(module) if not n.startswith("_"))


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_public_name_exists(keras, namespace):
    require_oracle(keras, "Keras")
    theirs = importlib.import_module(f"keras.{namespace}")
    ours = importlib.import_module(f"minikeras.{namespace}")
    missing = [name for name in public_names(theirs) if not hasattr(ours, name)]
    assert not missing, f"keras.{namespace} names minikeras lacks: {missing}"


@pytest.mark.parametrize("name", refused_names())
def test_refused_names_exist_and_refuse(keras, name):
    require_oracle(keras, "Keras")
    module, attribute = name.rsplit(".", 1)
    assert hasattr(importlib.import_module(module), attribute), f"{name} is not in Keras"
    ours = getattr(importlib.import_module("mini" + module), attribute)
    with pytest.raises(NotImplementedError, match=attribute):
        ours("argument")


def test_refusals_are_listed():
    assert len(refused_names()) >= 5
