"""ZeroPadding1D/2D/3D, Cropping1D/2D/3D and UpSampling1D/2D/3D."""
import numpy as np
import pytest
from autograd import grad
from layer_testing import check_layer_grads

from minikeras import layers
from minikeras.layers.upsampling import resize_weights

CF, CL = "channels_first", "channels_last"


def _spatial(data_format, rank):
    return tuple(range(2, 2 + rank)) if data_format == CF else tuple(range(1, 1 + rank))


# --- zero padding ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls, padding, pairs, shape, data_format", [
    (layers.ZeroPadding1D, 2, ((2, 2),), (2, 3, 4), CL),
    (layers.ZeroPadding1D, (0, 3), ((0, 3),), (2, 3, 4), CF),
    (layers.ZeroPadding2D, 1, ((1, 1), (1, 1)), (2, 3, 4, 2), CL),
    (layers.ZeroPadding2D, (2, 0), ((2, 2), (0, 0)), (2, 3, 4, 2), CF),
    (layers.ZeroPadding2D, ((1, 2), (3, 0)), ((1, 2), (3, 0)), (1, 3, 4, 2), CL),
    (layers.ZeroPadding3D, 1, ((1, 1),) * 3, (1, 2, 3, 2, 2), CL),
    (layers.ZeroPadding3D, ((0, 1), 2, (1, 0)), ((0, 1), (2, 2), (1, 0)), (1, 2, 2, 3, 2), CF),
])
def test_zero_padding(cls, padding, pairs, shape, data_format, rng):
    x = rng.normal(size=shape)
    y = check_layer_grads(cls(padding, data_format=data_format, dtype="float64"), x)
    widths = [(0, 0)] * len(shape)
    for axis, pair in zip(_spatial(data_format, len(pairs)), pairs):
        widths[axis] = pair
    np.testing.assert_array_equal(y, np.pad(x, widths))
    layer = cls(padding, data_format=data_format)
    assert layer.padding == (pairs[0] if cls is layers.ZeroPadding1D else pairs)
    assert layer(layers.Input(shape[1:])).shape == (None,) + y.shape[1:]
    assert layer.get_config()["data_format"] == data_format


def test_zero_padding_defaults_and_unknown_sizes():
    assert layers.ZeroPadding1D().padding == (1, 1)
    assert layers.ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert layers.ZeroPadding3D().padding == ((1, 1),) * 3
    out = layers.ZeroPadding2D(((1, 2), (0, 3)))(layers.Input((None, 5, 2)))
    assert out.shape == (None, None, 8, 2)
    x = np.ones((1, 2, 2, 1), "float32")
    assert layers.ZeroPadding2D()(x).dtype == np.float32


@pytest.mark.parametrize("make, match", [
    (lambda: layers.ZeroPadding2D(-1), r"`padding` cannot be negative. Received: padding=-1"),
    (lambda: layers.ZeroPadding1D((1, -2)), r"including values \{-2\} that do not satisfy `value >= 0`"),
    (lambda: layers.ZeroPadding1D((1, 2, 3)), r"must be a tuple of 2 integers. Received padding=\(1, 2, 3\)"),
    (lambda: layers.ZeroPadding2D((1, 2, 3)), r"`padding` should have two elements"),
    (lambda: layers.ZeroPadding2D(((1, -1), 0)), r"`1st entry of padding` argument .*`value >= 0`"),
    (lambda: layers.ZeroPadding3D((1, 2)), r"`padding` should have 3 elements"),
    (lambda: layers.ZeroPadding2D(1.5), r"`padding` should be either an int"),
    (lambda: layers.ZeroPadding2D(1, data_format="nhwc"), r"Received: data_format=nhwc"),
])
def test_zero_padding_errors_name_layer(make, match):
    with pytest.raises(ValueError, match=match) as info:
        make()
    assert "(layer 'zero_padding" in str(info.value)


def test_zero_padding_checks_rank():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.ZeroPadding2D()(np.zeros((2, 3, 4), "float32"))


# --- cropping -------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, cropping, pairs, shape, data_format", [
    (layers.Cropping1D, 1, ((1, 1),), (2, 5, 3), CL),
    (layers.Cropping1D, (0, 2), ((0, 2),), (2, 5, 3), CL),
    (layers.Cropping2D, 1, ((1, 1), (1, 1)), (2, 4, 5, 2), CL),
    (layers.Cropping2D, ((2, 0), (1, 3)), ((2, 0), (1, 3)), (2, 2, 4, 5), CF),
    (layers.Cropping2D, (1, 0), ((1, 1), (0, 0)), (2, 2, 4, 5), CF),
    (layers.Cropping3D, 1, ((1, 1),) * 3, (1, 3, 4, 3, 2), CL),
    (layers.Cropping3D, ((0, 1), 0, (2, 0)), ((0, 1), (0, 0), (2, 0)), (1, 2, 3, 2, 4), CF),
])
def test_cropping(cls, cropping, pairs, shape, data_format, rng):
    x = rng.normal(size=shape)
    kwargs = {} if cls is layers.Cropping1D else {"data_format": data_format}
    y = check_layer_grads(cls(cropping, dtype="float64", **kwargs), x)
    index = [slice(None)] * len(shape)
    for axis, (lo, hi) in zip(_spatial(data_format, len(pairs)), pairs):
        index[axis] = slice(lo, shape[axis] - hi)
    np.testing.assert_array_equal(y, x[tuple(index)])
    layer = cls(cropping, **kwargs)
    assert layer.cropping == (pairs[0] if cls is layers.Cropping1D else pairs)
    assert layer(layers.Input(shape[1:])).shape == (None,) + y.shape[1:]


def test_cropping_gradient_is_zero_padded_upstream_gradient(rng):
    x = rng.normal(size=(2, 5, 6, 3))
    w = rng.normal(size=(2, 2, 3, 3))
    layer = layers.Cropping2D(((1, 2), (3, 0)), dtype="float64")
    g = grad(lambda v: np.sum(layer(v) * w))(x)
    np.testing.assert_array_equal(g, np.pad(w, ((0, 0), (1, 2), (3, 0), (0, 0))))


def test_cropping_defaults_and_unknown_sizes():
    assert layers.Cropping1D().cropping == (1, 1)
    assert layers.Cropping2D().cropping == ((0, 0), (0, 0))
    assert layers.Cropping3D().cropping == ((1, 1),) * 3
    assert layers.Cropping2D(1)(layers.Input((None, 5, 2))).shape == (None, None, 3, 2)
    assert "data_format" not in layers.Cropping1D().get_config()


@pytest.mark.parametrize("make, shape, match", [
    (lambda: layers.Cropping1D((2, 3)), (2, 5, 3),
     r"`cropping` parameter of `Cropping1D` layer must be smaller than the input length. "
     r"Received: inputs.shape=\(2, 5, 3\), cropping=\(2, 3\)"),
    (lambda: layers.Cropping2D(((1, 1), (2, 3))), (1, 4, 5, 2),
     r"should be smaller than the corresponding spatial dimension of the input. "
     r"Received: inputs.shape=\(1, 4, 5, 2\), cropping=\(\(1, 1\), \(2, 3\)\)"),
    (lambda: layers.Cropping2D(2, data_format=CF), (1, 2, 4, 9), r"inputs.shape=\(1, 2, 4, 9\)"),
    (lambda: layers.Cropping3D(((0, 0), (0, 0), (3, 3))), (1, 2, 2, 6, 1), r"cropping=\(\(0, 0\)"),
])
def test_cropping_more_than_the_input_raises(make, shape, match):
    with pytest.raises(ValueError, match=match) as info:
        make()(np.zeros(shape, "float32"))
    assert "(layer 'cropping" in str(info.value)
    with pytest.raises(ValueError, match="Received: input_shape="):
        make()(layers.Input(shape[1:]))


@pytest.mark.parametrize("make, match", [
    (lambda: layers.Cropping2D(-1), r"`cropping` cannot be negative. Received: cropping=-1"),
    (lambda: layers.Cropping3D(-2), r"`cropping` cannot be negative"),
    (lambda: layers.Cropping1D(-1), r"Received cropping=-1, including values \{-1\}"),
    (lambda: layers.Cropping2D((1, 2, 3)), r"`cropping` should have two elements"),
    (lambda: layers.Cropping2D(((1, 2, 3), 0)), r"`1st entry of cropping` argument must be a tuple of 2"),
    (lambda: layers.Cropping3D((1, 1)), r"`cropping` should have 3 elements"),
    (lambda: layers.Cropping3D((1, "a", 1)), r"`2nd entry of cropping` argument"),
])
def test_cropping_argument_errors(make, match):
    with pytest.raises(ValueError, match=match) as info:
        make()
    assert "(layer 'cropping" in str(info.value)


# --- upsampling -----------------------------------------------------------------------------
@pytest.mark.parametrize("cls, size, factors, shape, data_format", [
    (layers.UpSampling1D, 3, (3,), (2, 3, 4), CL),
    (layers.UpSampling2D, 2, (2, 2), (2, 3, 4, 2), CL),
    (layers.UpSampling2D, (1, 3), (1, 3), (2, 2, 3, 4), CF),
    (layers.UpSampling3D, (2, 1, 2), (2, 1, 2), (1, 2, 3, 2, 2), CL),
    (layers.UpSampling3D, 2, (2, 2, 2), (1, 2, 2, 1, 3), CF),
])
def test_upsampling_nearest_repeats(cls, size, factors, shape, data_format, rng):
    x = rng.normal(size=shape)
    kwargs = {} if cls is layers.UpSampling1D else {"data_format": data_format}
    y = check_layer_grads(cls(size, dtype="float64", **kwargs), x)
    expected = x
    for axis, factor in zip(_spatial(data_format, len(factors)), factors):
        expected = np.repeat(expected, factor, axis=axis)
    np.testing.assert_array_equal(y, expected)
    assert cls(size, **kwargs)(layers.Input(shape[1:])).shape == (None,) + y.shape[1:]


def test_upsampling_bilinear_values():
    x = np.array([0.0, 1.0, 3.0], "float32").reshape(1, 1, 3, 1)
    y = layers.UpSampling2D((1, 2), interpolation="bilinear")(x)[0, 0, :, 0]
    # half-pixel centres: samples at -0.25, 0.25, 0.75, 1.25, 1.75, 2.25 with edges clamped
    np.testing.assert_allclose(y, [0.0, 0.25, 0.75, 1.5, 2.5, 3.0], rtol=1e-6)
    y2 = layers.UpSampling2D(2, interpolation="BILINEAR")(np.full((1, 2, 2, 3), 7.0, "float32"))
    np.testing.assert_allclose(y2, 7.0, rtol=1e-6)
    assert y2.dtype == np.float32


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "lanczos3", "lanczos5"])
def test_resize_weights_interpolate(interpolation):
    w = resize_weights(4, 12, interpolation)
    assert w.shape == (12, 4)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)  # constants stay constant
    if interpolation == "bilinear":  # a linear ramp stays linear away from the edges
        ramp = w @ np.arange(4.0)
        np.testing.assert_allclose(ramp[1:-1], (np.arange(1, 11) + 0.5) / 3 - 0.5)


@pytest.mark.parametrize("interpolation, data_format", [("bilinear", CL), ("bicubic", CF),
                                                        ("lanczos3", CL)])
def test_upsampling_interpolation_grads(interpolation, data_format, rng):
    x = rng.normal(size=(2, 3, 4, 2))
    layer = layers.UpSampling2D((2, 3), data_format=data_format, interpolation=interpolation,
                                dtype="float64")
    y = check_layer_grads(layer, x)
    assert y.shape == ((2, 6, 12, 2) if data_format == CL else (2, 3, 8, 6))


@pytest.mark.parametrize("make, error, match", [
    (lambda: layers.UpSampling1D(0), ValueError, r"`size` should be a positive integer. Received: size=0"),
    (lambda: layers.UpSampling1D(2.0), TypeError, r"Expected an integer value for `size`"),
    (lambda: layers.UpSampling2D((2, 0)), ValueError, r"`size` argument must be a tuple of 2 integers"),
    (lambda: layers.UpSampling3D((2, 2)), ValueError, r"Received size=\(2, 2\)"),
    (lambda: layers.UpSampling2D(interpolation="cubic"), ValueError,
     r"Invalid value for argument `interpolation`.*Received: interpolation=cubic"),
])
def test_upsampling_errors_name_layer(make, error, match):
    with pytest.raises(error, match=match) as info:
        make()
    assert "(layer 'up_sampling" in str(info.value)


def test_upsampling_config():
    assert layers.UpSampling1D().get_config()["size"] == 2
    config = layers.UpSampling2D(3, interpolation="Bilinear").get_config()
    assert (config["size"], config["interpolation"], config["data_format"]) == ((3, 3), "bilinear", CL)
    again = layers.UpSampling2D.from_config(config)
    assert again.size == (3, 3) and again.interpolation == "bilinear"
    assert layers.UpSampling3D().get_config()["size"] == (2, 2, 2)
