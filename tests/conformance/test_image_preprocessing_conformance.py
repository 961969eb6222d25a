"""Image augmentation layers against real Keras 3.

Random layers cannot share Keras's RNG stream, so each case draws Keras's own transformation
(`get_random_transformation`) and feeds the same values to minikeras's `transform_images`: the
outputs must agree. Deterministic paths (inference, fixed factors, non-random layers) are
compared through `__call__`. Configs must match key for key."""
import numpy as np
import pytest

from minikeras import layers as mk_layers
from conformance_helpers import same_config


def _np(tree):
    if isinstance(tree, dict):
        return {k: _np(v) for k, v in tree.items()}
    if tree is None or isinstance(tree, (bool, int, float)):
        return tree
    return np.asarray(tree)


def _images(shape, dtype="float32", scale=255.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, scale, size=shape)
    return x.astype(dtype)


# name: (class name, kwargs, input shape, value scale)
TRANSFER = {
    "brightness": ("RandomBrightness", {"factor": 0.5}, (3, 6, 5, 3), 255),
    "brightness_range01": ("RandomBrightness", {"factor": (-0.3, 0.6), "value_range": (0, 1)},
                           (2, 4, 4, 3), 1),
    "contrast": ("RandomContrast", {"factor": 0.5}, (3, 6, 5, 3), 255),
    "contrast_cf": ("RandomContrast", {"factor": 0.7, "value_range": (0, 1),
                                       "data_format": "channels_first"}, (2, 3, 6, 5), 1),
    "invert": ("RandomInvert", {"factor": 0.5}, (6, 4, 4, 3), 255),
    "solarization": ("Solarization", {"addition_factor": 0.3, "threshold_factor": 0.6},
                     (4, 5, 5, 3), 255),
    "solarization_range": ("Solarization", {"addition_factor": (0.1, 0.2), "threshold_factor":
                                            0.5, "value_range": (-1, 1)}, (2, 5, 5, 3), 1),
    "degeneration": ("RandomColorDegeneration", {"factor": 0.8}, (3, 5, 5, 3), 255),
    "degeneration_cf": ("RandomColorDegeneration", {"factor": (0.2, 0.9),
                                                    "data_format": "channels_first"},
                        (2, 3, 5, 5), 255),
    "saturation": ("RandomSaturation", {"factor": (0.2, 0.8), "value_range": (0, 1)},
                   (3, 5, 5, 3), 1),
    "saturation_cf": ("RandomSaturation", {"factor": 0.7, "value_range": (0, 1),
                                           "data_format": "channels_first"}, (2, 3, 5, 5), 1),
    "hue": ("RandomHue", {"factor": 0.8}, (4, 5, 5, 3), 255),
    "hue_cf": ("RandomHue", {"factor": (0.2, 0.6), "value_range": (0, 1),
                             "data_format": "channels_first"}, (2, 3, 5, 5), 1),
    "posterization": ("RandomPosterization", {"factor": (1, 6)}, (4, 5, 5, 3), 255),
    "posterization_range": ("RandomPosterization", {"factor": 3, "value_range": (0, 1)},
                            (2, 5, 5, 3), 1),
    "sharpness": ("RandomSharpness", {"factor": 0.9}, (3, 6, 7, 3), 255),
    "sharpness_cf": ("RandomSharpness", {"factor": (0.1, 0.9), "data_format": "channels_first"},
                     (2, 3, 6, 7), 255),
    "shear": ("RandomShear", {"x_factor": 0.4, "y_factor": (0.1, 0.3)}, (3, 7, 6, 3), 255),
    "shear_constant_nearest": ("RandomShear", {"x_factor": 0.5, "fill_mode": "constant",
                                               "fill_value": 7.0, "interpolation": "nearest"},
                               (2, 6, 6, 2), 255),
    "shear_cf_wrap": ("RandomShear", {"y_factor": 0.5, "fill_mode": "wrap",
                                      "data_format": "channels_first"}, (2, 3, 6, 5), 1),
    "perspective": ("RandomPerspective", {"factor": 0.7, "scale": 0.6}, (4, 8, 7, 3), 255),
    "perspective_cf": ("RandomPerspective", {"scale": 1.0, "fill_value": 3.0,
                                             "interpolation": "nearest",
                                             "data_format": "channels_first"}, (2, 3, 6, 6), 255),
    "gaussian_blur": ("RandomGaussianBlur", {"factor": 0.6, "kernel_size": 5, "sigma": 0.8},
                      (4, 8, 7, 3), 255),
    "gaussian_blur_cf": ("RandomGaussianBlur", {"kernel_size": (3, 5), "sigma": (0.2, 1.0),
                                                "value_range": (0, 1),
                                                "data_format": "channels_first"},
                         (2, 3, 7, 8), 1),
    "erasing": ("RandomErasing", {"factor": 0.8, "fill_value": 9.0}, (4, 8, 7, 3), 255),
    "mix_up": ("MixUp", {"alpha": 0.4}, (4, 5, 6, 3), 255),
    "cut_mix": ("CutMix", {"factor": 0.8}, (4, 8, 7, 3), 255),
    "cut_mix_cf": ("CutMix", {"data_format": "channels_first"}, (3, 2, 8, 7), 255),
    "erasing_noise_cf": ("RandomErasing", {"scale": (0.1, 0.5), "value_range": (0, 1),
                                           "data_format": "channels_first"}, (2, 3, 7, 8), 1),
}


@pytest.mark.parametrize("case", sorted(TRANSFER))
def test_transform_images_with_keras_transformation(keras, case):
    name, kwargs, shape, scale = TRANSFER[case]
    k_layer = getattr(keras.layers, name)(seed=3, **kwargs)
    m_layer = getattr(mk_layers, name)(seed=3, **kwargs)
    x = _images(shape, scale=scale)
    transformation = k_layer.get_random_transformation(x, training=True)
    expected = np.asarray(k_layer.transform_images(x, transformation, training=True))
    got = np.asarray(m_layer.transform_images(x, _np(transformation), training=True))
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4 * scale)
    same_config(m_layer, k_layer)
    # the transformation minikeras draws has Keras's keys and shapes
    own = m_layer.get_random_transformation(x, training=True)
    assert sorted(own) == sorted(transformation)
    for key in own:
        assert np.shape(own[key]) == np.shape(transformation[key]), key


@pytest.mark.parametrize("case", sorted(TRANSFER))
def test_inference_is_identity(keras, case):
    name, kwargs, shape, scale = TRANSFER[case]
    x = _images(shape, scale=scale)
    expected = np.asarray(getattr(keras.layers, name)(**kwargs)(x, training=False))
    got = np.asarray(getattr(mk_layers, name)(**kwargs)(x, training=False))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# name: (class name, kwargs, input shape, dtype, scale, call kwargs): deterministic through __call__
DETERMINISTIC = {
    "auto_contrast": ("AutoContrast", {}, (2, 6, 5, 3), "float32", 200, {}),
    "auto_contrast_01": ("AutoContrast", {"value_range": (0, 1)}, (2, 6, 5, 3), "float32", 0.7, {}),
    "auto_contrast_unbatched": ("AutoContrast", {}, (6, 5, 3), "float32", 255, {}),
    "equalization": ("Equalization", {}, (2, 8, 8, 3), "float32", 255, {}),
    "equalization_bins": ("Equalization", {"bins": 32, "value_range": (0, 1)}, (2, 8, 8, 3),
                          "float32", 1, {}),
    "equalization_uint8": ("Equalization", {}, (8, 8, 3), "uint8", 255, {}),
    "equalization_cf": ("Equalization", {"data_format": "channels_first"}, (2, 3, 8, 8),
                        "float32", 255, {}),
    "grayscale_all": ("RandomGrayscale", {"factor": 1.0}, (2, 5, 5, 3), "float32", 255, {}),
    "grayscale_cf": ("RandomGrayscale", {"factor": 1.0, "data_format": "channels_first"},
                     (2, 3, 5, 5), "float32", 255, {}),
    "grayscale_none": ("RandomGrayscale", {"factor": 0.0}, (2, 5, 5, 3), "float32", 255, {}),
    "invert_all": ("RandomInvert", {"factor": (1.0, 1.0)}, (2, 5, 5, 3), "float32", 255, {}),
    "invert_unbatched": ("RandomInvert", {"factor": (1.0, 1.0), "value_range": (0, 1)}, (5, 5, 3),
                         "float32", 1, {}),
    "solarize_default": ("Solarization", {}, (2, 5, 5, 3), "uint8", 255, {}),
    "solarize_range": ("Solarization", {"value_range": (-1, 1)}, (2, 5, 5, 3), "float32", 1, {}),
    # factor (lo, hi) draws from [1 - lo, 1 + hi]: only (0, 0) is fixed (clipping only)
    "contrast_fixed": ("RandomContrast", {"factor": (0.0, 0.0)}, (2, 5, 5, 3), "float32", 300, {}),
    "brightness_fixed": ("RandomBrightness", {"factor": (0.3, 0.3)}, (2, 5, 5, 3), "float32",
                         255, {}),
    "brightness_int": ("RandomBrightness", {"factor": (-0.2, -0.2)}, (5, 5, 3), "int32", 255, {}),
    "sharpness_fixed": ("RandomSharpness", {"factor": (0.8, 0.8)}, (2, 5, 6, 3), "float32", 255,
                        {}),
    "posterize_fixed": ("RandomPosterization", {"factor": (2, 2)}, (2, 5, 5, 3), "float32", 255,
                        {}),
    "degenerate_fixed": ("RandomColorDegeneration", {"factor": (0.4, 0.4)}, (5, 5, 3), "float32",
                         255, {}),
    "center_crop": ("CenterCrop", {"height": 4, "width": 3}, (2, 7, 6, 3), "float32", 255, {}),
    "center_crop_cf": ("CenterCrop", {"height": 4, "width": 5, "data_format": "channels_first"},
                       (2, 3, 7, 6), "float32", 255, {}),
    "center_crop_upscale": ("CenterCrop", {"height": 9, "width": 5}, (2, 6, 7, 3), "float32", 255,
                            {}),
    "center_crop_uint8": ("CenterCrop", {"height": 3, "width": 3}, (5, 6, 3), "uint8", 255, {}),
    "clahe": ("ContrastLimitedAdaptiveHistogramEqualization", {}, (2, 16, 16, 3), "float32", 255,
              {}),
    "clahe_padded": ("ContrastLimitedAdaptiveHistogramEqualization",
                     {"tile_grid_size": (3, 4), "clip_limit": 2.0}, (2, 10, 13, 1), "float32",
                     255, {}),
    "clahe_uint8_cf": ("ContrastLimitedAdaptiveHistogramEqualization",
                       {"data_format": "channels_first", "clip_limit": 0}, (3, 16, 16), "uint8",
                       255, {}),
    "clahe_range": ("ContrastLimitedAdaptiveHistogramEqualization",
                    {"value_range": (0, 1), "tile_grid_size": (2, 2)}, (1, 8, 8, 3), "float32",
                    1, {}),
    "perspective_never": ("RandomPerspective", {"factor": 0.0}, (2, 5, 5, 3), "float32", 255, {}),
    "shear_zero": ("RandomShear", {}, (2, 5, 5, 3), "float32", 255, {}),
    "saturation_fixed": ("RandomSaturation", {"factor": (0.3, 0.3), "value_range": (0, 1)},
                         (2, 5, 5, 3), "float32", 1, {}),
}


@pytest.mark.parametrize("case", sorted(DETERMINISTIC))
def test_deterministic_call(keras, case):
    name, kwargs, shape, dtype, scale, call_kwargs = DETERMINISTIC[case]
    x = _images(shape, dtype, scale)
    k_out = getattr(keras.layers, name)(**kwargs)(x, **call_kwargs)
    m_out = getattr(mk_layers, name)(**kwargs)(x, **call_kwargs)
    expected, got = np.asarray(k_out), np.asarray(m_out)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4 * scale)


@pytest.mark.parametrize("name,kwargs", [("MixUp", {"alpha": 0.4}), ("CutMix", {"factor": 0.8})])
def test_labels_mix_like_keras(keras, name, kwargs):
    x = _images((4, 6, 6, 3))
    labels = np.eye(4, dtype="float32")[[0, 1, 2, 3]]
    k_layer = getattr(keras.layers, name)(seed=1, **kwargs)
    transformation = k_layer.get_random_transformation(x, training=True)
    expected = np.asarray(k_layer.transform_labels(labels, transformation, training=True))
    got = np.asarray(getattr(mk_layers, name)(**kwargs).transform_labels(
        labels, _np(transformation), training=True))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_pipeline_matches_keras(keras):
    x = _images((2, 10, 12, 3), scale=200)
    k_pipe = keras.layers.Pipeline([keras.layers.AutoContrast(), keras.layers.CenterCrop(8, 9)])
    m_pipe = mk_layers.Pipeline([mk_layers.AutoContrast(), mk_layers.CenterCrop(8, 9)])
    np.testing.assert_allclose(np.asarray(m_pipe(x)), np.asarray(k_pipe(x)), rtol=1e-5, atol=1e-3)
    config = m_pipe.get_config()
    assert [c["class_name"] for c in config["layers"]] == ["AutoContrast", "CenterCrop"]
    restored = keras.layers.Pipeline.from_config(config)  # Keras reads our config
    np.testing.assert_allclose(np.asarray(restored(x)), np.asarray(k_pipe(x)), rtol=1e-6)


def test_max_num_bounding_boxes_matches_keras(keras):
    boxes = {"boxes": np.array([[[2, 1, 4, 3], [6, 4, 8, 6]]], "float32"),
             "labels": np.array([[1, 2]], "int32")}
    data = {"images": _images((1, 10, 8, 3)), "bounding_boxes": boxes}
    k_out = keras.layers.MaxNumBoundingBoxes(3, fill_value=-2, bounding_box_format="xyxy")(
        {**data, "bounding_boxes": dict(boxes)})
    m_out = mk_layers.MaxNumBoundingBoxes(3, fill_value=-2, bounding_box_format="xyxy")(
        {**data, "bounding_boxes": dict(boxes)})
    for key in ("boxes", "labels"):
        np.testing.assert_array_equal(np.asarray(m_out["bounding_boxes"][key]),
                                      np.asarray(k_out["bounding_boxes"][key]))


def test_rand_augment_and_aug_mix_configs(keras):
    for name, kwargs in [("RandAugment", {"num_ops": 3, "factor": 0.4, "seed": 2}),
                         ("AugMix", {"num_chains": 2, "chain_depth": 4, "factor": 0.5,
                                     "alpha": 0.7, "all_ops": False, "seed": 2})]:
        same_config(getattr(mk_layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs))


def _augmenting_model(K):
    """Every augmentation layer in one model: at inference the random layers pass images
    through; CLAHE, AutoContrast, CenterCrop and the Pipeline compute. CLAHE comes first, on
    the raw 0-255 input: it bins int(x), where one float32 ulp of a previous layer's rounding
    (XLA fuses multiply-adds) can move a pixel to the next bin. (Not Equalization: Keras's
    returns its symbolic input unchanged, which makes a cycle in Keras's own graph.)"""
    L = K.layers
    return K.Sequential([
        K.Input((12, 12, 3)),
        L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(3, 3)),
        L.AutoContrast(), L.RandomBrightness(0.2), L.RandomContrast(0.3), L.RandomGrayscale(0.3),
        L.RandomInvert(0.2), L.Solarization(0.1, 0.4), L.RandomColorDegeneration(0.3),
        L.RandomSaturation(0.4), L.RandomHue(0.2), L.RandomPosterization(5),
        L.RandomSharpness(0.4), L.RandomColorJitter(brightness_factor=0.1, contrast_factor=0.2),
        L.RandomShear((0.0, 0.2), (0.1, 0.2)), L.RandomPerspective(0.5, scale=0.3),
        L.RandomElasticTransform(0.5), L.RandomErasing(0.5), L.RandomGaussianBlur(0.5),
        L.MixUp(0.3), L.CutMix(0.4), L.AugMix(num_chains=2), L.RandAugment(num_ops=1),
        L.MaxNumBoundingBoxes(4), L.Pipeline([L.CenterCrop(10, 9), L.RandomBrightness(0.1)]),
        L.Rescaling(1 / 255.0), L.Conv2D(2, 3), L.Flatten(), L.Dense(2)])


@pytest.mark.parametrize("direction", ["ours_to_keras", "keras_to_ours"])
def test_keras_file_crosses_libraries(keras, direction, tmp_path):
    import warnings

    import minikeras as mk
    writer, reader = (mk, keras) if direction == "ours_to_keras" else (keras, mk)
    model = _augmenting_model(writer)
    x = _images((3, 12, 12, 3))
    expected = np.asarray(model.predict(x, verbose=0))
    path = tmp_path / "m.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = reader.saving.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected,
                               rtol=1e-4, atol=1e-4)


# --- bounding boxes ------------------------------------------------------------------------
_FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
            "rel_xywh", "rel_center_xywh"]


def _boxes(shape=(2, 3)):
    rng = np.random.default_rng(1)
    x1, y1 = rng.uniform(0, 6, shape), rng.uniform(0, 8, shape)
    return np.stack([x1, y1, x1 + rng.uniform(0.5, 4, shape), y1 + rng.uniform(0.5, 3, shape)],
                    axis=-1).astype("float32")


@pytest.mark.parametrize("source", _FORMATS)
def test_bounding_box_utils_match_keras(keras, source):
    from minikeras import utils as mk_utils
    kb, mb = keras.utils.bounding_boxes, mk_utils.bounding_boxes
    boxes = _boxes()
    for target in _FORMATS:
        np.testing.assert_allclose(
            mb.convert_format(boxes, source, target, height=10, width=8),
            np.asarray(kb.convert_format(boxes, source, target, height=10, width=8)),
            rtol=1e-6, atol=1e-6)
    labels = np.array([[1, 2, 3], [4, 5, 6]], "int32")
    wide = boxes * 1.5 - 2
    for fmt, h, w in (("xyxy", 10, 8), ("rel_xyxy", None, None)):
        src = wide / 10 if fmt == "rel_xyxy" else wide
        got = mb.clip_to_image_size({"boxes": src, "labels": labels}, h, w, fmt)
        want = kb.clip_to_image_size({"boxes": src, "labels": labels}, h, w, fmt)
        for key in ("boxes", "labels"):
            np.testing.assert_allclose(got[key], np.asarray(want[key]), rtol=1e-6)
    np.testing.assert_allclose(mb.crop(boxes, 1, 2, 5, 4), np.asarray(kb.crop(boxes, 1, 2, 5, 4)))
    np.testing.assert_allclose(mb.pad(boxes, 1, 2), np.asarray(kb.pad(boxes, 1, 2)))
    args = (np.array([10.0, -30.0], "float32"), np.array([0.1, 0.0], "float32"),
            np.array([0.0, -0.2], "float32"), np.array([1.0, 1.2], "float32"),
            np.array([5.0, 0.0], "float32"), np.array([0.0, 8.0], "float32"), 10, 8)
    np.testing.assert_allclose(mb.affine_transform(boxes, *args),
                               np.asarray(kb.affine_transform(boxes, *args)), rtol=1e-4, atol=1e-4)
    anchors = _boxes((2, 3))[:, ::-1].copy()
    for variance in (None, [0.1, 0.1, 0.2, 0.2]):
        deltas = mb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", variance=variance)
        np.testing.assert_allclose(deltas, np.asarray(kb.encode_box_to_deltas(
            anchors, boxes, "xyxy", "xyxy", variance=variance)), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(mb.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xyxy",
                                                             variance=variance), boxes,
                                   rtol=1e-5, atol=1e-4)
    if not source.startswith("rel"):
        np.testing.assert_allclose(mb.compute_iou(boxes, boxes[:, :2], source),
                                   np.asarray(kb.compute_iou(boxes, boxes[:, :2], source)),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(mb.compute_ciou(boxes, boxes[:, ::-1], source),
                                   np.asarray(kb.compute_ciou(boxes, boxes[:, ::-1], source)),
                                   rtol=1e-4, atol=1e-5)


BOX_CASES = {
    "shear": ("RandomShear", {"x_factor": 0.4, "y_factor": 0.3}),
    "perspective": ("RandomPerspective", {"scale": 0.5}),
    "center_crop": ("CenterCrop", {"height": 6, "width": 5}),
    "center_crop_stretch": ("CenterCrop", {"height": 12, "width": 6}),
    "rotation": ("RandomRotation", {"factor": 0.2}),
    "translation": ("RandomTranslation", {"height_factor": 0.3, "width_factor": 0.2}),
    "zoom": ("RandomZoom", {"height_factor": 0.3, "width_factor": (-0.2, 0.4)}),
    "mix_up": ("MixUp", {}),
    "flip": ("RandomFlip", {}),
    "flip_vertical": ("RandomFlip", {"mode": "vertical"}),
    "crop": ("RandomCrop", {"height": 6, "width": 5}),
    "resizing": ("Resizing", {"height": 7, "width": 12}),
    "resizing_pad": ("Resizing", {"height": 7, "width": 12, "pad_to_aspect_ratio": True}),
    "resizing_crop": ("Resizing", {"height": 7, "width": 12, "crop_to_aspect_ratio": True}),
}


@pytest.mark.parametrize("case", sorted(BOX_CASES))
def test_transform_bounding_boxes_with_keras_transformation(keras, case):
    name, kwargs = BOX_CASES[case]
    k_layer = getattr(keras.layers, name)(bounding_box_format="xyxy", **kwargs)
    m_layer = getattr(mk_layers, name)(bounding_box_format="xyxy", **kwargs)
    x = _images((2, 10, 8, 3))
    transformation = k_layer.get_random_transformation(x, training=True)
    boxes = {"boxes": _boxes(), "labels": np.array([[1, 2, 3], [4, 5, 6]], "int32")}
    expected = k_layer.transform_bounding_boxes(
        {k: v.copy() for k, v in boxes.items()}, transformation, training=True)
    got = m_layer.transform_bounding_boxes(
        {k: v.copy() for k, v in boxes.items()}, _np(transformation), training=True)
    for key in ("boxes", "labels"):
        np.testing.assert_allclose(np.asarray(got[key]), np.asarray(expected[key]),
                                   rtol=1e-4, atol=1e-3)
