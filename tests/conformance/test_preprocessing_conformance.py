"""Preprocessing layers against real Keras 3 (JAX): outputs, adapted state, configs, the affine
transform and resize ops, training with deterministic factors, and one SGD fit step."""
import itertools
import math

import numpy as np
import pytest

import minikeras as mk
from minikeras import layers as mk_layers
from minikeras.layers.preprocessing import image_ops
from conformance_helpers import same_config

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _image(shape, seed=0):
    return (np.random.default_rng(seed).normal(size=shape) * 2.0 + 0.5).astype("float32")


def _close(got, expected, rtol=1e-5, atol=1e-5):
    expected = np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# --- Rescaling, Normalization ------------------------------------------------------------------
@pytest.mark.parametrize("make,x", [
    (lambda L: L.Rescaling(1.0 / 255), (np.arange(48) * 5 % 256).astype("uint8").reshape(1, 4, 4, 3)),
    (lambda L: L.Rescaling(1.0 / 127.5, offset=-1.0), _image((2, 3, 3, 2))),
    (lambda L: L.Rescaling(np.array([0.5, 2.0, -1.0], "float32"), offset=[0.0, 1.0, 2.0]), _image((2, 3, 3))),
])
def test_rescaling_matches_keras(keras, make, x):
    theirs, ours = make(keras.layers), make(mk_layers)
    _close(ours(x), theirs(x), rtol=1e-6, atol=1e-6)
    same_config(ours, theirs)


@pytest.mark.parametrize("kwargs", [
    dict(mean=3.0, variance=2.0), dict(mean=[1.0, -2.0, 0.5], variance=[4.0, 0.25, 1e-20]),
    dict(axis=(1, 3), mean=[[1.0, 2.0, 3.0]] * 2, variance=[[1.0, 2.0, 3.0]] * 2),
    dict(axis=None, mean=0.5, variance=3.0, invert=True)])
def test_normalization_given_statistics_match_keras(keras, kwargs):
    x = _image((3, 2, 4, 3), seed=1)
    theirs, ours = keras.layers.Normalization(**kwargs), mk_layers.Normalization(**kwargs)
    _close(ours(x), theirs(x))
    assert ours.weights == [] and theirs.weights == []
    same_config(ours, theirs)


@pytest.mark.parametrize("axis", [-1, None, (1, 2), (1, -1), 2])
@pytest.mark.parametrize("invert", [False, True])
def test_normalization_adapt_matches_keras(keras, axis, invert):
    x = _image((20, 3, 4, 2), seed=2) * 3.0 + 7.0
    theirs = keras.layers.Normalization(axis=axis, invert=invert)
    ours = mk_layers.Normalization(axis=axis, invert=invert)
    theirs.adapt(x)
    ours.adapt(x)
    assert [(w.name, tuple(w.shape), str(w.dtype)) for w in ours.weights] == \
        [(w.name, tuple(w.shape), str(w.dtype)) for w in theirs.weights]
    for mine, ref in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, ref, rtol=1e-5)
    _close(ours(x), theirs(x))
    same_config(ours, theirs)
    assert ours.get_build_config() == {"input_shape": tuple(theirs.get_build_config()["input_shape"])}


# --- Resizing ----------------------------------------------------------------------------------
RESIZE_CASES = {
    "bilinear_down": dict(height=3, width=4), "bilinear_up": dict(height=11, width=13),
    "bilinear_mixed": dict(height=9, width=5), "nearest_down": dict(height=3, width=5, interpolation="nearest"),
    "nearest_up": dict(height=13, width=17, interpolation="nearest"),
    "bilinear_antialias": dict(height=2, width=3, antialias=True),
    "bicubic": dict(height=8, width=5, interpolation="bicubic"),
    "lanczos3": dict(height=4, width=12, interpolation="lanczos3"),
    "crop": dict(height=4, width=4, crop_to_aspect_ratio=True),
    "pad": dict(height=4, width=9, pad_to_aspect_ratio=True, fill_value=1.5),
    "channels_first": dict(height=5, width=3, data_format="channels_first"),
}


@pytest.mark.parametrize("case", sorted(RESIZE_CASES))
def test_resizing_matches_keras(keras, case):
    x = _image((2, 6, 7, 3), seed=3)
    theirs = keras.layers.Resizing(**RESIZE_CASES[case])
    ours = mk_layers.Resizing(**RESIZE_CASES[case])
    _close(ours(x), theirs(x))
    if case in ("bilinear_mixed", "nearest_up", "pad"):  # unbatched images
        _close(ours(x[0]), theirs(x[0]))
    same_config(ours, theirs)
    assert ours.compute_output_shape((None,) + x.shape[1:]) == theirs.compute_output_shape((None,) + x.shape[1:])


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_uint8_matches_keras(keras, interpolation):
    x = (np.random.default_rng(4).random((2, 7, 5, 3)) * 255).astype("uint8")
    got = mk_layers.Resizing(4, 9, interpolation=interpolation)(x)
    expected = np.asarray(keras.layers.Resizing(4, 9, interpolation=interpolation)(x))
    assert got.dtype == expected.dtype == np.uint8
    np.testing.assert_array_equal(got, expected)


# --- the affine transform ----------------------------------------------------------------------
def _rotation(angle, h, w):
    cx, cy, c, s = (w - 1) / 2, (h - 1) / 2, math.cos(angle), math.sin(angle)
    return [c, -s, cx - cx * c + cy * s, s, c, cy - cx * s - cy * c, 0, 0]


TRANSFORMS = {
    "rotation": _rotation(0.7, 7, 9), "zoom": [1.3, 0, -1.2, 0, 0.7, 0.9, 0, 0],
    "shift": [1, 0, -2.5, 0, 1, 1.5, 0, 0], "shear": [1, 0.3, -1, 0.2, 1.1, 0.5, 0, 0],
    "half_pixels": [0.5, 0, 0.25, 0, 0.5, 0.5, 0, 0], "far_outside": [1, 0, 20.0, 0, -1, -15.0, 0, 0],
}


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_keras(keras, fill_mode, interpolation):
    x = _image((2, 7, 9, 3), seed=5)
    for name, t in TRANSFORMS.items():
        batch = np.array([t, TRANSFORMS["shift"]], "float32")
        expected = keras.ops.image.affine_transform(x, batch, interpolation, fill_mode, fill_value=0.5)
        _close(image_ops.affine_transform(x, batch, interpolation, fill_mode, fill_value=0.5),
               expected, rtol=1e-5, atol=1e-5)
    single = np.array(TRANSFORMS["rotation"], "float32")
    _close(image_ops.affine_transform(x[0], single, interpolation, fill_mode),
           keras.ops.image.affine_transform(x[0], single, interpolation, fill_mode))


def test_affine_transform_channels_first_uint8_and_projective_terms(keras):
    x = _image((2, 3, 7, 9), seed=6)
    t = np.array([TRANSFORMS["rotation"]] * 2, "float32")
    kwargs = dict(interpolation="bilinear", fill_mode="wrap", data_format="channels_first")
    _close(image_ops.affine_transform(x, t, **kwargs), keras.ops.image.affine_transform(x, t, **kwargs))
    u = (np.random.default_rng(7).random((7, 9, 3)) * 255).astype("uint8")
    np.testing.assert_array_equal(image_ops.affine_transform(u, t[0], "bilinear", "reflect"),
                                  np.asarray(keras.ops.image.affine_transform(u, t[0], "bilinear", "reflect")))
    c = np.array([[1, 0, 0.3, 0, 1, 0.2, 0.1, 0.05]] * 2, "float32")  # c0, c1 as Keras-JAX uses them
    _close(image_ops.affine_transform(x.transpose(0, 2, 3, 1), c, "bilinear", "constant"),
           keras.ops.image.affine_transform(x.transpose(0, 2, 3, 1), c, "bilinear", "constant"))


# --- random layers -----------------------------------------------------------------------------
RANDOM = {
    # name: (factory with a random range, factory with a one-point range: deterministic in training)
    "flip": (lambda L, **k: L.RandomFlip(**k), None),
    "flip_vertical": (lambda L, **k: L.RandomFlip("vertical", seed=3, **k), None),
    "rotation": (lambda L, **k: L.RandomRotation(0.2, **k),
                 lambda L, **k: L.RandomRotation((0.1, 0.1), **k)),
    "rotation_constant": (lambda L, **k: L.RandomRotation((-0.3, 0.1), fill_mode="constant", fill_value=2.0, **k),
                          lambda L, **k: L.RandomRotation((-0.3, -0.3), fill_mode="constant", fill_value=2.0, **k)),
    "zoom": (lambda L, **k: L.RandomZoom(0.3, **k), lambda L, **k: L.RandomZoom((0.3, 0.3), **k)),
    "zoom_both": (lambda L, **k: L.RandomZoom((-0.2, 0.4), (0.1, 0.2), fill_mode="wrap", **k),
                  lambda L, **k: L.RandomZoom((-0.4, -0.4), (0.2, 0.2), fill_mode="wrap", **k)),
    "translation": (lambda L, **k: L.RandomTranslation(0.2, 0.1, **k),
                    lambda L, **k: L.RandomTranslation((0.15, 0.15), (-0.2, -0.2), **k)),
    "translation_nearest": (lambda L, **k: L.RandomTranslation(0.2, (0.0, 0.3), fill_mode="nearest", **k),
                            lambda L, **k: L.RandomTranslation((-0.3, -0.3), (0.25, 0.25), fill_mode="nearest", **k)),
}


@pytest.mark.parametrize("case", sorted(RANDOM))
def test_random_layers_at_inference_and_config_match_keras(keras, case):
    make = RANDOM[case][0]
    x = (np.random.default_rng(8).random((3, 6, 7, 2)) * 255).astype("uint8")
    theirs, ours = make(keras.layers), make(mk_layers)
    _close(ours(x, training=False), theirs(x, training=False), rtol=0, atol=0)
    _close(ours(x[0], training=False), theirs(x[0], training=False), rtol=0, atol=0)
    same_config(ours, theirs)
    assert ours.weights == theirs.weights == []
    assert ours.compute_output_shape((None, 6, 7, 2)) == tuple(theirs.compute_output_shape((None, 6, 7, 2)))


@pytest.mark.parametrize("case", sorted(c for c in RANDOM if RANDOM[c][1] is not None))
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_layers_with_one_point_ranges_match_keras_in_training(keras, case, interpolation):
    make = RANDOM[case][1]
    x = _image((3, 6, 7, 2), seed=9)
    theirs, ours = make(keras.layers, interpolation=interpolation), make(mk_layers, interpolation=interpolation)
    _close(ours(x, training=True), theirs(x, training=True))
    _close(ours(x[0], training=True), theirs(x[0], training=True))
    cf = x.transpose(0, 3, 1, 2)
    theirs, ours = (make(L, interpolation=interpolation, data_format="channels_first")
                    for L in (keras.layers, mk_layers))
    _close(ours(cf, training=True), theirs(cf, training=True))


def test_random_flip_training_outputs_are_flips_like_keras(keras):
    x = _image((16, 4, 5, 1), seed=10)
    for lib in (keras.layers, mk_layers):
        out = np.asarray(lib.RandomFlip(seed=1)(x, training=True))
        kinds = {0 if np.array_equal(o, xi) else 1 if np.array_equal(o, xi[::-1, ::-1]) else 2
                 for o, xi in zip(out, x)}
        assert kinds == {0, 1}, lib  # both libraries: unchanged or flipped both ways, nothing else


def test_random_crop_like_keras(keras):
    x = _image((3, 7, 9, 2), seed=11)
    for size in [(3, 4), (7, 9)]:
        theirs, ours = (L.RandomCrop(*size, seed=5) for L in (keras.layers, mk_layers))
        _close(ours(x, training=False), theirs(x, training=False))     # identity at inference
        out = np.asarray(ours(x, training=True))
        assert out.shape == np.asarray(theirs(x, training=True)).shape == (3,) + size + (2,)
        # One window for the whole batch, cut from the images unchanged.
        windows = {(i, j) for i in range(7 - size[0] + 1) for j in range(9 - size[1] + 1)
                   if np.array_equal(out, x[:, i:i + size[0], j:j + size[1]])}
        assert len(windows) >= 1
    small = _image((2, 3, 4, 1), seed=12)   # smaller than the target: the resize fallback
    theirs, ours = (L.RandomCrop(6, 8, seed=1) for L in (keras.layers, mk_layers))
    _close(ours(small, training=True), theirs(small, training=True), rtol=1e-4, atol=1e-4)
    same_config(ours, theirs)


# --- one SGD fit step --------------------------------------------------------------------------
def _symmetric(x):
    """Images equal to their left-right and top-bottom mirrors (RandomFlip is then deterministic)."""
    x = x + x[:, ::-1]
    return x + x[:, :, ::-1]


def _fit_model(lib, preprocessing):
    L = lib.layers
    model = lib.Sequential([lib.Input((6, 6, 2)), L.Dense(2, name="pre"), *preprocessing(L),
                            L.Flatten(), L.Dense(1)])
    model.compile(lib.optimizers.SGD(0.1), "mse")
    return model


FIT = {
    # every layer in one pipeline (the one-point ranges and symmetric images make training
    # deterministic), so each sees a traced input and passes the gradient back to "pre"
    "pipeline": lambda L: [
        L.Rescaling(0.5, offset=-0.25), L.Normalization(mean=[0.5, -1.0], variance=[2.0, 0.5]),
        L.RandomFlip(seed=2), L.RandomRotation((0.05, 0.05)), L.RandomZoom((-0.3, -0.3), (0.2, 0.2)),
        L.RandomTranslation((0.2, 0.2), (-0.1, -0.1)),
        L.Resizing(9, 7, interpolation="nearest"), L.Resizing(4, 3)],
}


@pytest.mark.parametrize("case", sorted(FIT))
def test_sgd_fit_step_matches_keras(keras, case):
    rng = np.random.default_rng(11)
    x = _symmetric(rng.normal(size=(4, 6, 6, 2)).astype("float32"))
    y = rng.normal(size=(4, 1)).astype("float32")
    km, mm = _fit_model(keras, FIT[case]), _fit_model(mk, FIT[case])
    mm.set_weights([np.asarray(w) for w in km.get_weights()])
    k_loss = km.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0).history["loss"]
    m_loss = mm.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(m_loss, k_loss, rtol=1e-5)
    for mine, ref in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(mine, np.asarray(ref), rtol=1e-5, atol=1e-5)


def test_symbolic_shapes_match_keras(keras):
    for make, shape in itertools.product(
            [lambda L: L.Resizing(5, 4), lambda L: L.RandomZoom(0.1), lambda L: L.Rescaling(2.0),
             lambda L: L.Normalization(mean=1.0, variance=1.0)], [(6, 7, 3), (8, 8, 1)]):
        assert tuple(make(mk_layers)(mk_layers.Input(shape)).shape) == \
            tuple(make(keras.layers)(keras.layers.Input(shape)).shape)
