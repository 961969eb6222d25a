"""minikeras.initializers: values, fans, seeding, configs and the registry."""
import math

import numpy as np
import pytest

from minikeras import initializers as I
from minikeras.engine import random as mkrandom
from minikeras.engine.random import SeedGenerator

RANDOM_CLASSES = [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.VarianceScaling,
                  I.GlorotUniform, I.GlorotNormal, I.HeNormal, I.HeUniform, I.LecunNormal,
                  I.LecunUniform, I.Orthogonal]


# --- constants --------------------------------------------------------------------------------
def test_zeros_ones_constant_identity():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.Ones()((4,)), np.ones(4))
    np.testing.assert_array_equal(I.Constant(3.5)((2, 2)), np.full((2, 2), 3.5))
    np.testing.assert_array_equal(I.Constant(np.arange(3.0))((2, 3)), [[0, 1, 2], [0, 1, 2]])
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])


@pytest.mark.parametrize("init", [I.Zeros(), I.Ones(), I.Constant(2), I.Identity(), *[c(seed=1) for c in RANDOM_CLASSES]])
def test_float32_by_default_and_dtype_argument(init):
    assert init((4, 4)).dtype == np.float32
    assert init((4, 4), dtype="float64").dtype == np.float64


def test_identity_needs_2d():
    with pytest.raises(ValueError, match="only be used for 2D matrices. Received: shape=\\(2, 2, 2\\)"):
        I.Identity()((2, 2, 2))


# --- fans and variance scaling -----------------------------------------------------------------
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
    ((3, 16, 32), (48, 96)),                 # Conv1D kernel
    ((3, 3, 16, 32), (144, 288)),           # Conv2D kernel
    ((2, 3, 3, 4, 8), (72, 144)),           # Conv3D kernel
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


def test_compute_fans_explicit_axes():
    assert I.compute_fans((2, 3, 4), input_axes=[0, 1], output_axes=[2]) == (6, 4)


BIG = (300, 500)


@pytest.mark.parametrize("cls, expected_std", [
    (I.GlorotNormal, math.sqrt(2 / 800)), (I.HeNormal, math.sqrt(2 / 300)),
    (I.LecunNormal, math.sqrt(1 / 300)),
])
def test_truncated_normal_family_std(cls, expected_std):
    w = cls(seed=3)(BIG)
    assert abs(w.std() / expected_std - 1) < 0.02
    assert np.abs(w).max() <= 2 * expected_std / 0.87962566103423978 + 1e-6
    assert abs(w.mean()) < 0.01 * expected_std * 10


@pytest.mark.parametrize("cls, limit", [
    (I.GlorotUniform, math.sqrt(6 / 800)), (I.HeUniform, math.sqrt(6 / 300)),
    (I.LecunUniform, math.sqrt(3 / 300)),
])
def test_uniform_family_limit(cls, limit):
    w = cls(seed=3)(BIG)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit
    assert abs(w.std() / (limit / math.sqrt(3)) - 1) < 0.02


def test_glorot_uniform_on_conv_kernel_uses_receptive_field():
    w = I.GlorotUniform(seed=0)((3, 3, 16, 32))
    limit = math.sqrt(6 / (144 + 288))
    assert limit * 0.99 < np.abs(w).max() <= limit


@pytest.mark.parametrize("mode, n", [("fan_in", 300), ("fan_out", 500), ("fan_avg", 400)])
@pytest.mark.parametrize("distribution", ["untruncated_normal", "truncated_normal", "uniform"])
def test_variance_scaling_variance(mode, n, distribution):
    w = I.VarianceScaling(scale=3.0, mode=mode, distribution=distribution, seed=5)(BIG)
    assert abs(w.var() / (3.0 / n) - 1) < 0.04


def test_variance_scaling_normal_means_truncated():
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0.0}, "Argument `scale` must be positive float. Received: scale=0.0"),
    ({"mode": "fan"}, "Invalid `mode` argument: fan"),
    ({"distribution": "cauchy"}, "Invalid `distribution` argument: cauchy"),
])
def test_variance_scaling_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        I.VarianceScaling(**kwargs)


def test_random_normal_uniform_truncated_moments():
    w = I.RandomNormal(mean=1.0, stddev=0.5, seed=1)(BIG)
    assert abs(w.mean() - 1.0) < 0.01 and abs(w.std() - 0.5) < 0.01
    u = I.RandomUniform(minval=2.0, maxval=3.0, seed=1)(BIG)
    assert u.min() >= 2.0 and u.max() < 3.0 and abs(u.mean() - 2.5) < 0.01
    t = I.TruncatedNormal(mean=0.0, stddev=1.0, seed=1)(BIG)
    assert np.abs(t).max() <= 2.0 and abs(t.std() - 0.87962566) < 0.01


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (3, 3, 4, 8)])
def test_orthogonal(shape):
    w = I.Orthogonal(gain=2.0, seed=0)(shape)
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(len(gram)), atol=1e-5)


def test_orthogonal_needs_2d():
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal()((3,))


# --- seeding ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", RANDOM_CLASSES)
def test_int_seed_repeats_and_differs_between_seeds(cls):
    a, b = cls(seed=7)((6, 4)), cls(seed=7)((6, 4))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, cls(seed=7)((6, 4)))
    assert not np.array_equal(a, cls(seed=8)((6, 4)))


@pytest.mark.parametrize("cls", RANDOM_CLASSES)
def test_unseeded_is_repeatable_after_set_random_seed(cls):
    mkrandom.set_random_seed(42)
    first = cls()((6, 4))
    other = cls()((6, 4))
    mkrandom.set_random_seed(42)
    np.testing.assert_array_equal(cls()((6, 4)), first)
    assert not np.array_equal(first, other)  # two instances draw different seeds


def test_unseeded_instance_repeats_itself_like_keras():
    init = I.GlorotUniform()
    np.testing.assert_array_equal(init((3, 3)), init((3, 3)))


def test_seed_generator_gives_new_values_each_call():
    init = I.RandomNormal(seed=SeedGenerator(3))
    assert not np.array_equal(init((4,)), init((4,)))


def test_bad_seed():
    with pytest.raises(ValueError, match="`seed` argument should be an instance of"):
        I.RandomNormal(seed="x")


# --- configs and registry ---------------------------------------------------------------------
@pytest.mark.parametrize("init, config", [
    (I.Zeros(), {}),
    (I.Constant(2.5), {"value": 2.5}),
    (I.Identity(gain=3.0), {}),  # Keras 3.15 does not save `gain`
    (I.RandomNormal(seed=1), {"seed": 1, "mean": 0.0, "stddev": 0.05}),
    (I.RandomUniform(), {"seed": None, "minval": -0.05, "maxval": 0.05}),
    (I.TruncatedNormal(stddev=2.0), {"seed": None, "mean": 0.0, "stddev": 2.0}),
    (I.VarianceScaling(), {"seed": None, "scale": 1.0, "mode": "fan_in",
                           "distribution": "truncated_normal", "input_axes": None,
                           "output_axes": None}),
    (I.GlorotUniform(seed=4), {"seed": 4, "input_axes": None, "output_axes": None}),
    (I.Orthogonal(gain=0.5), {"seed": None, "gain": 0.5}),
])
def test_get_config_and_round_trip(init, config):
    assert init.get_config() == config
    clone = type(init).from_config(init.get_config())
    assert clone.get_config() == config
    back = I.deserialize(I.serialize(init))
    assert type(back) is type(init) and back.get_config() == config


def test_seeded_clone_gives_same_values():
    init = I.HeNormal(seed=11)
    np.testing.assert_array_equal(init.clone()((5, 5)), init((5, 5)))


def test_constant_array_value_serializes_as_numpy():
    cfg = I.Constant(np.array([1.0, 2.0])).get_config()
    assert cfg == {"value": {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float64"}}}
    np.testing.assert_array_equal(I.Constant.from_config(cfg)((2,)), [1.0, 2.0])


def test_serialize_format():
    assert I.serialize(I.HeNormal(seed=2)) == {
        "module": "keras.initializers", "class_name": "HeNormal",
        "config": {"seed": 2, "input_axes": None, "output_axes": None}, "registered_name": None}


@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
    ("glorot_normal", I.GlorotNormal), ("he_normal", I.HeNormal), ("he_uniform", I.HeUniform),
    ("lecun_normal", I.LecunNormal), ("lecun_uniform", I.LecunUniform), ("zeros", I.Zeros),
    ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones), ("constant", I.Constant),
    ("identity", I.Identity), ("IdentityInitializer", I.Identity), ("orthogonal", I.Orthogonal),
    ("OrthogonalInitializer", I.Orthogonal), ("random_normal", I.RandomNormal),
    ("normal", I.RandomNormal), ("random_uniform", I.RandomUniform), ("uniform", I.RandomUniform),
    ("truncated_normal", I.TruncatedNormal), ("variance_scaling", I.VarianceScaling),
])
def test_get_by_name(name, cls):
    assert type(I.get(name)) is cls
    assert getattr(I, name, cls) is cls


def test_get_other_identifiers():
    assert I.get(None) is None
    assert isinstance(I.get(I.HeNormal), I.HeNormal)
    fn = lambda shape, dtype=None: np.ones(shape)  # noqa: E731
    assert I.get(fn) is fn
    init = I.get({"class_name": "RandomUniform", "config": {"minval": 1.0, "maxval": 2.0, "seed": 3}})
    assert init.minval == 1.0 and init.seed == 3
    values = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(I.get(values)((2, 3)), values)
    with pytest.raises(ValueError, match="Expected `shape` to be \\(2, 3\\)"):
        I.get(values)((3, 2))
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        I.get(42)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        I.get("glorot")
    msg = str(err.value)
    assert "'glorot'" in msg and "glorot_uniform" in msg and "he_normal" in msg and "Zeros" in msg


def test_none_serializes_to_none():
    assert I.serialize(None) is None and I.deserialize(None) is None
