"""Decoupled weight decay (`w <- w - w * weight_decay * lr` before each step) through real Keras and
minikeras: the same variables and gradients for several steps give the same values (1e-6)."""
import numpy as np
import pytest

import minikeras

NAMES = ["Adam", "AdamW", "RMSprop", "SGD", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "Ftrl"]


def _schedule(k):
    return k.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)


def _variables(k):
    rng = np.random.default_rng(0)
    return [k.Variable(rng.normal(size=(3, 2)).astype("float32"), name="kernel"),
            k.Variable(rng.normal(size=(2,)).astype("float32"), name="bias")]


def _train(k, make, steps=4, exclude=None, apply="apply_gradients"):
    optimizer = make(k)
    variables = _variables(k)
    if exclude == "names":
        optimizer.exclude_from_weight_decay(var_names=["bias"])
    elif exclude == "list":
        optimizer.exclude_from_weight_decay(var_list=[variables[0]])
    rng = np.random.default_rng(1)
    for _ in range(steps):
        grads = [rng.normal(size=tuple(v.shape)).astype("float32") for v in variables]
        if apply == "apply":
            optimizer.apply(grads, variables)
        else:
            optimizer.apply_gradients(zip(grads, variables))
    return [np.asarray(v.numpy()) for v in variables]


def _same(keras, make, **kwargs):
    expected = _train(keras, make, **kwargs)
    got = _train(minikeras, make, **kwargs)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-6)


CASES = {
    "constant_lr": lambda name: lambda k: getattr(k.optimizers, name)(learning_rate=0.1,
                                                                      weight_decay=0.1),
    "schedule": lambda name: lambda k: getattr(k.optimizers, name)(learning_rate=_schedule(k),
                                                                   weight_decay=0.1),
    "callable_lr": lambda name: lambda k: getattr(k.optimizers, name)(
        learning_rate=lambda: 0.05, weight_decay=0.2),
    "clipnorm": lambda name: lambda k: getattr(k.optimizers, name)(
        learning_rate=0.1, weight_decay=0.1, clipnorm=0.5),
    "ema": lambda name: lambda k: getattr(k.optimizers, name)(
        learning_rate=0.1, weight_decay=0.1, use_ema=True, ema_overwrite_frequency=3),
    "accumulation": lambda name: lambda k: getattr(k.optimizers, name)(
        learning_rate=0.1, weight_decay=0.1, gradient_accumulation_steps=2),
    "from_config": lambda name: lambda k: k.optimizers.get(
        {"class_name": name.lower(), "config": {"weight_decay": 0.05}}),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", NAMES)
def test_weight_decay_matches_keras(keras, name, case):
    _same(keras, CASES[case](name), apply="apply" if case == "clipnorm" else "apply_gradients")


@pytest.mark.parametrize("exclude", ["names", "list"])
@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "SGD"])
def test_exclude_from_weight_decay_matches_keras(keras, name, exclude):
    _same(keras, CASES["schedule"](name), exclude=exclude)


@pytest.mark.parametrize("name,args", [
    ("Adam", (0.1, 0.9, 0.999, 1e-7, False, 0.1)),
    ("AdamW", (0.1, 0.1, 0.9, 0.999, 1e-7, True, 1.0)),
    ("RMSprop", (0.1, 0.9, 0.5, 1e-7, True, 0.1)),
    ("SGD", (0.1, 0.5, True, 0.1)),
    ("Adagrad", (0.1, 0.1, 1e-7, 0.1)),
    ("Adadelta", (0.1, 0.95, 1e-7, 0.1)),
    ("Adamax", (0.1, 0.9, 0.999, 1e-7, 0.1)),
    ("Nadam", (0.1, 0.9, 0.999, 1e-7, 0.1)),
    ("Lion", (0.1, 0.9, 0.99, 0.1)),
    ("Ftrl", (0.1, -0.5, 0.1, 0.0, 0.0, 0.0, 0.0, 0.1)),
])
def test_weight_decay_by_position_matches_keras(keras, name, args):
    """The base arguments follow each optimizer's own, in Keras's order, and may be positional."""
    _same(keras, lambda k: getattr(k.optimizers, name)(*args))
    ours, theirs = (getattr(k.optimizers, name)(*args).get_config() for k in (minikeras, keras))
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs


def test_adamw_golden_matches_keras(keras):
    """Keras's own golden run (adamw_test.py): lr 1.0, weight_decay 0.5, epsilon 2."""
    def run(k):
        optimizer = k.optimizers.AdamW(learning_rate=1.0, weight_decay=0.5, epsilon=2)
        x = k.Variable(np.ones([10], dtype="float32"))
        optimizer.apply_gradients(zip([np.full((10,), 0.01, "float32")], [x]))
        for _ in range(5):
            optimizer.apply_gradients(zip([np.arange(0.1, 1.1, 0.1).astype("float32")], [x]))
        return np.asarray(x.numpy())
    np.testing.assert_allclose(run(minikeras), run(keras), atol=1e-6)
