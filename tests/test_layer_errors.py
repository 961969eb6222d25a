"""Bad arguments and bad inputs raise ValueErrors that name the argument / layer and the value."""
import numpy as np
import pytest

from minikeras import layers


@pytest.mark.parametrize("units", [0, -1, "a", 2.5, None, True])
def test_dense_units_must_be_positive_int(units):
    with pytest.raises(ValueError, match="`units`") as info:
        layers.Dense(units)
    assert f"units={units}" in str(info.value)


def test_dense_accepts_numpy_integer_units():
    assert layers.Dense(np.int64(3)).units == 3


@pytest.mark.parametrize("rate", [1.5, -0.1, "0.5"])
def test_dropout_rate_must_be_in_0_1(rate):
    with pytest.raises(ValueError, match="`rate`") as info:
        layers.Dropout(rate=rate)
    assert f"rate={rate}" in str(info.value)


def test_dropout_rate_one_drops_everything_as_keras():
    out = layers.Dropout(rate=1.0)(np.ones((2, 3), "float32"), training=True)
    assert np.array_equal(out, np.zeros((2, 3))) and not np.isnan(out).any()
    assert not hasattr(layers.Dropout(0.0), "seed_generator")  # Keras: no generator at rate 0


@pytest.mark.parametrize("noise_shape, message", [
    ("Invalid", "tuple or list of integers"), ((20, 1.5, 10), "integers or None"),
    ((20, 0, 10), "positive integers or None"), (5, "iterable of integers")])
def test_dropout_noise_shape_errors_are_keras_s(noise_shape, message):
    with pytest.raises(ValueError, match=message):
        layers.Dropout(0.5, noise_shape=noise_shape)


def test_dense_called_on_wrong_width_names_layer_and_axis():
    layer = layers.Dense(4, name="my_dense")
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError) as info:
        layer(np.zeros((2, 5), "float32"))
    message = str(info.value)
    assert "my_dense" in message and "axis -1" in message
    assert "value 3" in message and "(2, 5)" in message


def test_dense_needs_rank_2():
    with pytest.raises(ValueError, match="min_ndim=2"):
        layers.Dense(2)(np.zeros((3,), "float32"))


def test_set_weights_wrong_count_names_layer():
    layer = layers.Dense(2, name="dd")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="dd") as info:
        layer.set_weights([np.zeros((3, 2))])
    assert "length 1" in str(info.value) and "2 weights" in str(info.value)


def test_set_weights_wrong_shape_names_layer():
    layer = layers.Dense(2, name="dd2")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="dd2") as info:
        layer.set_weights([np.zeros((2, 3)), np.zeros((2,))])
    assert "(3, 2)" in str(info.value) and "(2, 3)" in str(info.value)
    kernel_before = layer.kernel.numpy()
    with pytest.raises(ValueError):
        layer.set_weights([np.ones((3, 2)), np.zeros((5,))])
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel_before)  # nothing half-assigned


@pytest.mark.parametrize("make", [lambda: layers.Dense(2, activation="rleu"),
                                  lambda: layers.Activation("rleu")])
def test_unknown_activation_lists_valid_names(make):
    with pytest.raises(ValueError, match="rleu") as info:
        make()
    assert "relu" in str(info.value) and "sigmoid" in str(info.value)


@pytest.mark.parametrize("layer, shapes", [
    (layers.Add, [(2, 3), (2, 4)]),
    (layers.Multiply, [(2, 3, 4), (2, 3, 5)]),
    (layers.Maximum, [(2, 3), (4, 3)]),
    (lambda: layers.Concatenate(axis=1), [(2, 3, 4), (2, 3, 5)]),
    (lambda: layers.Dot(axes=1), [(2, 3), (2, 4)]),
    (layers.Subtract, [(2, 3)] * 3),
])
def test_merge_incompatible_shapes(layer, shapes):
    with pytest.raises(ValueError):
        layer()([np.zeros(s, "float32") for s in shapes])
    with pytest.raises(ValueError):
        layer()([layers.Input(s[1:], batch_size=s[0]) for s in shapes])


def test_unknown_keyword_argument():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        layers.Dense(2, unitz=3)
