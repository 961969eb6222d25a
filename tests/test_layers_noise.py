"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization."""
import math

import numpy as np
import pytest
from autograd.test_util import check_grads

import minikeras
from minikeras import layers
from minikeras.engine.random import SeedGenerator
from minikeras.utils import set_random_seed

RANDOM = {
    "spatial1d": (lambda **kw: layers.SpatialDropout1D(0.4, **kw), (4, 6, 5)),
    "spatial2d": (lambda **kw: layers.SpatialDropout2D(0.4, **kw), (4, 3, 3, 5)),
    "spatial2d_cf": (lambda **kw: layers.SpatialDropout2D(0.4, data_format="channels_first", **kw),
                     (4, 5, 3, 3)),
    "spatial3d": (lambda **kw: layers.SpatialDropout3D(0.4, **kw), (2, 2, 3, 2, 5)),
    "gaussian_noise": (lambda **kw: layers.GaussianNoise(0.3, **kw), (4, 5)),
    "gaussian_dropout": (lambda **kw: layers.GaussianDropout(0.3, **kw), (4, 5)),
    "alpha_dropout": (lambda **kw: layers.AlphaDropout(0.3, **kw), (4, 5)),
}


@pytest.mark.parametrize("case", sorted(RANDOM))
def test_identity_at_inference(case, rng):
    make, shape = RANDOM[case]
    x = rng.normal(size=shape).astype("float32")
    layer = make()
    assert layer.built
    for kwargs in ({}, {"training": False}):
        y = layer(x, **kwargs)
        assert y is x or np.array_equal(y, x)
    model = minikeras.Sequential([layers.Input(shape[1:]), make()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert layer(layers.Input(shape[1:])).shape == (None,) + shape[1:]


@pytest.mark.parametrize("case", sorted(RANDOM))
def test_training_is_random_and_repeatable(case, rng):
    make, shape = RANDOM[case]
    x = rng.normal(size=shape).astype("float32") + 2.0

    def run(global_seed, **kwargs):
        set_random_seed(global_seed)
        layer = make(**kwargs)
        return layer(x, training=True), layer(x, training=True)

    a1, a2 = run(3)
    b1, b2 = run(3)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # the generator advances between calls
    assert not np.array_equal(a1, run(4)[0])
    np.testing.assert_array_equal(run(5, seed=11)[0], run(6, seed=11)[0])  # a fixed seed wins
    assert a1.dtype == np.float32 and a1.shape == x.shape


def _channel_view(y, data_format):
    """(batch, channels, spatial...) flattened to (batch, channels, -1)."""
    if data_format == "channels_last":
        y = np.moveaxis(y, -1, 1)
    return y.reshape(y.shape[0], y.shape[1], -1)


@pytest.mark.parametrize("cls, shape, data_format", [
    (layers.SpatialDropout1D, (50, 7, 8), "channels_last"),
    (layers.SpatialDropout2D, (50, 3, 4, 8), "channels_last"),
    (layers.SpatialDropout2D, (50, 8, 3, 4), "channels_first"),
    (layers.SpatialDropout3D, (50, 2, 3, 2, 8), "channels_last"),
    (layers.SpatialDropout3D, (50, 8, 2, 3, 2), "channels_first"),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format):
    rate = 0.3
    kwargs = {} if cls is layers.SpatialDropout1D else {"data_format": data_format}
    layer = cls(rate, seed=0, **kwargs)
    x = np.ones(shape, "float32")
    kept = []
    for _ in range(10):
        y = _channel_view(layer(x, training=True), data_format)
        per_channel = y.max(axis=-1)
        assert np.array_equal(y.min(axis=-1), per_channel)  # one value per whole channel
        np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / (1 - rate)], rtol=1e-6)
        kept.append(per_channel > 0)
    assert abs(np.mean(kept) - (1 - rate)) < 0.03  # 4,000 channel draws: sd 0.007


def test_spatial_dropout_rate_extremes():
    x = np.ones((2, 3, 4), "float32")
    np.testing.assert_array_equal(layers.SpatialDropout1D(1.0)(x, training=True), 0.0)
    np.testing.assert_array_equal(layers.SpatialDropout1D(0.0)(x, training=True), x)
    assert isinstance(layers.SpatialDropout1D(0.5), layers.Dropout)


def test_gaussian_noise_statistics():
    x = np.full((400, 500), 3.0, "float32")
    noise = layers.GaussianNoise(0.2, seed=1)(x, training=True) - x
    assert abs(noise.mean()) < 0.002  # 200,000 draws: sd 0.00045
    assert abs(noise.std() - 0.2) < 0.002


def test_gaussian_dropout_statistics():
    rate = 0.2
    x = np.full((400, 500), -2.0, "float32")
    factor = layers.GaussianDropout(rate, seed=1)(x, training=True) / x
    assert abs(factor.mean() - 1.0) < 0.005
    assert abs(factor.var() - rate / (1 - rate)) < 0.005


def test_alpha_dropout_keeps_unit_mean_and_variance(rng):
    rate = 0.25
    x = rng.normal(size=(400, 500)).astype("float32")
    layer = layers.AlphaDropout(rate, seed=2)
    y = layer(x, training=True)
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.01
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    dropped = np.isclose(y, a * alpha_p - a * alpha_p * rate, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.01
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] - a * alpha_p * rate, rtol=1e-5, atol=1e-6)
    shared = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=0)(np.zeros((6, 4), "float32"),
                                                                      training=True)
    assert np.all(shared.min(axis=1) == shared.max(axis=1))


@pytest.mark.parametrize("case", sorted(RANDOM))
def test_training_gradients(case, rng):
    """d output / d input with the noise held fixed (the generator is re-seeded for each call)."""
    make, shape = RANDOM[case]
    layer = make(dtype="float64")
    x = rng.normal(size=shape)

    def f(v):
        layer.seed_generator = SeedGenerator(7)
        return layer(v, training=True)
    check_grads(f, modes=["rev"], order=1)(x)


@pytest.mark.parametrize("make, match", [
    (lambda: layers.SpatialDropout2D(1.5), r"`rate`. Expected a float value between 0 and 1. Received: rate=1.5"),
    (lambda: layers.SpatialDropout1D(-0.1), r"Received: rate=-0.1"),
    (lambda: layers.SpatialDropout3D("0.5"), r"Received: rate=0.5"),
    (lambda: layers.GaussianNoise(-1.0), r"argument `stddev`. Expected a float value between 0 and 1"),
    (lambda: layers.GaussianDropout(2), r"Received: rate=2"),
    (lambda: layers.AlphaDropout(-0.5), r"Received: rate=-0.5"),
    (lambda: layers.SpatialDropout2D(0.1, data_format="nchw"), r"Received: data_format=nchw"),
])
def test_argument_errors_name_layer(make, match):
    with pytest.raises(ValueError, match=match) as info:
        make()
    assert "(layer '" in str(info.value)


def test_rank_is_checked():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.SpatialDropout2D(0.2)(np.zeros((2, 3, 4), "float32"))


def test_configs_round_trip():
    config = layers.SpatialDropout2D(0.2, data_format="channels_first", seed=3, name="sd").get_config()
    assert config == {"rate": 0.2, "seed": 3, "name": "sd", "dtype": "float32",
                      "data_format": "channels_first"}
    again = layers.SpatialDropout2D.from_config(config)
    assert (again.rate, again.seed, again.data_format, again.name) == (0.2, 3, "channels_first", "sd")
    assert layers.GaussianNoise(0.1, seed=2).get_config()["stddev"] == 0.1
    assert layers.AlphaDropout(0.1, noise_shape=(None, 1)).get_config()["noise_shape"] == (None, 1)
    ar = layers.ActivityRegularization(l1=0.1).get_config()
    assert (ar["l1"], ar["l2"]) == (0.1, 0.0) and "activity_regularizer" not in ar
    assert layers.ActivityRegularization.from_config(ar).activity_regularizer.l1 == pytest.approx(0.1)


def test_activity_regularization_loss(rng):
    x = rng.normal(size=(4, 3, 2)).astype("float32")
    layer = layers.ActivityRegularization(l1=0.01, l2=0.2)
    y = layer(x)
    np.testing.assert_array_equal(y, x)
    (loss,) = layer.losses
    expected = (0.01 * np.abs(x).sum() + 0.2 * np.square(x).sum()) / 4
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    layer(x[:2])
    assert len(layer.losses) == 1  # losses are reset on each outer call
    assert layers.ActivityRegularization()(layers.Input((3,))).shape == (None, 3)


def test_activity_regularization_trains_towards_smaller_activations(rng):
    x = rng.normal(size=(16, 4)).astype("float32")
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, use_bias=False),
                                  layers.ActivityRegularization(l2=10.0)])
    model.compile(minikeras.optimizers.SGD(0.01), "mse")
    before = np.abs(model.layers[0].kernel.numpy()).sum()
    model.fit(x, np.zeros((16, 3), "float32"), epochs=3, batch_size=16, verbose=0)
    assert np.abs(model.layers[0].kernel.numpy()).sum() < before
    assert math.isfinite(float(model.evaluate(x, np.zeros((16, 3)), verbose=0)))


def test_gaussian_dropout_rate_one_is_accepted_but_cannot_train():
    layer = layers.GaussianDropout(1.0)  # Keras accepts it too
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(layer(x), x)
    with pytest.raises(ValueError, match=r"rate=1.0 \(layer 'gaussian_dropout"):
        layer(x, training=True)
