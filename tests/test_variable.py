"""keras.Variable as Keras 3 takes it: an array, a callable initializer, or an initializer name."""
import numpy as np
import pytest

import minikeras as K


def test_named_initializers_as_keras_takes_them():
    np.testing.assert_array_equal(K.Variable("zeros", shape=(2,)).numpy(), [0.0, 0.0])
    ones = K.Variable(initializer="ones", shape=(2, 3), name="w")
    assert ones.numpy().sum() == 6.0 and ones.dtype == "float32" and ones.name == "w"
    glorot = K.Variable("glorot_uniform", shape=(30, 40)).numpy()
    limit = np.sqrt(6.0 / (30 + 40))
    assert glorot.shape == (30, 40) and np.abs(glorot).max() <= limit and glorot.std() > limit / 4


def test_unknown_initializer_name_is_a_value_error_listing_the_names():
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 'nope'"):
        K.Variable("nope", shape=(2,))


def test_named_initializer_without_a_shape_is_refused():
    with pytest.raises(ValueError, match="the `shape` argument should be specified"):
        K.Variable("zeros")
