"""minikeras.initializers against real Keras 3: exact constants, fans, statistics, configs."""
import math

import numpy as np
import pytest

from minikeras import initializers as I

SHAPES = [(7,), (40, 60), (3, 20, 30), (3, 3, 16, 32), (2, 3, 3, 4, 8)]


@pytest.mark.parametrize("shape", SHAPES + [(), (5, 4, 3)])
def test_compute_fans(keras, shape):
    from keras.src.initializers.random_initializers import compute_fans
    assert I.compute_fans(shape) == compute_fans(shape)


@pytest.mark.parametrize("name, kwargs", [
    ("Zeros", {}), ("Ones", {}), ("Constant", {"value": 3.5}), ("Constant", {"value": -2}),
    ("Identity", {}), ("Identity", {"gain": 2.5}),
])
@pytest.mark.parametrize("shape", [(3, 4), (5, 2)])
def test_deterministic_initializers_equal(keras, name, kwargs, shape):
    expected = np.asarray(getattr(keras.initializers, name)(**kwargs)(shape))
    ours = getattr(I, name)(**kwargs)(shape)
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)


BIG = [(3, 3, 64, 96)]  # one shape: each new shape costs a JAX compilation
RANDOM = [
    ("RandomNormal", {"mean": 0.5, "stddev": 0.2}), ("RandomUniform", {"minval": -1.0, "maxval": 3.0}),
    ("TruncatedNormal", {"mean": 0.0, "stddev": 0.3}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}),
    ("VarianceScaling", {}),
    ("GlorotUniform", {}), ("GlorotNormal", {}), ("HeNormal", {}), ("HeUniform", {}),
    ("LecunNormal", {}), ("LecunUniform", {}),
]


@pytest.mark.parametrize("shape", BIG)
@pytest.mark.parametrize("name, kwargs", RANDOM)
def test_random_initializer_statistics(keras, name, kwargs, shape):
    expected = np.asarray(getattr(keras.initializers, name)(seed=1, **kwargs)(shape))
    ours = getattr(I, name)(seed=1, **kwargs)(shape)
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    assert abs(ours.std() / expected.std() - 1) < 0.02
    assert abs(ours.mean() - expected.mean()) < 0.02 * expected.std()
    # the support: [min, max] for uniform, +-2 stddev for truncated normal
    if "Uniform" in name or kwargs.get("distribution") == "uniform" or "Truncated" in name \
            or (name.endswith("Normal") and name != "RandomNormal") or (name == "VarianceScaling" and not kwargs):
        np.testing.assert_allclose([ours.min(), ours.max()], [expected.min(), expected.max()],
                                   rtol=0.01, atol=0.01 * expected.std())


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 3, 4, 8)])
def test_orthogonal(keras, shape):
    expected = np.asarray(keras.initializers.Orthogonal(gain=1.5, seed=2)(shape))
    ours = I.Orthogonal(gain=1.5, seed=2)(shape)
    assert ours.shape == expected.shape and ours.dtype == expected.dtype

    def gram(w):
        flat = w.reshape(-1, shape[-1])
        return flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram(ours), gram(expected), atol=1e-5)


def _instances(module, seed):
    return [
        module.Zeros(), module.Ones(), module.Constant(1.5), module.Identity(gain=2.0),
        module.RandomNormal(mean=0.1, stddev=0.3, seed=seed),
        module.RandomUniform(minval=-0.2, maxval=0.4, seed=seed),
        module.TruncatedNormal(seed=seed),
        module.VarianceScaling(scale=2.0, mode="fan_avg", distribution="normal", seed=seed),
        module.VarianceScaling(input_axes=[0], output_axes=[1]),
        module.GlorotUniform(seed=seed), module.GlorotNormal(), module.HeNormal(seed=seed),
        module.HeUniform(), module.LecunNormal(), module.LecunUniform(seed=seed),
        module.Orthogonal(gain=0.5, seed=seed),
    ]


@pytest.mark.parametrize("seed", [None, 7])
def test_get_config_equal(keras, seed):
    for ours, theirs in zip(_instances(I, seed), _instances(keras.initializers, seed)):
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == theirs.get_config(), type(ours).__name__
        assert I.serialize(ours) == keras.initializers.serialize(theirs)


def test_constant_array_config_equal(keras):
    value = np.array([1.0, 2.0])
    assert I.Constant(value).get_config() == keras.initializers.Constant(value).get_config()


def test_every_keras_name_is_known(keras):
    from keras.src.initializers import ALL_OBJECTS_DICT
    missing = set(ALL_OBJECTS_DICT) - set(I.ALL_OBJECTS_DICT)
    assert missing <= {"STFT", "stft", "STFTInitializer"}
    for name in set(ALL_OBJECTS_DICT) - missing - {"Initializer", "initializer"}:
        try:
            theirs = keras.initializers.get(name)
        except KeyError:  # Keras's get("constant") fails: Constant.from_config({}) needs "value"
            assert name in ("Constant", "constant")
            theirs = keras.initializers.Constant()
        assert type(I.get(name)).__name__ == type(theirs).__name__


def test_keras_config_loads_in_minikeras(keras):
    cfg = keras.initializers.serialize(keras.initializers.HeUniform(seed=3))
    ours = I.deserialize(cfg)
    assert isinstance(ours, I.HeUniform) and ours.get_config() == cfg["config"]
    limit = math.sqrt(6 / 10)
    assert np.abs(ours((10, 20))).max() <= limit


@pytest.mark.parametrize("name, shape", [("zeros", (2, 3)), ("ones", (4,)), ("identity", (3, 3))])
def test_variable_from_an_initializer_name_matches_keras(keras, name, shape):
    import minikeras
    ours, theirs = minikeras.Variable(name, shape=shape), keras.Variable(name, shape=shape)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))


def test_variable_with_an_unknown_initializer_name_raises_like_keras(keras):
    import minikeras
    with pytest.raises(ValueError) as theirs:
        keras.Variable("no_such_initializer", shape=(2,))
    with pytest.raises(type(theirs.value), match="Could not interpret initializer identifier"):
        minikeras.Variable("no_such_initializer", shape=(2,))
