"""Convolution layers and ops against real Keras 3 (JAX): same weights -> same outputs, same
weight names/shapes/order, same configs and symbolic shapes, and the same SGD step."""
import numpy as np
import pytest

import minikeras as mk
from minikeras import layers as mk_layers
from minikeras import ops as mk_ops
from conformance_helpers import plain

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

CASES = {
    # name: (factory(layers) -> layer, input shape)
    "conv1d": (lambda L: L.Conv1D(4, 3), (2, 9, 3)),
    "conv1d_same_stride": (lambda L: L.Conv1D(4, 4, strides=3, padding="same"), (2, 10, 3)),
    "conv1d_causal_dilated": (lambda L: L.Conv1D(3, 3, padding="causal", dilation_rate=2,
                                                 activation="relu"), (2, 9, 2)),
    "conv1d_groups_cf": (lambda L: L.Conv1D(4, 3, groups=2, data_format="channels_first"),
                         (2, 4, 8)),
    "conv2d": (lambda L: L.Conv2D(5, (3, 3), activation="relu",
                                  bias_initializer="random_normal"), (2, 8, 7, 3)),
    "conv2d_same_stride": (lambda L: L.Conv2D(4, (3, 2), strides=(2, 3), padding="same"),
                           (2, 9, 8, 3)),
    "conv2d_same_even_kernel": (lambda L: L.Conv2D(3, 4, strides=2, padding="same"), (2, 7, 8, 2)),
    "conv2d_dilated_same": (lambda L: L.Conv2D(4, 3, dilation_rate=(2, 1), padding="same"),
                            (2, 8, 8, 2)),
    "conv2d_groups": (lambda L: L.Conv2D(6, 3, groups=3, padding="same"), (2, 6, 6, 6)),
    "conv2d_channels_first": (lambda L: L.Conv2D(4, 3, strides=2, data_format="channels_first",
                                                 activation="tanh"), (2, 3, 9, 8)),
    "conv2d_no_bias": (lambda L: L.Conv2D(4, 2, use_bias=False), (2, 5, 5, 3)),
    "conv3d": (lambda L: L.Conv3D(3, 2, padding="same", strides=(1, 2, 2)), (1, 4, 5, 6, 2)),
    "conv3d_cf": (lambda L: L.Conv3D(2, (2, 3, 2), data_format="channels_first"), (1, 2, 4, 5, 4)),
    "conv1d_transpose": (lambda L: L.Conv1DTranspose(3, 3, strides=2), (2, 5, 2)),
    "conv1d_transpose_same_op": (lambda L: L.Conv1DTranspose(3, 4, strides=3, padding="same",
                                                             output_padding=2), (2, 5, 2)),
    "conv2d_transpose": (lambda L: L.Conv2DTranspose(4, 3, strides=2, padding="same"),
                         (2, 5, 4, 3)),
    "conv2d_transpose_valid_op": (lambda L: L.Conv2DTranspose(3, (3, 2), strides=(2, 3),
                                                              output_padding=(1, 0)), (2, 4, 4, 2)),
    "conv2d_transpose_dilated": (lambda L: L.Conv2DTranspose(2, 3, dilation_rate=2,
                                                             padding="same"), (2, 5, 5, 2)),
    "conv2d_transpose_cf": (lambda L: L.Conv2DTranspose(3, 2, strides=2, use_bias=False,
                                                        data_format="channels_first"),
                            (2, 2, 4, 3)),
    "conv2d_transpose_stride_gt_kernel": (
        lambda L: L.Conv2DTranspose(2, 1, strides=3, padding="same"), (1, 3, 3, 2)),
    "conv3d_transpose": (lambda L: L.Conv3DTranspose(2, 2, strides=2), (1, 3, 2, 3, 2)),
    "depthwise_conv2d": (lambda L: L.DepthwiseConv2D(3, depth_multiplier=2), (2, 7, 6, 3)),
    "depthwise_conv2d_same_stride": (lambda L: L.DepthwiseConv2D(3, strides=2, padding="same",
                                                                 activation="relu"), (2, 7, 7, 4)),
    "depthwise_conv2d_cf_dilated": (lambda L: L.DepthwiseConv2D(2, dilation_rate=2,
                                                                data_format="channels_first",
                                                                use_bias=False), (2, 3, 6, 6)),
    "depthwise_conv1d": (lambda L: L.DepthwiseConv1D(3, depth_multiplier=3, padding="same"),
                         (2, 8, 2)),
    "separable_conv2d": (lambda L: L.SeparableConv2D(5, 3, depth_multiplier=2), (2, 7, 6, 3)),
    "separable_conv2d_same_stride": (lambda L: L.SeparableConv2D(4, 3, strides=2, padding="same",
                                                                 bias_initializer="ones"),
                                     (2, 8, 8, 2)),
    "separable_conv2d_cf": (lambda L: L.SeparableConv2D(3, 2, data_format="channels_first",
                                                        use_bias=False), (2, 2, 5, 5)),
    "separable_conv1d": (lambda L: L.SeparableConv1D(4, 3, dilation_rate=2, padding="same"),
                         (2, 9, 3)),
}

# one fit-step case per layer class keeps the run short (each compiles a JAX train step)
FIT_CASES = ["conv1d_causal_dilated", "conv2d_same_stride", "conv2d_groups",
             "conv2d_channels_first", "conv3d", "conv1d_transpose_same_op", "conv2d_transpose",
             "depthwise_conv2d_same_stride", "separable_conv2d", "separable_conv1d"]


def _x(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_matches_keras(keras, case):
    factory, shape = CASES[case]
    x = _x(shape, len(case))
    theirs, ours = factory(keras.layers), factory(mk_layers)
    expected = np.asarray(theirs(x))
    ours(x)
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    got = ours(x)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    our_config, their_config = ours.get_config(), theirs.get_config()
    assert sorted(our_config) == sorted(their_config)
    for key in their_config.keys() - {"name"}:
        assert plain(our_config[key]) == plain(their_config[key]), key


@pytest.mark.parametrize("case", sorted(CASES))
def test_symbolic_shape_matches_keras(keras, case):
    factory, shape = CASES[case]

    def symbolic(lib, spatial_none):
        dims = tuple(None if spatial_none and i < len(shape) - 2 else d
                     for i, d in enumerate(shape[1:]))
        return tuple(factory(lib.layers)(lib.Input(dims)).shape)
    assert symbolic(mk, False) == symbolic(keras, False)
    if "_cf" not in case and "channels_first" not in case and "groups_cf" not in case:
        assert symbolic(mk, True) == symbolic(keras, True)


@pytest.mark.parametrize("case", FIT_CASES)
def test_sgd_step_matches_keras(keras, case):
    factory, shape = CASES[case]
    x = _x(shape, 1)
    y = np.random.default_rng(2).normal(size=(shape[0], 2)).astype("float32")

    def build(lib):
        model = lib.Sequential([lib.Input(shape[1:]), factory(lib.layers), lib.layers.Flatten(),
                                lib.layers.Dense(2)])
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model
    km, mm = build(keras), build(mk)
    mm.set_weights(km.get_weights())
    kh = km.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)


OPS_CASES = [
    ("conv", (2, 9, 8, 4), (3, 3, 2, 6), {"padding": "same", "strides": 2}),
    ("conv", (2, 3, 10, 9), (4, 3, 3, 4), {"padding": "same", "data_format": "channels_first"}),
    ("conv", (2, 10, 4), (3, 1, 8), {"dilation_rate": 3}),
    ("depthwise_conv", (2, 9, 8, 3), (3, 2, 3, 2), {"padding": "same", "strides": (2, 3)}),
    ("conv_transpose", (2, 5, 4, 3), (3, 3, 4, 3), {"padding": "same", "strides": 3,
                                                    "output_padding": 1}),
    ("conv_transpose", (2, 5, 4, 3), (2, 2, 4, 3), {"padding": "same", "strides": (2, 3)}),
    ("conv_transpose", (2, 5, 3), (5, 2, 3), {"padding": "valid", "strides": 2}),
]


@pytest.mark.parametrize("name,xs,ks,kwargs", OPS_CASES)
def test_ops_match_keras(keras, name, xs, ks, kwargs):
    x, k = _x(xs, 0), _x(ks, 1)
    expected = np.asarray(getattr(keras.ops, name)(x, k, **kwargs))
    np.testing.assert_allclose(getattr(mk_ops, name)(x, k, **kwargs), expected, rtol=1e-5,
                               atol=1e-5)


def test_separable_op_matches_keras(keras):
    x, dk, pk = _x((2, 8, 7, 3), 0), _x((3, 3, 3, 2), 1), _x((1, 1, 6, 4), 2)
    expected = np.asarray(keras.ops.separable_conv(x, dk, pk, strides=2, padding="same"))
    np.testing.assert_allclose(mk_ops.separable_conv(x, dk, pk, strides=2, padding="same"),
                               expected, rtol=1e-5, atol=1e-5)


def test_public_names_exist(keras):
    for name in ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
                 "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
                 "SeparableConv2D", "Convolution2D", "Convolution2DTranspose",
                 "SeparableConvolution2D"]:
        assert hasattr(mk_layers, name) and hasattr(keras.layers, name), name
