"""Convolution layers: maths against slow references, weights, shapes, configs, gradients and
errors."""
import numpy as np
import pytest
from layer_testing import check_layer_grads
from test_ops_conv import ref_conv

import minikeras as mk
from minikeras import layers


def _first(x):
    return np.moveaxis(x, -1, 1)


# --- values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,xs,kwargs", [
    (layers.Conv1D, (2, 9, 3), {"strides": 2}),
    (layers.Conv1D, (2, 9, 3), {"padding": "same", "dilation_rate": 2}),
    (layers.Conv2D, (2, 7, 6, 3), {"padding": "same", "strides": (2, 1)}),
    (layers.Conv2D, (2, 6, 6, 4), {"groups": 2, "dilation_rate": 2}),
    (layers.Conv3D, (1, 4, 5, 4, 2), {"padding": "same"}),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_matches_reference(cls, xs, kwargs, data_format, rng):
    layer = cls(4, 3, activation="relu", bias_initializer="random_normal", data_format=data_format,
                **kwargs)
    x = rng.normal(size=xs).astype("float32")
    y = layer(_first(x) if data_format == "channels_first" else x)
    kernel, bias = layer.get_weights()
    nd = len(xs) - 2
    assert kernel.shape == (3,) * nd + (xs[-1] // kwargs.get("groups", 1), 4)
    strides, dil = kwargs.get("strides", 1), kwargs.get("dilation_rate", 1)
    strides = (strides,) * nd if isinstance(strides, int) else strides
    expected = np.maximum(ref_conv(x.astype("float64"), kernel, strides,
                                   kwargs.get("padding", "valid"), (dil,) * nd,
                                   groups=kwargs.get("groups", 1)) + bias, 0)
    if data_format == "channels_first":
        expected = _first(expected)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape(xs if data_format == "channels_last" else
                                      (xs[0], xs[-1]) + xs[1:-1]) == y.shape


def test_conv1d_causal_sees_only_the_past(rng):
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = rng.normal(size=(1, 10, 3)).astype("float32")
    y = layer(x)
    assert y.shape == (1, 10, 2)
    x2 = x.copy()
    x2[:, 6:] += 1.0
    y2 = layer(x2)
    np.testing.assert_array_equal(y[:, :6], y2[:, :6])
    assert np.abs(y[:, 6:] - y2[:, 6:]).min() > 0
    kernel, bias = layer.get_weights()
    expected = ref_conv(x.astype("float64"), kernel, (1,), [(4, 0)], (2,)) + bias
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_depthwise_and_separable_weights_and_values(rng):
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    y = dw(x)
    assert [(w.name, w.shape) for w in dw.weights] == [("kernel", (3, 3, 3, 2)), ("bias", (6,))]
    kernel = dw.get_weights()[0]
    for c in range(3):
        ref = ref_conv(x[..., c:c + 1].astype("float64"), kernel[:, :, c:c + 1, 1:2], (1, 1),
                       "same", (1, 1))
        np.testing.assert_allclose(y[..., 2 * c + 1], ref[..., 0], rtol=1e-5, atol=1e-5)
    sep = layers.SeparableConv2D(5, 3, depth_multiplier=2, bias_initializer="ones")
    z = sep(x)
    assert [(w.name, w.shape) for w in sep.weights] == [
        ("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 5)), ("bias", (5,))]
    dk, pk, b = sep.get_weights()
    inner = mk.ops.depthwise_conv(x, dk)
    np.testing.assert_allclose(z, np.einsum("nhwc,co->nhwo", inner, pk[0, 0]) + b, rtol=1e-5,
                               atol=1e-5)


def test_conv_transpose_weights_and_shape(rng):
    layer = layers.Conv2DTranspose(4, 3, strides=2, padding="same")
    y = layer(rng.normal(size=(2, 5, 5, 3)).astype("float32"))
    assert y.shape == (2, 10, 10, 4)
    assert [(w.name, w.shape) for w in layer.weights] == [("kernel", (3, 3, 4, 3)), ("bias", (4,))]
    assert layer.compute_output_shape((None, None, 7, 3)) == (None, None, 14, 4)
    t1 = layers.Conv1DTranspose(2, 4, strides=3, output_padding=1)
    assert t1(np.zeros((1, 5, 2), "float32")).shape == (1, 17, 2)  # (5-1)*3 + 4 + 1


# --- gradients ---------------------------------------------------------------------------------
GRAD_CASES = [
    (lambda: layers.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="tanh"), (2, 7, 2)),
    (lambda: layers.Conv1D(4, 2, strides=2, groups=2, data_format="channels_first"), (2, 4, 7)),
    (lambda: layers.Conv2D(3, (3, 2), strides=2, padding="same", activation="sigmoid"),
     (2, 6, 5, 2)),
    (lambda: layers.Conv3D(2, 2, padding="same", use_bias=False), (1, 3, 4, 3, 2)),
    (lambda: layers.Conv1DTranspose(3, 3, strides=2, padding="same"), (2, 4, 2)),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=1,
                                    data_format="channels_first"), (1, 2, 3, 4)),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (2, 5, 4, 2)),
    (lambda: layers.SeparableConv1D(3, 3, depth_multiplier=2, strides=2), (2, 7, 2)),
    (lambda: layers.SeparableConv2D(3, 2, padding="same", dilation_rate=2), (2, 5, 5, 2)),
]


@pytest.mark.parametrize("case", range(len(GRAD_CASES)))
def test_layer_grads(case, rng):
    factory, xs = GRAD_CASES[case]
    layer = factory()
    layer = type(layer).from_config({**layer.get_config(), "dtype": "float64",
                                     "bias_initializer": "random_normal"})
    check_layer_grads(layer, rng.normal(size=xs))


def test_conv_trains_in_a_model(rng):
    model = mk.Sequential([mk.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                           layers.Conv2DTranspose(2, 2, strides=2), layers.Flatten(),
                           layers.Dense(1)])
    model.compile("adam", "mse")
    x = rng.normal(size=(32, 8, 8, 1)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(w.dtype == "float32" for w in model.weights)


# --- config ------------------------------------------------------------------------------------
def test_config_round_trip_and_keys():
    layer = layers.Conv2D(8, 3, strides=2, padding="SAME", groups=2, activation="relu",
                          kernel_regularizer="l2", name="c")
    config = layer.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (2, 2)
    assert config["padding"] == "same" and config["groups"] == 2
    assert config["activation"] == "relu" and config["data_format"] == "channels_last"
    clone = layers.Conv2D.from_config(config)
    assert clone.get_config() == config
    t = layers.Conv2DTranspose(3, 2, output_padding=0)
    assert t.get_config()["output_padding"] == (0, 0) and "groups" not in t.get_config()
    sep = layers.SeparableConv2D(3, 2)
    keys = {"depthwise_initializer", "pointwise_initializer", "depth_multiplier"}
    assert keys <= set(sep.get_config())


def test_positional_arguments_follow_keras():
    layer = layers.Conv2D(4, 3, 2, "same", "channels_first", 1, 1, "relu", False)
    assert (layer.strides, layer.padding, layer.data_format, layer.use_bias) == \
        ((2, 2), "same", "channels_first", False)
    assert layers.DepthwiseConv2D(3, 1, "valid", 4).depth_multiplier == 4
    assert layers.Conv3DTranspose(2, 3, 1, "valid", "channels_first", 0).output_padding == (0, 0, 0)


def test_symbolic_shapes_and_activity_regularizer(rng):
    inputs = mk.Input((None, None, 3))
    out = layers.Conv2D(5, 3, strides=2, padding="same")(inputs)
    assert tuple(out.shape) == (None, None, None, 5)
    layer = layers.Conv2D(2, 3, activity_regularizer="l2")
    layer(rng.normal(size=(2, 5, 5, 3)).astype("float32"))
    assert len(layer.losses) == 1


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv2D(0, 3, name="c0"), r"`filters`.*Received filters=0.*'c0'"),
    (lambda: layers.Conv2D(-2, 3), r"Received filters=-2"),
    (lambda: layers.Conv2DTranspose(0, 3), r"Received filters=0"),
    (lambda: layers.SeparableConv2D(0, 3), r"Received filters=0"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"depth_multiplier=0"),
    (lambda: layers.Conv2D(4, 3, padding="full", name="cp"), r"`padding`.*Received: full.*'cp'"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), r"`padding`.*Received: causal"),
    (lambda: layers.Conv2D(4, (3, 0)), r"kernel_size=\(3, 0\)"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), r"`kernel_size` argument must be a tuple of 2"),
    (lambda: layers.Conv2D(4, 3, strides=0), r"strides=0"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), r"`strides > 1` not supported"),
    (lambda: layers.Conv2D(4, 3, groups=3), r"evenly divisible by the number of groups"),
    (lambda: layers.Conv2D(4, 3, groups=0), r"groups=0"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), r"`output_padding`"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_kernel_larger_than_input():
    x = np.zeros((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match=r"zero or negative in layer 'big'.*\(1, 4, 4, 1\)"):
        layers.Conv2D(2, 5, name="big")(x)
    with pytest.raises(ValueError, match="zero or negative in layer 'big_sym'"):
        layers.Conv2D(2, 5, name="big_sym")(mk.Input((4, 4, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv1D(2, 3, dilation_rate=2)(np.zeros((1, 4, 1), "float32"))
    assert layers.Conv2D(2, 5, padding="same")(x).shape == (1, 4, 4, 2)  # same pads instead
    layer = layers.Conv2D(2, 5)
    layer(mk.Input((None, None, 1)))  # undefined sizes: checked when data arrives
    with pytest.raises(ValueError, match="empty output"):
        layer(x)


def test_wrong_rank_and_channels():
    with pytest.raises(ValueError, match=r"layer 'c2d'.*expected min_ndim=4, found ndim=3"):
        layers.Conv2D(2, 3, name="c2d")(np.zeros((1, 8, 8), "float32"))
    with pytest.raises(ValueError, match=r"min_ndim=4, found ndim=3"):
        layers.Conv2D(2, 3)(mk.Input((8, 8)))
    with pytest.raises(ValueError, match=r"Layer 'c5' expected inputs of rank 4"):
        layers.Conv2D(2, 3, name="c5")(np.zeros((1, 8, 8, 8, 1), "float32"))
    layer = layers.Conv2D(2, 3, name="cc")
    layer(np.zeros((1, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"layer 'cc'.*expected axis -1 .* value 3"):
        layer(np.zeros((1, 8, 8, 4), "float32"))
    with pytest.raises(ValueError, match=r"input has 3 channels"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 8, 8, 3), "float32"))


def test_set_weights_shape_mismatch():
    layer = layers.Conv2D(4, 3, name="sw")
    layer(np.zeros((1, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"sw weight shape \(3, 3, 3, 4\) is not compatible .*"
                                         r"\(3, 3, 2, 4\)"):
        layer.set_weights([np.zeros((3, 3, 2, 4)), np.zeros(4)])
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.zeros((3, 3, 3, 4))])
    t = layers.Conv2DTranspose(4, 3)
    t(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="not compatible"):
        t.set_weights([np.zeros((3, 3, 3, 4)), np.zeros(4)])  # (out, in) order matters
