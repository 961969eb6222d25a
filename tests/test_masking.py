"""Mask propagation through Layer.__call__, models, merges and losses (Keras 3's rules)."""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.engine import masking


class NonZero(layers.Layer):
    """Passes its input through and masks the time steps whose features are all zero."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, 0), axis=-1)


class MaskedMean(layers.Layer):
    """Mean over time of the unmasked steps; records the mask it was given."""

    def call(self, inputs, mask=None):
        self.seen = mask
        if mask is None:
            return ops.mean(inputs, axis=1)
        w = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return ops.sum(inputs * w, axis=1) / ops.sum(w, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None


def _data():
    x = np.arange(1, 25, dtype="float32").reshape(2, 4, 3)
    x[0, 2:] = 0
    x[1, 3:] = 0
    return x


def test_compute_mask_override_turns_on_supports_masking():
    assert NonZero().supports_masking
    assert MaskedMean().supports_masking
    assert not layers.Flatten().supports_masking
    assert layers.Dense(2).supports_masking


def test_eager_chain_fills_mask_argument():
    x = _data()
    y = NonZero()(x)
    assert masking.get_keras_mask(y).tolist() == [[True, True, False, False], [True, True, True, False]]
    mean = MaskedMean()
    out = mean(y)
    np.testing.assert_allclose(out[0], x[0, :2].mean(0))
    np.testing.assert_allclose(out[1], x[1, :3].mean(0))
    assert masking.get_keras_mask(out) is None


def test_mask_passes_through_dense_in_sequential_and_functional():
    x = _data()
    seq = keras.Sequential([keras.Input((4, 3)), NonZero(), layers.Dense(3, use_bias=False), MaskedMean()])
    seq.layers[1].set_weights([np.eye(3, dtype="float32")])
    np.testing.assert_allclose(seq.predict(x, verbose=0)[0], x[0, :2].mean(0), rtol=1e-6)
    inp = keras.Input((4, 3))
    out = MaskedMean()(layers.Dense(3, use_bias=False)(NonZero()(inp)))
    model = keras.Model(inp, out)
    model.layers[2].set_weights([np.eye(3, dtype="float32")])
    np.testing.assert_allclose(model(x)[1], x[1, :3].mean(0), rtol=1e-6)


def test_explicit_mask_wins_over_attached():
    x = _data()
    mean = MaskedMean()
    given = np.array([[True, False, False, False], [True, True, False, False]])
    out = mean(NonZero()(x), mask=given)
    np.testing.assert_allclose(out[0], x[0, 0])
    np.testing.assert_allclose(out[1], x[1, :2].mean(0))


def test_model_call_takes_mask_for_its_inputs():
    x = _data()
    inp = keras.Input((4, 3))
    model = keras.Model(inp, MaskedMean()(inp))
    given = np.array([[True, False, False, False], [True, True, True, True]])
    out = model(x, mask=given)
    np.testing.assert_allclose(out[0], x[0, 0])
    np.testing.assert_allclose(out[1], x[1].mean(0))


def test_merge_masks():
    a = np.array([[True, False, True]])
    b = np.array([[True, True, False]])
    x = np.ones((1, 3, 2), "float32")
    # Keras 3: a position is kept when any input keeps it; no mask unless every input has one
    assert layers.Add().compute_mask([x, x], [a, b]).tolist() == [[True, True, True]]
    assert layers.Add().compute_mask([x, x], [a, None]) is None
    assert layers.Add().compute_mask([x, x], [None, None]) is None
    cat = layers.Concatenate(axis=1).compute_mask([x, x], [a, None])
    assert cat.tolist() == [[True, False, True, True, True, True]]


def test_maximum_minimum_multiply_skip_masked_positions_as_keras():
    x1 = np.array([[[1.0, 2.0], [3.0, 4.0]]], "float32")
    x2 = np.array([[[5.0, 1.0], [0.5, 0.5]]], "float32")
    masking.set_keras_mask(x1, np.array([[True, False]]))
    masking.set_keras_mask(x2, np.array([[False, True]]))
    # position 0: only x1 counts; position 1: only x2 counts
    assert layers.Maximum()([x1, x2]).tolist() == [[[1.0, 2.0], [0.5, 0.5]]]
    assert layers.Minimum()([x1, x2]).tolist() == [[[1.0, 2.0], [0.5, 0.5]]]
    assert layers.Multiply()([x1, x2]).tolist() == [[[1.0, 2.0], [0.5, 0.5]]]
    for layer in (layers.Maximum(), layers.Minimum(), layers.Multiply()):
        assert masking.get_keras_mask(layer([x1, x2])).tolist() == [[True, True]]


def test_merge_compute_mask_errors_as_keras():
    x = np.ones((1, 3, 2), "float32")
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layers.Add().compute_mask([x, x], np.ones((1, 3), bool))
    with pytest.raises(ValueError, match="same length"):
        layers.Concatenate().compute_mask([x, x], [None])


def test_layer_without_masking_warns_and_drops_mask():
    x = NonZero()(_data())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = layers.Flatten()(x)
    assert any("does not support masking" in str(w.message) for w in caught)
    assert masking.get_keras_mask(out) is None


def test_loss_reads_mask_of_y_pred():
    y_true = np.zeros((2, 4, 1), "float32")
    y_pred = np.arange(8, dtype="float32").reshape(2, 4, 1)
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    masking.set_keras_mask(y_pred, mask)
    loss = keras.losses.MeanSquaredError()(y_true, y_pred)
    expected = np.mean(np.concatenate([y_pred[0, :2, 0], y_pred[1, :3, 0]]) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_fit_with_masked_sequence_learns_and_leaves_no_pinned_masks():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 6, 2)).astype("float32")
    lengths = rng.integers(1, 7, size=256)
    for i, n in enumerate(lengths):
        x[i, n:] = 0
    # The target is the mean of the unpadded steps' first feature: only a masked mean can fit it.
    y = np.array([x[i, :n, 0].mean() for i, n in enumerate(lengths)], "float32")[:, None]
    model = keras.Sequential([keras.Input((6, 2)), NonZero(), MaskedMean(), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit(x, y, epochs=30, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.01 < history.history["loss"][0]
    assert not masking._pinned


def test_masks_attach_to_plain_arrays_and_die_with_them():
    x = np.zeros(3)
    masking.set_keras_mask(x, np.array([True, False, True]))
    key = id(x)
    assert key in masking._masks
    del x
    assert key not in masking._masks


@pytest.mark.parametrize("value", [None])
def test_clearing_a_mask(value):
    x = np.zeros(2)
    masking.set_keras_mask(x, np.array([True, True]))
    masking.set_keras_mask(x, value)
    assert masking.get_keras_mask(x) is None
