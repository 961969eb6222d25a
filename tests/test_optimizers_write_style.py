"""The optimizers' write style: slots updated in place, variables adopt new arrays, and the
numbers stay bit-identical to the plain formulas (float32 throughout)."""
import numpy as np
import pytest

from minikeras import optimizers
from minikeras.engine.variable import Variable

SHAPES = [(5, 3), (3,)]
OPTIMIZERS = [
    ("SGD", {"momentum": 0.0}), ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {}), ("Adamax", {}), ("Nadam", {}),
    ("RMSprop", {}), ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {}),
    ("Adadelta", {}), ("Ftrl", {"l1_regularization_strength": 0.01, "beta": 0.1}),
    ("Lion", {}),
    ("Adam", {"use_ema": True}), ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 2}),
]


def _setup(name, kwargs, seed=0, cls=None):
    rng = np.random.default_rng(seed)
    opt = (cls or getattr(optimizers, name))(learning_rate=0.01, **kwargs)
    variables = [Variable(rng.standard_normal(s).astype("float32")) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype("float32") for s in SHAPES] for _ in range(4)]
    return opt, variables, grads


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS)
def test_slots_in_place_variables_adopt_inputs_untouched(name, kwargs):
    opt, variables, grads = _setup(name, kwargs)
    opt.apply(grads[0], variables)
    slots = [v for v in opt.variables if v.shape != ()]
    slot_arrays = [s._value for s in slots]
    for g in grads[1:]:
        held_weights = [v._value for v in variables]
        held_copies = [w.copy() for w in held_weights]
        grad_copies = [x.copy() for x in g]
        opt.apply(g, variables)
        for v, held, copy in zip(variables, held_weights, held_copies):
            np.testing.assert_array_equal(held, copy)  # an array someone holds is never written
        for x, copy in zip(g, grad_copies):
            np.testing.assert_array_equal(x, copy)  # nor is the caller's gradient
    assert all(s._value is a for s, a in zip(slots, slot_arrays))  # the slots are updated in place


def test_a_weight_never_shares_its_array_with_the_ema_average():
    opt, variables, grads = _setup("Adam", {"use_ema": True})
    for g in grads:
        opt.apply(g, variables)
    opt.finalize_variable_values(variables)
    averages = [v for v in opt.variables if v.name.endswith("_average")]
    assert not any(np.shares_memory(v._value, a._value) for v in variables for a in averages)


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS)
def test_a_subclass_overriding_update_step_like_keras(name, kwargs):
    class Mine(getattr(optimizers, name)):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(gradient, variable, learning_rate)

    results = []
    for cls in (None, Mine):
        opt, variables, grads = _setup(name, kwargs, cls=cls)
        for g in grads:
            opt.apply(g, variables)
        results.append([v.numpy() for v in variables + opt.variables])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_update_step_called_directly_with_three_arguments():
    opt, variables, grads = _setup("Adam", {})
    twin, twin_variables, _ = _setup("Adam", {})
    opt.build(variables)
    for g, v in zip(grads[0], variables):
        opt.update_step(g, v, 0.01)
    twin.apply(grads[0], twin_variables)
    for v, w in zip(variables, twin_variables):
        np.testing.assert_array_equal(v.numpy(), w.numpy())


def test_per_step_constants_are_computed_once_per_step():
    opt, variables, grads = _setup("Nadam", {})
    opt.apply(grads[0], variables)
    u_product = [v for v in opt.variables if v.shape == () and v.name == "variable"][0]
    expected = np.float32(1.0) * 0.9 * (1.0 - 0.5 * np.power(0.96, np.float32(1)))
    assert u_product.numpy() == np.float32(expected)  # one factor however many variables


# --- bit-identical to the plain (copying) formulas ----------------------------------------------
def _f(x):
    return np.asarray(x, dtype="float32")


def _reference(name, kwargs, weights, grads, lr=_f(0.01)):
    """The textbook update with fresh arrays, in the same float32 operation order."""
    w = [x.copy() for x in weights]
    slots = {}
    for t, g_list in enumerate(grads, start=1):
        for i, g in enumerate(g_list):
            s = slots.setdefault(i, {})
            if name == "Adamax":
                m, u = s.get("m", 0 * g), s.get("u", 0 * g)
                m = m + (g - m) * _f(0.1)
                u = np.maximum(_f(0.999) * u, np.abs(g))
                b1p = _f(1 - np.float32(0.9) ** np.float32(t))
                w[i] = w[i] - lr * m / (b1p * (u + _f(1e-7)))
                s.update(m=m, u=u)
            elif name == "Adagrad":
                acc = s.get("acc", np.full_like(g, 0.1)) + np.square(g)
                w[i] = w[i] - lr * g / np.sqrt(acc + _f(1e-7))
                s.update(acc=acc)
            elif name == "Adadelta":
                a_g, a_d = s.get("a_g", 0 * g), s.get("a_d", 0 * g)
                a_g = _f(0.95) * a_g + _f(1 - 0.95) * np.square(g)
                delta = -(np.sqrt(a_d + _f(1e-7)) * g / np.sqrt(a_g + _f(1e-7)))
                a_d = _f(0.95) * a_d + _f(1 - 0.95) * np.square(delta)
                w[i] = w[i] + lr * delta
                s.update(a_g=a_g, a_d=a_d)
            elif name == "Lion":
                m = s.get("m", 0 * g)
                b1, b2 = np.float32(0.9), np.float32(0.99)
                w[i] = w[i] - lr * np.sign(m * b1 + g * _f(1.0 - b1))
                s.update(m=m * b2 + g * _f(1.0 - b2))
            elif name == "SGD":
                v = _f(0.9) * s.get("v", 0 * g) - g * lr
                w[i] = w[i] + v
                s.update(v=v)
    return w


@pytest.mark.parametrize("name,kwargs", [("Adamax", {}), ("Adagrad", {}), ("Adadelta", {}),
                                         ("Lion", {}), ("SGD", {"momentum": 0.9})])
def test_numbers_are_bit_identical_to_the_copying_formulas(name, kwargs):
    opt, variables, grads = _setup(name, kwargs)
    expected = _reference(name, kwargs, [v.numpy() for v in variables], grads)
    for g in grads:
        opt.apply(g, variables)
    for v, e in zip(variables, expected):
        np.testing.assert_array_equal(v.numpy(), e)
