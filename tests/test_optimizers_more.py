"""Adafactor, Lamb, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer, legacy, and
the base optimizer's stateless_apply: golden values from Keras's own tests and by hand."""
import numpy as np
import pytest

from minikeras import optimizers
from minikeras.engine.variable import Variable


def _step(opt, var, grad):
    opt.apply_gradients([(np.asarray(grad, "float32"), var)])
    return var.numpy()


def test_adafactor_golden_values_from_keras():
    v = Variable(np.array([1.0, 2.0, 3.0, 4.0], "float32"))
    np.testing.assert_allclose(_step(optimizers.Adafactor(0.5), v, [1.0, 6.0, 7.0, 2.0]),
                               [-0.3693, 0.6307, 1.6307, 2.6307], atol=1e-4)
    v = Variable(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"))
    np.testing.assert_allclose(_step(optimizers.Adafactor(0.5), v, [[1.0, 6.0], [7.0, 2.0]]),
                               [[0.7007, -0.0081], [1.2492, 3.4407]], atol=1e-4)


def test_adafactor_slots_factor_the_last_two_axes():
    opt = optimizers.Adafactor(name="adafactor")
    opt.build([Variable(np.zeros((2, 3, 4), "float32"), name="w"),
               Variable(np.zeros(3, "float32"), name="b")])
    assert [(v.path, v.shape, v.dtype) for v in opt.variables[2:]] == [
        ("adafactor/w", (2, 3), "float32"), ("adafactor/w", (2, 4), "float32"),
        ("adafactor/w_velocity", (2, 3, 4), "float32"),
        ("adafactor/b", (), "int32"), ("adafactor/b", (), "int32"),
        ("adafactor/b_velocity", (3,), "float32")]


def test_lamb_step_by_hand():
    w0, g = np.array([1.0, 2.0, 3.0], "float32"), np.array([0.5, -1.0, 2.0], "float32")
    v = Variable(w0.copy())
    _step(optimizers.Lamb(0.1), v, g)
    m_hat, v_hat = g, g ** 2  # after the bias corrections of the first step
    update = m_hat / (np.sqrt(v_hat) + 1e-7)
    ratio = np.linalg.norm(w0) / np.linalg.norm(update)
    np.testing.assert_allclose(v.numpy(), w0 - 0.1 * ratio * update, rtol=1e-5)


def test_muon_routes_variables_and_orthogonalises():
    opt = optimizers.Muon(exclude_layers=["skip"])
    kernel = Variable(np.zeros((4, 3), "float32"), name="kernel", path="dense/kernel")
    skipped = Variable(np.zeros((4, 3), "float32"), name="kernel", path="skip/kernel")
    embedding = Variable(np.zeros((5, 2), "float32"), name="embeddings", path="embedding/emb")
    bias = Variable(np.zeros(3, "float32"), name="bias", path="dense/bias")
    assert [opt._should_use_adamw(v) for v in (kernel, skipped, embedding, bias)] == \
        [False, True, True, True]
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    s = np.linalg.svd(opt.zeropower_via_newtonschulz5(x, 5), compute_uv=False)
    assert np.all((s > 0.6) & (s < 1.2))  # singular values pushed towards 1
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        opt.zeropower_via_newtonschulz5(np.ones(3, "float32"), 5)


def test_schedule_free_adamw_starts_z_at_the_weights_and_warms_up():
    v = Variable(np.array([1.0, -2.0], "float32"))
    opt = optimizers.ScheduleFreeAdamW(learning_rate=0.1, warmup_steps=4)
    opt.build([v])
    np.testing.assert_allclose(opt.variables[2].numpy(), [1.0, -2.0])
    g = np.array([1.0, 1.0], "float32")
    _step(opt, v, g)
    z = np.array([1.0, -2.0]) - 0.1 * 0.25 * g / (1.0 + 1e-8)  # lr * t / warmup, v_hat = g^2
    np.testing.assert_allclose(opt.variables[2].numpy(), z, rtol=1e-6)
    np.testing.assert_allclose(v.numpy(), z, rtol=1e-6)  # t = 1: x = z, so y = z


def test_stateless_apply_returns_new_values_and_leaves_variables_alone():
    v = Variable(np.array([1.0, 2.0], "float32"))
    opt = optimizers.Adam(0.1)
    opt.build([v])
    before = [x.numpy() for x in opt.variables]
    opt_values = [x.value for x in opt.variables]  # the variables' own arrays
    new_v, new_opt = opt.stateless_apply(opt_values, [np.ones(2, "float32")], [v.value])
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])
    for x, b in zip(opt.variables, before):
        np.testing.assert_array_equal(x.numpy(), b)
    np.testing.assert_allclose(new_v[0], [0.9, 1.9], rtol=1e-5)
    assert int(new_opt[0]) == 1
    with pytest.raises(ValueError, match="corresponding 1:1"):
        opt.stateless_apply(opt_values[:1], [np.ones(2)], [v.value])
    with pytest.raises(ValueError, match="must be built"):
        optimizers.SGD().stateless_apply([], [], [])


def test_overwrite_with_gradient_accumulates_the_maximum():
    v = Variable(np.array([1.0, 2.0], "float32"))
    v.overwrite_with_gradient = True
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    _step(opt, v, [3.0, 1.0])
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])
    _step(opt, v, [2.0, 5.0])
    np.testing.assert_allclose(v.numpy(), [3.0, 5.0])


def test_loss_scale_optimizer_arguments_and_config():
    inner = optimizers.SGD(0.5, loss_scale_factor=10.0)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=4.0, dynamic_growth_steps=3)
    assert inner.loss_scale_factor is None and float(opt.scale_loss(2.0)) == 8.0
    assert opt.learning_rate is inner.learning_rate
    opt.learning_rate = 0.25
    assert float(inner.learning_rate) == 0.25
    config = opt.get_config()
    assert sorted(config) == ["dynamic_growth_steps", "initial_scale", "inner_optimizer", "name"]
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(again.inner_optimizer, optimizers.SGD) and again.initial_scale == 4.0
    with pytest.raises(ValueError, match="set `loss_scale_factor`"):
        optimizers.LossScaleOptimizer(inner, dynamic=False)
    with pytest.raises(ValueError, match="on the `inner_optimizer`"):
        optimizers.LossScaleOptimizer(inner, clipnorm=1.0)
    with pytest.raises(ValueError, match="arguments: `foo`"):
        optimizers.LossScaleOptimizer(inner, foo=1)
    optimizers.LossScaleOptimizer(inner, clipnorm=None, use_ema=False)  # defaults are accepted


def test_loss_scale_optimizer_skips_non_finite_steps():
    v = Variable(np.array([1.0, 2.0], "float32"))
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(1.0), initial_scale=8.0,
                                        dynamic_growth_steps=2)
    _step(opt, v, [np.nan, 8.0])
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])
    assert float(opt.dynamic_scale.numpy()) == 4.0 and int(opt.iterations) == 0
    _step(opt, v, [4.0, 4.0])
    np.testing.assert_allclose(v.numpy(), [0.0, 1.0])
    _step(opt, v, [4.0, 4.0])
    assert float(opt.dynamic_scale.numpy()) == 8.0 and int(opt.iterations) == 2


def test_multi_optimizer_routing_and_errors():
    a, b = optimizers.Adam(0.1), optimizers.SGD(1.0)
    opt_map = optimizers.OptimizerMap(b, {"dense/.*": a})
    with pytest.raises(ValueError, match="already exists"):
        opt_map["dense/.*"] = a
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        opt_map["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(TypeError, match="default_optimizer must be"):
        optimizers.OptimizerMap("sgd")
    w1 = Variable(np.ones(2, "float32"), name="kernel", path="dense/kernel")
    w2 = Variable(np.ones(2, "float32"), name="kernel", path="other/kernel")
    multi = optimizers.MultiOptimizer(opt_map)
    multi.apply([np.ones(2, "float32"), np.ones(2, "float32")], [w1, w2])
    np.testing.assert_allclose(w2.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(w1.numpy(), [0.9, 0.9], rtol=1e-5)
    assert [o is x for o, x in zip(multi.optimizers, [a, b])] == [True, True]
    assert int(multi.iterations) == 1 and int(a.iterations) == 1
    with pytest.raises(AttributeError, match="cannot be accessed on a MultiOptimizer"):
        multi.learning_rate  # noqa: B018
    nested = optimizers.MultiOptimizer(lambda v: multi)
    with pytest.raises(ValueError, match="MultiOptimizer cannot be used inside"):
        nested.build([w1])


def test_legacy_optimizers_raise_like_keras():
    with pytest.raises(ImportError, match="not supported in Keras 3"):
        optimizers.legacy.Adam(0.1)


@pytest.mark.parametrize("name", ["adafactor", "muon", "schedulefreeadamw"])
def test_get_by_name(name):
    assert optimizers.get(name).__class__.__name__.lower() == name


def test_lamb_loads_from_config_but_not_by_name():
    """As in Keras, whose name table leaves Lamb out."""
    with pytest.raises(ValueError):
        optimizers.get("lamb")
    again = optimizers.deserialize(optimizers.serialize(optimizers.Lamb(0.5, beta_1=0.8)))
    assert isinstance(again, optimizers.Lamb) and again.beta_1 == 0.8
