"""Preprocessing layers: Rescaling, Normalization (+ adapt), Resizing, RandomFlip/Rotation/Zoom/
Translation and the numpy affine transform / resize under them."""
import numpy as np
import pytest
from autograd.test_util import check_grads

import minikeras
from minikeras import layers
from minikeras.layers.preprocessing import image_ops
from minikeras.utils import set_random_seed


def _image(shape=(2, 5, 6, 3), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _ramp(h, w):
    """in[y, x] = 10 y + x: bilinear sampling of it returns 10 y' + x' exactly."""
    return (10.0 * np.arange(h)[:, None] + np.arange(w)[None, :]).astype("float32")[None, :, :, None]


# --- Rescaling ---------------------------------------------------------------------------------
def test_rescaling_values_and_uint8():
    x = np.arange(12, dtype="uint8").reshape(1, 2, 2, 3)
    out = layers.Rescaling(1.0 / 127.5, offset=-1.0)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, x / 127.5 - 1.0, rtol=1e-6)
    per_channel = layers.Rescaling(np.array([1.0, 2.0, 3.0], "float32"), offset=[0.0, 1.0, 2.0])(x)
    np.testing.assert_allclose(per_channel, x * [1.0, 2.0, 3.0] + [0.0, 1.0, 2.0])


def test_rescaling_config_round_trip_with_array_scale():
    layer = layers.Rescaling(np.array([0.5, 2.0], "float32"), offset=0.25)
    config = layer.get_config()
    assert config["scale"] == {"class_name": "__numpy__",
                               "config": {"value": [0.5, 2.0], "dtype": "float32"}}
    clone = layers.Rescaling.from_config(config)
    np.testing.assert_array_equal(clone.scale, layer.scale)
    assert clone.offset == 0.25


# --- Normalization -----------------------------------------------------------------------------
def test_normalization_given_mean_variance():
    x = np.array([[1.0], [2.0], [3.0]], "float32")
    out = layers.Normalization(mean=3.0, variance=2.0)(x)
    np.testing.assert_allclose(out[:, 0], [-2 / np.sqrt(2), -1 / np.sqrt(2), 0.0], rtol=1e-6)
    assert layers.Normalization(mean=3.0, variance=2.0).weights == []
    per_feature = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.0])(np.ones((2, 2), "float32"))
    np.testing.assert_allclose(per_feature, [[0.0, -1e7], [0.0, -1e7]], rtol=1e-6)  # max(sqrt(v), eps)


@pytest.mark.parametrize("axis,reduce", [(-1, (0, 1, 2)), (None, None), ((1, 2), (0, 3)), (1, (0, 2, 3))])
def test_normalization_adapt_biased_statistics(axis, reduce):
    x = _image((8, 3, 4, 2), seed=1) * 3.0 + 1.0
    layer = layers.Normalization(axis=axis)
    layer.adapt(x)
    mean, var, count = layer.get_weights()
    np.testing.assert_allclose(mean, x.mean(axis=reduce), rtol=1e-5)
    np.testing.assert_allclose(var, x.var(axis=reduce), rtol=1e-5)  # ddof=0
    assert count.dtype == np.int32 and count == 0
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.trainable_weights == []
    out = layer(x)
    np.testing.assert_allclose(out.mean(axis=reduce), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=reduce), 1.0, rtol=1e-4)


def test_normalization_adapt_batches_equals_whole_array():
    x = _image((10, 3), seed=2) * 2.0 + 5.0
    whole = layers.Normalization()
    whole.adapt(x)
    batched = layers.Normalization()
    batched.adapt([x[:3], x[3:4], x[4:]])
    for a, b in zip(batched.get_weights()[:2], whole.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    xy = layers.Normalization()
    xy.adapt(iter([(x[:6], None), (x[6:], None)]))  # (x, y) batches from a generator
    np.testing.assert_allclose(xy.get_weights()[0], whole.get_weights()[0], rtol=1e-5)
    nested = layers.Normalization(axis=None)
    nested.adapt([[1.0, 2.0], [3.0, 4.0]])  # a nested list of numbers is one array
    np.testing.assert_allclose(nested.get_weights()[:2], [2.5, 1.25])


def test_normalization_invert_round_trip_and_set_weights():
    x = _image((6, 4), seed=3) * 4.0 - 2.0
    norm, inv = layers.Normalization(), layers.Normalization(invert=True)
    norm.adapt(x)
    inv.adapt(x)
    np.testing.assert_allclose(inv(norm(x)), x, rtol=1e-5, atol=1e-5)
    norm.set_weights([np.zeros(4, "float32"), np.full(4, 4.0, "float32"), np.array(0, "int32")])
    np.testing.assert_allclose(norm(x), x / 2.0, rtol=1e-6)  # outputs follow the weights


def test_normalization_config_and_errors():
    layer = layers.Normalization(axis=(1, 2), mean=[1, 2], variance=[3, 4])
    config = layer.get_config()
    assert (config["axis"], config["mean"], config["variance"], config["invert"]) == ((1, 2), [1, 2], [3, 4], False)
    assert layers.Normalization.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set.*'nm'"):
        layers.Normalization(mean=1.0, name="nm")
    with pytest.raises(ValueError, match="must have the same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=1.0)
    with pytest.raises(ValueError, match=r"range \[-ndim, ndim\).*axis=\(3,\).*'na'"):
        layers.Normalization(axis=3, name="na")(np.ones((2, 3), "float32"))
    layer = layers.Normalization()
    layer.adapt(np.ones((4, 3), "float32"))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.ones((4, 5), "float32"))


def test_normalization_in_a_model_after_adapt():
    x = _image((16, 4), seed=4) * 10.0 + 3.0
    norm = layers.Normalization()
    norm.adapt(x)
    model = minikeras.Sequential([layers.Input((4,)), norm, layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, np.ones((16, 1), "float32"), epochs=1, verbose=0)
    np.testing.assert_allclose(norm.get_weights()[0], x.mean(0), rtol=1e-5)  # adapt state untouched


# --- Resizing ----------------------------------------------------------------------------------
def test_resizing_bilinear_and_nearest_values():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    down = layers.Resizing(2, 2)(x)[0, :, :, 0]
    np.testing.assert_allclose(down, [[2.5, 4.5], [10.5, 12.5]])  # half-pixel centres, no antialias
    aa = layers.Resizing(2, 2, antialias=True)(x)[0, :, :, 0]
    np.testing.assert_allclose(aa, [[3.571429, 5.142858], [9.857145, 11.428574]], rtol=1e-5)
    near = layers.Resizing(2, 2, interpolation="nearest")(x)[0, :, :, 0]
    np.testing.assert_array_equal(near, [[5, 7], [13, 15]])
    up = layers.Resizing(1, 8)(np.array([[[[0.0], [4.0]]]], "float32"))[0, 0, :, 0]
    np.testing.assert_allclose(up, [0, 0, 0.5, 1.5, 2.5, 3.5, 4, 4])  # 2 -> 8: clamped ends


def test_resizing_shapes_dtypes_and_aspect_ratio():
    x = _image((2, 6, 8, 3))
    assert layers.Resizing(3, 5)(x).shape == (2, 3, 5, 3)
    assert layers.Resizing(3, 5)(x[0]).shape == (3, 5, 3)
    assert layers.Resizing(4, 4, data_format="channels_first")(x).shape == (2, 6, 4, 4)
    crop = layers.Resizing(6, 6, crop_to_aspect_ratio=True)(x)
    np.testing.assert_array_equal(crop, x[:, :, 1:7])  # central 6x6 window, no resampling
    pad = layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=7.0)(x)
    np.testing.assert_array_equal(pad[:, 0], 7.0)
    np.testing.assert_array_equal(pad[:, 1:7], x)
    u = (np.arange(48) * 5).astype("uint8").reshape(4, 4, 3)
    assert layers.Resizing(3, 3)(u).dtype == np.uint8
    symbolic = layers.Resizing(7, 9)(layers.Input((6, 8, 3)))
    assert tuple(symbolic.shape) == (None, 7, 9, 3)


@pytest.mark.parametrize("kwargs,match", [
    (dict(height=0, width=3), "`height` must be a positive integer. Received: height=0"),
    (dict(height=3, width=-2), "`width` must be a positive integer. Received: width=-2"),
    (dict(height=3, width=3, interpolation="cubic"), "interpolation=cubic"),
    (dict(height=3, width=3, fill_mode="reflect"), "fill_mode=reflect"),
    (dict(height=3, width=3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "Only one of"),
])
def test_resizing_errors_name_the_layer(kwargs, match):
    with pytest.raises(ValueError, match=match + ".*'rs'"):
        layers.Resizing(name="rs", **kwargs)


# --- RandomFlip --------------------------------------------------------------------------------
def test_random_flip_is_exact_mirror_or_identity():
    x = _image((16, 4, 5, 2))
    out = layers.RandomFlip("horizontal", seed=3)(x, training=True)
    mirrored = np.array([np.array_equal(o, xi[:, ::-1]) for o, xi in zip(out, x)])
    same = np.array([np.array_equal(o, xi) for o, xi in zip(out, x)])
    assert np.all(mirrored ^ same) and mirrored.any() and same.any()
    out = layers.RandomFlip("vertical", seed=3)(x, training=True)
    assert all(np.array_equal(o, xi[::-1]) or np.array_equal(o, xi) for o, xi in zip(out, x))
    out = layers.RandomFlip(seed=4)(x, training=True)  # both flips share one draw (Keras 3)
    assert all(np.array_equal(o, xi[::-1, ::-1]) or np.array_equal(o, xi) for o, xi in zip(out, x))
    channels_first = layers.RandomFlip("horizontal", seed=3, data_format="channels_first")
    out = channels_first(x, training=True)
    assert all(np.array_equal(o, xi[:, :, ::-1]) or np.array_equal(o, xi) for o, xi in zip(out, x))


def test_random_layers_identity_at_inference_and_cast():
    x = (np.arange(60) % 256).astype("uint8").reshape(1, 4, 5, 3)
    for layer in [layers.RandomFlip(), layers.RandomRotation(0.3), layers.RandomZoom(0.3),
                  layers.RandomTranslation(0.3, 0.3)]:
        out = layer(x, training=False)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, x)
        model = minikeras.Sequential([layers.Input((4, 5, 3)), layer])
        np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_random_layers_default_to_training_when_called_directly():
    x = _image((8, 5, 5, 1))
    assert not np.array_equal(layers.RandomRotation(0.2, seed=1)(x), x)  # as Keras: training=True


# --- affine layers -----------------------------------------------------------------------------
def test_rotation_by_quarter_turn_is_rot90():
    x = _image((3, 5, 5, 2))
    out = layers.RandomRotation((0.25, 0.25), interpolation="nearest")(x, training=True)
    np.testing.assert_array_equal(out, np.rot90(x, k=1, axes=(1, 2)))  # counter-clockwise
    np.testing.assert_array_equal(layers.RandomRotation(0.0)(x, training=True), x)


def test_rotation_from_fixed_seed_keeps_shape_and_fills():
    x = np.ones((2, 7, 9, 3), "float32")
    for inputs in (x, x[0]):
        out = layers.RandomRotation(0.2, seed=11)(inputs, training=True)
        assert out.shape == inputs.shape
    out = layers.RandomRotation((0.125, 0.125), fill_mode="constant", fill_value=-1.0)(x, training=True)
    np.testing.assert_array_equal(out[:, 0, 0], -1.0)  # 45 degrees: the corners come from outside
    np.testing.assert_allclose(out[:, 3, 4], 1.0)


@pytest.mark.parametrize("fill_mode,row", [
    ("reflect", [1, 0, 0, 1]), ("wrap", [2, 3, 0, 1]), ("nearest", [0, 0, 0, 1]),
    ("constant", [-5, -5, 0, 1])])
def test_translation_fill_modes(fill_mode, row):
    x = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    layer = layers.RandomTranslation(0.0, (0.5, 0.5), fill_mode=fill_mode, fill_value=-5.0,
                                     interpolation="nearest")
    np.testing.assert_array_equal(layer(x, training=True)[0, 0, :, 0], row)  # shift right by 2


def test_zoom_and_translation_bilinear_on_a_ramp():
    x = _ramp(5, 5)
    zoom_in = layers.RandomZoom((-0.5, -0.5))(x, training=True)[0, :, :, 0]  # z = 0.5 about centre
    p = 0.5 * np.arange(5) + 1.0
    np.testing.assert_allclose(zoom_in, 10 * p[:, None] + p[None, :], rtol=1e-6)
    stretch = layers.RandomZoom((0.2, 0.2), (-0.5, -0.5))(x, training=True)[0, 2, :, 0]
    np.testing.assert_allclose(stretch, 20 + p, rtol=1e-6)  # width zoomed only
    shifted = layers.RandomTranslation((0.1, 0.1), 0.0)(x, training=True)[0, :, 2, 0]
    np.testing.assert_allclose(shifted[1:], 10 * (np.arange(1, 5) - 0.5) + 2, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda s: layers.RandomFlip(seed=s), lambda s: layers.RandomRotation(0.3, seed=s),
    lambda s: layers.RandomZoom(0.3, 0.2, seed=s), lambda s: layers.RandomTranslation(0.2, 0.3, seed=s)])
def test_random_layers_are_seeded_and_repeatable(make):
    x = _image((6, 6, 7, 2))
    first, again = make(5)(x, training=True), make(5)(x, training=True)
    np.testing.assert_array_equal(first, again)
    layer = make(5)
    layer(x, training=True)
    assert not np.array_equal(layer(x, training=True), first)  # the stream moves on
    set_random_seed(123)
    a = make(None)(x, training=True)
    set_random_seed(123)
    np.testing.assert_array_equal(make(None)(x, training=True), a)


@pytest.mark.parametrize("factory,match", [
    (lambda: layers.RandomRotation(1.5, name="rr"), r"`factor`.*\[-1, 1\]. Received: factor=1.5.*'rr'"),
    (lambda: layers.RandomRotation((0.1, 0.2, 0.3), name="rr"), r"factor=\(0.1, 0.2, 0.3\)"),
    (lambda: layers.RandomRotation("big", name="rr"), "factor=big"),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror", name="rr"), "Unknown `fill_mode` mirror.*'rr'"),
    (lambda: layers.RandomRotation(0.1, interpolation="bicubic", name="rr"), "Unknown `interpolation` bicubic"),
    (lambda: layers.RandomZoom(-1.0, name="rz"), r"\(-1.0, 1.0\]. Received: height_factor=-1.0.*'rz'"),
    (lambda: layers.RandomZoom(0.1, (0.2, 1.5), name="rz"), r"width_factor=\(0.2, 1.5\)"),
    (lambda: layers.RandomZoom(0.1, fill_mode="edge", name="rz"), "Unknown `fill_mode` edge"),
    (lambda: layers.RandomTranslation(1.2, 0.1, name="rt"), r"\[-1.0, 1.0\]. Received: height_factor=1.2.*'rt'"),
    (lambda: layers.RandomTranslation(0.1, interpolation="area", width_factor=0.1, name="rt"), "area"),
    (lambda: layers.RandomFlip(mode="diagonal", name="rf"), "rf received an unknown mode argument diagonal"),
])
def test_random_layer_argument_errors(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_image_layers_reject_wrong_rank():
    with pytest.raises(ValueError, match=r"rank 3.*data.shape=\(4, 5\).*'flip'"):
        layers.RandomFlip(name="flip")(np.ones((4, 5), "float32"), training=True)


@pytest.mark.parametrize("layer", [
    layers.RandomFlip("vertical", seed=1), layers.RandomRotation((-0.2, 0.3), fill_mode="wrap"),
    layers.RandomZoom(0.2, (-0.1, 0.3), interpolation="nearest"),
    layers.RandomTranslation(0.1, 0.2, fill_mode="constant", fill_value=2.0),
    layers.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True), layers.Rescaling(0.5, 1.0)])
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


# --- gradients and fit -------------------------------------------------------------------------
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_gradient_wrt_image(fill_mode, interpolation):
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 2))
    t = np.array([[0.9, -0.3, 1.2, 0.25, 1.1, -0.6, 0, 0], [1, 0, -1.5, 0, 1, 0.5, 0, 0]])
    check_grads(lambda im: image_ops.affine_transform(im, t, interpolation, fill_mode),
                modes=["rev"], order=1)(x)


def test_resize_gradient_wrt_image():
    x = np.random.default_rng(1).normal(size=(2, 4, 5, 2))
    check_grads(lambda im: image_ops.resize(im, (3, 7)), modes=["rev"], order=1)(x)


def test_augmentation_inside_a_traced_fit():
    x = _image((8, 6, 6, 2))
    model = minikeras.Sequential([
        layers.Input((6, 6, 2)), layers.Dense(3), layers.RandomFlip(seed=1),
        layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.1, seed=3),
        layers.RandomTranslation(0.1, 0.1, seed=4), layers.Resizing(4, 4), layers.Rescaling(0.5),
        layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()[0].copy()
    model.fit(x, np.ones((8, 1), "float32"), epochs=1, verbose=0)
    assert np.abs(model.layers[0].get_weights()[0] - before).max() > 0  # gradient flowed through
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
