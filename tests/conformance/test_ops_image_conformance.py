"""minikeras.ops.image against real keras.ops.image (JAX backend) on identical inputs.

Every function of keras.ops.image is in CASES except elastic_transform, which draws random
numbers. Outputs must agree in value (rtol 1e-5, atol 1e-5), shape and dtype name; uint8 results
may differ by one step where Keras rounds a float exactly between two integers.
"""
import numpy as np
import pytest

from minikeras import ops
from test_ops_conformance import C, _check, gradients

rng = np.random.default_rng(1)
IMG = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
IMG2 = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
IMG_CF = np.transpose(IMG, (0, 3, 1, 2)).copy()
IMG_U8 = (IMG * 255).astype("uint8")
WIDE = rng.uniform(size=(2, 6, 10, 3)).astype("float32")
BIG, BIG2 = rng.uniform(size=(2, 2, 16, 16, 3)).astype("float32")
VOL = rng.normal(size=(2, 6, 6, 6, 2)).astype("float32")
PLANE = rng.normal(size=(8, 8)).astype("float32")
COORDS = rng.uniform(-2.0, 10.0, size=(2, 5, 5)).astype("float32")
COORDS3 = rng.uniform(-1.0, 7.0, size=(3, 4)).astype("float32")
# [a0, a1, a2, b0, b1, b2, c0, c1]: output (x, y) samples input ((a0 x + a1 y + a2) / k, ...)
AFFINE = np.array([[0.9, 0.1, 0.5, -0.1, 0.9, 1.0, 0.0, 0.0],
                   [1.2, 0.0, -1.5, 0.2, 1.1, -0.5, 0.01, 0.02]], "float32")
START1 = np.array([[0, 0], [7, 0], [0, 7], [7, 7]], "float32")
START = np.stack([START1, START1])
END = np.array([[[1, 0], [7, 1], [0, 6], [6, 7]], [[0, 1], [6, 0], [1, 7], [7, 6]]], "float32")

CASES = (
    [C("resize", IMG, size) for size in [(4, 4), (12, 10), (5, 7)]]
    + [C("resize", IMG, size, interpolation=m) for m in ["nearest", "bicubic", "lanczos3",
                                                           "lanczos5"]
       for size in [(5, 6), (12, 10)]]
    + [C("resize", IMG, (4, 4), antialias=True), C("resize", IMG, (3, 5), interpolation="bicubic",
                                                   antialias=True),
       C("resize", IMG, (3, 5), interpolation="lanczos3", antialias=True),
       C("resize", IMG, (4, 6), crop_to_aspect_ratio=True),
       C("resize", WIDE, (6, 6), crop_to_aspect_ratio=True),
       C("resize", IMG, (4, 6), pad_to_aspect_ratio=True),
       C("resize", WIDE, (6, 6), pad_to_aspect_ratio=True, fill_value=0.5),
       C("resize", IMG_CF, (4, 6), data_format="channels_first"), C("resize", IMG[0], (4, 4)),
       C("resize", IMG_U8, (4, 4)), C("resize", IMG_U8, (12, 12), interpolation="nearest")]
    + [C("affine_transform", IMG, AFFINE), C("affine_transform", IMG, AFFINE, interpolation="nearest"),
       C("affine_transform", IMG[0], AFFINE[1])]
    + [C("affine_transform", IMG, AFFINE, fill_mode=m) for m in ["reflect", "wrap", "nearest"]]
    + [C("affine_transform", IMG, AFFINE, fill_value=0.5),
       C("affine_transform", IMG_CF, AFFINE, data_format="channels_first")]
    + [C("map_coordinates", PLANE, COORDS, order) for order in [0, 1]]
    + [C("map_coordinates", PLANE, COORDS, 1, fill_mode=m) for m in ["nearest", "wrap", "mirror",
                                                                     "reflect"]]
    + [C("map_coordinates", PLANE, COORDS, 1, fill_value=2.0),
       C("map_coordinates", VOL[0, ..., 0], COORDS3, 1)]
    + [C("crop_images", IMG, 1, 2, target_height=4, target_width=5),
       C("crop_images", IMG, top_cropping=1, left_cropping=2, bottom_cropping=2, right_cropping=1),
       C("crop_images", IMG, bottom_cropping=3, right_cropping=2, target_height=4, target_width=5),
       C("crop_images", IMG_CF, 2, 1, target_height=3, target_width=6, data_format="channels_first"),
       C("crop_images", IMG[0], 1, 1, 1, 1)]
    + [C("pad_images", IMG, 1, 2, target_height=10, target_width=12),
       C("pad_images", IMG, top_padding=1, left_padding=0, bottom_padding=2, right_padding=3),
       C("pad_images", IMG, bottom_padding=1, right_padding=2, target_height=11, target_width=10),
       C("pad_images", IMG_CF, 1, 1, target_height=9, target_width=12, data_format="channels_first"),
       C("pad_images", IMG[0], 1, 2, 3, 4)]
    + [C("extract_patches", IMG, 2), C("extract_patches", IMG, (3, 3), strides=2, padding="same"),
       C("extract_patches", IMG, 3, strides=1, dilation_rate=2),
       C("extract_patches", IMG, (2, 3), strides=(1, 2)),
       C("extract_patches", IMG_CF, 2, data_format="channels_first"), C("extract_patches", IMG[0], 4),
       C("extract_patches_3d", VOL, 2), C("extract_patches_3d", VOL, (3, 2, 2), strides=(1, 2, 2),
                                           padding="same"),
       C("extract_patches_3d", VOL, 2, strides=1, dilation_rate=2)]
    # data_format spelled out: Keras 3.15's eager gaussian_blur passes data_format=None to the
    # backend unstandardised, and JAX's then blurs a channels_last image as if it were NCHW
    # (over W and C); the symbolic path (and ours) standardise it to channels_last first
    + [C("gaussian_blur", IMG, data_format="channels_last"),
       C("gaussian_blur", IMG, kernel_size=(5, 5), sigma=(2.0, 0.5), data_format="channels_last"),
       C("gaussian_blur", IMG, kernel_size=(3, 5), sigma=(1.0, 3.0), data_format="channels_last"),
       C("gaussian_blur", IMG_CF, data_format="channels_first"),
       C("gaussian_blur", IMG_CF, kernel_size=(5, 3), sigma=(0.7, 2.0), data_format="channels_first"),
       C("gaussian_blur", IMG[0], data_format="channels_last")]
    + [C(n, IMG) for n in ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "sobel_edges"]]
    + [C(n, IMG_CF, data_format="channels_first") for n in ["rgb_to_grayscale", "rgb_to_hsv",
                                                           "hsv_to_rgb", "sobel_edges"]]
    + [C("rgb_to_grayscale", IMG_U8), C("rgb_to_grayscale", IMG[0]), C("rgb_to_hsv", IMG[0]),
       C("hsv_to_rgb", IMG[0])]
    + [C("perspective_transform", IMG, START, END),
       C("perspective_transform", IMG, START, END, interpolation="nearest"),
       C("perspective_transform", IMG, START, END, fill_value=0.5),
       C("perspective_transform", IMG[0], START1, END[0]),
       C("perspective_transform", IMG_CF, START, END, data_format="channels_first")]
    + [C("scale_and_translate", IMG, (2, 12, 12, 3), np.array([1.5, 1.5], "float32"),
         np.array([0.0, 0.0], "float32"), (1, 2), m) for m in ["linear", "bilinear", "cubic",
                                                              "lanczos3", "lanczos5"]]
    + [C("scale_and_translate", IMG, (2, 5, 4, 3), np.array([0.6, 0.5], "float32"),
         np.array([0.5, -1.0], "float32"), (1, 2), "linear", antialias=False),
       C("scale_and_translate", IMG, (2, 5, 4, 3), np.array([0.6, 0.5], "float32"),
         np.array([0.5, -1.0], "float32"), (1, 2), "cubic")]
    + [C("ssim", BIG, BIG2), C("ssim", BIG, BIG, max_val=2.0), C("ssim", IMG, IMG2, filter_size=3),
       C("ssim", IMG, IMG2, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05),
       C("ssim", IMG_CF, np.transpose(IMG2, (0, 3, 1, 2)), filter_size=3,
         data_format="channels_first")]
)
RANDOM = {"elastic_transform"}


@pytest.mark.parametrize("name, args, kwargs", CASES)
def test_matches_keras(keras, name, args, kwargs):
    expected = getattr(keras.ops.image, name)(*args, **kwargs)
    ours = getattr(ops.image, name)(*args, **kwargs)
    _check(ours, expected, keras)


def test_table_covers_every_keras_image_function(keras):
    public = {n for n in dir(keras.ops.image) if not n.startswith("_")}
    assert public - {p.values[0] for p in CASES} - RANDOM == set()


# (interpolation="area", which Keras's JAX backend rejects, is accepted on purpose: Keras's
# TensorFlow backend has it, and ours computes it as TensorFlow does)
ERRORS = [
    C("resize", IMG, (4, 4), data_format="nope"),
    C("resize", IMG, (4, 4), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
    C("resize", IMG[0, 0], (4, 4)), C("resize", IMG, (4,)),
    C("scale_and_translate", IMG, (2, 12, 12, 3), np.ones(2, "float32"), np.zeros(2, "float32"),
      (1, 2), "nearest"),
    C("perspective_transform", IMG, START1, END), C("perspective_transform", IMG, START[:, :3], END[:, :3]),
    C("affine_transform", IMG, AFFINE, interpolation="cubic"), C("map_coordinates", PLANE, COORDS3, 1),
    C("map_coordinates", PLANE, COORDS, 3), C("map_coordinates", PLANE, COORDS, 1, fill_mode="x"),
    C("crop_images", IMG, 1, 2),
    C("pad_images", IMG, 1, 2), C("pad_images", IMG, 4, 0, target_height=6, target_width=8),
    C("extract_patches", IMG[0, 0], 2), C("extract_patches_3d", IMG[0], 2),
    C("rgb_to_grayscale", IMG[0, 0]), C("rgb_to_hsv", IMG[..., :2]), C("hsv_to_rgb", IMG_U8),
    C("gaussian_blur", IMG[0, 0]), C("sobel_edges", IMG[0]), C("ssim", IMG, IMG2[:1]),
]


@pytest.mark.parametrize("name, args, kwargs", ERRORS)
def test_same_error_type(keras, name, args, kwargs):
    """Bad arguments Keras rejects (on JAX/CPU): ours raise the same exception type."""
    with pytest.raises(Exception) as theirs:
        keras.ops.convert_to_numpy(getattr(keras.ops.image, name)(*args, **kwargs))
    with pytest.raises(type(theirs.value)):
        np.asarray(getattr(ops.image, name)(*args, **kwargs))


GRAD_CASES = [
    C("resize", IMG, (5, 6)), C("resize", IMG, (12, 10), interpolation="bicubic"),
    C("resize", IMG, (3, 5), antialias=True), C("resize", IMG, (4, 6), crop_to_aspect_ratio=True),
    C("resize", IMG, (4, 6), pad_to_aspect_ratio=True), C("affine_transform", IMG, AFFINE),
    C("affine_transform", IMG, AFFINE, fill_mode="reflect"), C("map_coordinates", PLANE, COORDS, 1),
    C("crop_images", IMG, 1, 2, target_height=4, target_width=5),
    C("pad_images", IMG, 1, 2, target_height=10, target_width=12),
    C("extract_patches", IMG, 3, strides=1, dilation_rate=2), C("extract_patches_3d", VOL, 2),
    C("gaussian_blur", IMG, kernel_size=(5, 5), sigma=(2.0, 0.5), data_format="channels_last"),
    C("rgb_to_grayscale", IMG), C("rgb_to_hsv", IMG), C("hsv_to_rgb", IMG), C("sobel_edges", IMG),
    C("perspective_transform", IMG, START, END),
    C("scale_and_translate", IMG, (2, 12, 12, 3), np.array([1.5, 1.5], "float32"),
      np.array([0.0, 0.0], "float32"), (1, 2), "cubic"),
    C("ssim", IMG, IMG2, filter_size=3), C("ssim", BIG, BIG2),
]


@pytest.mark.parametrize("name, args, kwargs", GRAD_CASES)
def test_gradient_matches_keras(keras, name, args, kwargs):
    ours, theirs = gradients(keras, "image." + name, args, kwargs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
