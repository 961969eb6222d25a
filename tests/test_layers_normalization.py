"""Normalization layers: hand-checked values, gradients, moving statistics under fit, frozen
BatchNormalization, masks, configs and errors."""
import numpy as np
import pytest

import minikeras as mk
from minikeras import layers
from tests.layer_testing import check_layer_grads

X = np.array([[1.0, 2.0], [3.0, 6.0]], dtype="float32")  # column means [2, 4], biased vars [1, 4]


# --- BatchNormalization ------------------------------------------------------------------
def test_batchnorm_weights_defaults_and_order():
    bn = layers.BatchNormalization()
    bn.build((None, 3))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert [w.numpy().tolist() for w in bn.weights] == [[1] * 3, [0] * 3, [0] * 3, [1] * 3]
    assert (bn.axis, bn.momentum, bn.epsilon) == (-1, 0.99, 1e-3)
    assert all(w.dtype == "float32" for w in bn.weights)


def test_batchnorm_training_uses_batch_moments_and_updates_with_biased_variance():
    bn = layers.BatchNormalization()
    out = bn(X, training=True)
    expected = (X - [2.0, 4.0]) / np.sqrt(np.array([1.0, 4.0]) + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.02, 0.04], rtol=1e-6)
    # biased variance [1, 4]; the unbiased [2, 8] would give [1.01, 1.07]
    np.testing.assert_allclose(bn.moving_variance.numpy(), [1.0, 1.03], rtol=1e-6)
    bn(X, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.02 * 0.99 + 0.02, 0.04 * 0.99 + 0.04], rtol=1e-6)


def test_batchnorm_inference_uses_moving_statistics_and_gamma_beta():
    bn = layers.BatchNormalization(momentum=0.5, epsilon=0.01)
    bn.build((None, 2))
    bn.set_weights([np.array([2.0, 3.0]), np.array([0.5, -1.0]), np.array([1.0, 2.0]), np.array([4.0, 0.25])])
    for training in (None, False):
        out = bn(X, training=training)
        expected = [2.0, 3.0] * (X - [1.0, 2.0]) / np.sqrt(np.array([4.0, 0.25]) + 0.01) + [0.5, -1.0]
        np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [1.0, 2.0])  # inference never updates


def test_batchnorm_frozen_layer_runs_in_inference_mode_and_keeps_its_state():
    bn = layers.BatchNormalization()
    bn.build((None, 2))
    bn.set_weights([np.ones(2), np.zeros(2), np.array([1.0, 1.0]), np.array([2.0, 2.0])])
    bn.trainable = False
    out = bn(X, training=True)
    np.testing.assert_allclose(out, (X - 1.0) / np.sqrt(2.001), rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_variance.numpy(), [2.0, 2.0])
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_batchnorm_channels_first_axis_and_4d_images():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(4, 3, 5, 5)).astype("float32")
    bn = layers.BatchNormalization(axis=1)
    out = np.asarray(bn(x, training=True))
    assert bn.gamma.shape == (3,)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)) / (x.var(axis=(0, 2, 3)) + 1e-3),
                               rtol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * x.mean(axis=(0, 2, 3)), rtol=1e-5)


def test_batchnorm_mask_leaves_masked_steps_out_of_the_moments():
    x = np.array([[[1.0], [3.0], [100.0]], [[5.0], [-50.0], [7.0]]], dtype="float32")
    mask = np.array([[1, 1, 0], [1, 0, 1]], dtype=bool)
    bn = layers.BatchNormalization(momentum=0.0)
    bn(x, training=True, mask=mask)
    kept = np.array([1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(bn.moving_mean.numpy(), [kept.mean()], rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [kept.var()], rtol=1e-5)
    with pytest.raises(ValueError, match="one dimension less"):
        bn(x, training=True, mask=np.ones((2, 3, 1), bool))


def test_batchnorm_renorm_weights_and_first_step():
    bn = layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0})
    out = bn(X, training=True)
    assert [w.name for w in bn.weights][4:] == ["moving_stddev", "renorm_mean", "renorm_stddev"]
    # renorm stats start at mean 0, stddev 1: r = min(std_b, rmax), d = mean_b; y = x_hat * r + d
    std = np.sqrt(np.array([1.0, 4.0]) + 1e-3)
    r, mean = np.minimum(std, 2.0), np.array([2.0, 4.0])
    assert r[1] == 2.0  # clipped
    np.testing.assert_allclose(out, (X - mean) / std * r + mean, rtol=1e-6)
    np.testing.assert_allclose(bn.moving_stddev.numpy(), 0.99 + 0.01 * std, rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), (0.99 + 0.01 * std) ** 2 - 1e-3, rtol=1e-6)


def test_batchnorm_moving_statistics_after_fit_steps():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.9)
    model = mk.Sequential([mk.Input((3,)), bn, layers.Dense(1)])
    model.compile(mk.optimizers.SGD(0.1), "mse")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    mean = 0.9 * (0.1 * x[:4].mean(0)) + 0.1 * x[4:].mean(0)
    var = 0.9 * (0.9 + 0.1 * x[:4].var(0)) + 0.1 * x[4:].var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, rtol=1e-5)
    assert not np.allclose(bn.gamma.numpy(), 1.0)  # gamma trained through the batch moments


def test_frozen_batchnorm_inside_fit_uses_and_keeps_moving_statistics():
    rng = np.random.default_rng(2)
    x = rng.normal(2.0, 3.0, size=(6, 3)).astype("float32")
    y = rng.normal(size=(6, 1)).astype("float32")
    bn = layers.BatchNormalization()
    model = mk.Sequential([mk.Input((3,)), bn, layers.Dense(1)])
    bn.trainable = False
    model.compile(mk.optimizers.SGD(0.1), "mse")
    before = model.get_weights()
    inference_loss = model.evaluate(x, y, verbose=0)
    loss = model.fit(x, y, batch_size=6, epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose(loss, inference_loss, rtol=1e-6)  # the step ran in inference mode
    for w, start in zip(bn.weights, before[:4]):
        np.testing.assert_array_equal(w.numpy(), start)
    assert not np.allclose(model.layers[-1].kernel.numpy(), before[4])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 4


def test_summary_counts_non_trainable_moving_statistics(capsys):
    model = mk.Sequential([mk.Input((4,)), layers.Dense(3), layers.BatchNormalization()])
    model.summary()
    text = capsys.readouterr().out
    assert "Trainable params: 21" in text and "Non-trainable params: 6" in text


# --- LayerNormalization ------------------------------------------------------------------
def test_layernorm_values_and_weights():
    ln = layers.LayerNormalization()
    x = np.array([[1.0, 2.0, 3.0, 4.0]], dtype="float32")
    np.testing.assert_allclose(ln(x), (x - 2.5) / np.sqrt(1.25 + 1e-3), rtol=1e-6)
    assert [w.name for w in ln.weights] == ["gamma", "beta"] and ln.axis == [-1]
    ln.set_weights([np.array([1.0, 2.0, 3.0, 4.0]), np.full(4, 0.5)])
    np.testing.assert_allclose(ln(x), [1, 2, 3, 4] * (x - 2.5) / np.sqrt(1.25 + 1e-3) + 0.5, rtol=1e-6)


def test_layernorm_several_axes_normalizes_each_example_over_them():
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 5)).astype("float32")
    ln = layers.LayerNormalization(axis=[1, 2], epsilon=1e-6)
    out = np.asarray(ln(x))
    assert ln.gamma.shape == (3, 4)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(1, 2)), 1.0, rtol=1e-4)


def test_layernorm_rms_scaling_is_uncentred_and_warns():
    with pytest.warns(UserWarning, match="rms_scaling"):
        ln = layers.LayerNormalization(rms_scaling=True)
    x = np.array([[1.0, 2.0, 3.0, 4.0]], dtype="float32")
    np.testing.assert_allclose(ln(x), x / np.sqrt(1.25 + 1e-3), rtol=1e-6)
    assert [w.name for w in ln.weights] == ["gamma"]
    assert ln.get_config()["rms_scaling"] is True


# --- GroupNormalization ------------------------------------------------------------------
def test_groupnorm_normalizes_each_group_of_channels():
    x = np.array([[1.0, 3.0, 10.0, 30.0]], dtype="float32")
    out = layers.GroupNormalization(groups=2)(x)
    np.testing.assert_allclose(out, [[-1, 1, -1, 1] / np.sqrt(np.array([1.0, 1.0, 100.0, 100.0]) + 1e-3)
                                     * [1, 1, 10, 10]], rtol=1e-6)


def test_groupnorm_instance_normalization_and_channels_first():
    x = np.random.default_rng(4).normal(size=(2, 4, 3, 3)).astype("float32")
    gn = layers.GroupNormalization(groups=-1, axis=1, epsilon=1e-6)
    out = np.asarray(gn(x))
    assert gn.groups == 4 and gn.get_config()["groups"] == 4 and gn.gamma.shape == (4,)
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(2, 3)), 1.0, rtol=1e-4)


# --- UnitNormalization -------------------------------------------------------------------
def test_unitnorm_values():
    un = layers.UnitNormalization()
    np.testing.assert_allclose(un(np.array([[3.0, 4.0], [0.0, 0.0]], "float32")), [[0.6, 0.8], [0, 0]], rtol=1e-6)
    x = np.random.default_rng(5).normal(size=(2, 3, 4)).astype("float32")
    out = np.asarray(layers.UnitNormalization(axis=[1, 2])(x))
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=(1, 2))), 1.0, rtol=1e-6)
    assert un.built and un.weights == []


# --- gradients ---------------------------------------------------------------------------
GRAD_CASES = {
    "bn": (lambda: layers.BatchNormalization(dtype="float64", gamma_initializer="random_normal",
                                             beta_initializer="random_normal"), (5, 3)),
    "bn_axis1": (lambda: layers.BatchNormalization(axis=1, dtype="float64"), (3, 2, 4, 4)),
    "bn_renorm": (lambda: layers.BatchNormalization(renorm=True, dtype="float64"), (6, 2)),
    "ln": (lambda: layers.LayerNormalization(dtype="float64", gamma_initializer="random_normal"), (3, 4)),
    "ln_axes": (lambda: layers.LayerNormalization(axis=[1, 2], dtype="float64"), (2, 3, 4)),
    "gn": (lambda: layers.GroupNormalization(groups=2, dtype="float64"), (2, 3, 4)),
    "gn_first": (lambda: layers.GroupNormalization(groups=3, axis=1, dtype="float64"), (2, 6, 2, 2)),
    "unit": (lambda: layers.UnitNormalization(dtype="float64"), (3, 4)),
}


# renorm's r and d are stop-gradient by design, so its training mode is not the finite-difference
# derivative; the conformance fit test checks it against Keras instead.
@pytest.mark.parametrize("case,training", [(c, t) for c in sorted(GRAD_CASES) for t in (False, True)
                                           if not (c == "bn_renorm" and t)])
def test_gradients(case, training):
    factory, shape = GRAD_CASES[case]
    x = np.random.default_rng(6).normal(1.0, 2.0, size=shape)
    out = check_layer_grads(factory(), x, training=training)
    assert out.shape == shape


# --- configs, shapes, errors ---------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.BatchNormalization(axis=1, momentum=0.9, center=False, beta_regularizer="l2",
                                      renorm=True, renorm_clipping={"rmax": 3.0}),
    lambda: layers.LayerNormalization(axis=[1, 2], epsilon=1e-5, gamma_constraint="non_neg"),
    lambda: layers.GroupNormalization(groups=4, scale=False, beta_initializer="ones"),
    lambda: layers.UnitNormalization(axis=[1, 2]),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_symbolic_shapes():
    inputs = mk.Input((5, 5, 8))
    h = layers.BatchNormalization()(inputs)
    h = layers.GroupNormalization(groups=4)(h)
    h = layers.LayerNormalization(axis=[1, 2, 3])(h)
    assert layers.UnitNormalization()(h).shape == (None, 5, 5, 8)


@pytest.mark.parametrize("make,shape,match", [
    (lambda: layers.BatchNormalization(axis=3, name="bn_x"), (2, 3), "Axis 3 is out of bounds.*bn_x"),
    (lambda: layers.BatchNormalization(axis=-3, name="bn_x"), (2, 3), "Axis -3 is out of bounds.*bn_x"),
    (lambda: layers.BatchNormalization(name="bn_x"), (2, None), "defined dimension.*bn_x"),
    (lambda: layers.LayerNormalization(axis=[1, 2], name="ln_x"), (2, 3), "Axis 2 is out of bounds.*ln_x"),
    (lambda: layers.GroupNormalization(groups=4, name="gn_x"), (2, 6), r"channels \(6\).*groups \(4\).*gn_x"),
    (lambda: layers.GroupNormalization(groups=8, name="gn_x"), (2, 6), r"groups \(8\) cannot be more.*gn_x"),
    (lambda: layers.GroupNormalization(groups=2, axis=0, name="gn_x"), (2, 6), "batch axis.*gn_x"),
])
def test_build_errors_name_the_layer(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make().build(shape)


@pytest.mark.parametrize("make,match", [
    (lambda: layers.BatchNormalization(epsilon=0, name="bn_e"), "epsilon=0 .*bn_e"),
    (lambda: layers.LayerNormalization(epsilon=-1e-3, name="ln_e"), "epsilon=-0.001 .*ln_e"),
    (lambda: layers.GroupNormalization(epsilon=0.0, name="gn_e"), "epsilon=0.0 .*gn_e"),
    (lambda: layers.GroupNormalization(groups=0, name="gn_g"), "groups=0 .*gn_g"),
    (lambda: layers.GroupNormalization(groups=2.5), "groups=2.5"),
    (lambda: layers.BatchNormalization(renorm=True, renorm_clipping={"rmx": 1.0}), "invalid keys"),
    (lambda: layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.0, "rmin": 2.0}),
     "rmax=1.0, rmin=2.0"),
    (lambda: layers.BatchNormalization(renorm=True, renorm_clipping={"dmax": -1.0}), "dmax=-1.0"),
])
def test_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_axis_type_errors():
    with pytest.raises(TypeError, match="axis"):
        layers.BatchNormalization(axis=[1, 2])
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis=1.5)


def test_input_spec_checks_channels_after_build():
    bn = layers.BatchNormalization(name="bn_spec")
    bn(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="bn_spec"):
        bn(np.zeros((2, 4), "float32"))
