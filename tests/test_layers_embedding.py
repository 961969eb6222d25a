"""Embedding and Masking: lookups, id checks, masks, pre-trained weights, gradients, configs."""
import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads
from layer_testing import check_layer_grads

import minikeras as mk
from minikeras import layers, ops
from minikeras.engine.masking import get_keras_mask
from minikeras.engine.variable import StatelessScope
from minikeras.layers.embedding import gather_rows


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_embedding_looks_up_rows(shape, rng):
    layer = layers.Embedding(7, 3)
    ids = rng.integers(0, 7, size=shape)
    y = layer(ids)
    table = layer.get_weights()[0]
    assert table.shape == (7, 3) and y.dtype == np.float32 and y.shape == shape + (3,)
    np.testing.assert_array_equal(y, table[ids])
    assert np.abs(table).max() <= 0.05 and np.abs(table).max() > 0.01  # uniform(-0.05, 0.05)
    assert [w.path for w in layer.weights] == [f"{layer.name}/embeddings"]
    assert layer.compute_output_shape(shape) == shape + (3,)


def test_embedding_casts_float_and_int64_ids_like_keras():
    layer = layers.Embedding(6, 2)
    y = layer(np.array([[1.9, 0.2, 5.0]], "float32"))  # cast to int32 truncates
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(y, table[[[1, 0, 5]]])
    np.testing.assert_array_equal(layer(np.array([3], "int64")), table[[3]])
    np.testing.assert_array_equal(layer([[2, 4]]), table[[[2, 4]]])


@pytest.mark.parametrize("bad", [6, 100, -1])
def test_embedding_rejects_out_of_range_ids(bad):
    layer = layers.Embedding(6, 2, name="emb")
    with pytest.raises(ValueError, match=rf"'emb'.*token id {bad}\b.*input_dim=6"):
        layer(np.array([[0, bad, 1]]))


@pytest.mark.parametrize("arg,value", [("input_dim", 0), ("input_dim", 2.0), ("output_dim", -3),
                                       ("output_dim", True)])
def test_embedding_rejects_bad_dims(arg, value):
    kwargs = {"input_dim": 5, "output_dim": 2, arg: value}
    with pytest.raises(ValueError, match=rf"`{arg}` must be a positive integer. Received: {arg}="):
        layers.Embedding(**kwargs)


def test_embedding_mask_zero():
    ids = np.array([[3, 1, 0, 0], [2, 0, 4, 0]])
    masked = layers.Embedding(5, 2, mask_zero=True)
    plain = layers.Embedding(5, 2)
    assert masked.supports_masking and not plain.supports_masking
    np.testing.assert_array_equal(masked.compute_mask(ids), ids != 0)
    assert plain.compute_mask(ids) is None
    y = masked(ids)
    np.testing.assert_array_equal(get_keras_mask(y), ids != 0)
    assert get_keras_mask(plain(ids)) is None


def test_embedding_pretrained_weights_and_freezing(rng):
    table = rng.normal(size=(4, 3)).astype("float32")
    for weights in (table, [table]):
        layer = layers.Embedding(4, 3, weights=weights, trainable=False)
        assert layer.built
        np.testing.assert_array_equal(layer.get_weights()[0], table)
        assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 1
        np.testing.assert_array_equal(layer(np.array([[2, 0]])), table[[[2, 0]]])
    with pytest.raises(ValueError, match="weight shape"):
        layers.Embedding(4, 2, weights=table)


def test_frozen_embedding_is_not_updated_by_fit(rng):
    table = rng.normal(size=(6, 3)).astype("float32")
    model = mk.Sequential([mk.Input((4,), dtype="int32"),
                           layers.Embedding(6, 3, weights=[table], trainable=False),
                           layers.Flatten(), layers.Dense(1)])
    model.compile(mk.optimizers.SGD(0.5), "mse")
    dense_before = model.layers[-1].get_weights()[0].copy()
    model.fit(rng.integers(0, 6, size=(8, 4)), rng.normal(size=(8, 1)), epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], table)
    assert not np.allclose(model.layers[-1].get_weights()[0], dense_before)


def test_embedding_gradient_matches_scatter_add(rng):
    layer = layers.Embedding(5, 3, dtype="float64")
    ids = np.array([[1, 4, 1], [0, 1, 4]])  # repeated ids accumulate
    layer.build()
    g = rng.normal(size=(2, 3, 3))

    def loss(table):
        with StatelessScope([(layer.embeddings, table)]):
            return ops.sum(layer(ids) * g)
    table = layer.get_weights()[0]
    expected = np.zeros((5, 3))
    np.add.at(expected, ids.ravel(), g.reshape(-1, 3))
    np.testing.assert_allclose(grad(loss)(table), expected, rtol=1e-12)
    check_grads(loss, modes=["rev"], order=1)(table)


def test_gather_rows_matches_fancy_indexing_and_its_gradient(rng):
    table = rng.normal(size=(50, 8))
    ids = rng.integers(0, 50, size=(6, 7))
    np.testing.assert_array_equal(gather_rows(table, ids), table[ids])
    g = rng.normal(size=(6, 7, 8))
    ours = grad(lambda t: ops.sum(gather_rows(t, ids) * g))(table)
    plain = grad(lambda t: ops.sum(ops.take(t, ids, axis=0) * g))(table)
    np.testing.assert_allclose(ours, plain, rtol=1e-12, atol=1e-12)
    check_grads(lambda t: gather_rows(t, ids), modes=["rev"], order=1)(table)


def test_embedding_regularizer_and_constraint():
    layer = layers.Embedding(3, 2, embeddings_initializer="ones", embeddings_regularizer="l2",
                             embeddings_constraint="non_neg")
    layer(np.array([[0, 1]]))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == pytest.approx(0.01 * 6)
    assert layer.embeddings.constraint is not None


def test_embedding_config_round_trip():
    layer = layers.Embedding(9, 4, mask_zero=True, embeddings_initializer="he_normal",
                             embeddings_regularizer="l1", name="words")
    config = layer.get_config()
    assert sorted(config) == sorted(
        ["name", "trainable", "dtype", "input_dim", "output_dim", "embeddings_initializer",
         "embeddings_regularizer", "activity_regularizer", "embeddings_constraint", "mask_zero",
         "quantization_config"])
    clone = layers.Embedding.from_config(config)
    assert clone.get_config() == config and clone.mask_zero and clone.name == "words"


def test_embedding_symbolic_shape():
    out = layers.Embedding(10, 6)(mk.Input((7,), dtype="int32"))
    assert tuple(out.shape) == (None, 7, 6)


def test_input_length_is_deprecated():
    with pytest.warns(UserWarning, match="input_length"):
        layers.Embedding(3, 2, input_length=5)


def test_masking_zeroes_and_masks_steps(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, [0, 3]] = 0.0
    x[1, 2, 0] = 0.0  # one zero feature does not mask the step
    layer = layers.Masking()
    y = layer(x)
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    np.testing.assert_array_equal(layer.compute_mask(x), mask)
    np.testing.assert_array_equal(get_keras_mask(y), mask)
    np.testing.assert_array_equal(y, x * mask[..., None])
    assert layer.supports_masking and layer.compute_output_shape((2, 4, 3)) == (2, 4, 3)


def test_masking_with_another_value(rng):
    x = rng.normal(size=(1, 3, 2)).astype("float32")
    x[0, 2] = -1.0
    y = layers.Masking(mask_value=-1.0)(x)
    np.testing.assert_array_equal(y[0, 2], [0.0, 0.0])  # masked steps become 0, not mask_value
    np.testing.assert_array_equal(y[0, :2], x[0, :2])


def test_masking_grads_and_config(rng):
    x = rng.normal(size=(2, 3, 2))
    check_layer_grads(layers.Masking(dtype="float64"), x)
    x[1, 1] = 0.0  # a masked step passes no gradient (finite differences would unmask it)
    g = rng.normal(size=x.shape)
    dx = grad(lambda v: ops.sum(layers.Masking(dtype="float64")(v) * g))(x)
    np.testing.assert_array_equal(dx, g * (np.abs(x).sum(-1, keepdims=True) > 0))
    config = layers.Masking(mask_value=2.5).get_config()
    assert config["mask_value"] == 2.5
    assert layers.Masking.from_config(config).mask_value == 2.5
