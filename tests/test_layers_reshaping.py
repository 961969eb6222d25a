"""Reshape, Permute, RepeatVector, and Lambda."""
import numpy as np
import pytest
from layer_testing import check_layer_grads

from minikeras import layers


@pytest.mark.parametrize("target, expected", [((3, 4), (2, 3, 4)), ((-1,), (2, 12)),
                                              ((2, -1, 3), (2, 2, 2, 3)), ([12, 1], (2, 12, 1))])
def test_reshape(target, expected, rng):
    x = rng.normal(size=(2, 4, 3))
    y = check_layer_grads(layers.Reshape(target, dtype="float64"), x)
    assert y.shape == expected
    np.testing.assert_array_equal(y, x.reshape(expected))
    layer = layers.Reshape(target)
    assert layer.get_config()["target_shape"] == tuple(target)
    assert layer(layers.Input((4, 3))).shape == (None,) + expected[1:]


def test_reshape_unknown_dims_stay_unknown():
    assert layers.Reshape((-1, 2))(layers.Input((None, 4))).shape == (None, None, 2)


def test_reshape_errors():
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match="non-negative integer"):
        layers.Reshape((-2, 3))
    with pytest.raises(ValueError, match="total size of the tensor must be unchanged"):
        layers.Reshape((5,))(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="cannot by divided"):
        layers.Reshape((-1, 3))(np.zeros((2, 4), "float32"))


@pytest.mark.parametrize("dims", [(2, 1), (1, 2), (3, 1, 2)])
def test_permute(dims, rng):
    x = rng.normal(size=(2, 3, 4) if len(dims) == 2 else (2, 3, 4, 5))
    y = check_layer_grads(layers.Permute(dims, dtype="float64"), x)
    np.testing.assert_array_equal(y, np.transpose(x, (0,) + dims))
    layer = layers.Permute(dims)
    assert layer(layers.Input(x.shape[1:])).shape == (None,) + y.shape[1:]
    assert layer.get_config()["dims"] == dims


def test_permute_errors():
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.Permute((2, 1))(np.zeros((2, 3)))


def test_repeat_vector(rng):
    x = rng.normal(size=(2, 5))
    y = check_layer_grads(layers.RepeatVector(3, dtype="float64"), x)
    assert y.shape == (2, 3, 5)
    for i in range(3):
        np.testing.assert_array_equal(y[:, i], x)
    assert layers.RepeatVector(3)(layers.Input((5,))).shape == (None, 3, 5)
    assert layers.RepeatVector(3).get_config()["n"] == 3
    with pytest.raises(ValueError, match="positive integer"):
        layers.RepeatVector(0)
    with pytest.raises(TypeError, match="integer"):
        layers.RepeatVector(2.0)
    with pytest.raises(ValueError, match="expected ndim=2"):
        layers.RepeatVector(2)(np.zeros((2, 3, 4)))


# --- Lambda ---------------------------------------------------------------------------------
def scale(x, factor=2.0):
    return x * factor


def test_lambda_maths_arguments_and_grads(rng):
    x = rng.normal(size=(3, 4))
    y = check_layer_grads(layers.Lambda(scale, arguments={"factor": 3.0}, dtype="float64"), x)
    np.testing.assert_allclose(y, 3 * x)
    from minikeras import ops
    y = check_layer_grads(layers.Lambda(lambda t: ops.sum(ops.square(t), axis=-1, keepdims=True),
                                        dtype="float64"), x)
    np.testing.assert_allclose(y, (x ** 2).sum(-1, keepdims=True))


def test_lambda_output_shape_inferred_or_given():
    inp = layers.Input((4, 6))
    assert layers.Lambda(lambda t: t[:, 0])(inp).shape == (None, 6)
    assert layers.Lambda(lambda t: t[:, 0], output_shape=(6,))(inp).shape == (None, 6)
    assert layers.Lambda(lambda t: t[:, 0], output_shape=lambda s: (s[0], 6))(inp).shape == (None, 6)


def test_lambda_training_argument():
    seen = []
    layer = layers.Lambda(lambda t, training=None: seen.append(training) or t)
    layer(np.zeros((1, 2), "float32"), training=True)
    layer(np.zeros((1, 2), "float32"))
    assert seen[0] is True and not seen[1]


def test_lambda_config():
    config = layers.Lambda(scale, output_shape=(4,), arguments={"factor": 3.0}).get_config()
    assert config["function"]["config"] == "scale" and config["function"]["class_name"] == "function"
    assert config["output_shape"] == (4,) and config["arguments"] == {"factor": 3.0}
    clone = layers.Lambda.from_config(config, custom_objects={"scale": scale})
    assert clone.function is scale
    lam = layers.Lambda(lambda t: t).get_config()
    assert lam["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="lambda"):
        layers.Lambda.from_config(lam)
