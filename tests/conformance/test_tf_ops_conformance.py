"""minikeras.tf (the TensorFlow stand-in) against real TensorFlow: the same calls on the same
numpy inputs give the same values (rtol 1e-5, atol 1e-6 for floats; equal otherwise), shapes and
dtype names; random functions the same shapes, dtypes and ranges; bad input an error in both
(TensorFlow's InvalidArgumentError or another OpError / ValueError / TypeError; a ValueError or
TypeError here).

The stand-in is imported as `minikeras.tf` (no import hook), so `tensorflow` is the real one.
Locally the module skips without TensorFlow; in CI (CI=true) that is a failure.
"""

import numpy as np
import pytest

import minikeras.tf as mtf

RTOL, ATOL = 1e-5, 1e-6

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(3, 4)).astype("float32")
POS = rng.uniform(0.5, 2.0, size=(3, 4)).astype("float32")
UNIT = rng.uniform(-0.9, 0.9, size=(3, 4)).astype("float32")
BIG = rng.uniform(1.1, 3.0, size=(3, 4)).astype("float32")
HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4, -0.6], "float32")
T3 = rng.normal(size=(2, 3, 4)).astype("float32")
T4 = rng.normal(size=(2, 3, 4, 5)).astype("float32")
I = rng.integers(-5, 6, size=(3, 4)).astype("int32")
IP = rng.integers(1, 6, size=(3, 4)).astype("int32")
I8 = np.array([100, 100, -7], "int8")
I64 = np.array([2**33, 5], "int64")
BOOL, BOOL2 = A > 0, B > 0
SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, -1.5], "float32")
LABELS = np.array([0, 3, 1], "int32")
ONEHOT = np.eye(4, dtype="float32")[LABELS]
IMG = rng.uniform(0, 1, size=(2, 6, 8, 3)).astype("float32")
IMG8 = rng.integers(0, 256, size=(6, 8, 3)).astype("uint8")
IMG16 = rng.uniform(0, 1, size=(2, 16, 16, 3)).astype("float32")
# every hue sector, greys (no hue), black, and ties between the largest channels
HSV_TEST = np.concatenate([IMG[0], np.array([[[0.5, 0.5, 0.5], [0, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1],
                                              [0.2, 0.9, 0.9], [0.9, 0.2, 0.9], [0.9, 0.9, 0.2]]] * 6,
                                            "float32")], axis=1)
X4 = rng.normal(size=(2, 7, 7, 3)).astype("float32")
W4 = rng.normal(size=(3, 3, 3, 4)).astype("float32")
SEQ = rng.normal(size=(2, 9, 3)).astype("float32")
STRINGS = np.array(["Hello World", "  spaced  ", "ÉCOLE <br />x"], dtype=object)


def resolve(module, path):
    for part in path.split("."):
        module = getattr(module, part)
    return module


def C(path, *args, id="", **kwargs):
    label = "-".join([path] + ([id] if id else []) + [f"{k}={v}" for k, v in kwargs.items()])
    return pytest.param(path, args, kwargs, id=label)


def dtype_name(x):
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        dtype = np.asarray(x).dtype
    return mtf.as_dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, np.dtype)
                        else dtype).name


def assert_same(ours, theirs, where="result", atol=ATOL):
    """Same structure, then per tensor the same shape, dtype name and values."""
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), where
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{where}[{i}]", atol)
        return
    expected = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    got = ours.numpy() if hasattr(ours, "numpy") else np.asarray(ours)
    expected, got = np.asarray(expected), np.asarray(got)
    assert got.shape == expected.shape, (where, got.shape, expected.shape)
    if hasattr(theirs, "dtype"):
        assert dtype_name(ours) == theirs.dtype.name, (where, dtype_name(ours), theirs.dtype.name)
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=atol, err_msg=where)
    else:
        assert got.tolist() == expected.tolist(), where


# --- every value-producing call, on identical inputs ------------------------------------------
CASES = [
    # making tensors
    C("constant", 1.5), C("constant", 2), C("constant", [1, 2]), C("constant", [[1.0], [2]]),
    C("constant", np.ones(2)), C("constant", True), C("constant", "abc"), C("constant", ["a", "bc"]),
    C("constant", 7, shape=(2, 3)), C("constant", [1.0, 2.0], dtype="float16"),
    C("constant", 2**40), C("constant", []),
    C("convert_to_tensor", [[1, 2]]), C("convert_to_tensor", np.arange(3)),
    C("convert_to_tensor", [1, 2], dtype_hint="float32"),
    C("cast", np.array([-1.7, -0.2, 0.0, 1.9], "float32"), "int32"), C("cast", A, "bool"),
    C("cast", BOOL, "float32"), C("cast", I, "float64"),
    C("zeros", (2, 3)), C("zeros", [2], "int64"), C("ones", (1, 2)), C("zeros_like", I),
    C("ones_like", A, dtype="float64"), C("fill", [2, 2], 3), C("fill", [2], 1.5),
    C("range", 5), C("range", 1, 10, 3), C("range", 0.0, 1.0, 0.25), C("range", 5, dtype="float32"),
    C("range", 10, 0, -3), C("eye", 3), C("eye", 2, 3, batch_shape=[2]), C("linspace", 0.0, 1.0, 5),
    C("one_hot", [0, 2, -1, 5], 4), C("one_hot", [1], 3, on_value=5, off_value=-1),
    C("one_hot", [[1, 0]], 3, axis=0), C("one_hot", [1], 2, dtype="int32"),
    C("identity", A), C("shape", T3), C("size", T3), C("rank", T3), C("stop_gradient", A),
    # shapes and indexing
    C("reshape", T3, [4, -1]), C("reshape", T3, (2, 12)), C("concat", [A, B], -1),
    C("concat", [A, B], 0), C("stack", [A, B], 1), C("unstack", T3, axis=1),
    C("split", T3, 2, axis=2), C("split", np.arange(10), [2, -1, 3]), C("squeeze", A[None, :, None]),
    C("squeeze", A[None, :, None], axis=[2]), C("expand_dims", A, -1), C("expand_dims", A, 0),
    C("transpose", T3), C("transpose", T3, perm=[2, 0, 1]), C("tile", A, [2, 1]),
    C("pad", A, [[1, 0], [0, 2]]), C("pad", A, [[1, 1], [2, 2]], mode="REFLECT"),
    C("pad", A, [[1, 1], [2, 2]], mode="SYMMETRIC"), C("pad", I, [[0, 1], [1, 0]], constant_values=9),
    C("roll", A, 1, 0), C("roll", A, [1, -2], [0, 1]), C("reverse", A, [1]), C("reverse", T3, [0, 2]),
    C("repeat", A, 2, axis=1), C("repeat", [1, 2], [1, 3]), C("slice", T3, [1, 0, 1], [1, -1, 2]),
    C("broadcast_to", [1, 2], (3, 2)), C("gather", A, [2, 0]), C("gather", A, [[1, 1]], axis=1),
    C("gather", T3, [[2, 0], [1, 1]], axis=1, batch_dims=1),
    C("gather", T3, [[3], [0]], axis=2, batch_dims=1), C("gather", T4, [[2, 0], [1, 1]], axis=3, batch_dims=1),
    C("gather", T4, [[[2, 0]], [[1, 1]]], axis=2, batch_dims=1), C("gather_nd", A, [[1, 2], [0, 0]]),
    C("gather_nd", T3, [[1], [0]]), C("where", BOOL, A, B), C("where", BOOL, A, 0.0),
    C("where", BOOL), C("boolean_mask", A, [True, False, True]),
    C("boolean_mask", T3, [[True, False, True], [False, False, True]]),
    C("sequence_mask", [1, 3], 4), C("sequence_mask", [2, 0], dtype="float32"),
    C("sort", A), C("sort", A, axis=0, direction="DESCENDING"), C("argsort", A),
    C("argsort", np.array([3, 1, 3, 2]), direction="DESCENDING"), C("unique", np.array([5, 3, 5, 1, 3])),
    C("scatter_nd", [[1], [1], [3]], np.array([1.0, 2.0, 5.0], "float32"), [4]),
    C("tensor_scatter_nd_update", A, [[0, 1], [2, 2]], np.array([9.0, 8.0], "float32")),
    C("tensor_scatter_nd_add", A, [[1]], np.ones((1, 4), "float32")),
    C("meshgrid", np.arange(3), np.arange(2)), C("meshgrid", np.arange(3), np.arange(2), indexing="ij"),
    C("clip_by_value", A, -0.5, 0.5), C("clip_by_value", I, 0, 3), C("clip_by_norm", A, 1.0),
    C("clip_by_norm", A, 1.0, axes=[1]), C("clip_by_global_norm", [A, B], 2.0),
    # tf.math
    *[C(f"math.{name}", A) for name in ("abs", "negative", "sign", "square", "sin", "cos", "tan",
                                        "atan", "sinh", "cosh", "tanh", "asinh", "floor", "ceil",
                                        "exp", "expm1", "sigmoid", "log_sigmoid", "softplus",
                                        "softsign", "erf", "erfc", "reciprocal")],
    *[C(f"math.{name}", POS) for name in ("sqrt", "rsqrt", "log", "log1p")],
    *[C(f"math.{name}", UNIT) for name in ("asin", "acos", "atanh")],
    C("math.acosh", BIG), C("math.round", HALVES), C("math.abs", I), C("math.square", I),
    *[C(f"math.{name}", SPECIAL) for name in ("is_nan", "is_inf", "is_finite")],
    C("math.logical_not", BOOL),
    *[C(f"math.{name}", A, B) for name in ("add", "subtract", "multiply", "divide", "maximum",
                                           "minimum", "squared_difference", "floordiv",
                                           "floormod", "atan2", "equal", "not_equal", "greater",
                                           "greater_equal", "less", "less_equal", "truediv",
                                           "divide_no_nan")],
    *[C(f"math.{name}", BOOL, BOOL2) for name in ("logical_and", "logical_or", "logical_xor")],
    C("math.add", A, 1.5), C("math.multiply", I, 2), C("math.pow", POS, B), C("math.pow", IP, 2),
    C("math.divide", I, IP), C("math.divide", I8, I8), C("math.floordiv", I, IP),
    C("math.floormod", I, IP), C("math.divide_no_nan", A, np.where(BOOL, B, 0).astype("float32")),
    C("math.multiply_no_nan", SPECIAL, np.array([0, 0, 0, 1, 1], "float32")),
    C("math.add_n", [A, B, A]), C("math.scalar_mul", 2.0, A),
    C("reduce_sum", A), C("reduce_sum", A, axis=1), C("reduce_sum", T3, axis=[0, 2], keepdims=True),
    C("reduce_sum", I8), C("reduce_sum", I64), C("reduce_sum", I, axis=0),
    C("reduce_mean", A, axis=0), C("reduce_mean", I), C("reduce_mean", I, axis=1),
    C("reduce_mean", I8), C("reduce_prod", POS, axis=1), C("reduce_prod", IP, axis=0),
    C("reduce_max", A, axis=1, keepdims=True), C("reduce_min", I), C("reduce_any", BOOL, axis=1),
    C("reduce_all", BOOL), C("math.reduce_variance", A, axis=0), C("math.reduce_std", T3, axis=[1, 2]),
    C("reduce_logsumexp", A * 100, axis=1), C("math.reduce_euclidean_norm", A, axis=1),
    C("math.count_nonzero", I, axis=0), C("argmax", A), C("argmax", A, axis=1),
    C("argmin", I, axis=1, output_type="int32"), C("math.cumsum", A, axis=1),
    C("math.cumsum", A, axis=1, exclusive=True, reverse=True), C("math.cumprod", POS, exclusive=True),
    C("math.top_k", A, k=2), C("math.top_k", np.array([1, 3, 3, 2], "float32"), k=3),
    C("math.in_top_k", LABELS, A, 2), C("math.l2_normalize", A, axis=1), C("math.l2_normalize", A),
    C("math.bincount", np.array([1, 2, 2, 5], "int32")),
    C("math.bincount", np.array([1, 2, 2], "int32"), minlength=5),
    C("math.bincount", np.array([1, 2, 2], "int32"), weights=np.array([1.0, 2.0, 3.0], "float32")),
    C("math.confusion_matrix", [0, 1, 2, 1], [1, 1, 2, 0]),
    C("math.confusion_matrix", [0, 1], [1, 1], num_classes=3),
    C("math.unsorted_segment_sum", A, [0, 2, 0], 3), C("math.unsorted_segment_mean", A, [0, 2, 0], 4),
    C("math.unsorted_segment_max", A, [0, 2, 0], 4), C("math.segment_sum", A, [0, 0, 1]),
    C("math.softmax", A), C("math.log_softmax", A, axis=0),
    # tf.linalg
    C("matmul", A, B, transpose_b=True), C("matmul", A, B, transpose_a=True), C("matmul", T3, T3,
                                                                               transpose_b=True),
    C("matmul", I, IP.T), C("linalg.matvec", A, B[0]), C("einsum", "ij,kj->ik", A, B),
    C("einsum", "bij->bj", T3), C("tensordot", A, B.T, 1),
    C("tensordot", T3, A, [[1, 2], [0, 1]]), C("linalg.diag", A[0]), C("linalg.diag_part", A),
    C("linalg.trace", T3[:, :3, :3]), C("linalg.band_part", np.ones((4, 4), "float32"), -1, 0),
    C("linalg.band_part", A, 1, 2), C("norm", A), C("norm", A, axis=1), C("norm", A, ord=1, axis=1),
    C("linalg.matrix_transpose", T3), C("linalg.global_norm", [A, B]), C("norm", T3, axis=[1, 2]),
    # tf.nn
    *[C(f"nn.{name}", A) for name in ("relu", "relu6", "elu", "selu", "leaky_relu", "gelu", "silu",
                                      "swish", "softmax", "log_softmax", "sigmoid", "tanh",
                                      "softplus", "softsign")],
    C("nn.relu6", A * 10), C("nn.gelu", A, approximate=True), C("nn.leaky_relu", A, alpha=0.1),
    C("nn.silu", A, beta=2.0), C("nn.softmax", A, axis=0),
    C("nn.sparse_softmax_cross_entropy_with_logits", LABELS, A),
    C("nn.softmax_cross_entropy_with_logits", ONEHOT, A),
    C("nn.softmax_cross_entropy_with_logits", np.abs(B) / np.abs(B).sum(0), A, axis=0),
    C("nn.sigmoid_cross_entropy_with_logits", labels=(B > 0).astype("float32"), logits=A * 30),
    C("nn.weighted_cross_entropy_with_logits", (B > 0).astype("float32"), A, 2.0),
    C("nn.l2_loss", A), C("nn.moments", T3, [0, 1]), C("nn.moments", T3, [2], keepdims=True),
    C("nn.batch_normalization", A, A.mean(0), A.var(0), B[0], POS[0], 1e-3),
    C("nn.bias_add", T3, A[0]), C("nn.compute_average_loss", A[:, 0]),
    C("nn.compute_average_loss", A[:, 0], global_batch_size=8),
    C("nn.conv2d", X4, W4, 1, "VALID"), C("nn.conv2d", X4, W4, 2, "SAME"),
    C("nn.conv2d", X4, W4, [1, 2, 1, 1], "SAME"), C("nn.conv2d", X4, W4, 1, "SAME", dilations=2),
    C("nn.conv2d", X4, W4, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
    C("nn.conv1d", SEQ, W4[0], 2, "SAME"), C("nn.conv1d", SEQ, W4[0], 1, "VALID", dilations=2),
    C("nn.depthwise_conv2d", X4, W4[..., :2], [1, 1, 1, 1], "SAME"),
    C("nn.conv3d", X4[:, None], W4[None], [1, 1, 1, 1, 1], "SAME"),
    C("nn.max_pool2d", X4, 2, 2, "VALID"), C("nn.max_pool2d", X4, 3, 2, "SAME"),
    C("nn.avg_pool2d", X4, 3, 2, "SAME"), C("nn.avg_pool2d", X4, [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
    C("nn.max_pool1d", SEQ, 2, 2, "SAME"), C("nn.avg_pool1d", SEQ, 3, 1, "VALID"),
    C("nn.max_pool", X4, 2, 2, "VALID"), C("nn.avg_pool", SEQ, 2, 2, "SAME"),
    C("nn.embedding_lookup", A, [2, 0, 2]), C("nn.top_k", A, 1), C("nn.l2_normalize", A, axis=0),
    # tf.image
    C("image.resize", IMG, (3, 4)), C("image.resize", IMG, (9, 13)), C("image.resize", IMG8, (4, 5)),
    C("image.resize", IMG, (4, 5), method="nearest"), C("image.resize", IMG8, (12, 16), method="nearest"),
    C("image.resize", IMG, (12, 16), method="nearest"), C("image.resize", IMG, (5, 4), antialias=True),
    C("image.resize", IMG, (4, 4), preserve_aspect_ratio=True), C("image.resize", IMG, (3, 4), method="bicubic"),
    C("image.resize", IMG, (9, 13), method="bicubic", antialias=True),
    C("image.resize", IMG, (3, 4), method="lanczos3"), C("image.resize", IMG, (9, 13), method="lanczos5"),
    C("image.flip_left_right", IMG), C("image.flip_up_down", IMG8), C("image.transpose", IMG),
    C("image.rot90", IMG), C("image.rot90", IMG8, k=3), C("image.crop_to_bounding_box", IMG, 1, 2, 3, 4),
    C("image.pad_to_bounding_box", IMG8, 1, 2, 9, 12), C("image.resize_with_crop_or_pad", IMG, 4, 10),
    C("image.resize_with_crop_or_pad", IMG8, 9, 5), C("image.central_crop", IMG, 0.5),
    C("image.central_crop", IMG8, 0.33),
    C("image.ssim", IMG16, np.clip(IMG16 + 0.1 * rng.normal(size=IMG16.shape), 0, 1).astype("float32"), 1.0),
    C("image.ssim", IMG16, IMG16[::-1], 1.0, filter_size=7, filter_sigma=1.0),
    C("image.extract_patches", IMG, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
    C("image.extract_patches", IMG, [1, 3, 2, 1], [1, 2, 3, 1], [1, 1, 1, 1], "SAME"),
    C("image.extract_patches", IMG, [1, 2, 2, 1], [1, 1, 1, 1], [1, 2, 3, 1], "VALID"),
    C("image.extract_patches", IMG8[None], [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
    C("image.convert_image_dtype", IMG8, "float32"), C("image.convert_image_dtype", IMG, "uint8"),
    C("image.convert_image_dtype", IMG, "uint8", saturate=True),
    C("image.convert_image_dtype", IMG * 300, "float16"), C("image.convert_image_dtype", IMG8, "int32"),
    C("image.convert_image_dtype", (IMG8.astype("int32") << 20), "uint8"),
    C("image.per_image_standardization", IMG), C("image.per_image_standardization", IMG8),
    C("image.per_image_standardization", np.ones((2, 2, 1), "float32")),
    C("image.adjust_brightness", IMG, 0.2), C("image.adjust_brightness", IMG8, -0.1),
    C("image.adjust_contrast", IMG, 1.5), C("image.adjust_contrast", IMG8, 0.5),
    C("image.rgb_to_grayscale", IMG), C("image.rgb_to_grayscale", IMG8),
    C("image.grayscale_to_rgb", IMG[..., :1]), C("image.rgb_to_yuv", IMG), C("image.yuv_to_rgb", IMG),
    C("image.rgb_to_hsv", HSV_TEST), C("image.hsv_to_rgb", IMG), C("image.adjust_saturation", IMG, 0.3),
    C("image.adjust_saturation", IMG8, 1.7), C("image.adjust_hue", IMG, 0.2), C("image.adjust_hue", IMG8, -0.45), C("image.psnr", IMG, IMG[:, ::-1], 1.0),
    C("image.psnr", IMG8, IMG8[::-1], 255),
    # tf.strings
    C("strings.lower", STRINGS), C("strings.upper", STRINGS), C("strings.strip", STRINGS),
    C("strings.regex_replace", STRINGS, "<br />", " "), C("strings.regex_replace", STRINGS, "[lo]", "_"),
    C("strings.regex_replace", STRINGS, r"(\w+) (\w+)", r"\2 \1"),
    C("strings.regex_replace", STRINGS, "l", "L", replace_global=False),
    C("strings.regex_full_match", STRINGS, "H.*d"), C("strings.length", STRINGS),
    C("strings.length", STRINGS, unit="UTF8_CHAR"), C("strings.substr", STRINGS, 1, 3),
    C("strings.join", [STRINGS, STRINGS], separator="|"),
    C("strings.reduce_join", STRINGS.reshape(3, 1), axis=0, separator="+"),
    C("strings.reduce_join", STRINGS), C("strings.split", "a  b c"), C("strings.split", "a,b,,c", ","),
    C("strings.to_number", np.array(["1.5", "-2", "3e2"], dtype=object)),
    C("strings.to_number", np.array(["7", "-2"], dtype=object), out_type="int32"),
    C("strings.as_string", A[0]), C("strings.as_string", I[0]), C("strings.as_string", BOOL[0]),
    C("strings.as_string", A[0], precision=2), C("strings.as_string", A[0], scientific=True),
    C("strings.unicode_split", "héllo", "UTF-8"),
]


TF_TAKES_ONLY_TENSORS = {"image.grayscale_to_rgb"}  # TensorFlow calls .get_shape() on it


@pytest.mark.parametrize("path, args, kwargs", CASES)
def test_same_result_as_tensorflow(tf, path, args, kwargs):
    if path in TF_TAKES_ONLY_TENSORS:
        args = [tf.constant(a) if isinstance(a, np.ndarray) else a for a in args]
    # float32 sums of many products (convolutions) round differently in the last bits
    atol = 1e-5 if "conv" in path else ATOL
    assert_same(resolve(mtf, path)(*args, **kwargs), resolve(tf, path)(*args, **kwargs), path, atol)


TNP = [("matmul", A, B.T), ("maximum", A, 0.0), ("mean", A), ("mean", A, 0), ("square", A),
       ("sum", A, 1), ("reshape", A, (4, 3)), ("where", BOOL, A, B), ("clip", A, -0.5, 0.5),
       ("concatenate", [A, B], 1), ("exp", A), ("abs", A), ("argmax", A, 1), ("sort", A, 0),
       ("transpose", A), ("expand_dims", A, 1), ("einsum", "ij,ij->i", A, B), ("std", A, 1)]


@pytest.mark.parametrize("name, args", [(t[0], t[1:]) for t in TNP], ids=[t[0] for t in TNP])
def test_tnp_matches_on_float32_inputs(tf, name, args):
    """Same values and shapes; the same dtype for float32 results (tnp widens other results as
    numpy does: float64, int64 indices; minikeras's tnp follows keras.ops)."""
    ours, theirs = getattr(mtf.experimental.numpy, name)(*args), getattr(tf.experimental.numpy, name)(*args)
    got, expected = np.asarray(ours), theirs.numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-5)
    if expected.dtype == np.float32:
        assert got.dtype == expected.dtype


def test_png_bytes_decode_alike(tf):
    theirs = tf.io.encode_png(IMG8).numpy()
    ours = mtf.io.encode_png(IMG8).numpy()
    for data in (theirs, ours):
        for channels in (0, 1, 3, 4):
            assert_same(mtf.io.decode_png(data, channels=channels),
                        tf.io.decode_png(data, channels=channels), f"channels={channels}")
        assert_same(mtf.io.decode_image(data, dtype="float32"),
                    tf.io.decode_image(data, dtype=tf.float32))


@pytest.mark.parametrize("channels, samples", [(-1, -1), (1, 5), (3, 2)])
def test_wav_encodes_and_decodes_alike(tf, channels, samples):
    audio = np.array([[0.5, -0.25], [1.0, -1.0], [0.1, 0.3], [1.5, -2.0]], "float32")
    ours, theirs = mtf.audio.encode_wav(audio, 16000), tf.audio.encode_wav(audio, 16000)
    assert ours.numpy() == theirs.numpy()
    assert_same(mtf.audio.decode_wav(ours, channels, samples),
                tf.audio.decode_wav(theirs, channels, samples))


def test_read_file(tf, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"\x00abc\xff")
    assert_same(mtf.io.read_file(str(path)), tf.io.read_file(str(path)))


# --- randomness: shapes, dtypes and ranges ----------------------------------------------------
RANDOM = [
    C("random.normal", (3, 4)), C("random.normal", [2], mean=5.0, stddev=0.1, dtype="float64"),
    C("random.uniform", (5,)), C("random.uniform", (50,), minval=2, maxval=4, dtype="int32"),
    C("random.uniform", (2, 2), minval=-1.0, maxval=1.0, dtype="float16"),
    C("random.uniform", (3,), maxval=10, dtype="int64"), C("random.truncated_normal", (100,)),
    C("random.categorical", np.log(np.array([[0.5, 0.5, 0.0]], "float32") + 1e-30), 20),
    C("random.categorical", A, 5, dtype="int32"), C("random.gamma", (4,), [1.0, 2.0]),
    C("random.gamma", (2, 3), 2.0, beta=[1.0, 3.0]), C("random.shuffle", np.arange(12).reshape(6, 2)),
    C("random.poisson", (3,), [1.0, 5.0]), C("image.random_flip_left_right", IMG, seed=1),
    C("image.random_flip_up_down", IMG8), C("image.random_crop", IMG, (2, 3, 3, 3)),
    C("image.random_brightness", IMG, 0.2), C("image.random_contrast", IMG8, 0.5, 1.5),
    C("image.random_saturation", IMG, 0.5, 1.5), C("image.random_hue", IMG8, 0.2),
    C("nn.dropout", A, 0.5),
]


@pytest.mark.parametrize("path, args, kwargs", RANDOM)
def test_random_shapes_dtypes_and_ranges(tf, path, args, kwargs):
    ours, theirs = resolve(mtf, path)(*args, **kwargs), resolve(tf, path)(*args, **kwargs).numpy()
    assert ours.shape == theirs.shape and dtype_name(ours) == mtf.as_dtype(theirs.dtype).name
    if path == "random.uniform":
        low, high = kwargs.get("minval", 0), kwargs.get("maxval", 1)
        assert low <= ours.min() and ours.max() <= high and (ours.max() < high or ours.dtype == "float16")
    if path == "random.categorical" and args[1] == 20:
        assert 2 not in ours and 2 not in theirs  # a zero-probability class is never drawn
    if path == "random.truncated_normal":
        assert np.abs(ours).max() <= 2.0 and np.abs(theirs).max() <= 2.0
    if path == "random.shuffle":
        assert sorted(map(tuple, ours.tolist())) == sorted(map(tuple, theirs.tolist()))


# --- bad input: an error in both --------------------------------------------------------------
ERRORS = [
    C("reshape", T3, (5, -1)), C("reshape", T3, (4, 4)), C("concat", [A, T3], 0),
    C("concat", [A, A.T], 0), C("gather", A, [3]), C("gather", A, [-1]), C("squeeze", A, axis=0),
    C("split", np.arange(10), 3), C("split", np.arange(10), [2, 3]), C("matmul", A, B),
    C("matmul", A[0], B.T), C("transpose", A, perm=[0, 0]), C("reduce_sum", A, axis=2),
    C("tile", A, [2]), C("expand_dims", A, 3), C("one_hot", [1.5], 3),
    C("nn.sparse_softmax_cross_entropy_with_logits", LABELS[:, None], A),
    C("nn.sigmoid_cross_entropy_with_logits", labels=A[0], logits=A),
    C("image.crop_to_bounding_box", IMG, 4, 0, 3, 2), C("image.pad_to_bounding_box", IMG, 0, 0, 5, 8),
    C("image.resize", A, (2, 2)), C("random.uniform", (2,), dtype="int32"), C("as_dtype", "int"),
    C("cast", np.array(["1"], dtype=object), "float32"), C("strings.to_number", "x1"),
    C("math.top_k", A, k=5), C("pad", A, [[1, 1]]), C("debugging.assert_equal", A, B),
    C("debugging.check_numerics", SPECIAL, "m"), C("debugging.assert_rank", A, 3),
    C("convert_to_tensor", [[1, 2], [3]]), C("Variable"),
]


@pytest.mark.parametrize("path, args, kwargs", ERRORS)
def test_bad_input_is_an_error_in_both(tf, path, args, kwargs):
    with pytest.raises((tf.errors.OpError, ValueError, TypeError)):
        resolve(tf, path)(*args, **kwargs)
    with pytest.raises((ValueError, TypeError)) as caught:
        resolve(mtf, path)(*args, **kwargs)
    if path not in ("as_dtype", "Variable") and not path.startswith("debugging"):
        assert str(caught.value).startswith(f"tf.{path.split('.')[-1]}") or \
            str(caught.value).startswith("tf."), caught.value


# --- dtypes, shapes, and the no-op namespaces ---------------------------------------------------
DTYPE_INPUTS = ["float32", "float64", "double", "half", "float16", "int8", "int32", "int64",
                "uint8", "uint16", "bool", "string", "complex64", "float", np.float32, np.int64,
                np.dtype("uint32"), float, bool]


@pytest.mark.parametrize("value", DTYPE_INPUTS, ids=str)
def test_dtypes_match(tf, value):
    ours, theirs = mtf.as_dtype(value), tf.as_dtype(value)
    assert ours.name == theirs.name and repr(ours) == repr(theirs) and str(ours) == str(theirs)
    for attr in ("is_floating", "is_integer", "is_unsigned", "is_complex", "is_bool", "size"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    if theirs.is_floating or theirs.is_integer:
        assert (ours.min, ours.max) == (theirs.min, theirs.max)
    if theirs.is_integer or theirs in (tf.float32, tf.float64):  # float16's limits raise in TF
        assert ours.limits == theirs.limits
    assert ours.as_numpy_dtype == theirs.as_numpy_dtype
    assert (ours == theirs.as_numpy_dtype) and (ours == theirs.name)


@pytest.mark.parametrize("dims", [[2, 3], [None, 3], [], [5], None], ids=str)
def test_tensor_shape_matches(tf, dims):
    ours, theirs = mtf.TensorShape(dims), tf.TensorShape(dims)
    assert (ours.rank, repr(ours), str(ours)) == (theirs.rank, repr(theirs), str(theirs))
    if dims is None:
        return
    assert ours.as_list() == theirs.as_list() and ours == theirs.as_list()
    assert ours.is_fully_defined() == theirs.is_fully_defined()
    assert ours.num_elements() == theirs.num_elements()
    assert ours.concatenate([4]).as_list() == theirs.concatenate([4]).as_list()
    assert ours.is_compatible_with([7, 3]) == theirs.is_compatible_with([7, 3])
    if dims:
        assert ours[0] == theirs[0] and ours[-1:].as_list() == theirs[-1:].as_list()


def test_tensor_spec_matches(tf):
    ours, theirs = mtf.TensorSpec((None, 2), "float32", name="x"), tf.TensorSpec((None, 2), tf.float32, name="x")
    assert repr(ours) == repr(theirs)
    for value in (np.ones((3, 2), "float32"), np.ones((3, 3), "float32"), np.ones((3, 2), "int32")):
        assert ours.is_compatible_with(value) == theirs.is_compatible_with(tf.constant(value))


def test_config_and_distribute_match(tf):
    assert [tuple(d) for d in mtf.config.list_physical_devices("CPU")] == [
        (d.name, d.device_type) for d in tf.config.list_physical_devices("CPU")]
    assert [tuple(d) for d in mtf.config.list_logical_devices("CPU")] == [
        (d.name, d.device_type) for d in tf.config.list_logical_devices("CPU")]
    assert mtf.config.list_logical_devices("GPU") == tf.config.list_logical_devices("GPU") == []
    assert mtf.config.functions_run_eagerly() == tf.config.functions_run_eagerly()
    ours, theirs = mtf.distribute.get_strategy(), tf.distribute.get_strategy()
    assert ours.num_replicas_in_sync == theirs.num_replicas_in_sync == 1
    for op, axis in (("SUM", None), ("SUM", 0), ("MEAN", 0), ("MEAN", None)):
        assert_same(ours.reduce(op, A[:, 0], axis=axis), theirs.reduce(op, A[:, 0], axis=axis), op)
    assert ours.run(lambda a, b: a * b, args=(3, 4)) == theirs.run(lambda a, b: a * b, args=(3, 4))
    assert mtf.distribute.has_strategy() == tf.distribute.has_strategy() is False


@pytest.mark.parametrize("summarize", [3, 1, -1])
def test_tf_print_matches(tf, capfd, summarize):
    values = (np.arange(10, dtype="int32"), np.array([[1, 2], [3, 4]], "int32"), "text", 3,
              np.array([1.0, 2.5, 0.1234567, 1e-8, 123456789.0, np.nan, -0.0], "float32"),
              np.array([1 / 3]), np.array(1 / 3, "float16"), BOOL, np.array([b"ab", b"c d"], dtype=object), np.array("x"),
              np.arange(8).reshape(2, 2, 2), np.arange(20).reshape(10, 2))
    tf.print(*[tf.constant(v) if isinstance(v, np.ndarray) else v for v in values],
             {"a": tf.constant(1.5)}, [tf.constant(1), 2], summarize=summarize)
    theirs = capfd.readouterr().err
    mtf.print(*[mtf.constant(v) if isinstance(v, np.ndarray) else v for v in values],
              {"a": mtf.constant(1.5)}, [mtf.constant(1), 2], summarize=summarize)
    assert capfd.readouterr().err == theirs


def test_variable_matches(tf):
    for value in (1, 1.0, [1.0, 2.0], np.ones(2), np.arange(3)):
        ours, theirs = mtf.Variable(value), tf.Variable(value)
        assert ours.dtype == theirs.dtype.name and ours.shape == tuple(theirs.shape)
        assert ours.trainable == theirs.trainable
        assert_same(mtf.reduce_sum(ours), tf.reduce_sum(theirs))
    assert mtf.Variable(1.0, dtype="float64").dtype == tf.Variable(1.0, dtype="float64").dtype.name
