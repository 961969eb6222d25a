"""minikeras.losses: values by hand, gradients, reductions, sample weights, registry."""
import math

import autograd
import numpy as np
import pytest
from autograd.test_util import check_grads

from minikeras import losses as L

EPS = 1e-7


# --- values by hand ----------------------------------------------------------------------
def test_mse_by_hand():
    y_true = np.array([[0.0, 1.0], [0.0, 0.0]], "float32")
    y_pred = np.array([[1.0, 1.0], [1.0, 0.0]], "float32")
    np.testing.assert_allclose(L.mean_squared_error(y_true, y_pred), [0.5, 0.5])
    assert L.MeanSquaredError()(y_true, y_pred) == pytest.approx(0.5)
    assert L.MeanSquaredError()(y_true, y_pred).dtype == np.float32


def test_bce_clips_probabilities_with_epsilon():
    # p = 0 for a positive label costs -log(eps), not inf
    out = L.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]]))
    np.testing.assert_allclose(out, [-math.log(EPS)], rtol=1e-6)
    # p = 0.9, t = 1 and p = 0.2, t = 0
    out = L.BinaryCrossentropy()(np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]]))
    assert out == pytest.approx((-math.log(0.9) - math.log(0.8)) / 2, rel=1e-6)


def test_bce_label_smoothing_and_logits():
    t, x = np.array([[1.0, 0.0]]), np.array([[2.0, -1.0]])
    ts = t * 0.8 + 0.1
    p = 1 / (1 + np.exp(-x))
    want = np.mean(-(ts * np.log(p) + (1 - ts) * np.log(1 - p)))
    got = L.binary_crossentropy(t, x, from_logits=True, label_smoothing=0.2)
    np.testing.assert_allclose(got, [want], rtol=1e-6)


def test_bce_from_logits_is_stable_for_huge_logits():
    loss = L.BinaryCrossentropy(from_logits=True)
    out = loss(np.array([[1.0], [0.0]]), np.array([[-1000.0], [1000.0]]))
    assert out == pytest.approx(1000.0)
    g = autograd.grad(lambda x: loss(np.array([[1.0]]), x))(np.array([[-1000.0]]))
    np.testing.assert_allclose(g, [[-1.0]])


def test_cce_normalises_probabilities_and_smooths_labels():
    t = np.array([[0.0, 1.0, 0.0]])
    p = np.array([[1.0, 2.0, 1.0]])  # sums to 4 -> normalised to [.25, .5, .25]
    np.testing.assert_allclose(L.categorical_crossentropy(t, p), [-math.log(0.5)], rtol=1e-6)
    ts = t * 0.7 + 0.3 / 3
    want = -np.sum(ts * np.log(p / 4))
    np.testing.assert_allclose(L.categorical_crossentropy(t, p, label_smoothing=0.3), [want], rtol=1e-6)


def test_cce_from_logits_uses_log_softmax():
    t = np.array([[0.0, 0.0, 1.0]])
    x = np.array([[1.0, 2.0, 3.0]])
    want = -(3.0 - math.log(np.exp(x).sum()))
    np.testing.assert_allclose(L.categorical_crossentropy(t, x, from_logits=True), [want], rtol=1e-6)
    big = L.categorical_crossentropy(t, np.array([[0.0, 0.0, 1e4]]), from_logits=True)
    assert np.isfinite(big).all() and big[0] == pytest.approx(0.0)


@pytest.mark.parametrize("labels", [np.array([2, 0]), np.array([[2], [0]])])
def test_sparse_cce_label_shapes(labels):
    p = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    want = [-math.log(0.7), -math.log(0.6)]
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(labels, p), want, rtol=1e-6)
    assert L.SparseCategoricalCrossentropy()(labels, p) == pytest.approx(np.mean(want), rel=1e-6)


def test_sparse_cce_ignore_class_masks_the_mean():
    p = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    labels = np.array([2, 1, 0])
    values = L.sparse_categorical_crossentropy(labels, p, ignore_class=1)
    np.testing.assert_allclose(values, [-math.log(0.7), 0.0, -math.log(0.2)], rtol=1e-6)
    loss = L.SparseCategoricalCrossentropy(ignore_class=1)
    # the mean is over the two valid entries, not the three
    assert loss(labels, p) == pytest.approx((-math.log(0.7) - math.log(0.2)) / 2, rel=1e-6)


def test_sparse_cce_shape_error():
    with pytest.raises(ValueError, match="same shape up until the last"):
        L.sparse_categorical_crossentropy(np.array([0, 1, 2]), np.ones((2, 3)) / 3)


def test_huber_both_branches():
    y_true, y_pred = np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]])
    want = (0.5 * 0.25 + (1.0 * 3.0 - 0.5)) / 2
    np.testing.assert_allclose(L.huber(y_true, y_pred), [want])
    assert L.Huber(delta=1.0)(y_true, y_pred) == pytest.approx(want)


def test_hinge_converts_binary_labels():
    y_pred = np.array([[0.3, -2.0]])
    np.testing.assert_allclose(L.hinge(np.array([[1.0, 0.0]]), y_pred), [(0.7 + 0.0) / 2])
    np.testing.assert_allclose(L.hinge(np.array([[1.0, -1.0]]), y_pred), [0.35])
    np.testing.assert_allclose(L.squared_hinge(np.array([[1.0, 0.0]]), y_pred), [0.49 / 2])


def test_log_cosh_cosine_kld_poisson_mape_msle():
    t, p = np.array([[1.0, 2.0]]), np.array([[1.5, 1.0]])
    np.testing.assert_allclose(L.log_cosh(t, p), [np.mean(np.log(np.cosh(p - t)))], rtol=1e-6)
    cos = np.sum(t * p) / np.linalg.norm(t) / np.linalg.norm(p)
    np.testing.assert_allclose(L.cosine_similarity(t, p), [-cos], rtol=1e-6)
    np.testing.assert_allclose(L.poisson(t, p), [np.mean(p - t * np.log(p + EPS))], rtol=1e-6)
    np.testing.assert_allclose(L.mean_absolute_percentage_error(t, p), [100 * (0.5 + 0.5) / 2])
    np.testing.assert_allclose(L.mean_squared_logarithmic_error(t, p),
                               [np.mean((np.log1p(p) - np.log1p(t)) ** 2)], rtol=1e-6)
    q, r = np.array([[0.2, 0.8]]), np.array([[0.5, 0.5]])
    np.testing.assert_allclose(L.kl_divergence(q, r), [np.sum(q * np.log(q / r))], rtol=1e-6)


# --- gradients -----------------------------------------------------------------------------
_rng = np.random.default_rng(0)
_BIN = _rng.integers(0, 2, (5, 4)).astype("float64")
_ONEHOT = np.eye(4)[_rng.integers(0, 4, 5)]
_LABELS = _rng.integers(0, 4, 5)
_POS = _rng.uniform(0.3, 2.0, (5, 4))

GRAD_CASES = [
    ("MeanSquaredError", {}, _POS), ("MeanAbsoluteError", {}, _POS),
    ("MeanAbsolutePercentageError", {}, _POS), ("MeanSquaredLogarithmicError", {}, _POS),
    ("CosineSimilarity", {}, _POS), ("Huber", {"delta": 0.3}, _POS), ("LogCosh", {}, _POS),
    ("Hinge", {}, _BIN), ("SquaredHinge", {}, _BIN), ("CategoricalHinge", {}, _ONEHOT),
    ("KLDivergence", {}, _ONEHOT * 0.9 + 0.025), ("Poisson", {}, _POS),
    ("BinaryCrossentropy", {}, _BIN),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, _BIN),
    ("CategoricalCrossentropy", {}, _ONEHOT),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, _ONEHOT),
    ("SparseCategoricalCrossentropy", {}, _LABELS),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, _LABELS[:, None]),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, _LABELS),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True}, _BIN),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, _ONEHOT),
    ("Dice", {}, _BIN), ("Tversky", {}, _BIN),
]


@pytest.mark.parametrize("name,kwargs,y_true", GRAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(GRAD_CASES)])
def test_grads_wrt_y_pred(name, kwargs, y_true):
    y_pred = np.random.default_rng(1).uniform(0.05, 0.95, (5, 4))
    loss = getattr(L, name)(dtype="float64", **kwargs)
    weights = np.linspace(0.5, 1.5, 5)
    check_grads(lambda p: loss(y_true, p, sample_weight=weights), modes=["rev"], order=1)(y_pred)
    fn = loss.fn
    check_grads(lambda p: fn(y_true, p, **loss._fn_kwargs), modes=["rev"], order=1)(y_pred)


def test_float64_loss_stays_float64_and_default_is_float32():
    y = np.random.default_rng(0).random((3, 2))
    assert L.MeanSquaredError(dtype="float64")(y, y * 2).dtype == np.float64
    assert L.MeanSquaredError()(y, y * 2).dtype == np.float32


# --- reductions and sample weights -----------------------------------------------------------
_VT = np.zeros((4, 1), "float32")
_VP = np.array([[1.0], [2.0], [3.0], [4.0]], "float32")  # per-sample squared errors 1, 4, 9, 16


@pytest.mark.parametrize("reduction,sample_weight,want", [
    ("sum_over_batch_size", None, 30 / 4),
    ("sum", None, 30.0),
    ("mean", None, 30 / 4),
    ("none", None, [1.0, 4.0, 9.0, 16.0]),
    (None, None, [1.0, 4.0, 9.0, 16.0]),
    ("sum_over_batch_size", [1.0, 0.0, 0.5, 2.0], (1 + 4.5 + 32) / 4),
    ("sum", [1.0, 0.0, 0.5, 2.0], 1 + 4.5 + 32),
    ("mean_with_sample_weight", [1.0, 0.0, 0.5, 2.0], (1 + 4.5 + 32) / 3.5),
    ("mean_with_sample_weight", None, 30 / 4),
    ("mean_with_sample_weight", [0.0, 0.0, 0.0, 0.0], 0.0),
    ("none", [1.0, 0.0, 0.5, 2.0], [1.0, 0.0, 4.5, 32.0]),
])
def test_reductions(reduction, sample_weight, want):
    sw = None if sample_weight is None else np.array(sample_weight, "float32")
    out = L.MeanSquaredError(reduction=reduction)(_VT, _VP, sample_weight=sw)
    np.testing.assert_allclose(out, want, rtol=1e-6)


def test_sample_weight_rank_is_aligned():
    loss = L.MeanSquaredError(reduction="sum")
    sw = np.array([1.0, 0.0, 0.5, 2.0])
    assert loss(_VT, _VP, sample_weight=sw[:, None]) == pytest.approx(37.5)
    # per-timestep weights (N, T) on per-timestep losses (N, T)
    y_true, y_pred = np.zeros((2, 3, 1)), np.ones((2, 3, 1))
    w = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    assert L.MeanSquaredError()(y_true, y_pred, sample_weight=w) == pytest.approx(3 / 6)


def test_rank_alignment_of_labels():
    # y_true (N,) against y_pred (N, 1) is expanded, not broadcast to (N, N)
    out = L.MeanSquaredError(reduction="none")(np.array([0.0, 1.0]), np.array([[1.0], [1.0]]))
    np.testing.assert_allclose(out, [1.0, 0.0])


def test_scalar_sample_weight_scales():
    assert L.MeanSquaredError()(_VT, _VP, sample_weight=2.0) == pytest.approx(15.0)


def test_mask_keyword_averages_over_valid_entries():
    loss = L.MeanSquaredError()
    mask = np.array([True, True, False, False])
    assert loss(_VT, _VP, mask=mask) == pytest.approx((1 + 4) / 2)


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        L.MeanSquaredError(reduction="avg")


def test_custom_loss_subclass():
    class MyLoss(L.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - y_true) ** 2

    loss = MyLoss()
    assert loss.name.startswith("my_loss")
    assert loss(np.zeros((2, 2)), np.ones((2, 2)) * 2) == pytest.approx(4.0)
    assert loss.get_config() == {"name": loss.name, "reduction": "sum_over_batch_size"}


def test_cce_axis_must_be_int():
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        L.categorical_crossentropy(np.ones((1, 2)), np.ones((1, 2)), axis=True)


# --- config and registry -----------------------------------------------------------------------
def test_config_round_trip():
    loss = L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="b")
    cfg = loss.get_config()
    assert cfg == {"name": "b", "reduction": "sum", "from_logits": True,
                   "label_smoothing": 0.1, "axis": -1}
    again = L.BinaryCrossentropy.from_config(cfg)
    assert again.get_config() == cfg and again.from_logits is True


def test_function_wrapper_config_round_trip():
    w = L.LossFunctionWrapper(L.binary_crossentropy, name="w", from_logits=True)
    cfg = w.get_config()
    assert cfg["fn"]["config"] == "binary_crossentropy" and cfg["from_logits"] is True
    again = L.LossFunctionWrapper.from_config(cfg)
    assert again.fn is L.binary_crossentropy and again._fn_kwargs == {"from_logits": True}


def test_get():
    assert L.get("mse") is L.mean_squared_error
    assert L.get("MSE") is L.mean_squared_error
    assert L.get("kld") is L.kl_divergence
    assert isinstance(L.get("CategoricalCrossentropy"), L.CategoricalCrossentropy)
    assert isinstance(L.get(L.Huber), L.Huber)
    inst = L.Hinge()
    assert L.get(inst) is inst
    assert L.get(None) is None
    f = lambda t, p: p  # noqa: E731
    assert L.get(f) is f
    obj = L.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert obj.from_logits is True


def test_get_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="Could not interpret loss identifier") as err:
        L.get("mean_sqaured_error")
    assert "mean_squared_error" in str(err.value) and "sparse_categorical_crossentropy" in str(err.value)
    with pytest.raises(ValueError):
        L.get(42)


def test_serialize_deserialize():
    s = L.serialize(L.Huber(delta=2.0))
    assert s["module"] == "keras.losses" and s["class_name"] == "Huber"
    assert isinstance(L.deserialize(s), L.Huber)
    f = L.serialize(L.mean_absolute_error)
    assert f["class_name"] == "function" and L.deserialize(f) is L.mean_absolute_error
    assert L.deserialize("mae") is L.mean_absolute_error


@pytest.mark.parametrize("y_true_shape,y_pred_shape,fn", [
    ((4, 1), (4, 1), L.binary_crossentropy),
    ((4,), (4, 3), L.sparse_categorical_crossentropy),
    ((4, 1), (4, 3), L.sparse_categorical_crossentropy),
    ((4, 3), (4, 3), L.categorical_crossentropy),
])
@pytest.mark.parametrize("identifier", ["crossentropy", "ce"])
def test_resolve_crossentropy(identifier, y_true_shape, y_pred_shape, fn):
    loss = L.resolve(identifier, np.zeros(y_true_shape), np.zeros(y_pred_shape))
    assert isinstance(loss, L.LossFunctionWrapper) and loss.fn is fn and loss.name == identifier


def test_resolve_names_and_instances():
    assert L.resolve("mse", None, None).name == "mse"
    assert L.resolve("MeanSquaredError", None, None).name == "mean_squared_error"
    inst = L.Huber()
    assert L.resolve(inst, None, None) is inst

    def my_loss(y_true, y_pred):
        return y_pred

    assert L.resolve(my_loss, None, None).name == "my_loss"
