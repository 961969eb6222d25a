"""Optimizers and schedules: hand-checked steps, clipping, weight decay, config, errors."""
import math
import warnings

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.engine.variable import Variable
from minikeras.optimizers import schedules


def var(values, name="w", **kwargs):
    return Variable(np.asarray(values, dtype="float32"), name=name, **kwargs)


def step(opt, values, grads, n=1):
    """Apply `grads` n times to a fresh variable; return its value."""
    v = var(values)
    for _ in range(n):
        opt.apply_gradients([(np.asarray(grads, dtype="float32"), v)])
    return v.numpy()


# --- single steps, by hand -----------------------------------------------------------------
def test_sgd_plain_step():
    np.testing.assert_allclose(step(optimizers.SGD(0.1), [1.0, -2.0], [0.5, 1.0]),
                               [0.95, -2.1], rtol=1e-6)


def test_sgd_momentum_two_steps():
    # v1 = -0.1 g; w1 = w0 + v1;  v2 = 0.9 v1 - 0.1 g; w2 = w1 + v2
    g = 2.0
    v1 = -0.1 * g
    v2 = 0.9 * v1 - 0.1 * g
    np.testing.assert_allclose(step(optimizers.SGD(0.1, momentum=0.9), [1.0], [g], n=2),
                               [1.0 + v1 + v2], rtol=1e-6)


def test_sgd_nesterov_two_steps():
    g = 2.0
    v1 = -0.1 * g
    w1 = 1.0 + 0.9 * v1 - 0.1 * g
    v2 = 0.9 * v1 - 0.1 * g
    w2 = w1 + 0.9 * v2 - 0.1 * g
    out = step(optimizers.SGD(0.1, momentum=0.9, nesterov=True), [1.0], [g], n=2)
    np.testing.assert_allclose(out, [w2], rtol=1e-6)


def test_adam_first_step_is_about_lr_times_sign():
    # m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1:
    # update = lr g / (|g| + eps / sqrt(0.001))
    g = np.array([0.5, -3.0])
    expected = 1.0 - 0.01 * g / (np.abs(g) + 1e-7 / math.sqrt(0.001))
    np.testing.assert_allclose(step(optimizers.Adam(0.01), [1.0, 1.0], g), expected, rtol=1e-5)


def test_adam_second_step_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-7
    g1, g2 = 0.3, -0.7
    m, v, w = 0.0, 0.0, 2.0
    for t, g in enumerate([g1, g2], start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        w -= m * lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) / (math.sqrt(v) + eps)
    opt, x = optimizers.Adam(lr), var([2.0])
    for g in (g1, g2):
        opt.apply_gradients([(np.array([g], "float32"), x)])
    np.testing.assert_allclose(x.numpy(), [w], rtol=1e-5)


def test_amsgrad_keeps_max_velocity():
    opt, x = optimizers.Adam(0.1, amsgrad=True), var([0.0])
    opt.apply_gradients([(np.array([10.0], "float32"), x)])
    opt.apply_gradients([(np.array([0.0], "float32"), x)])
    v_hat = [v for v in opt.variables if v.name.endswith("velocity_hat")][0]
    velocity = [v for v in opt.variables if v.name.endswith("_velocity")][0]
    assert v_hat.numpy()[0] == pytest.approx(0.1, rel=1e-5)
    assert velocity.numpy()[0] < v_hat.numpy()[0]


def test_rmsprop_first_step():
    g = np.array([2.0, -1.0])
    expected = 1.0 - 0.01 * g / np.sqrt(0.1 * g * g + 1e-7)
    np.testing.assert_allclose(step(optimizers.RMSprop(0.01), [1.0, 1.0], g), expected, rtol=1e-5)


def test_rmsprop_centered_first_step():
    g = 2.0
    denom = 0.1 * g * g - (0.1 * g) ** 2 + 1e-7
    np.testing.assert_allclose(step(optimizers.RMSprop(0.01, centered=True), [0.0], [g]),
                               [-0.01 * g / math.sqrt(denom)], rtol=1e-5)


def test_adagrad_first_step():
    g = 3.0
    expected = -0.1 * g / math.sqrt(0.1 + g * g + 1e-7)
    np.testing.assert_allclose(step(optimizers.Adagrad(0.1), [0.0], [g]), [expected], rtol=1e-6)


def test_adadelta_first_step():
    g, rho, eps = 2.0, 0.95, 1e-7
    acc = (1 - rho) * g * g
    delta = -math.sqrt(eps) * g / math.sqrt(acc + eps)
    np.testing.assert_allclose(step(optimizers.Adadelta(1.0), [0.0], [g]), [delta], rtol=1e-5)


def test_adamax_first_step():
    # m = 0.1 g, u = |g|: update = lr * 0.1 g / (0.1 (|g| + eps))
    g = -4.0
    expected = -0.01 * (0.1 * g) / (0.1 * (abs(g) + 1e-7))
    np.testing.assert_allclose(step(optimizers.Adamax(0.01), [0.0], [g]), [expected], rtol=1e-5)


def test_nadam_first_step():
    b1, b2, lr, g = 0.9, 0.999, 0.01, 0.5
    u1, u2 = b1 * (1 - 0.5 * 0.96), b1 * (1 - 0.5 * 0.96 ** 2)
    m, v = (1 - b1) * g, (1 - b2) * g * g
    m_hat = u2 * m / (1 - u1 * u2) + (1 - u1) * g / (1 - u1)
    v_hat = v / (1 - b2)
    expected = -lr * m_hat / (math.sqrt(v_hat) + 1e-7)
    np.testing.assert_allclose(step(optimizers.Nadam(lr), [0.0], [g]), [expected], rtol=1e-5)


def test_lion_moves_by_lr_times_sign():
    out = step(optimizers.Lion(0.1), [1.0, 1.0, 1.0], [3.0, -1e-4, 0.0])
    np.testing.assert_allclose(out, [0.9, 1.1, 1.0], rtol=1e-6)


def test_ftrl_first_step_no_regularisation():
    # n' = 0.1 + g^2; z = g - (sqrt(n') - sqrt(0.1)) / lr * w; w' = -z / (sqrt(n') / lr)
    lr, g, w = 0.1, 1.0, 0.5
    n = 0.1 + g * g
    z = g - (math.sqrt(n) - math.sqrt(0.1)) / lr * w
    np.testing.assert_allclose(step(optimizers.Ftrl(lr), [w], [g]), [-z / (math.sqrt(n) / lr)],
                               rtol=1e-5)


def test_updates_stay_float32_and_in_place():
    x = var([1.0, 2.0])
    optimizers.Adam(0.1).apply_gradients([(np.array([1.0, 1.0]), x)])  # float64 gradient
    assert x.numpy().dtype == np.float32
    assert x.dtype == "float32"


# --- clipping and weight decay ------------------------------------------------------------------
def test_clipnorm_is_per_variable():
    a, b = var([0.0, 0.0]), var([0.0])
    opt = optimizers.SGD(1.0, clipnorm=1.0)
    opt.apply_gradients([(np.array([3.0, 4.0]), a), (np.array([0.5]), b)])
    np.testing.assert_allclose(a.numpy(), [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-0.5], rtol=1e-6)  # below the norm: unchanged


def test_global_clipnorm_scales_all_together():
    a, b = var([0.0, 0.0]), var([0.0])
    opt = optimizers.SGD(1.0, global_clipnorm=2.5)  # global norm = sqrt(9 + 16 + 0) = 5
    opt.apply_gradients([(np.array([3.0, 4.0]), a), (np.array([0.0]), b)])
    np.testing.assert_allclose(a.numpy(), [-1.5, -2.0], rtol=1e-6)


def test_clipvalue():
    out = step(optimizers.SGD(1.0, clipvalue=0.5), [0.0, 0.0, 0.0], [3.0, -0.2, -7.0])
    np.testing.assert_allclose(out, [-0.5, 0.2, 0.5], rtol=1e-6)


def test_only_one_clip_argument():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_is_decoupled_and_applied_before_the_update():
    # w <- w - w * wd * lr, then w <- w - lr * g
    out = step(optimizers.SGD(0.1, weight_decay=0.5), [2.0], [1.0])
    np.testing.assert_allclose(out, [2.0 - 2.0 * 0.5 * 0.1 - 0.1], rtol=1e-6)


def test_adamw_decays_even_with_zero_gradient():
    out = step(optimizers.AdamW(0.1, weight_decay=0.5), [2.0], [0.0])
    np.testing.assert_allclose(out, [2.0 * (1 - 0.05)], rtol=1e-6)


def test_exclude_from_weight_decay_by_name_and_by_variable():
    k, b, e = var([1.0], name="kernel"), var([1.0], name="bias"), var([1.0], name="emb")
    opt = optimizers.SGD(0.1, weight_decay=1.0)
    opt.exclude_from_weight_decay(var_list=[e], var_names=["bias"])
    zero = np.zeros(1, "float32")
    opt.apply_gradients([(zero, k), (zero, b), (zero, e)])
    assert k.numpy()[0] == pytest.approx(0.9)
    assert b.numpy()[0] == 1.0 and e.numpy()[0] == 1.0


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)


# --- state, learning rate, constraints ----------------------------------------------------------
def test_variables_order_and_names():
    k = Variable(np.ones((2, 3), "float32"), name="kernel", path="dense/kernel")
    b = Variable(np.zeros(3, "float32"), name="bias", path="dense/bias")
    opt = optimizers.Adam(name="adam_t")
    opt.build([k, b])
    assert [v.path for v in opt.variables] == [
        "adam_t/iteration", "adam_t/learning_rate", "adam_t/dense_kernel_momentum",
        "adam_t/dense_kernel_velocity", "adam_t/dense_bias_momentum",
        "adam_t/dense_bias_velocity"]
    assert opt.variables[0].dtype == "int64"
    assert all(not v.trainable for v in opt.variables)


def test_sgd_without_momentum_has_no_slots_and_iterations_count():
    x = var([1.0])
    opt = optimizers.SGD()
    for _ in range(3):
        opt.apply_gradients([(np.ones(1, "float32"), x)])
    assert len(opt.variables) == 2
    assert int(opt.iterations) == 3


def test_learning_rate_is_a_settable_variable():
    opt = optimizers.Adam(0.01)
    assert isinstance(opt.learning_rate, Variable)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == pytest.approx(0.5)
    opt.learning_rate.assign(0.25)
    assert float(opt.learning_rate) == pytest.approx(0.25)
    assert opt.get_config()["learning_rate"] == pytest.approx(0.25)
    x = var([0.0])
    opt2 = optimizers.SGD(0.1)
    opt2.learning_rate = 1.0
    opt2.apply_gradients([(np.ones(1, "float32"), x)])
    assert x.numpy()[0] == pytest.approx(-1.0)


def test_schedule_learning_rate_follows_iterations_and_is_not_settable():
    opt = optimizers.SGD(schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5))
    x = var([0.0])
    for _ in range(3):  # lr = 1, 0.5, 0.25
        opt.apply_gradients([(np.ones(1, "float32"), x)])
    assert x.numpy()[0] == pytest.approx(-1.75)
    assert float(opt.learning_rate) == pytest.approx(0.125)
    assert len(opt.variables) == 1  # iterations only
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_setting_a_schedule_untracks_the_learning_rate_variable():
    opt = optimizers.SGD(0.1)
    opt.learning_rate = schedules.InverseTimeDecay(0.1, 1, 1.0)
    assert [v.name for v in opt.variables] == ["iteration"]


def test_callable_learning_rate():
    opt = optimizers.SGD(lambda: 0.5)
    assert step(opt, [0.0], [1.0])[0] == pytest.approx(-0.5)


def test_learning_rate_must_be_float():
    with pytest.raises(ValueError, match="Received instead: learning_rate=1"):
        optimizers.Adam(learning_rate=1)


def test_unknown_kwargs_and_legacy_lr_rejected():
    with pytest.raises(ValueError, match="Argument\\(s\\) not recognized"):
        optimizers.Adam(lr=0.1)


def test_sgd_momentum_validated():
    with pytest.raises(ValueError, match="`momentum` must be a float between"):
        optimizers.SGD(momentum=1.5)


def test_constraint_applied_after_update():
    x = var([0.1, 0.5], constraint=lambda w: np.maximum(np.asarray(w), 0.0))
    optimizers.SGD(1.0).apply_gradients([(np.array([1.0, 0.2], "float32"), x)])
    np.testing.assert_allclose(x.numpy(), [0.0, 0.3], rtol=1e-6)


def test_none_gradient_skipped_with_warning_and_all_none_raises():
    a, b = var([1.0], name="a"), var([1.0], name="b")
    opt = optimizers.SGD(0.1)
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply_gradients([(np.ones(1, "float32"), a), (None, b)])
    assert a.numpy()[0] == pytest.approx(0.9) and b.numpy()[0] == 1.0
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a), (None, b)])


def test_unknown_variable_rejected_after_build():
    opt = optimizers.SGD(0.1)
    opt.apply_gradients([(np.ones(1, "float32"), var([1.0]))])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(np.ones(1, "float32"), var([1.0]))])


def test_apply_without_variables_uses_the_built_list():
    x = var([1.0])
    opt = optimizers.SGD(0.5)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(1, "float32")])
    opt.build([x])
    opt.apply([np.ones(1, "float32")])
    assert x.numpy()[0] == pytest.approx(0.5)


def test_ema_and_finalize():
    x = var([0.0])
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    g = np.ones(1, "float32")
    opt.apply_gradients([(g, x)])  # w = -1, avg = -1 (first step copies)
    opt.apply_gradients([(g, x)])  # w = -2, avg = 0.5 * -1 + 0.5 * -2
    assert x.numpy()[0] == pytest.approx(-2.0)
    opt.finalize_variable_values([x])
    assert x.numpy()[0] == pytest.approx(-1.5)


def test_gradient_accumulation_updates_every_n_steps_with_the_mean():
    x = var([0.0])
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    opt.apply_gradients([(np.array([1.0], "float32"), x)])
    assert x.numpy()[0] == 0.0
    opt.apply_gradients([(np.array([3.0], "float32"), x)])
    assert x.numpy()[0] == pytest.approx(-2.0)
    assert int(opt.iterations) == 1


def test_loss_scale_factor_unscales_gradients():
    opt = optimizers.SGD(1.0, loss_scale_factor=4.0)
    assert opt.scale_loss(2.0) == 8.0
    assert step(opt, [0.0], [4.0])[0] == pytest.approx(-1.0)


def test_forgetting_super_init_is_reported():
    class Bad(optimizers.Optimizer):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Bad()


def test_custom_optimizer_with_update_step():
    class HalfSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, gradient * learning_rate * 0.5)

    assert step(HalfSGD(), [1.0], [1.0])[0] == pytest.approx(0.95)


def test_save_and_load_own_variables():
    x = var([1.0, 2.0])
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(np.ones(2, "float32"), x)])
    store = {}
    opt.save_own_variables(store)
    opt2 = optimizers.Adam(0.1)
    opt2.build([var([0.0, 0.0])])
    opt2.load_own_variables(store)
    for a, b in zip(opt.variables, opt2.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizers.Adam().load_own_variables(store)
    assert "Skipping variable loading" in str(caught[0].message)


# --- registry and config ------------------------------------------------------------------------
@pytest.mark.parametrize("name,cls", [
    ("sgd", optimizers.SGD), ("adam", optimizers.Adam), ("adamw", optimizers.AdamW),
    ("rmsprop", optimizers.RMSprop), ("adagrad", optimizers.Adagrad),
    ("adadelta", optimizers.Adadelta), ("adamax", optimizers.Adamax),
    ("nadam", optimizers.Nadam), ("lion", optimizers.Lion), ("ftrl", optimizers.Ftrl),
    ("Adam", optimizers.Adam), ("RMSprop", optimizers.RMSprop)])
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier.*adam, adamax"):
        optimizers.get("adamm")


def test_get_passthrough_none_and_bad_type():
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


@pytest.mark.parametrize("opt", [
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=1.0),
    lambda: optimizers.Adam(0.002, beta_1=0.8, amsgrad=True, weight_decay=0.1),
    lambda: optimizers.AdamW(0.003, weight_decay=0.01, global_clipnorm=2.0),
    lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.1, centered=True, clipvalue=0.5),
    lambda: optimizers.Adagrad(0.02, initial_accumulator_value=0.2),
    lambda: optimizers.Adadelta(1.0, rho=0.9, use_ema=True, ema_overwrite_frequency=3),
    lambda: optimizers.Adamax(0.01, gradient_accumulation_steps=4),
    lambda: optimizers.Nadam(0.01, loss_scale_factor=8.0),
    lambda: optimizers.Lion(0.0001, beta_2=0.9),
    lambda: optimizers.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.1),
    lambda: optimizers.Adam(schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5)),
])
def test_config_round_trip(opt):
    opt = opt()
    config = optimizers.serialize(opt)
    assert config["module"] == "keras.optimizers"
    assert config["class_name"] == type(opt).__name__
    clone = optimizers.deserialize(config)
    assert type(clone) is type(opt)
    assert clone.get_config() == opt.get_config()
    assert type(opt).from_config(opt.get_config()).get_config() == opt.get_config()


def test_default_hyperparameters():
    assert float(optimizers.SGD().learning_rate) == pytest.approx(0.01)
    adam = optimizers.Adam()
    assert (float(adam.learning_rate), adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (
        pytest.approx(0.001), 0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().weight_decay == 0.004
    rms = optimizers.RMSprop()
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-7, False)
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.Adadelta().rho == 0.95
    assert (optimizers.Lion().beta_1, optimizers.Lion().beta_2) == (0.9, 0.99)


# --- schedules ------------------------------------------------------------------------------------
def test_exponential_decay_values():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert float(s(0)) == pytest.approx(0.1)
    assert float(s(5)) == pytest.approx(0.1 * 0.5 ** 0.5, rel=1e-6)
    assert float(s(20)) == pytest.approx(0.025, rel=1e-6)
    stair = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert float(stair(19)) == pytest.approx(0.05, rel=1e-6)


def test_piecewise_constant_values():
    s = schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])
    assert [float(s(i)) for i in range(8)] == pytest.approx([1, 1, 1, .5, .5, .5, .1, .1])
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_polynomial_decay_values():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, power=2.0)
    assert float(s(5)) == pytest.approx(0.1 * 0.25, rel=1e-6)
    assert float(s(30)) == pytest.approx(0.0, abs=1e-9)
    cyc = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0, cycle=True)
    assert float(cyc(15)) == pytest.approx(0.1 * (1 - 15 / 20), rel=1e-6)


def test_inverse_time_decay_values():
    s = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert float(s(4)) == pytest.approx(0.1 / 2.0, rel=1e-6)
    stair = schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True)
    assert float(stair(3)) == pytest.approx(0.1 / 1.5, rel=1e-6)


def test_cosine_decay_values_with_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.1)
    assert float(s(5)) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1), rel=1e-6)
    assert float(s(100)) == pytest.approx(0.01, rel=1e-5)
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert float(w(2)) == pytest.approx(0.5)
    assert float(w(4)) == pytest.approx(1.0)
    assert float(w(9)) == pytest.approx(0.5, abs=1e-6)


def test_cosine_decay_restarts_values():
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    assert float(s(5)) == pytest.approx(0.5, abs=1e-6)
    assert float(s(10)) == pytest.approx(0.5, abs=1e-6)  # restart at half height
    assert float(s(20)) == pytest.approx(0.5 * 0.5, abs=1e-6)  # halfway through a 20-step period
    assert float(s(30)) == pytest.approx(0.25, abs=1e-6)


def test_schedule_decay_steps_validated():
    with pytest.raises(ValueError, match="`decay_steps` must be > 0. Received: decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)


@pytest.mark.parametrize("s", [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.PiecewiseConstantDecay([3, 6], [0.3, 0.2, 0.1]),
    schedules.PolynomialDecay(0.1, 10, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5),
    schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5),
])
def test_schedule_serialize_round_trip(s):
    config = schedules.serialize(s)
    assert config["module"] == "keras.optimizers.schedules"
    clone = schedules.deserialize(config)
    assert type(clone) is type(s) and clone.get_config() == s.get_config()
    for t in (0, 4, 17):
        assert float(clone(t)) == float(s(t))


def test_schedule_deserialize_unknown_and_custom():
    with pytest.raises(ValueError, match="Valid decay names are"):
        schedules.deserialize({"class_name": "Nope", "config": {}})

    class Half(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.5

        def get_config(self):
            return {}

    got = schedules.deserialize({"class_name": "Half", "config": {}}, custom_objects={"Half": Half})
    assert isinstance(got, Half)
    opt = optimizers.deserialize({"class_name": "SGD", "config": {
        "learning_rate": {"class_name": "Half", "config": {}}}}, custom_objects={"Half": Half})
    assert float(opt.learning_rate) == 0.5


def test_schedule_base_must_be_overridden():
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)


@pytest.mark.parametrize("make", [
    lambda K: K.optimizers.Adam(), lambda K: K.optimizers.Adam(amsgrad=True),
    lambda K: K.optimizers.AdamW(), lambda K: K.optimizers.Adamax(), lambda K: K.optimizers.Nadam(),
    lambda K: K.optimizers.RMSprop(), lambda K: K.optimizers.RMSprop(centered=True, momentum=0.5),
    lambda K: K.optimizers.SGD(momentum=0.9, nesterov=True), lambda K: K.optimizers.SGD(momentum=0.9),
    lambda K: K.optimizers.Adagrad(), lambda K: K.optimizers.Adadelta(), lambda K: K.optimizers.Ftrl(),
    lambda K: K.optimizers.Lion()])
def test_scalar_variable_updates_like_one_element_of_a_vector(make):
    """A 0-d variable (a learnable temperature) trains: numpy hands its temporaries back as
    scalars, which in-place `out=` writes cannot take."""
    import minikeras as K
    opt = make(K)
    scalar, vector = K.Variable(np.float32(1.0)), K.Variable(np.ones(3, "float32"))
    for g in (0.5, 0.25):
        opt.apply([np.float32(g), np.full(3, g, "float32")], [scalar, vector])
    assert scalar.shape == () and scalar.numpy().dtype == np.float32
    np.testing.assert_allclose(scalar.numpy(), vector.numpy()[0], rtol=1e-6)
    assert scalar.numpy() != 1.0
