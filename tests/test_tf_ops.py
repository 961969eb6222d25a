"""minikeras.tf, the TensorFlow stand-in: values a wrong implementation would miss, TensorFlow's
dtype rules, errors that name the tf. function, and gradients through tf.* functions.

Numpy only: tests/conformance/test_tf_ops_conformance.py compares the same calls with real
TensorFlow.
"""
import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minikeras
import minikeras.tf as tf
from minikeras import ops
from minikeras.engine.autodiff import is_traced, value_and_grads
from minikeras.engine.tensor import Tensor

RNG = np.random.default_rng(0)


def randn(*shape, dtype="float32"):
    return RNG.normal(size=shape).astype(dtype)


# --- results and conversion ---------------------------------------------------------------------
@pytest.mark.parametrize("value, dtype", [
    (1.5, "float32"), (2, "int32"), (2**40, "int64"), (True, "bool"), ([1.0, 2], "float32"),
    ([[1, 2], [3, 4]], "int32"), (np.ones(2), "float64"), (np.int64(3), "int64"),
    ([np.float64(1.0)], "float64"), ("abc", "object"), ([], "float32")])
def test_constant_dtypes_follow_tensorflow(value, dtype):
    t = tf.constant(value)
    assert type(t) is Tensor and t.dtype == dtype


def test_strings_are_bytes_and_numpy_gives_tensorflow_values():
    assert tf.constant("abc").numpy() == b"abc"
    assert tf.constant(["a", "bc"]).numpy().tolist() == [b"a", b"bc"]
    assert tf.constant(3.0).numpy() == 3.0 and np.ndim(tf.constant(3.0).numpy()) == 0
    assert tf.constant("abc").dtype == tf.string


def test_constant_shape_fills_and_reshapes():
    assert tf.constant(7, shape=(2, 3)).tolist() == [[7] * 3] * 2
    assert tf.constant([1, 2, 3, 4], shape=[2, 2]).shape == (2, 2)
    with pytest.raises(TypeError, match="tf.constant"):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_convert_to_tensor_refuses_a_tensor_of_another_dtype_but_converts_arrays():
    with pytest.raises(ValueError, match="tf.convert_to_tensor: Tensor conversion requested dtype int32"):
        tf.convert_to_tensor(tf.constant([1.0]), dtype=tf.int32)
    assert tf.convert_to_tensor(np.ones(2), dtype=tf.float32).dtype == np.float32
    assert tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype == np.float32
    with pytest.raises(ValueError, match="ragged"):
        tf.convert_to_tensor([[1, 2], [3]])


def test_cast_truncates_towards_zero_and_refuses_strings():
    assert tf.cast([-1.7, 1.7], tf.int32).tolist() == [-1, 1]
    assert tf.cast([0.0, 0.5], tf.bool).tolist() == [False, True]
    with pytest.raises(TypeError, match="tf.cast"):
        tf.cast(["1"], tf.float32)


def test_variables_are_keras_variables_with_tensorflow_dtypes():
    assert tf.Variable(1).dtype == "int32" and tf.Variable(1.0).dtype == "float32"
    assert tf.Variable(np.ones(2)).dtype == "float64"
    v = tf.Variable(lambda: tf.zeros((2,)), trainable=False, name="count")
    assert isinstance(v, minikeras.Variable) and isinstance(v, tf.Variable)
    assert not v.trainable and v.name == "count"
    dense = minikeras.layers.Dense(1)
    dense.build((None, 2))
    assert isinstance(dense.kernel, tf.Variable) and not isinstance(np.ones(1), tf.Variable)
    v.assign([1.0, 2.0])
    assert tf.reduce_sum(v).numpy() == 3.0 and (v + 1).tolist() == [2.0, 3.0]
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()
    with pytest.raises(ValueError, match="not compatible"):
        tf.Variable([1.0, 2.0], shape=(3,))


# --- dtypes and shapes --------------------------------------------------------------------------
def test_dtypes_compare_with_numpy_and_names():
    assert tf.float32 == np.float32 and tf.float32 == "float32" and np.dtype("float32") == tf.float32
    assert tf.float32 != tf.float64 and tf.float32 != "foo" and tf.float32 is not None
    assert np.zeros(2, tf.int64).dtype == np.int64 and np.ones(1).astype(tf.uint8).dtype == np.uint8
    assert tf.as_dtype("double") is tf.float64 and tf.as_dtype(float) is tf.float32
    assert tf.uint8.max == 255 and tf.float32.is_floating and not tf.int32.is_floating
    assert repr(tf.float32) == "tf.float32" and str(tf.float32) == "<dtype: 'float32'>"
    assert tf.float32.as_numpy_dtype is np.float32 and tf.string.as_numpy_dtype is object
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`: 'int'"):
        tf.as_dtype("int")


def test_shape_is_an_int32_tensor_whose_items_shape_other_tensors():
    x = tf.zeros((4, 3, 2))
    s = tf.shape(x)
    assert type(s) is Tensor and s.dtype == np.int32 and s.tolist() == [4, 3, 2]
    assert tf.reshape(x, (s[0], -1)).shape == (4, 6)
    assert tf.zeros(tf.shape(x)).shape == (4, 3, 2)
    assert tf.random.normal((s[0], 5)).shape == (4, 5)
    assert tf.size(x).numpy() == 24 and tf.rank(x).numpy() == 3


def test_tensor_shape_is_list_like_with_unknown_sizes():
    shape = tf.TensorShape([None, 3])
    assert shape == [None, 3] and shape == (None, 3) and shape.as_list() == [None, 3]
    assert shape.rank == 2 and shape[1] == 3 and shape[0] is None and shape[1:] == [3]
    assert not shape.is_fully_defined() and shape.num_elements() is None
    assert shape.concatenate([4]) == [None, 3, 4] and shape + (5,) == [None, 3, 5]
    assert shape.is_compatible_with([7, 3]) and not shape.is_compatible_with([7, 4])
    assert shape.merge_with([7, None]) == [7, 3]
    assert repr(shape) == "TensorShape([None, 3])" and str(shape) == "(None, 3)"
    assert tf.TensorShape(None).rank is None
    with pytest.raises(ValueError, match="unknown TensorShape"):
        tf.TensorShape(None).as_list()


def test_tensor_spec():
    spec = tf.TensorSpec((None, 2), tf.float32, name="x")
    assert spec.is_compatible_with(np.ones((5, 2), "float32"))
    assert not spec.is_compatible_with(np.ones((5, 3), "float32"))
    assert spec == tf.TensorSpec([None, 2], "float32", name="x")
    assert tf.TensorSpec.from_tensor(np.ones((1, 2), "int64")).dtype == tf.int64


# --- array ops ----------------------------------------------------------------------------------
def test_reshape_concat_stack_split():
    x = tf.range(6)
    assert tf.reshape(x, [2, 3]).tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tf.reshape: `tensor` has 6 values"):
        tf.reshape(x, (4,))
    a = tf.reshape(x, (2, 3))
    assert tf.concat([a, a], axis=-1).shape == (2, 6)
    with pytest.raises(ValueError, match="tf.concat: .*axis"):
        tf.concat([a, a], axis=2)
    assert tf.stack([a, a], axis=1).shape == (2, 2, 3)
    assert [t.tolist() for t in tf.unstack(a, axis=1)] == [[0, 3], [1, 4], [2, 5]]
    parts = tf.split(tf.range(10), [2, -1, 3])
    assert [p.tolist() for p in parts] == [[0, 1], [2, 3, 4, 5, 6], [7, 8, 9]]
    assert [p.shape for p in tf.split(a, 3, axis=1)] == [(2, 1)] * 3
    with pytest.raises(ValueError, match="tf.split: the size 10 of axis 0 is not divisible"):
        tf.split(tf.range(10), 3)
    with pytest.raises(ValueError, match="does not add up"):
        tf.split(tf.range(10), [2, 3])


def test_squeeze_expand_transpose_tile_errors_name_the_argument():
    x = tf.zeros((1, 3, 1))
    assert tf.squeeze(x).shape == (3,) and tf.squeeze(x, axis=[2]).shape == (1, 3)
    with pytest.raises(ValueError, match="tf.squeeze: can't squeeze axis 1"):
        tf.squeeze(x, axis=1)
    assert tf.expand_dims(x, -1).shape == (1, 3, 1, 1)
    with pytest.raises(ValueError, match=r"tf.expand_dims: `axis`=5"):
        tf.expand_dims(x, 5)
    assert tf.transpose(tf.zeros((2, 3, 4)), perm=[2, 0, 1]).shape == (4, 2, 3)
    with pytest.raises(ValueError, match="`perm`"):
        tf.transpose(x, perm=[0, 1])
    assert tf.tile([[1, 2]], [2, 2]).tolist() == [[1, 2, 1, 2]] * 2
    with pytest.raises(ValueError, match="`multiples` has length 1"):
        tf.tile([[1, 2]], [2])


@pytest.mark.parametrize("mode, expected", [
    ("CONSTANT", [9, 1, 2, 3, 9]), ("REFLECT", [2, 1, 2, 3, 2]), ("SYMMETRIC", [1, 1, 2, 3, 3]),
    ("reflect", [2, 1, 2, 3, 2])])
def test_pad_modes(mode, expected):
    assert tf.pad([1, 2, 3], [[1, 1]], mode=mode, constant_values=9).tolist() == expected


def test_roll_reverse_repeat_slice_broadcast():
    assert tf.roll([1, 2, 3, 4], shift=1, axis=0).tolist() == [4, 1, 2, 3]
    assert tf.roll([[1, 2], [3, 4]], shift=[1, 1], axis=[0, 1]).tolist() == [[4, 3], [2, 1]]
    assert tf.reverse([[1, 2], [3, 4]], axis=[1]).tolist() == [[2, 1], [4, 3]]
    assert tf.repeat([1, 2], 2).tolist() == [1, 1, 2, 2]
    assert tf.slice(tf.reshape(tf.range(12), (3, 4)), [1, 1], [2, -1]).tolist() == [[5, 6, 7], [9, 10, 11]]
    assert tf.broadcast_to([1, 2], (2, 2)).tolist() == [[1, 2], [1, 2]]


def test_gather_axis_batch_dims_and_range_errors():
    params = tf.reshape(tf.range(24), (2, 3, 4))
    assert tf.gather(params, [2, 0], axis=1).shape == (2, 2, 4)
    assert tf.gather(params, [[1], [2]], axis=2, batch_dims=1).tolist() == [
        [[1], [5], [9]], [[14], [18], [22]]]
    assert tf.gather(params, [[2, 0], [1, 1]], axis=1, batch_dims=1)[1, 0].tolist() == [16, 17, 18, 19]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tf.gather: `indices` has the value 3"):
        tf.gather([1, 2, 3], [3])
    with pytest.raises(ValueError, match="-1"):  # numpy would wrap round; TensorFlow refuses
        tf.gather([1, 2, 3], [-1])
    assert tf.gather_nd([[1, 2], [3, 4]], [[1, 0], [0, 1]]).tolist() == [3, 2]


def test_where_boolean_mask_sequence_mask():
    assert tf.where([True, False], 1.0, [5.0, 6.0]).tolist() == [1.0, 6.0]
    coords = tf.where([[True, False], [False, True]])
    assert coords.dtype == np.int64 and coords.tolist() == [[0, 0], [1, 1]]
    assert tf.boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True]).tolist() == [[1, 2], [5, 6]]
    assert tf.sequence_mask([1, 3], 4).tolist() == [[True, False, False, False], [True, True, True, False]]
    assert tf.sequence_mask([2], dtype=tf.float32).dtype == np.float32


def test_sort_argsort_unique():
    assert tf.sort([3, 1, 2], direction="DESCENDING").tolist() == [3, 2, 1]
    assert tf.argsort([3, 1, 3], direction="DESCENDING").tolist() == [0, 2, 1]  # ties: lower first
    y, idx = tf.unique([5, 3, 5, 1, 3])
    assert y.tolist() == [5, 3, 1] and idx.tolist() == [0, 1, 0, 2, 1]  # first-appearance order


def test_scatter_and_clipping():
    assert tf.scatter_nd([[1], [1], [3]], [1.0, 2.0, 5.0], [4]).tolist() == [0, 3, 0, 5]
    assert tf.tensor_scatter_nd_update([1, 1, 1], [[0], [2]], [7, 9]).tolist() == [7, 1, 9]
    assert tf.tensor_scatter_nd_add([1, 1, 1], [[0]], [7]).tolist() == [8, 1, 1]
    assert np.allclose(tf.clip_by_norm([3.0, 4.0], 1.0), [0.6, 0.8])
    assert np.allclose(tf.clip_by_norm([0.3, 0.4], 1.0), [0.3, 0.4])
    clipped, norm = tf.clip_by_global_norm([np.array([3.0]), None, np.array([4.0])], 2.5)
    assert np.isclose(norm, 5.0) and clipped[1] is None and np.allclose(clipped[2], [2.0])


# --- math ---------------------------------------------------------------------------------------
def test_integer_reductions_and_divisions_follow_tensorflow():
    assert tf.reduce_mean([-3, 2]).numpy() == 0  # truncated towards zero, int32
    assert tf.reduce_mean(np.array([1, 2], "int8")).dtype == np.int8
    assert tf.reduce_sum(np.array([1, 2], "int64")).dtype == np.int64
    assert tf.divide([1, 2], 2).dtype == np.float64
    assert tf.divide(np.array([1], "int8"), np.array([2], "int8")).dtype == np.float32
    assert tf.math.floordiv(-7, 2).numpy() == -4 and tf.math.floormod(-7, 2).numpy() == 1


def test_reductions_with_axes_and_keepdims():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    assert tf.reduce_sum(x, axis=[0, 1]).numpy() == 15
    assert tf.reduce_max(x, axis=1, keepdims=True).shape == (2, 1)
    assert np.isclose(tf.math.reduce_std(x), np.std(x))
    assert np.isclose(tf.reduce_logsumexp([1000.0, 1000.0]), 1000.0 + np.log(2.0))
    assert tf.reduce_any([[False, True]], axis=1).tolist() == [True]
    with pytest.raises(ValueError, match=r"tf.math.reduce_sum: `axis`=2 is out of bounds"):
        tf.reduce_sum(x, axis=2)


def test_argmax_top_k_cumsum():
    x = np.array([[1, 5, 5], [7, 0, 2]], "float32")
    assert tf.argmax(x).tolist() == [1, 0, 0] and tf.argmax(x).dtype == np.int64  # axis 0
    assert tf.argmin(x, axis=1).tolist() == [0, 1]
    values, indices = tf.math.top_k(x, k=2)
    assert values.tolist() == [[5, 5], [7, 2]] and indices.tolist() == [[1, 2], [0, 2]]
    assert tf.math.cumsum([1, 2, 3], exclusive=True, reverse=True).tolist() == [5, 3, 0]
    assert tf.math.cumprod([1, 2, 3], exclusive=True).tolist() == [1, 1, 2]


def test_l2_normalize_bincount_confusion_segments():
    assert np.allclose(tf.math.l2_normalize([3.0, 4.0]), [0.6, 0.8])
    assert tf.math.l2_normalize([0.0, 0.0]).tolist() == [0.0, 0.0]
    assert tf.math.bincount([1, 2, 2], minlength=5).tolist() == [0, 1, 2, 0, 0]
    assert tf.math.bincount([1, 2, 2], weights=[1.0, 2.0, 3.0]).tolist() == [0, 1, 5]
    assert tf.math.confusion_matrix([0, 1, 1], [1, 1, 0]).tolist() == [[0, 1], [1, 1]]
    out = tf.math.unsorted_segment_max([1.0, 2.0], [0, 0], 2)
    assert out[0] == 2.0 and out[1] == np.finfo("float32").min  # not -inf
    assert tf.math.unsorted_segment_mean([1.0, 3.0, 5.0], [0, 0, 2], 3).tolist() == [2.0, 0.0, 5.0]


def test_matmul_and_linalg():
    a, b = randn(2, 3, 4), randn(2, 5, 4)
    assert np.allclose(tf.matmul(a, b, transpose_b=True), a @ b.transpose(0, 2, 1), atol=1e-5)
    with pytest.raises(ValueError, match="tf.linalg.matmul: `a` must have rank >= 2"):
        tf.matmul([1.0, 2.0], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="inner sizes differ"):
        tf.matmul(a, b)
    assert tf.linalg.band_part(np.ones((3, 3)), -1, 0).tolist() == np.tril(np.ones((3, 3))).tolist()
    assert np.isclose(tf.norm([3.0, 4.0]), 5.0) and np.isclose(tf.norm([[3.0, 4.0]], ord=1), 7.0)
    assert tf.einsum("ij,j->i", np.eye(2), [1.0, 2.0]).tolist() == [1.0, 2.0]
    assert tf.eye(2, batch_shape=[3]).shape == (3, 2, 2)


# --- nn -----------------------------------------------------------------------------------------
def test_activations_keep_tensorflow_defaults():
    x = np.array([-2.0, 0.5, 3.0], "float32")
    assert np.allclose(tf.nn.gelu(x), 0.5 * x * (1 + np.vectorize(__import__("math").erf)(x / np.sqrt(2))), atol=1e-6)
    assert not np.allclose(tf.nn.gelu(x), tf.nn.gelu(x, approximate=True), atol=1e-6)
    assert np.allclose(tf.nn.leaky_relu(x), [-0.4, 0.5, 3.0])
    assert np.allclose(tf.nn.relu6([-1.0, 7.0]), [0.0, 6.0])
    assert np.allclose(tf.nn.silu(x, beta=2.0), x / (1 + np.exp(-2 * x)))
    assert np.allclose(tf.nn.softmax([[1.0, 2.0]]).sum(), 1.0)
    assert np.allclose(tf.nn.log_softmax([0.0, 0.0]), np.log([0.5, 0.5]))


def test_cross_entropies_with_logits():
    logits, labels = randn(4, 5), np.array([0, 4, 2, 1])
    expected = -np.log(np.exp(logits) / np.exp(logits).sum(-1, keepdims=True))[np.arange(4), labels]
    assert np.allclose(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits), expected, atol=1e-5)
    onehot = np.eye(5, dtype="float32")[labels]
    assert np.allclose(tf.nn.softmax_cross_entropy_with_logits(onehot, logits), expected, atol=1e-5)
    with pytest.raises(ValueError, match="`labels` must have the shape of `logits` without"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels[:, None], logits)
    big = np.array([100.0, -100.0], "float32")
    assert np.allclose(tf.nn.sigmoid_cross_entropy_with_logits(labels=[0.0, 1.0], logits=big),
                       [100.0, 100.0])


def test_moments_dropout_bias_add():
    x = randn(8, 3)
    mean, var = tf.nn.moments(x, axes=[0])
    assert np.allclose(mean, x.mean(0), atol=1e-6) and np.allclose(var, x.var(0), atol=1e-5)
    ones = np.ones((1000,), "float32")
    dropped = tf.nn.dropout(ones, rate=0.25, seed=1)
    assert np.allclose(np.unique(dropped), [0.0, 1.0 / 0.75])
    assert 0.65 < np.mean(dropped > 0) < 0.85
    with pytest.raises(ValueError, match="tf.nn.dropout: `rate` must be a scalar in"):
        tf.nn.dropout(ones, rate=1.0)
    assert tf.nn.bias_add(np.zeros((2, 3, 4)), np.arange(3.0), data_format="NCW")[0, :, 0].tolist() == [0, 1, 2]


def test_conv_and_pooling_take_tensorflow_strides_and_padding():
    x, w = randn(2, 7, 7, 3), randn(3, 3, 3, 4)
    expected = ops.conv(x, w, strides=2, padding="same")
    for strides in (2, [2, 2], [1, 2, 2, 1]):
        assert np.allclose(tf.nn.conv2d(x, w, strides, "SAME"), expected, atol=1e-5)
    explicit = tf.nn.conv2d(x, w, 1, [[0, 0], [1, 1], [1, 1], [0, 0]])
    assert np.allclose(explicit, ops.conv(x, w, padding="same"), atol=1e-5)
    assert tf.nn.max_pool2d(x, 2, 2, "VALID").shape == (2, 3, 3, 3)
    assert np.allclose(tf.nn.avg_pool2d(x, [1, 7, 7, 1], 1, "VALID")[:, 0, 0], x.mean((1, 2)), atol=1e-5)
    assert tf.nn.conv1d(randn(1, 5, 2), randn(2, 2, 3), 1, "VALID").shape == (1, 4, 3)


# --- random -------------------------------------------------------------------------------------
def test_random_dtypes_ranges_and_seeds():
    assert tf.random.normal((2, 3)).dtype == np.float32
    ints = tf.random.uniform((1000,), minval=2, maxval=5, dtype=tf.int32)
    assert ints.dtype == np.int32 and set(np.unique(ints).tolist()) == {2, 3, 4}
    floats = tf.random.uniform((1000,), minval=-1.0, maxval=1.0)
    assert floats.min() >= -1.0 and floats.max() < 1.0
    with pytest.raises(ValueError, match="tf.random.uniform: `maxval` must be given"):
        tf.random.uniform((2,), dtype=tf.int64)
    assert np.array_equal(tf.random.normal((3,), seed=4), tf.random.normal((3,), seed=4))
    tf.random.set_seed(7)
    first = tf.random.normal((3,))
    tf.random.set_seed(7)
    assert np.array_equal(first, tf.random.normal((3,)))
    assert np.abs(tf.random.truncated_normal((1000,), stddev=2.0)).max() <= 4.0


def test_categorical_shuffle_gamma():
    draws = tf.random.categorical([[0.0, -np.inf, 0.0]], 500, seed=1)
    assert draws.shape == (1, 500) and draws.dtype == np.int64 and 1 not in draws
    assert sorted(tf.random.shuffle(np.arange(10), seed=3).tolist()) == list(range(10))
    assert tf.random.gamma((4,), alpha=[1.0, 2.0]).shape == (4, 2)


# --- image --------------------------------------------------------------------------------------
def test_resize_and_image_dtypes():
    img = np.arange(16, dtype="uint8").reshape(4, 4, 1)
    assert tf.image.resize(img, (2, 2)).dtype == np.float32
    assert tf.image.resize(img, (8, 8), method="nearest").dtype == np.uint8
    assert tf.image.resize(img, (2, 2), method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)[..., 0].tolist() == [[5, 7], [13, 15]]
    assert tf.image.resize(np.zeros((2, 8, 4, 3)), (4, 4), preserve_aspect_ratio=True).shape == (2, 4, 2, 3)
    assert tf.image.convert_image_dtype(np.array([0, 255], "uint8"), tf.float32).tolist() == [0.0, 1.0]
    assert tf.image.convert_image_dtype(np.array([0.0, 1.0], "float32"), tf.uint8).tolist() == [0, 255]
    assert tf.image.convert_image_dtype(np.array([2.0]), "float32").tolist() == [2.0]  # no rescale


def test_crops_pads_flips():
    img = np.arange(2 * 5 * 6 * 1, dtype="float32").reshape(2, 5, 6, 1)
    crop = tf.image.crop_to_bounding_box(img, 1, 2, 3, 2)
    assert np.array_equal(crop, img[:, 1:4, 2:4])
    padded = tf.image.pad_to_bounding_box(crop, 1, 2, 5, 6)
    assert padded.shape == img.shape and np.array_equal(padded[:, 1:4, 2:4], crop)
    assert padded.sum() == crop.sum()
    with pytest.raises(ValueError, match="tf.image.crop_to_bounding_box: the box"):
        tf.image.crop_to_bounding_box(img, 3, 0, 3, 2)
    assert tf.image.resize_with_crop_or_pad(img, 3, 8).shape == (2, 3, 8, 1)
    assert np.array_equal(tf.image.central_crop(img[0], 0.5), img[0, 1:4, 1:5])
    assert np.array_equal(tf.image.flip_left_right(img), img[:, :, ::-1])
    flipped = tf.image.random_flip_left_right(np.stack([img[0]] * 64), seed=0)
    kinds = {bool(np.array_equal(f, img[0])) for f in flipped}
    assert kinds == {True, False}  # each image flipped on its own coin
    assert tf.image.random_crop(img, (2, 3, 3, 1), seed=0).shape == (2, 3, 3, 1)
    assert np.array_equal(tf.image.rot90(img[0]), np.rot90(img[0]))


def test_extract_patches_order_is_row_col_channel():
    images = randn(1, 4, 5, 2)
    patches = tf.image.extract_patches(images, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 1, 1], "VALID")
    assert patches.shape == (1, 2, 3, 12)
    assert np.allclose(patches[0, 1, 2], images[0, 2:4, 2:5, :].reshape(-1), atol=1e-6)
    same = tf.image.extract_patches(images, [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME")
    assert same.shape == (1, 4, 5, 18) and np.allclose(same[0, 0, 0, :6], 0.0)


def test_pixel_value_functions():
    img = randn(4, 4, 3) * 5 + 2
    std = tf.image.per_image_standardization(img)
    assert np.isclose(std.mean(), 0.0, atol=1e-5) and np.isclose(std.std(), 1.0, atol=1e-4)
    assert np.allclose(tf.image.adjust_brightness(img, 0.5), img + 0.5)
    assert np.allclose(tf.image.adjust_contrast(img, 2.0).mean((0, 1)), img.mean((0, 1)), atol=1e-4)
    assert tf.image.rgb_to_grayscale(img).shape == (4, 4, 1)
    assert tf.image.adjust_brightness(np.array([[[250]]], "uint8"), 0.1).tolist() == [[[255]]]
    assert np.isclose(tf.image.psnr(np.zeros((2, 2, 1)), np.full((2, 2, 1), 0.1), 1.0), 20.0)


# --- strings and io -----------------------------------------------------------------------------
def test_strings():
    assert tf.strings.lower(["ÀBC d"]).tolist() == ["Àbc d".encode()]  # ASCII only
    assert tf.strings.regex_replace("a<br />b", "<br />", " ").numpy() == b"a b"
    assert tf.strings.regex_replace("aaa", "a", "b", replace_global=False).numpy() == b"baa"
    assert tf.strings.split("a  b c").tolist() == [b"a", b"b", b"c"]
    assert [t.tolist() for t in tf.strings.split(["a b", "c"])] == [[b"a", b"b"], [b"c"]]
    assert tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator="-").tolist() == [b"a-b", b"c-d"]
    assert tf.strings.to_number(["1.5", "2"]).tolist() == [1.5, 2.0]
    assert tf.strings.length(["ab", "é"]).tolist() == [2, 2]
    assert tf.strings.length("é", unit="UTF8_CHAR").numpy() == 1
    assert tf.strings.as_string([1.5]).tolist() == [b"1.500000"]
    assert tf.strings.join(["a", "b"], separator="/").numpy() == b"a/b"


def test_read_file_and_decode_png(tmp_path):
    pixels = np.arange(2 * 3 * 3, dtype="uint8").reshape(2, 3, 3)
    path = str(tmp_path / "x.png")
    tf.io.write_file(path, tf.io.encode_png(pixels))
    contents = tf.io.read_file(path)
    assert contents.dtype == object and isinstance(contents.numpy(), bytes)
    assert np.array_equal(tf.io.decode_png(contents), pixels)
    assert tf.image.decode_png(contents, channels=1).shape == (2, 3, 1)
    assert np.allclose(tf.io.decode_image(contents, dtype=tf.float32), pixels / 255.0)
    assert tf.io.gfile.exists(path) and tf.io.gfile.glob(str(tmp_path / "*.png")) == [path]
    with pytest.raises(tf.errors.NotFoundError, match="nope"):
        tf.io.read_file(str(tmp_path / "nope"))


def test_wav_round_trip_and_yuv():
    audio = np.array([[0.5, -0.25], [1.0, -1.0]], "float32")
    samples, rate = tf.audio.decode_wav(tf.audio.encode_wav(audio, 8000), desired_channels=3)
    assert rate.numpy() == 8000 and samples.tolist() == [[0.5, -0.25, -0.25], [32767 / 32768, -1.0, -1.0]]
    img = randn(2, 2, 3)
    assert np.allclose(tf.image.yuv_to_rgb(tf.image.rgb_to_yuv(img)), img, atol=1e-5)
    rgb = np.random.default_rng(3).uniform(size=(4, 5, 3)).astype("float32")
    assert np.allclose(tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(rgb)), rgb, atol=1e-6)
    assert np.allclose(tf.image.adjust_hue(rgb, 1.0), rgb, atol=1e-6)  # a full turn
    grey = tf.image.adjust_saturation(rgb, 0.0)
    assert np.allclose(grey, grey.max(-1, keepdims=True))


# --- running code -------------------------------------------------------------------------------
def test_function_decorator_forms():
    @tf.function
    def f(x):
        return x + 1

    @tf.function(jit_compile=True, reduce_retracing=True)
    def g(x):
        return x * 2

    class Model:
        @tf.function
        def step(self, x):
            return x - 1

    assert f(1) == 2 and g(2) == 4 and Model().step(3) == 2 and f.python_function(1) == 2


def test_control_flow():
    assert tf.cond(tf.constant(True), lambda: 1, lambda: 2) == 1
    assert tf.while_loop(lambda i: i < 5, lambda i: i + 2, 0) == 6
    assert tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + i), (0, 0)) == (3, 3)
    out = tf.map_fn(lambda row: row * 2, np.arange(6).reshape(3, 2))
    assert type(out) is Tensor and out.tolist() == [[0, 2], [4, 6], [8, 10]]
    pair = tf.map_fn(lambda xy: xy[0] + xy[1], (np.arange(3), np.arange(3)), fn_output_signature=tf.float32)
    assert pair.dtype == np.float32 and pair.tolist() == [0, 2, 4]
    assert tf.numpy_function(lambda x: x * 2, [np.ones(2)], tf.float32).dtype == np.float32
    assert tf.py_function(lambda x: x.numpy() + 1, [1], tf.int64).dtype == np.int64


def test_print_summarizes_to_the_stream():
    stream = io.StringIO()
    tf.print("x:", tf.range(10), {"a": tf.constant(1)}, output_stream=stream)
    assert stream.getvalue() == "x: [0 1 2 ... 7 8 9] {'a': 1}\n"


def test_config_and_distribute():
    assert [d.device_type for d in tf.config.list_physical_devices()] == ["CPU"]
    assert tf.config.list_logical_devices("GPU") == []
    tf.config.experimental.set_memory_growth(tf.config.list_physical_devices()[0], True)
    tf.config.optimizer.set_jit(True)
    strategy = tf.distribute.MirroredStrategy()
    assert strategy.num_replicas_in_sync == 1 and not tf.distribute.has_strategy()
    with strategy.scope():
        assert tf.distribute.get_strategy() is strategy and tf.distribute.has_strategy()
    data = object()
    assert strategy.experimental_distribute_dataset(data) is data
    assert strategy.run(lambda a, b: a + b, args=(1, 2)) == 3
    assert strategy.reduce(tf.distribute.ReduceOp.SUM, np.array([1.0, 2.0]), axis=0) == 3.0
    assert strategy.reduce("MEAN", np.array([1.0, 2.0]), axis=None).tolist() == [1.0, 2.0]
    assert tf.distribute.OneDeviceStrategy("/cpu:0").num_replicas_in_sync == 1


def test_debugging():
    assert tf.debugging.assert_equal([1, 2], [1, 2]) is None
    with pytest.raises(tf.errors.InvalidArgumentError, match="boom"):
        tf.debugging.assert_equal([1, 2], [1, 3], message="boom")
    with pytest.raises(ValueError, match="NaN"):
        tf.debugging.check_numerics(np.array([np.nan]), "x")
    with pytest.raises(ValueError, match="rank 3"):
        tf.debugging.assert_rank(np.ones((2, 2)), 3)


def test_tnp_is_keras_ops_with_tensors():
    tnp = tf.experimental.numpy
    out = tnp.matmul(np.ones((2, 3), "float32"), np.ones((3, 1), "float32"))
    assert type(out) is Tensor and out.tolist() == [[3.0], [3.0]]
    assert tnp.maximum(tnp.asarray([-1.0, 2.0]), 0.0).tolist() == [0.0, 2.0]
    assert tnp.mean(tnp.square(np.array([1.0, 3.0])), axis=0) == 5.0
    assert tnp.float32 is np.float32
    tnp.experimental_enable_numpy_behavior()


def test_names_not_provided_raise_one_error_naming_them():
    with pytest.raises(AttributeError, match=r"tf.lite is not available: minikeras's TensorFlow"):
        tf.lite
    with pytest.raises(AttributeError, match=r"tf.math.lgamma is not available"):
        tf.math.lgamma
    with pytest.raises(AttributeError, match=r"tf.image.total_variation is not available"):
        tf.image.total_variation
    for module in (tf.math, tf.nn, tf.random, tf.image, tf.linalg, tf.strings, tf.io):
        helpers = {"read", "numpy", "op", "integer", "gather", "untraced", "draw_seed"}
        assert not helpers & set(vars(module)), module  # no helper poses as a tf. name
    with pytest.raises(AttributeError, match=r"TensorFlow has it as `tf.math.reduce_std`"):
        tf.reduce_std
    assert tf.keras is minikeras and tf.initializers is minikeras.initializers


# --- gradients ----------------------------------------------------------------------------------
def _grads(fn, *values):
    return value_and_grads(lambda vs: fn(*vs), [np.asarray(v) for v in values])


def _finite_differences(fn, values, eps=1e-4):
    """Central differences of the scalar fn at `values` (float64), one list per value."""
    out = []
    for i, v in enumerate(values):
        g = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus, minus = [w.copy() for w in values], [w.copy() for w in values]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            g[idx] = (float(fn(*plus)) - float(fn(*minus))) / (2 * eps)
        out.append(g)
    return out


def test_split_and_unstack_give_lists_also_while_traced():
    def fn(x):
        parts = tf.split(x, 2, axis=1)
        rows = tf.unstack(x)
        assert type(parts) is list and type(rows) is list and all(is_traced(p) for p in parts)
        parts[0] = parts[0] * 3.0  # tutorials replace a part in place (ShiftViT)
        return tf.reduce_sum(tf.concat(parts, axis=1)) + tf.reduce_sum(rows[0])
    _, (grad,) = _grads(fn, np.ones((2, 4)))
    assert grad.tolist() == [[4.0, 4.0, 2.0, 2.0], [3.0, 3.0, 1.0, 1.0]]


def test_results_stay_traced_and_gradients_match_keras_ops():
    def with_tf(x, w):
        h = tf.nn.relu(tf.matmul(x, w))
        h = tf.concat([h, tf.square(h)], axis=-1)
        h = tf.reshape(h, (tf.shape(h)[0], -1))
        assert is_traced(h) and hasattr(h, "numpy")
        return tf.reduce_mean(tf.reduce_sum(h, axis=1))

    def with_ops(x, w):
        h = ops.relu(ops.matmul(x, w))
        h = ops.concatenate([h, ops.square(h)], axis=-1)
        return ops.mean(ops.sum(ops.reshape(h, (ops.shape(h)[0], -1)), axis=1))

    x, w = randn(4, 3), randn(3, 2)
    value, grads = _grads(with_tf, x, w)
    expected_value, expected = _grads(with_ops, x, w)
    assert np.isclose(value, expected_value) and type(value) is Tensor
    for g, e in zip(grads, expected):
        assert np.allclose(g, e, atol=1e-6)


GRADIENT_CASES = {
    "extract_patches": lambda x: tf.reduce_sum(tf.square(tf.image.extract_patches(
        x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"))),
    "crop_pad_box": lambda x: tf.reduce_sum(tf.image.pad_to_bounding_box(
        tf.image.crop_to_bounding_box(x, 1, 0, 2, 2), 0, 1, 3, 3) ** 3),
    "gather_batch_dims": lambda x: tf.reduce_sum(tf.gather(x, [[1, 0], [2, 2]], axis=1, batch_dims=1) ** 2),
    "clip_by_norm": lambda x: tf.reduce_sum(tf.clip_by_norm(x, 0.5) * np.arange(12.0).reshape(3, 4)),
    "l2_normalize": lambda x: tf.reduce_sum(tf.math.l2_normalize(x, axis=-1)[..., 0]),
    "logsumexp_std": lambda x: tf.reduce_logsumexp(x) + tf.math.reduce_std(x),
    "softmax_ce": lambda x: tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
        tf.constant([0, 2]), tf.reshape(x, (2, 6)))),
    "sigmoid_ce": lambda x: tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.ones_like(x) * 0.3, logits=x)),
    "conv2d_pool": lambda x: tf.reduce_sum(tf.nn.max_pool2d(tf.nn.conv2d(
        x, tf.ones((2, 2, 1, 2), x.dtype), [1, 1, 1, 1], "SAME"), 2, 1, "VALID")),
    "split_stack_roll": lambda x: tf.reduce_sum(tf.stack(tf.split(tf.roll(x, 1, axis=1), 2, axis=2)) * x[:, :, :2]),
    "where_pad_tile": lambda x: tf.reduce_sum(tf.tile(tf.pad(tf.where(x > 0, x, x * x), [[0, 0], [1, 1], [0, 1], [0, 0]], "REFLECT"), [1, 2, 1, 1])),
    "gelu_moments": lambda x: tf.reduce_sum(tf.nn.moments(tf.nn.gelu(x), axes=[1, 2])[1]),
    "resize_flip": lambda x: tf.reduce_sum(tf.image.flip_left_right(tf.image.resize(x, (5, 4))) ** 2),
    "tnp": lambda x: tf.experimental.numpy.mean(tf.experimental.numpy.maximum(x, 0.1) ** 2),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients_match_finite_differences(name):
    fn, rng = GRADIENT_CASES[name], np.random.default_rng(1)
    shape = {"gather_batch_dims": (2, 3, 2), "clip_by_norm": (3, 4), "softmax_ce": (3, 4)}
    x = rng.normal(size=shape.get(name, (1, 3, 4, 1)))
    _, (grad,) = _grads(fn, x)
    atol = 5e-3 if name == "resize_flip" else 1e-5  # tf.image.resize computes in float32
    assert np.allclose(grad, _finite_differences(fn, [x])[0], atol=atol), name


def test_a_watched_tensor_is_differentiated_through_tf_functions():
    tape_module = pytest.importorskip("minikeras.engine.tape")
    x = tf.constant([1.0, 2.0, 3.0])
    with tape_module.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.math.log(tf.square(x)))
    assert np.allclose(tape.gradient(y, x), 2.0 / np.array([1.0, 2.0, 3.0]))


def test_variables_train_through_tf_functions():
    w = tf.Variable([[0.5], [-1.0]])
    x = np.array([[1.0, 2.0]], "float32")

    def loss(values):
        with minikeras.engine.autodiff.StatelessScope([(w, values[0])]):
            return tf.reduce_sum(tf.square(tf.matmul(x, w) + w[0]))
    _, (grad,) = value_and_grads(loss, [w.numpy()])
    r = (x @ w.numpy() + w.numpy()[0]).item()
    assert np.allclose(grad, 2 * r * np.array([[2.0], [2.0]]))


# --- the import hook ----------------------------------------------------------------------------
def test_import_tensorflow_gives_the_stand_in_and_its_submodules():
    code = textwrap.dedent("""
        import minikeras, minikeras.tf
        minikeras.install()
        import tensorflow as tf
        import tensorflow.experimental.numpy as tnp
        from tensorflow import keras, data as tf_data, clip_by_value
        from tensorflow.keras import layers
        from tensorflow.math import reduce_sum
        from tensorflow.random import gamma
        assert tf is minikeras.tf and keras is minikeras and layers is minikeras.layers
        assert tnp is minikeras.tf.experimental.numpy and tf_data is minikeras.tf.data
        assert reduce_sum is minikeras.tf.math.reduce_sum and tf.GradientTape
        minikeras.uninstall()
        print("ok")
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
