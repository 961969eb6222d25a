"""keras.ops core functions: control flow (eager and on KerasTensors), custom_gradient,
associative_scan, saturate_cast, scatter_update reductions, slice checks."""
import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads

from minikeras import KerasTensor, layers, models, ops


def test_custom_gradient_replaces_the_gradient():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad_fn(upstream):
            return upstream * (1.0 - 1.0 / (1.0 + e))
        return ops.log(1 + e), grad_fn

    # the naive gradient of log(1 + exp(x)) at x = 100 overflows to nan; the custom one is 1
    assert np.isclose(grad(lambda x: log1pexp(x))(np.float32(100.0)), 1.0)
    assert np.allclose(log1pexp(np.float32(0.0)), np.log(2.0))
    x = np.array([-1.5, 0.2, 2.0])
    check_grads(log1pexp, modes=["rev"], order=1)(x)  # the custom gradient is the true one here


def test_custom_gradient_with_two_arguments():
    @ops.custom_gradient
    def scaled(x, y):
        def grad_fn(upstream):
            return upstream * 2.0, upstream * 0.0  # deliberately not the true gradient for y
        return x * 2.0 + y * 3.0, grad_fn

    g = grad(lambda a: ops.sum(scaled(a[0], a[1])))(np.array([1.0, 4.0]))
    assert np.allclose(g, [2.0, 0.0])


def test_associative_scan_running_sum_and_max_with_structures():
    x = np.array([[1.0, 5.0, 2.0, 3.0], [0.0, -1.0, 4.0, 1.0]], "float32")
    assert np.allclose(ops.associative_scan(lambda a, b: a + b, x, axis=1), np.cumsum(x, axis=1))
    assert np.allclose(ops.associative_scan(ops.maximum, x, axis=1),
                       np.maximum.accumulate(x, axis=1))
    assert np.allclose(ops.associative_scan(lambda a, b: a + b, x, reverse=True, axis=1),
                       np.cumsum(x[:, ::-1], axis=1)[:, ::-1])
    pair = ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (x[0], x[0] + 1))
    assert np.allclose(pair[0], np.cumsum(x[0])) and np.allclose(pair[1], np.cumprod(x[0] + 1))
    check_grads(lambda v: ops.associative_scan(lambda a, b: a * b, v), modes=["rev"])(
        np.array([1.5, -0.5, 2.0]))


def test_saturate_cast_clips_instead_of_wrapping():
    x = np.array([-300.0, -1.5, 0.4, 255.7, 1e6], "float32")
    out = ops.saturate_cast(x, "uint8")
    assert out.dtype == np.uint8 and out.tolist() == [0, 0, 0, 255, 255]
    big = ops.saturate_cast(np.array([70000, -70000], "int32"), "int16")
    assert big.tolist() == [32767, -32768]
    assert ops.saturate_cast(KerasTensor((3, None), "float32"), "int8").dtype == "int8"


def test_scatter_update_reductions_combine_with_existing_values():
    inputs = np.array([1.0, 5.0, 3.0, 0.0])
    indices = np.array([[0], [1], [1], [3]])
    updates = np.array([4.0, 2.0, 7.0, -2.0])
    assert np.allclose(ops.scatter_update(inputs, indices, updates, "max"), [4, 7, 3, 0])
    assert np.allclose(ops.scatter_update(inputs, indices, updates, "min"), [1, 2, 3, -2])
    assert np.allclose(ops.scatter_update(inputs, indices, updates, "mul"), [4, 70, 3, 0])
    assert np.allclose(ops.scatter_update(inputs, indices, updates, "add"), [5, 14, 3, -2])
    with pytest.raises(ValueError, match="Invalid reduction: mean"):
        ops.scatter_update(inputs, indices, updates, "mean")


def test_control_flow_on_structures_eagerly():
    out = ops.map(lambda x: {"a": x ** 2, "b": x * 10}, np.arange(3.0))
    assert np.allclose(out["a"], [0, 1, 4]) and np.allclose(out["b"], [0, 10, 20])
    xs = {"v1": np.array([1.0, 2.0]), "v2": np.array([10.0, 20.0])}
    carry, ys = ops.scan(lambda c, x: (c + x["v1"], x["v1"] + x["v2"]), np.float32(0.0), xs)
    assert np.allclose(carry, 3.0) and np.allclose(ys, [11, 22])
    loop = ops.while_loop(lambda v: v["a"] < 5, lambda v: {"a": v["a"] + 1, "b": v["b"] * 2},
                          {"a": np.array(0), "b": np.array(1)})
    assert int(loop["a"]) == 5 and int(loop["b"]) == 32
    assert ops.cond(np.array(False), lambda: 1, lambda: 2) == 2


def test_control_flow_on_keras_tensors_gives_specs_and_a_working_model():
    xs = KerasTensor((None, 5))
    assert ops.map(lambda x: x ** 2, xs).shape == (None, 5)
    carry, ys = ops.scan(lambda c, x: (c, c), KerasTensor((None,)), KerasTensor((6, None)))
    assert carry.shape == (None,) and ys.shape == (6, None)
    assert ops.while_loop(lambda x: True, lambda x: (x,), (KerasTensor((10,)),))[0].shape == (10,)
    with pytest.raises(ValueError, match="same kind"):
        ops.cond(KerasTensor((), "bool"), lambda: ops.ones((3,)), lambda: ops.zeros((1, 3)))
    with pytest.raises(ValueError, match="Cannot infer argument `num`"):
        ops.unstack(KerasTensor((2, None)), axis=1)

    inputs = layers.Input((4,))
    outputs = ops.map(lambda row: row * 2.0 + 1.0, inputs)
    model = models.Model(inputs, outputs)
    x = np.arange(8, dtype="float32").reshape(2, 4)
    assert np.allclose(model.predict(x, verbose=0), x * 2 + 1)


def test_slice_checks_and_dynamic_specs():
    x = KerasTensor((3, 3))
    with pytest.raises(ValueError, match="dimensions in `shape`"):
        ops.slice(x, (1, 1), (2, 2, 2))
    assert ops.slice(x, (1, 1), (-1, -1)).shape == (2, 2)
    assert ops.slice(x, KerasTensor((2,), "int32"), (-1, -1)).shape == (None, None)
    assert np.allclose(ops.slice(np.arange(9.0).reshape(3, 3), np.array([1, 0]), (2, 2)),
                       [[3, 4], [6, 7]])


def test_jvp_is_the_directional_derivative():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=3), rng.normal(size=3)
    tx, ty = rng.normal(size=3), rng.normal(size=3)

    def f(a, b):
        return ops.tanh(a) * b ** 2

    value, product = ops.jvp(f, (x, y), (tx, ty))
    eps = 1e-6
    numeric = (f(x + eps * tx, y + eps * ty) - f(x - eps * tx, y - eps * ty)) / (2 * eps)
    assert np.allclose(value, f(x, y)) and np.allclose(product, numeric, atol=1e-6)
    _, _, aux = ops.jvp(lambda a: (ops.exp(a), "aux"), (x,), (tx,), has_aux=True)
    assert aux == "aux"
    with pytest.raises(ValueError, match="primals"):
        ops.jvp(f, (x, y), (tx,))
