"""keras.utils: to_categorical, normalize, pad_sequences, set_random_seed, Progbar exports."""
import numpy as np
import pytest

import minikeras
from minikeras import utils
from minikeras.preprocessing.sequence import pad_sequences as pp_pad_sequences


def test_exports():
    assert utils.Progbar.__name__ == "Progbar"
    assert pp_pad_sequences is utils.pad_sequences
    assert minikeras.preprocessing.sequence.pad_sequences is utils.pad_sequences
    utils.set_random_seed(3)
    a = minikeras.engine.random.global_rng().random()
    utils.set_random_seed(3)
    assert minikeras.engine.random.global_rng().random() == a


# --- to_categorical --------------------------------------------------------------------------
def test_to_categorical_basic():
    out = utils.to_categorical([1, 0, 3])
    np.testing.assert_array_equal(out, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    assert out.dtype == np.float64


@pytest.mark.parametrize("shape,expected", [((6,), (6, 5)), ((6, 1), (6, 5)), ((2, 3), (2, 3, 5)),
                                            ((2, 3, 1), (2, 3, 5)), ((1,), (1, 5))])
def test_to_categorical_shapes(shape, expected):
    x = np.arange(int(np.prod(shape))).reshape(shape) % 5
    out = utils.to_categorical(x, num_classes=5)
    assert out.shape == expected
    np.testing.assert_array_equal(out.argmax(-1), x.reshape(expected[:-1]))


def test_to_categorical_scalar_and_num_classes_zero():
    np.testing.assert_array_equal(utils.to_categorical(2, 4), [0, 0, 1, 0])
    assert utils.to_categorical([1, 2], num_classes=0).shape == (2, 3)  # 0 means "infer"


def test_to_categorical_float_labels_and_errors():
    np.testing.assert_array_equal(utils.to_categorical([1.7, 0.2], 2), [[0, 1], [1, 0]])
    with pytest.raises(IndexError):
        utils.to_categorical([5], 3)
    np.testing.assert_array_equal(utils.to_categorical([-1], 3), [[0, 0, 1]])  # numpy wraps


# --- normalize -------------------------------------------------------------------------------
def test_normalize_l2_rows_and_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [-6.0, 8.0]], "float32")
    out = utils.normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [-0.6, 0.8]], rtol=1e-6)
    assert out.dtype == np.float32


def test_normalize_orders_and_axes():
    x = np.array([[3.0, -4.0], [1.0, 1.0]])
    np.testing.assert_allclose(utils.normalize(x, order=1), [[3 / 7, -4 / 7], [0.5, 0.5]])
    np.testing.assert_allclose(utils.normalize(x, order=np.inf), [[0.75, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0),
                               x / np.sqrt([[10.0, 17.0]]), rtol=1e-12)
    x3 = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(utils.normalize(x3, axis=1),
                               x3 / np.linalg.norm(x3, axis=1, keepdims=True))


def test_normalize_1d_array_becomes_a_row():
    np.testing.assert_allclose(utils.normalize(np.array([3.0, 4.0])), [[0.6, 0.8]])


def test_normalize_list_goes_through_ops():
    out = utils.normalize([3, 4])
    assert out.shape == (2,) and out.dtype == np.float32
    np.testing.assert_allclose(out, [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(utils.normalize([[0.0, 0.0]]), [[0.0, 0.0]])
    with pytest.raises(ValueError, match="Argument `order` must be an int >= 1. Received: order=0"):
        utils.normalize([1.0], order=0)


# --- pad_sequences ---------------------------------------------------------------------------
SEQS = [[1], [2, 3], [4, 5, 6]]


@pytest.mark.parametrize("kwargs,expected", [
    ({}, [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
    ({"padding": "post"}, [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
    ({"maxlen": 2}, [[0, 1], [2, 3], [5, 6]]),
    ({"maxlen": 2, "truncating": "post"}, [[0, 1], [2, 3], [4, 5]]),
    ({"maxlen": 2, "truncating": "post", "padding": "post"}, [[1, 0], [2, 3], [4, 5]]),
    ({"maxlen": 4, "value": -1}, [[-1, -1, -1, 1], [-1, -1, 2, 3], [-1, 4, 5, 6]]),
])
def test_pad_sequences(kwargs, expected):
    out = utils.pad_sequences(SEQS, **kwargs)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int32


def test_pad_sequences_dtype_empty_and_arrays():
    out = utils.pad_sequences([[0.5, 1.5], []], dtype="float32", value=9.0)
    np.testing.assert_array_equal(out, [[0.5, 1.5], [9.0, 9.0]])
    np.testing.assert_array_equal(utils.pad_sequences([[1.7, 2.2]]), [[1, 2]])  # int32 truncates
    out = utils.pad_sequences([np.ones((1, 2)), np.zeros((3, 2))], padding="post")
    assert out.shape == (2, 3, 2) and out[0, 0].tolist() == [1, 1] and out[0, 1].tolist() == [0, 0]
    np.testing.assert_array_equal(utils.pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=3),
                                  [[0, 1, 2], [0, 3, 4]])
    assert utils.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_pad_sequences_strings():
    out = utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]
    out = utils.pad_sequences([["a"], []], dtype="<U5", value="x", maxlen=2)
    assert out.tolist() == [["x", "a"], ["x", "x"]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="`sequences` must be iterable."):
        utils.pad_sequences(iter([[1]]))
    with pytest.raises(ValueError, match="`sequences` must be a list of iterables. Found non-iterable: 3"):
        utils.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="`dtype` int32 is not compatible with `value`'s type: "
                                         "<class 'str'>\nYou should set `dtype=object`"):
        utils.pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match='Truncating type "middle" not understood'):
        utils.pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match='Padding type "both" not understood'):
        utils.pad_sequences([[1]], padding="both")
    with pytest.raises(ValueError, match=r"Shape of sample \(3,\) of sequence at position 1 is "
                                         r"different from expected shape \(2,\)"):
        utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))])
    # Bad padding/truncating only matters once a non-empty sequence is padded.
    assert utils.pad_sequences([[]], maxlen=2, padding="both").tolist() == [[0, 0]]
