"""Padding, cropping, upsampling and the regularization layers against real Keras 3."""
import numpy as np
import pytest

import minikeras as mk
from conformance_helpers import same_config

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

CF = {"data_format": "channels_first"}

# (class name, args, kwargs, input shape)
DETERMINISTIC = [
    ("ZeroPadding1D", (), {}, (2, 4, 3)),
    ("ZeroPadding1D", ((0, 3),), {}, (2, 4, 3)),
    ("ZeroPadding1D", (2,), CF, (2, 3, 4)),
    ("ZeroPadding2D", (), {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", ((2, 0),), {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", (((1, 2), (3, 0)),), CF, (2, 2, 3, 4)),
    ("ZeroPadding3D", (), {}, (1, 2, 3, 2, 2)),
    ("ZeroPadding3D", (((0, 1), 2, (1, 0)),), CF, (1, 2, 2, 3, 2)),
    ("Cropping1D", (), {}, (2, 5, 3)),
    ("Cropping1D", ((0, 2),), {}, (2, 5, 3)),
    ("Cropping2D", (), {}, (2, 4, 5, 2)),
    ("Cropping2D", (1,), {}, (2, 4, 5, 2)),
    ("Cropping2D", (((2, 0), (1, 3)),), CF, (2, 2, 4, 5)),
    ("Cropping2D", (((0, 1), (2, 0)),), {}, (2, 4, 5, 2)),
    ("Cropping3D", (), {}, (1, 3, 4, 3, 2)),
    ("Cropping3D", (((0, 1), 0, (2, 0)),), CF, (1, 2, 3, 2, 4)),
    ("UpSampling1D", (), {}, (2, 3, 4)),
    ("UpSampling1D", (3,), {}, (2, 3, 4)),
    ("UpSampling2D", (), {}, (2, 3, 4, 2)),
    ("UpSampling2D", ((1, 3),), CF, (2, 2, 3, 4)),
    ("UpSampling3D", (), {}, (1, 2, 3, 2, 2)),
    ("UpSampling3D", ((2, 1, 3),), CF, (1, 2, 2, 1, 3)),
] + [("UpSampling2D", (size,), {"interpolation": interp, **fmt}, shape)
     for interp in ("bilinear", "bicubic", "lanczos3", "lanczos5")
     for size, fmt, shape in (((2, 3), {}, (2, 5, 4, 3)), (3, CF, (2, 3, 4, 6)))]

RANDOM = [
    ("SpatialDropout1D", (0.3,), {}, (2, 4, 3)),
    ("SpatialDropout2D", (0.3,), CF, (2, 3, 4, 2)),
    ("SpatialDropout3D", (0.5,), {"seed": 4}, (1, 2, 3, 2, 2)),
    ("GaussianNoise", (0.2,), {"seed": 1}, (3, 5)),
    ("GaussianDropout", (0.4,), {}, (3, 5)),
    ("AlphaDropout", (0.2,), {"noise_shape": (None, 1)}, (3, 5)),
    ("ActivityRegularization", (), {"l1": 0.01, "l2": 0.1}, (3, 5)),
]


def _ids(cases):
    return [f"{c[0]}-{c[1]}-{c[2]}" for c in cases]


def _pair(keras, name, args, kwargs):
    return getattr(keras.layers, name)(*args, **kwargs), getattr(mk.layers, name)(*args, **kwargs)


@pytest.mark.parametrize("name, args, kwargs, shape", DETERMINISTIC, ids=_ids(DETERMINISTIC))
def test_deterministic_layer_matches_keras(keras, name, args, kwargs, shape):
    x = np.random.default_rng(len(shape)).normal(size=shape).astype("float32")
    theirs, ours = _pair(keras, name, args, kwargs)
    expected = np.asarray(theirs(x))
    got = ours(x)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    same_config(ours, theirs)
    rebuilt = getattr(mk.layers, name).from_config(theirs.get_config())
    np.testing.assert_allclose(rebuilt(x), expected, rtol=1e-5, atol=1e-6)

    def symbolic(lib):
        return tuple(getattr(lib.layers, name)(*args, **kwargs)(lib.Input(shape[1:])).shape)
    assert symbolic(mk) == symbolic(keras)


@pytest.mark.parametrize("name, args, kwargs, shape", [
    ("ZeroPadding2D", (((1, 2), (0, 3)),), {}, (None, 5, 2)),
    ("Cropping2D", (1,), CF, (2, None, 5)),
    ("Cropping3D", (1,), {}, (None, 4, 3, 2)),
    ("UpSampling2D", (2,), {}, (3, None, 2)),
    ("UpSampling1D", (2,), {}, (None, 2)),
])
def test_unknown_sizes_match_keras(keras, name, args, kwargs, shape):
    def out_shape(lib):
        return tuple(getattr(lib.layers, name)(*args, **kwargs)(lib.Input(shape)).shape)
    assert out_shape(mk) == out_shape(keras)


@pytest.mark.parametrize("name, args, kwargs, shape", RANDOM, ids=_ids(RANDOM))
def test_random_layers_are_identity_at_inference_like_keras(keras, name, args, kwargs, shape):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    theirs, ours = _pair(keras, name, args, kwargs)
    for call_kwargs in ({}, {"training": False}):
        np.testing.assert_array_equal(np.asarray(theirs(x, **call_kwargs)), x)
        np.testing.assert_array_equal(ours(x, **call_kwargs), x)
    same_config(ours, theirs)
    assert ours.built == theirs.built


def test_activity_regularization_losses_match_keras(keras):
    x = np.random.default_rng(1).normal(size=(4, 3, 2)).astype("float32")

    def losses(lib):
        inputs = lib.Input((3, 2))
        h = lib.layers.ActivityRegularization(l1=0.02, l2=0.3)(inputs)
        h = lib.layers.Lambda(lambda t: t * 2.0)(h)
        model = lib.Model(inputs, lib.layers.ActivityRegularization(l2=0.05)(h))
        model(x)
        return [float(np.asarray(v)) for v in model.losses]
    np.testing.assert_allclose(losses(mk), losses(keras), rtol=1e-5)


def _image_model(lib, interpolation, data_format):
    L = lib.layers
    shape = (5, 6, 2) if data_format == "channels_last" else (2, 5, 6)
    return lib.Sequential([
        lib.Input(shape), L.ZeroPadding2D(((1, 0), (2, 1)), data_format=data_format),
        L.Cropping2D(((0, 2), (1, 1)), data_format=data_format),
        L.UpSampling2D((2, 1), data_format=data_format, interpolation=interpolation),
        L.SpatialDropout2D(0.0, data_format=data_format), L.GaussianNoise(0.0),
        L.Flatten(), L.Dense(3), L.ActivityRegularization(l2=0.01)])


def _volume_model(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((3, 2, 4, 2)), L.ZeroPadding3D(((0, 1), 1, (2, 0))), L.Cropping3D(((1, 0), (0, 1), 1)),
        L.UpSampling3D((1, 2, 2)), L.Flatten(), L.Dense(2)])


def _sequence_model(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((7, 3)), L.ZeroPadding1D((2, 1)), L.Cropping1D((1, 2)),
                           L.UpSampling1D(2), L.Flatten(), L.Dense(2, activation="tanh")])


MODELS = {
    "image_nearest": lambda lib: _image_model(lib, "nearest", "channels_last"),
    "image_bilinear_cf": lambda lib: _image_model(lib, "bilinear", "channels_first"),
    "image_bicubic": lambda lib: _image_model(lib, "bicubic", "channels_last"),
    "volume": _volume_model,
    "sequence": _sequence_model,
}


@pytest.mark.parametrize("case", sorted(MODELS))
def test_one_sgd_fit_step_matches_keras(keras, case):
    km, mm = MODELS[case](keras), MODELS[case](mk)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8,) + tuple(km.input_shape[1:])).astype("float32")
    y = rng.normal(size=(8,) + tuple(km.output_shape[1:])).astype("float32")
    mm.set_weights(km.get_weights())
    np.testing.assert_allclose(mm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    for m, lib in ((km, keras), (mm, mk)):
        m.compile(lib.optimizers.SGD(0.1), "mse")
    kh = km.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    for ours, theirs in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)
