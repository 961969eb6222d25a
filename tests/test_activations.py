"""minikeras.activations: values against independent float64 formulas, gradients, registry."""
import math

import autograd
import numpy as np
import pytest
from autograd.test_util import check_grads

from minikeras import activations
from minikeras import backend as K
from minikeras.engine.variable import StatelessScope, Variable

_erf = np.vectorize(math.erf)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# name -> (function under test, independent float64 reference)
REFERENCE = {
    "relu": (activations.relu, lambda x: np.maximum(x, 0)),
    "relu6": (activations.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    "sigmoid": (activations.sigmoid, _sig),
    "tanh": (activations.tanh, np.tanh),
    "softplus": (activations.softplus, lambda x: np.log1p(np.exp(x))),
    "softsign": (activations.softsign, lambda x: x / (1 + np.abs(x))),
    "leaky_relu": (activations.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x)),
    "elu": (activations.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    "selu": (activations.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))),
    "celu": (activations.celu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    "gelu": (activations.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    "silu": (activations.silu, lambda x: x * _sig(x)),
    "swish": (activations.swish, lambda x: x * _sig(x)),
    "hard_sigmoid": (activations.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hard_silu": (activations.hard_silu, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "hard_swish": (activations.hard_swish, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "hard_tanh": (activations.hard_tanh, lambda x: np.clip(x, -1, 1)),
    "exponential": (activations.exponential, np.exp),
    "mish": (activations.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "linear": (activations.linear, lambda x: x),
    "log_sigmoid": (activations.log_sigmoid, lambda x: -np.log1p(np.exp(-x))),
    "tanh_shrink": (activations.tanh_shrink, lambda x: x - np.tanh(x)),
    "squareplus": (activations.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "soft_shrink": (activations.soft_shrink, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
    "hard_shrink": (activations.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "sparse_plus": (activations.sparse_plus, lambda x: np.where(
        x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    "sparse_sigmoid": (activations.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1)),
    "softmax": (activations.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    "log_softmax": (activations.log_softmax,
                    lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    "glu": (activations.glu, lambda x: x[:, :3] * _sig(x[:, 3:])),
}
KINKS = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0])


def _inputs(seed=0):
    """(4, 6) float64 values in [-5, 5], at least 0.05 away from every kink."""
    x = np.random.default_rng(seed).uniform(-5, 5, size=(4, 6))
    near = np.abs(x[..., None] - KINKS).min(-1) < 0.05
    return np.where(near, x + 0.1, x)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_match_reference(name):
    fn, ref = REFERENCE[name]
    x = _inputs()
    np.testing.assert_allclose(fn(x), ref(x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_float32_in_float32_out(name):
    out = REFERENCE[name][0](_inputs().astype("float32"))
    assert out.dtype == np.float32


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_gradients(name):
    fn = REFERENCE[name][0]
    check_grads(fn, modes=["rev"], order=1)(_inputs(1))


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_get_by_name(name):
    assert activations.get(name) is REFERENCE[name][0] is getattr(activations, name)


@pytest.mark.parametrize("kwargs", [{"approximate": True}, {"approximate": False}])
def test_gelu_gradients_both_forms(kwargs):
    check_grads(lambda x: activations.gelu(x, **kwargs), modes=["rev"], order=1)(_inputs(2))


def test_gelu_default_is_exact_and_approximate_differs():
    x = np.array([-2.0, -0.5, 0.7, 1.5])
    exact = 0.5 * x * (1 + _erf(x / math.sqrt(2)))
    np.testing.assert_allclose(activations.gelu(x), exact, rtol=1e-6)
    approx = activations.gelu(x, approximate=True)
    assert np.abs(approx - exact).max() > 1e-5
    c = math.sqrt(2 / math.pi)
    np.testing.assert_allclose(approx, 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3))), rtol=1e-12)


def test_gelu_tails_relative_accuracy():
    # far in the negative tail gelu is tiny; 1 + erf would cancel, erfc keeps relative accuracy
    x = np.array([-4.0, -6.0, -8.0])
    phi = 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(activations.gelu(x), x * phi, rtol=1e-6)


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [0, 0, 0, 5, 10]),
    ({"negative_slope": 0.5}, [-5, -2.5, 0, 5, 10]),
    ({"max_value": 5.0}, [0, 0, 0, 5, 5]),
    ({"threshold": 5.0}, [0, 0, 0, 0, 10]),
    ({"negative_slope": 0.1, "max_value": 6, "threshold": 1.0}, [-1.1, -0.6, -0.1, 5, 6]),
])
def test_relu_keras_docstring_examples(kwargs, expected):
    x = np.array([-10, -5, 0.0, 5, 10], dtype="float32")
    np.testing.assert_allclose(activations.relu(x, **kwargs), expected, rtol=1e-6)


def test_relu_options_gradients():
    f = lambda x: activations.relu(x, negative_slope=0.1, max_value=4.0, threshold=0.5)  # noqa: E731
    x = _inputs(3)
    x = np.where(np.abs(x - 4.0) < 0.05, 4.2, x)
    check_grads(f, modes=["rev"], order=1)(x)


def test_relu_gradient_is_zero_at_zero():
    g = autograd.grad(lambda x: activations.relu(x).sum())(np.array([0.0, 1.0, -1.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_leaky_relu_default_slope_and_elu_alpha():
    x = np.array([-2.0, 3.0])
    np.testing.assert_allclose(activations.leaky_relu(x), [-0.4, 3.0])
    np.testing.assert_allclose(activations.elu(x, alpha=0.5), [0.5 * (math.exp(-2) - 1), 3.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_axis(axis):
    x = _inputs()
    out = activations.softmax(x, axis=axis)
    np.testing.assert_allclose(out.sum(axis=axis), 1.0)
    np.testing.assert_allclose(activations.log_softmax(x, axis=axis), np.log(out), atol=1e-12)
    check_grads(lambda v: activations.softmax(v, axis=axis) * np.arange(6.0), modes=["rev"], order=1)(x)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid", "silu", "mish", "tanh",
                                  "softsign", "elu", "selu", "gelu", "softmax", "log_softmax",
                                  "hard_silu", "relu", "leaky_relu"])
def test_large_inputs_finite_and_no_warnings(name):
    x = np.array([[-1000.0, -80.0, -30.0, 0.0, 30.0, 80.0, 1000.0]], dtype="float32")
    with np.errstate(all="raise", under="ignore"):
        out = activations.get(name)(x)
        g = autograd.grad(lambda v: (activations.get(name)(v) * np.arange(7.0)).sum())(x)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(g))


def test_sigmoid_tails_keep_relative_precision():
    x = np.array([-30.0, -20.0], dtype="float32")
    np.testing.assert_allclose(activations.sigmoid(x), np.exp([-30.0, -20.0]), rtol=1e-5)


def test_sparsemax_projects_onto_simplex():
    x = np.array([[0.0, 0.5, 1.0], [1.0, 0.9, -3.0], [3.0, -1.0, 0.0]])
    out = activations.sparsemax(x)
    np.testing.assert_allclose(out, [[0, 0.25, 0.75], [0.55, 0.45, 0], [1, 0, 0]], atol=1e-12)
    np.testing.assert_allclose(out.sum(-1), 1.0)
    check_grads(lambda v: activations.sparsemax(v) * np.arange(3.0), modes=["rev"], order=1)(x)


def test_glu_odd_axis_raises():
    with pytest.raises(ValueError, match="divisible by 2"):
        activations.glu(np.ones((2, 3)))


def test_threshold_function():
    x = np.array([-1.0, 0.2, 0.5, 2.0])
    np.testing.assert_allclose(activations.threshold(x, 0.3, -7.0), [-7, -7, 0.5, 2.0])


def test_accepts_variables_and_traced_values():
    v = Variable(np.array([-1.0, 2.0], dtype="float32"))
    np.testing.assert_allclose(activations.relu(v), [0, 2])
    np.testing.assert_allclose(activations.sigmoid(v), _sig(np.array([-1.0, 2.0])), rtol=1e-6)

    def loss(w):
        with StatelessScope([(v, w)]):
            return activations.tanh(v).sum()
    g = autograd.grad(loss)(np.array([-1.0, 2.0]))
    np.testing.assert_allclose(g, 1 - np.tanh([-1.0, 2.0]) ** 2)


# --- the seeds' custom activation ----------------------------------------------------------
def custom_activation(x):
    return x * K.sigmoid(x)


def test_custom_activation_values_and_gradients():
    x = _inputs(4)
    np.testing.assert_allclose(custom_activation(x), x * _sig(x), rtol=1e-12)
    np.testing.assert_allclose(custom_activation(x), activations.silu(x), rtol=1e-12)
    check_grads(custom_activation, modes=["rev"], order=1)(x)
    assert activations.get(custom_activation) is custom_activation


def test_custom_activation_on_variable_and_float32():
    out = custom_activation(Variable(np.array([1.0, -1.0], dtype="float32")))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [_sig(1.0), -_sig(-1.0)], rtol=1e-6)


# --- registry --------------------------------------------------------------------------------
def test_get_none_callable_and_bad():
    assert activations.get(None) is activations.linear
    f = lambda x: x  # noqa: E731
    assert activations.get(f) is f
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get(3)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        activations.get("rellu")
    msg = str(err.value)
    assert "'rellu'" in msg and "relu" in msg and "softmax" in msg and "gelu" in msg


def test_serialize_builtins_by_name_and_aliases_to_canonical():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.get("hard_swish")) == "hard_silu"
    for name in activations.ALL_OBJECTS_DICT:
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn


def test_serialize_custom_function_round_trip():
    cfg = activations.serialize(custom_activation)
    assert cfg["class_name"] == "function" and cfg["config"] == "custom_activation"
    assert activations.deserialize(cfg, custom_objects={"custom_activation": custom_activation}) \
        is custom_activation
    with pytest.raises(ValueError, match="custom_activation"):
        activations.deserialize(cfg)


def test_python_lists_become_float32_tensors():
    out = activations.relu([-10, -5, 0.0, 5, 10], negative_slope=0.5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [-5, -2.5, 0, 5, 10])
    assert activations.softmax([1.0, 1.0]).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("name, slope", [("sigmoid", 0.25), ("silu", 0.5), ("gelu", 0.5),
                                         ("tanh", 1.0), ("softplus", 0.5), ("elu", 1.0),
                                         ("mish", 0.6), ("log_sigmoid", 0.5)])
def test_gradient_at_exactly_zero(name, slope):
    # a zero pre-activation (zero-initialised weights, padding) must still pass gradient
    g = autograd.grad(lambda x: activations.get(name)(x).sum())(np.zeros(3))
    np.testing.assert_allclose(g, slope, rtol=1e-6)
