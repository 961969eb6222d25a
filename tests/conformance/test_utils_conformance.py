"""to_categorical, normalize and pad_sequences against real keras.utils."""
import numpy as np
import pytest

from minikeras import utils


def same_outcome(ours, theirs):
    """Both return equal arrays (value, shape, dtype), or both raise the same error."""
    try:
        expected = theirs()
    except Exception as e:  # noqa: BLE001 - the oracle's exception is the expectation
        with pytest.raises(type(e)) as info:
            ours()
        assert str(info.value) == str(e)
        return
    got = ours()
    expected = np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if got.dtype.kind in "fc":
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, expected)


LABELS = [
    ([1, 0, 3], None), ([1, 0, 3], 6), (np.array([[1], [2], [0]]), None),
    (np.arange(12).reshape(3, 4) % 4, 4), (np.arange(6).reshape(2, 3, 1), None), (2, 4),
    ([1.9, 0.1], 3), ([-1, 2], 3), ([4], 2), (np.array([[1, 2]]), 0),
]


@pytest.mark.parametrize("x,num_classes", LABELS)
def test_to_categorical(keras, x, num_classes):
    same_outcome(lambda: utils.to_categorical(x, num_classes),
                 lambda: keras.utils.to_categorical(x, num_classes))


ARRAYS = [
    (np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 2.0]], "float32"), -1, 2),
    (np.random.default_rng(0).normal(size=(4, 5)), -1, 2),
    (np.random.default_rng(1).normal(size=(4, 5)), 1, 1),
    (np.random.default_rng(2).normal(size=(2, 3, 4)), 1, 2),
    (np.random.default_rng(3).normal(size=(2, 3, 4)).astype("float32"), 2, 3),
    (np.array([3.0, 4.0]), -1, 2),
    (np.array([[3, 4], [5, 12]]), -1, 2),
    (np.array([[3.0, -4.0]]), -1, np.inf),
    ([3.0, 4.0], -1, 2), ([[1.0, 2.0], [0.0, 0.0]], -1, 2),  # (Keras rejects int lists) ([[1.0, -2.0, 2.0]], -1, 1),
    ([1.0, 2.0], -1, 0),
]


@pytest.mark.parametrize("x,axis,order", ARRAYS)
def test_normalize(keras, x, axis, order):
    same_outcome(lambda: utils.normalize(x, axis=axis, order=order),
                 lambda: keras.utils.normalize(x, axis=axis, order=order))


SEQUENCES = [[1], [2, 3], [4, 5, 6, 7], []]
PAD_CASES = [
    (SEQUENCES, {}),
    (SEQUENCES, {"maxlen": 2}),
    (SEQUENCES, {"maxlen": 3, "padding": "post", "truncating": "post"}),
    (SEQUENCES, {"maxlen": 5, "padding": "post", "value": -1}),
    (SEQUENCES, {"dtype": "float32", "value": 0.5}),
    (SEQUENCES, {"dtype": "int64", "truncating": "post", "maxlen": 1}),
    ([[1.5, 2.7], [3.2]], {}),
    ([np.ones((2, 3)), np.zeros((1, 3))], {"padding": "post"}),
    (np.array([[1, 2, 3], [4, 5, 6]]), {"maxlen": 2}),
    ([["a", "bb"], ["c"]], {"dtype": object, "value": "<p>"}),
    ([["a", "bb"], ["c"]], {"dtype": "<U3", "value": "x"}),
    ([[1]], {"value": "x"}),
    ([[1], 5], {}),
    (5, {}),
    (SEQUENCES, {"padding": "middle"}),
    (SEQUENCES, {"truncating": "middle"}),
    ([[]], {"maxlen": 2, "padding": "middle"}),
    ([np.ones((2, 3)), np.zeros((1, 2))], {}),
    ([], {}),
]


@pytest.mark.parametrize("sequences,kwargs", PAD_CASES)
def test_pad_sequences(keras, sequences, kwargs):
    same_outcome(lambda: utils.pad_sequences(sequences, **kwargs),
                 lambda: keras.utils.pad_sequences(sequences, **kwargs))
