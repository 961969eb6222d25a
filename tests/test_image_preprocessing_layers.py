"""The image augmentation layers (Keras 3's keras.layers.Random*, AugMix, CutMix, ...): formulas
against numpy references, Keras's protocol (get_random_transformation / transform_images, dict
inputs), inference identity, seeds, errors, tf.data pipelines and training inside a model."""
import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads

import minikeras as keras
from minikeras import layers
from minikeras.tf import data as tf_data

RNG = np.random.default_rng(0)


def _images(shape=(2, 8, 8, 3), scale=255.0):
    return (RNG.uniform(0, scale, size=shape)).astype("float32")


RANDOM_LAYERS = {
    "RandomBrightness": lambda: layers.RandomBrightness(0.5, seed=1),
    "RandomContrast": lambda: layers.RandomContrast(0.5, seed=1),
    "RandomGrayscale": lambda: layers.RandomGrayscale(0.5, seed=1),
    "RandomInvert": lambda: layers.RandomInvert(seed=1),
    "Solarization": lambda: layers.Solarization(0.3, 0.6, seed=1),
    "RandomColorDegeneration": lambda: layers.RandomColorDegeneration(0.6, seed=1),
    "RandomSaturation": lambda: layers.RandomSaturation(0.6, seed=1),
    "RandomHue": lambda: layers.RandomHue(0.6, seed=1),
    "RandomPosterization": lambda: layers.RandomPosterization(3, seed=1),
    "RandomSharpness": lambda: layers.RandomSharpness(0.6, seed=1),
    "RandomColorJitter": lambda: layers.RandomColorJitter(
        brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.4, hue_factor=0.2, seed=1),
    "RandomShear": lambda: layers.RandomShear((0.0, 0.3), (0.1, 0.3), seed=1),
    "RandomPerspective": lambda: layers.RandomPerspective(seed=1),
    "RandomGaussianBlur": lambda: layers.RandomGaussianBlur(seed=1),
    "RandomElasticTransform": lambda: layers.RandomElasticTransform(seed=1),
    "RandomErasing": lambda: layers.RandomErasing(seed=1),
    "MixUp": lambda: layers.MixUp(seed=1),
    "CutMix": lambda: layers.CutMix(seed=1),
    "AugMix": lambda: layers.AugMix(seed=1),
    "RandAugment": lambda: layers.RandAugment(seed=1),
    "Equalization": lambda: layers.Equalization(),  # applied in training only, as Keras
}
ALWAYS = {
    "AutoContrast": lambda: layers.AutoContrast(),
    "CenterCrop": lambda: layers.CenterCrop(6, 5),
    "ContrastLimitedAdaptiveHistogramEqualization":
        lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)),
    "MaxNumBoundingBoxes": lambda: layers.MaxNumBoundingBoxes(3),
    "Pipeline": lambda: layers.Pipeline([layers.AutoContrast(), layers.CenterCrop(6, 6)]),
}


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS))
def test_random_layers_change_images_in_training_only(name):
    x = _images((4, 8, 8, 3))
    layer = RANDOM_LAYERS[name]()
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), x, rtol=1e-6)
    outs = [np.asarray(layer(x, training=True)) for _ in range(4)]
    assert outs[0].shape == x.shape and outs[0].dtype == np.float32
    assert any(not np.allclose(o, x) for o in outs), name
    unbatched = np.asarray(layer(x[0], training=True))
    assert unbatched.shape == x[0].shape


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS))
def test_same_seed_same_draws(name):
    x = _images((3, 8, 8, 3))
    a, b = RANDOM_LAYERS[name](), RANDOM_LAYERS[name]()
    np.testing.assert_allclose(np.asarray(a(x)), np.asarray(b(x)), rtol=1e-6)


@pytest.mark.parametrize("name", sorted({**RANDOM_LAYERS, **ALWAYS}))
def test_tf_data_map_and_config(name):
    layer = {**RANDOM_LAYERS, **ALWAYS}[name]()
    ds = tf_data.Dataset.from_tensor_slices(_images((4, 8, 8, 3))).batch(2).map(layer)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 2 and batches[0].shape[0] == 2
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("name", ["RandomBrightness", "RandomContrast", "RandomSaturation",
                                  "RandomHue", "RandomSharpness", "RandomShear",
                                  "RandomPerspective", "RandomGaussianBlur", "RandomErasing",
                                  "MixUp", "RandomColorDegeneration", "RandomGrayscale"])
def test_trains_inside_a_model(name):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), RANDOM_LAYERS[name](),
                              layers.Rescaling(1 / 255.0), layers.Conv2D(2, 3), layers.Flatten(),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = _images((16, 8, 8, 3)), RNG.normal(size=(16, 1)).astype("float32")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.predict(x[:2], verbose=0).shape == (2, 1)


@pytest.mark.parametrize("name", sorted({**RANDOM_LAYERS, **ALWAYS}))
def test_trains_after_a_trainable_layer(name):
    """Behind a Conv2D the images are traced: every layer must pass gradients (zero through
    the integer lookups of posterization, equalization and CLAHE, as in Keras)."""
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(3, 1),
                              {**RANDOM_LAYERS, **ALWAYS}[name](), layers.Flatten(),
                              layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e-6), "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(_images((4, 8, 8, 3)), np.ones((4, 1), "float32"), verbose=0)
    kernel = model.get_weights()[-2]
    assert np.all(np.isfinite(kernel)) and not np.allclose(before[-2], kernel)  # it learned


# --- formulas against numpy ---------------------------------------------------------------------
def test_brightness_adds_one_delta_per_image_and_clips():
    layer = layers.RandomBrightness((0.1, 0.1), value_range=(0, 255))
    x = _images((2, 4, 4, 3))
    np.testing.assert_allclose(np.asarray(layer(x)), np.clip(x + 25.5, 0, 255), rtol=1e-6)
    t = layer.get_random_transformation(x)
    assert t["rgb_delta"].shape == (2, 1, 1, 1)


def test_contrast_formula_and_factor_range():
    layer = layers.RandomContrast(0.5, seed=3)
    x = _images((6, 5, 4, 3))
    t = layer.get_random_transformation(x, training=True)
    c = t["contrast_factor"]
    assert c.shape == (6, 1, 1, 1) and np.all((c >= 0.5) & (c < 1.5))
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(np.asarray(layer.transform_images(x, t)),
                               np.clip((x - mean) * c + mean, 0, 255), rtol=1e-5, atol=1e-3)


def test_grayscale_uses_luma_weights_in_every_channel():
    x = _images((2, 4, 4, 3))
    out = np.asarray(layers.RandomGrayscale(1.0)(x))
    luma = x @ np.array([0.2989, 0.5870, 0.1140], "float32")
    for c in range(3):
        np.testing.assert_allclose(out[..., c], luma, rtol=1e-5)
    out_cf = np.asarray(layers.RandomGrayscale(1.0, data_format="channels_first")(
        np.moveaxis(x, -1, 1)))
    np.testing.assert_allclose(np.moveaxis(out_cf, 1, -1), out, rtol=1e-5)


def test_invert_probability_one_and_zero():
    x = _images((3, 4, 4, 3), scale=1.0)
    out = layers.RandomInvert((1.0, 1.0), value_range=(0, 1))(x)
    np.testing.assert_allclose(np.asarray(out), 1.0 - x, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layers.RandomInvert(0.0)(x)), x)


@pytest.mark.parametrize("value,expected", [(0, 255), (64, 191), (127, 128), (191, 64), (255, 0)])
def test_solarization_default_inverts_everything(value, expected):
    x = np.full((2, 4, 4, 3), value, "uint8")
    np.testing.assert_allclose(np.asarray(layers.Solarization()(x)), expected)


def test_posterization_keeps_top_bits():
    x = np.arange(256, dtype="float32").reshape(1, 16, 16, 1)
    out = np.asarray(layers.RandomPosterization((3, 3))(x))
    np.testing.assert_array_equal(out, (np.arange(256) >> 5 << 5).reshape(1, 16, 16, 1))


def test_saturation_zero_is_gray_and_one_saturates():
    x = _images((2, 4, 4, 3), scale=1.0)
    gray = np.asarray(layers.RandomSaturation((0.0, 0.0), value_range=(0, 1))(x))
    np.testing.assert_allclose(gray, np.repeat(x.max(axis=-1, keepdims=True), 3, -1), rtol=1e-5)
    full = np.asarray(layers.RandomSaturation((1.0, 1.0), value_range=(0, 1))(x))
    np.testing.assert_allclose(full.min(axis=-1), 0.0, atol=1e-5)  # S = 1: the minimum is 0
    np.testing.assert_allclose(full.max(axis=-1), x.max(axis=-1), rtol=1e-5)  # V kept


def test_hue_half_turn_is_involution():
    x = _images((2, 4, 4, 3), scale=1.0)
    layer = layers.RandomHue(1.0, value_range=(0, 1))
    t = {"factor": np.array([0.5, -0.5], "float32")}
    twice = layer.transform_images(layer.transform_images(x, t), t)
    np.testing.assert_allclose(np.asarray(twice), x, atol=1e-5)


def test_sharpness_half_is_identity_and_zero_is_smoothing():
    x = _images((1, 5, 5, 1))
    layer = layers.RandomSharpness(1.0)
    np.testing.assert_allclose(np.asarray(layer.transform_images(x, {"factor": np.array([0.5])})),
                               x, rtol=1e-6)
    smooth = np.asarray(layer.transform_images(x, {"factor": np.array([0.0])}))
    k = np.full((3, 3), 1 / 13.0)
    k[1, 1] = 5 / 13.0
    padded = np.pad(x[0, ..., 0], 1)
    expected = sum(k[i, j] * padded[i:i + 5, j:j + 5] for i in range(3) for j in range(3))
    np.testing.assert_allclose(smooth[0, ..., 0], expected, rtol=1e-5)


def test_auto_contrast_stretches_each_channel():
    x = RNG.uniform(50, 100, size=(2, 6, 6, 3)).astype("float32")
    out = np.asarray(layers.AutoContrast()(x))
    np.testing.assert_allclose(out.min(axis=(1, 2)), 0, atol=1e-3)
    np.testing.assert_allclose(out.max(axis=(1, 2)), 255, rtol=1e-5)
    constant = np.full((1, 4, 4, 3), 7.0, "float32")  # 0 / 0: kept as is
    np.testing.assert_allclose(np.asarray(layers.AutoContrast()(constant)), constant)
    mixed = RNG.uniform(0, 200, size=(1, 4, 4, 3))
    mixed[..., 1] = 7.0  # one flat channel: its gradient is the identity's, not NaN
    g = grad(lambda im: layers.AutoContrast(dtype="float64").transform_images(im).sum())(mixed)
    assert np.all(np.isfinite(g)) and np.allclose(g[..., 1], 1.0)


def test_equalization_flattens_the_histogram():
    x = RNG.integers(100, 140, size=(1, 32, 32, 1)).astype("float32")
    out = np.asarray(layers.Equalization()(x))
    assert out.min() == 0 and out.max() == 255
    assert np.all(np.diff(np.unique(out)) > 0) and len(np.unique(out)) == len(np.unique(x))
    order = np.argsort(x.ravel(), kind="stable")
    assert np.all(np.diff(out.ravel()[order]) >= 0)  # monotone map
    np.testing.assert_allclose(np.asarray(layers.Equalization()(x, training=False)), x)


def test_clahe_output_range_and_dtype():
    x = RNG.integers(0, 256, size=(2, 16, 16, 3)).astype("uint8")
    out = np.asarray(layers.ContrastLimitedAdaptiveHistogramEqualization()(x))
    assert out.dtype == np.uint8 and out.shape == x.shape
    # A flat image, 8 x 8 tiles of n = 4 pixels: the occupied bin is clipped at 4 * n / 256
    # and the excess r = (n - 1/16) / 256 goes to every bin, so 90 maps to
    # (cdf[90] - cdf[0]) * 255 / (n - cdf[0]) = (90 r + 1/16) * 255 / (n - r) in every tile.
    flat = np.full((1, 16, 16, 1), 90, "float32")
    r = (4 - 4 * 4 / 256) / 256
    np.testing.assert_allclose(
        np.asarray(layers.ContrastLimitedAdaptiveHistogramEqualization()(flat)),
        (90 * r + 4 * 4 / 256) * 255 / (4 - r), rtol=1e-5)


def test_center_crop_slices_and_smart_resizes():
    x = _images((2, 7, 6, 3))
    np.testing.assert_array_equal(np.asarray(layers.CenterCrop(3, 2)(x)), x[:, 2:5, 2:4])
    assert np.asarray(layers.CenterCrop(9, 4)(x)).shape == (2, 9, 4, 3)
    assert layers.CenterCrop(3, 2).compute_output_shape((None, 7, 6, 3)) == (None, 3, 2, 3)


def test_shear_matrix_moves_pixels():
    x = np.zeros((1, 5, 5, 1), "float32")
    x[0, :, 2] = 1.0  # a vertical line
    layer = layers.RandomShear(1.0, fill_mode="constant", interpolation="nearest")
    out = np.asarray(layer.transform_images(x, {"shear_factor": np.array([[0.5, 0.0]])}))
    # output (x, y) reads input (x + 0.5 y, y): the line leans left going down
    assert [int(np.argmax(out[0, r, :, 0])) for r in (0, 4)] == [2, 0]


def test_perspective_identity_and_shrink():
    x = np.ones((1, 4, 4, 1), "float32")
    layer = layers.RandomPerspective()
    corners = np.array([[[0.0, 0.0], [3.0, 0.0], [0.0, 3.0], [3.0, 3.0]]])
    same = {"apply_perspective": np.array([True]), "start_points": corners, "end_points": corners}
    np.testing.assert_allclose(np.asarray(layer.transform_images(x, same)), x, atol=1e-5)
    shrink = {**same, "end_points": corners / 3.0}
    out = np.asarray(layer.transform_images(x, shrink))[0, ..., 0]
    np.testing.assert_allclose(out, [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
                               atol=1e-4)


def test_gaussian_blur_kernel_matches_keras_example():
    out = layers.RandomGaussianBlur().transform_images(
        np.ones((1, 2, 2, 3)), {"blur_factor": np.array([0.3732, 0.8654]),
                                "should_apply_blur": np.array([True])})
    np.testing.assert_allclose(np.asarray(out), 0.7273, atol=1e-4)


def test_erasing_fills_the_box_only():
    layer = layers.RandomErasing(fill_value=9.0, value_range=(0, 10), seed=4)
    x = np.ones((4, 10, 10, 3), "float32")
    t = layer.get_random_transformation(x)
    out = np.asarray(layer.transform_images(x, t))
    masks, applied = t["batch_masks"], t["apply_erasing"]
    for i in range(4):
        erased = masks[i] & applied[i]
        assert np.all(out[i][erased] == 9.0) and np.all(out[i][~erased] == 1.0)
    area = masks[..., 0].mean(axis=(1, 2))
    assert np.all((area > 0) & (area <= 0.45))  # sides sqrt(0.02..0.33) of the image


def test_elastic_transform_moves_pixels_smoothly():
    x = np.zeros((8, 8, 1))
    x[3:5, 3:5] = 1.0
    layer = layers.RandomElasticTransform()
    out = np.asarray(layer.transform_images(
        x, {"apply_transform": np.array([True]), "distortion_factor": np.float32(0.91), "seed": 42}))
    assert out.shape == x.shape and not np.allclose(out, x)
    assert layer(np.ones((2, 8, 8, 3)) * 5).shape == (2, 8, 8, 3)
    np.testing.assert_allclose(np.asarray(layers.RandomElasticTransform(scale=0)(x)), x)


def test_mix_up_is_a_convex_combination_of_images_and_labels():
    layer = layers.MixUp(alpha=0.5, seed=2)
    x, y = _images((4, 3, 3, 1)), np.eye(4, dtype="float32")
    t = {"mix_weight": np.array([0.2, 0.5, 1.0, 0.0], "float32"),
         "permutation_order": np.array([1, 0, 3, 2])}
    w = t["mix_weight"][:, None, None, None]
    np.testing.assert_allclose(np.asarray(layer.transform_images(x, t)),
                               w * x + (1 - w) * x[[1, 0, 3, 2]], rtol=1e-6)
    labels = np.asarray(layer.transform_labels(y, t))
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    out = layer({"images": x, "labels": y})
    assert np.asarray(out["labels"]).shape == (4, 4)


def test_cut_mix_label_weight_is_the_kept_area():
    layer = layers.CutMix(seed=5)
    x = np.stack([np.full((8, 8, 1), float(i)) for i in range(4)]).astype("float32")
    t = layer.get_random_transformation(x)
    out = np.asarray(layer.transform_images(x, t))
    kept = np.array([(out[i] == i).mean() for i in range(4)])
    order = t["permutation_order"]
    pasted_same = order == np.arange(4)
    np.testing.assert_allclose(np.where(pasted_same, 1.0, kept),
                               np.where(pasted_same, 1.0, 1 - t["batch_masks"][..., 0].mean(axis=(1, 2))))
    labels = np.asarray(layer.transform_labels(np.eye(4, dtype="float32"), t))
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-5)
    assert layer.get_random_transformation(x[0]) is None  # unbatched: nothing to mix with


def test_aug_mix_and_rand_augment_stay_in_range():
    x = _images((3, 8, 8, 3))
    for layer in (layers.AugMix(num_chains=5, seed=3), layers.RandAugment(num_ops=11, seed=3)):
        out = np.asarray(layer(x))
        assert out.shape == x.shape and out.min() >= -1e-3 and out.max() <= 255 + 1e-3
    t = layers.RandAugment(num_ops=4, seed=1).get_random_transformation(x)
    assert t["layer_idxes"].shape == (4,) and len(t["transforms"]) == 11


def test_color_jitter_matches_its_sub_layer_with_the_same_seed():
    x = _images((4, 6, 6, 3), scale=1.0)
    jitter = layers.RandomColorJitter(contrast_factor=[0.5, 0.5], seed=7)
    np.testing.assert_allclose(np.asarray(jitter(x)),
                               np.asarray(layers.RandomContrast(factor=[0.5, 0.5], seed=7)(x)))


def test_max_num_bounding_boxes_pads_and_truncates():
    layer = layers.MaxNumBoundingBoxes(max_number=3, fill_value=-1, bounding_box_format="xyxy")
    boxes = {"boxes": np.arange(16, dtype="float32").reshape(1, 4, 4),
             "labels": np.array([[1, 2, 3, 4]])}
    out = layer({"images": _images((1, 4, 4, 3)), "bounding_boxes": boxes})["bounding_boxes"]
    np.testing.assert_array_equal(np.asarray(out["labels"]), [[1, 2, 3]])
    out = layers.MaxNumBoundingBoxes(6, bounding_box_format="xyxy")(
        {"images": _images((4, 4, 3)), "bounding_boxes": {"boxes": np.ones((2, 4)),
                                                          "labels": np.array([1, 2])}})
    assert np.asarray(out["bounding_boxes"]["boxes"]).shape == (6, 4)
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["labels"]), [1, 2, -1, -1, -1, -1])


def test_pipeline_passes_training_and_round_trips():
    seen = []

    class Spy(layers.Layer):
        def call(self, x, training=False):
            seen.append(training)
            return x

    pipe = layers.Pipeline([Spy(), layers.CenterCrop(2, 2)])
    assert pipe(np.ones((1, 4, 4, 1)), training=True).shape == (1, 2, 2, 1) and seen == [True]
    with pytest.raises(ValueError, match="layers"):
        layers.Pipeline.from_config({"name": "p"})


# --- Keras's protocol and errors ---------------------------------------------------------------
def test_dict_inputs_transform_each_part():
    layer = layers.RandomShear(0.5, seed=2)
    data = {"images": _images((2, 6, 6, 3)), "labels": np.eye(2, dtype="float32"),
            "segmentation_masks": RNG.integers(0, 3, size=(2, 6, 6, 1)).astype("float32")}
    out = layer(data)
    assert set(out) == set(data)
    np.testing.assert_array_equal(np.asarray(out["labels"]), data["labels"])
    assert set(np.unique(np.asarray(out["segmentation_masks"]))) <= {0.0, 1.0, 2.0}  # nearest
    colour = layers.RandomBrightness(0.1, bounding_box_format="xyxy")(
        {"images": _images((2, 4, 4, 3)), "bounding_boxes": {"boxes": np.ones((2, 1, 4)),
                                                             "labels": np.ones((2, 1))}})
    np.testing.assert_array_equal(np.asarray(colour["bounding_boxes"]["boxes"]), np.ones((2, 1, 4)))
    with pytest.raises(ValueError, match="bounding box format"):
        layers.RandomBrightness(0.1)({"images": _images((1, 4, 4, 3)),
                                      "bounding_boxes": {"boxes": np.ones((1, 1, 4)),
                                                         "labels": np.ones((1, 1))}})
    with pytest.raises(NotImplementedError, match="RandomElasticTransform"):
        layers.RandomElasticTransform(bounding_box_format="xyxy")(
            {"images": _images((1, 4, 4, 3)), "bounding_boxes": {"boxes": np.ones((1, 1, 4)),
                                                                 "labels": np.ones((1, 1))}})


@pytest.mark.parametrize("make,message", [
    (lambda: layers.RandomBrightness(1.1), "The `factor` argument should be a number"),
    (lambda: layers.RandomBrightness(0.1, value_range=[10]), "The `value_range` argument"),
    (lambda: layers.RandomContrast(-0.1), r"range \[0, 1\]"),
    (lambda: layers.RandomGrayscale(1.1), "`factor` should be between 0 and 1"),
    (lambda: layers.Solarization(addition_factor=2), "addition_factor"),
    (lambda: layers.RandomPosterization(9), r"range \[1, 8\]"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), "kernel_size must be an odd number"),
    (lambda: layers.RandomPerspective(scale=2.0), "The `scale` argument"),
    (lambda: layers.RandomShear(x_factor=1.5), r"range \[0, 1.0\]"),
    (lambda: layers.CenterCrop(2, 2).compute_output_shape((2, 2)), "`input_shape` must be"),
    (lambda: layers.AutoContrast(factor=0.3), "does not take a `factor` argument"),
])
def test_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_unsupported_modes_raise_not_implemented():
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomShear(fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="interpolation"):
        layers.RandomPerspective(interpolation="bicubic")


def test_rank_error():
    with pytest.raises(ValueError, match="Expected the input image to be rank 3 or 4"):
        layers.RandomBrightness(0.1)(np.ones((10, 10)), training=True)


# --- gradients: the transforms used inside models are differentiable -------------------------
@pytest.mark.parametrize("name,transformation", [
    ("RandomContrast", {"contrast_factor": np.array([[[[1.3]]], [[[0.7]]]])}),
    ("RandomSaturation", {"factor": np.array([1.5, 0.5])}),
    ("RandomHue", {"factor": np.array([0.1, -0.2])}),
    ("RandomSharpness", {"factor": np.array([0.2, 0.9])}),
    ("RandomColorDegeneration", {"factor": np.array([0.3, 0.8]).reshape(2, 1, 1, 1)}),
    ("RandomGrayscale", np.array([True, False]).reshape(2, 1, 1, 1)),
    ("RandomGaussianBlur", {"blur_factor": np.array([0.7, 0.9]),
                            "should_apply_blur": np.array([True, True])}),
    ("RandomPerspective", {"apply_perspective": np.array([True, True]),
                           "start_points": np.array([[[0.0, 0], [3, 0], [0, 3], [3, 3]]] * 2),
                           "end_points": np.array([[[0.2, 0.1], [2.7, 0], [0, 3.2], [3, 2.6]]] * 2)}),
])
def test_transform_gradients(name, transformation):
    layer = getattr(layers, name)(0.5, value_range=(0, 1000), dtype="float64") \
        if name not in ("RandomPerspective", "RandomGrayscale") \
        else getattr(layers, name)(dtype="float64")
    x = RNG.uniform(0.2, 0.8, size=(2, 4, 4, 3))
    if name == "RandomHue":
        layer = layers.RandomHue(0.5, value_range=(0, 1), dtype="float64")
    weights = RNG.normal(size=x.shape)
    f = lambda im: (layer.transform_images(im, transformation) * weights).sum()  # noqa: E731
    check_grads(f, modes=["rev"], order=1)(x)
    assert np.abs(grad(f)(x)).sum() > 0


# --- bounding boxes ------------------------------------------------------------------------
BOX_FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
               "rel_xywh", "rel_center_xywh"]


@pytest.mark.parametrize("fmt", BOX_FORMATS)
def test_box_formats_round_trip(fmt):
    bb = keras.utils.bounding_boxes
    xyxy = np.array([[[1.0, 2.0, 5.0, 4.0], [0.0, 0.0, 8.0, 10.0]]], "float32")
    there = bb.convert_format(xyxy, "xyxy", fmt, height=10, width=8)
    np.testing.assert_allclose(bb.convert_format(there, fmt, "xyxy", height=10, width=8), xyxy,
                               rtol=1e-6)
    expected = {"xywh": [1, 2, 4, 2], "center_xywh": [3, 3, 4, 2], "yxyx": [2, 1, 4, 5],
                "rel_xyxy": [1 / 8, 2 / 10, 5 / 8, 4 / 10]}
    if fmt in expected:
        np.testing.assert_allclose(there[0, 0], expected[fmt], rtol=1e-6)


def test_box_utils_clip_iou_and_deltas():
    bb = keras.utils.bounding_boxes
    out = bb.clip_to_image_size({"boxes": np.array([[-2.0, 1, 3, 12], [9, 9, 12, 12]]),
                                 "labels": np.array([1, 2])}, height=10, width=8)
    np.testing.assert_allclose(out["boxes"], [[0, 1, 3, 10], [8, 9, 8, 10]])
    np.testing.assert_array_equal(out["labels"], [1, -1])  # no area left: label -1
    iou = bb.compute_iou(np.array([[0, 0, 2, 2.0]]), np.array([[1, 1, 3, 3.0], [0, 0, 2, 2]]),
                         "xyxy")
    np.testing.assert_allclose(iou, [[1 / 7, 1.0]], rtol=1e-5)
    anchors, boxes = np.array([[0, 0, 4, 4.0]]), np.array([[1, 1, 3, 5.0]])
    deltas = bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy")
    np.testing.assert_allclose(bb.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xyxy"), boxes,
                               rtol=1e-5)
    with pytest.raises(ValueError, match="must receive `height` and `width`"):
        bb.convert_format(boxes, "xyxy", "rel_xyxy")


def _box_data(images_shape=(1, 10, 8, 3)):
    return {"images": np.zeros(images_shape, "float32"),
            "bounding_boxes": {"boxes": np.array([[[1.0, 2.0, 3.0, 5.0]]], "float32"),
                               "labels": np.array([[7]])}}


def test_boxes_follow_flips_crops_and_resizes():
    flip = layers.RandomFlip("horizontal", bounding_box_format="xyxy")
    t = {"flips": np.ones((1, 1, 1, 1), bool), "input_shape": (1, 10, 8, 3)}
    out = flip.transform_bounding_boxes(_box_data()["bounding_boxes"], t)
    np.testing.assert_allclose(out["boxes"], [[[5.0, 2.0, 7.0, 5.0]]], rtol=1e-6)  # x -> 8 - x
    resized = layers.Resizing(20, 4, bounding_box_format="xyxy")(_box_data())
    np.testing.assert_allclose(np.asarray(resized["bounding_boxes"]["boxes"]),
                               [[[0.5, 4.0, 1.5, 10.0]]], rtol=1e-6)
    cropped = layers.CenterCrop(6, 6, bounding_box_format="xyxy")(_box_data())
    np.testing.assert_allclose(np.asarray(cropped["bounding_boxes"]["boxes"]),
                               [[[0.0, 0.0, 2.0, 3.0]]], rtol=1e-6)  # window from (2, 1)
    shift = layers.RandomTranslation(0.2, 0.2, bounding_box_format="xyxy")
    t = {"translations": np.array([[2.0, -1.0]], "float32"), "input_shape": (1, 10, 8, 3)}
    np.testing.assert_allclose(shift.transform_bounding_boxes(
        _box_data()["bounding_boxes"], t)["boxes"], [[[3.0, 1.0, 5.0, 4.0]]], rtol=1e-5)
    rotate = layers.RandomRotation(0.5, bounding_box_format="xyxy")
    t = rotate.get_random_transformation(np.zeros((1, 10, 8, 3)))
    t = {**t, "rotation_matrix": rotate._rotation_matrix(np.array([180.0]), 10, 8)}
    np.testing.assert_allclose(rotate.transform_bounding_boxes(
        _box_data()["bounding_boxes"], t)["boxes"], [[[4.0, 4.0, 6.0, 7.0]]], atol=1e-4)
