"""CTC, Circle, CategoricalGeneralizedCrossEntropy and ops.ctc_loss: gradients (check_grads),
hand-computed values, errors, and a model that learns with the CTC loss."""
import itertools

import numpy as np
import pytest
from autograd.test_util import check_grads

import minikeras
from minikeras import losses, ops


def _brute_force_ctc(labels, logits, blank=0):
    """-log of the summed probability of every alignment that collapses to `labels`."""
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    total = 0.0
    for path in itertools.product(range(logits.shape[-1]), repeat=logits.shape[0]):
        collapsed = [k for i, k in enumerate(path) if k != blank and (i == 0 or k != path[i - 1])]
        if collapsed == list(labels):
            total += np.prod([probs[t, k] for t, k in enumerate(path)])
    return -np.log(total)


@pytest.mark.parametrize("labels", [[1], [1, 2], [2, 2], [1, 2, 1]])
def test_ctc_loss_is_the_sum_over_alignments(labels):
    rng = np.random.default_rng(len(labels))
    logits = rng.normal(size=(1, 5, 3))
    target = np.array([labels + [0] * (3 - len(labels))])
    got = ops.ctc_loss(target, logits, np.array([len(labels)]), np.array([5]))
    np.testing.assert_allclose(got[0], _brute_force_ctc(labels, logits[0]), rtol=1e-5)


def test_ctc_loss_respects_output_length():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1, 6, 3))
    short = ops.ctc_loss(np.array([[1, 2]]), logits, np.array([2]), np.array([4]))
    np.testing.assert_allclose(short[0], _brute_force_ctc([1, 2], logits[0, :4]), rtol=1e-5)


def test_ctc_loss_gradients():
    rng = np.random.default_rng(1)
    target = np.array([[1, 2, 2], [3, 1, 0]])
    f = lambda logits: ops.ctc_loss(target, logits, np.array([3, 2]), np.array([6, 5]))  # noqa: E731
    check_grads(f, modes=["rev"], order=1)(rng.normal(size=(2, 6, 4)))


def test_ctc_loss_float32_stays_float32():
    logits = np.random.default_rng(2).normal(size=(2, 4, 3)).astype("float32")
    out = ops.ctc_loss(np.array([[1, 0], [2, 1]]), logits, np.array([1, 2]), np.array([4, 4]))
    assert out.dtype == np.float32 and out.shape == (2,)


def test_ctc_loss_argument_errors():
    with pytest.raises(ValueError, match="`y_true` are expected to be a tensor of shape"):
        losses.ctc(np.zeros((2, 3, 1)), np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="`y_pred` are expected to be a tensor of shape"):
        losses.ctc(np.zeros((2, 3)), np.zeros((2, 4)))


def test_circle_gradients_including_rows_without_positives():
    rng = np.random.default_rng(3)
    labels = np.array([0, 1, 0, 2])  # labels 1 and 2 have no other positive: loss 0, masked
    f = lambda e: losses.circle(labels, e / np.sqrt(np.sum(e ** 2, 1, keepdims=True)),  # noqa
                                gamma=5.0)
    check_grads(f, modes=["rev"], order=1)(rng.normal(size=(4, 3)))
    grad = __import__("autograd").grad(lambda e: losses.Circle(gamma=5.0)(labels, e))(
        rng.normal(size=(4, 3)).astype("float32"))
    assert np.all(np.isfinite(grad))


def test_circle_masks_zero_losses_out_of_the_mean():
    rng = np.random.default_rng(4)
    emb = rng.normal(size=(4, 3)).astype("float32")
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.array([0, 1, 0, 2])
    per_query = losses.Circle(reduction="none")(labels, emb)
    assert per_query[1] == 0 and per_query[3] == 0 and per_query[0] > 0
    np.testing.assert_allclose(losses.Circle()(labels, emb), per_query[per_query > 0].mean(),
                               rtol=1e-6)


def test_categorical_generalized_cross_entropy_by_hand():
    y_pred = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4]], "float32")
    y_true = np.array([0, 1, 1])
    p = np.array([0.7, 0.8, 0.4])
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(y_true, y_pred, 0.3),
                               (1 - p ** 0.3) / 0.3, rtol=1e-6)
    check_grads(lambda q: losses.categorical_generalized_cross_entropy(y_true, q, 0.5),
                modes=["rev"], order=1)(y_pred.astype("float64"))
    for q in (0, 1, -0.5):
        with pytest.raises(ValueError, match="q must be in the interval"):
            losses.CategoricalGeneralizedCrossEntropy(q=q)


def test_a_model_learns_with_the_ctc_loss():
    rng = np.random.default_rng(5)
    labels = np.array([[1, 2, 0], [2, 1, 3], [3, 0, 0], [1, 3, 2]] * 4, "int32")
    x = np.eye(4, dtype="float32")[np.repeat(labels, 2, axis=1)]  # each label shown twice
    x = x + rng.normal(0, 0.1, x.shape).astype("float32")
    model = minikeras.Sequential([minikeras.Input((6, 4)), minikeras.layers.Dense(4)])
    model.compile(minikeras.optimizers.Adam(0.05), minikeras.losses.CTC())
    history = model.fit(x, labels, batch_size=8, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("name", ["ctc", "circle", "CTC", "Circle"])
def test_registry_names(name):
    obj = losses.get(name)
    assert obj is getattr(losses, name) or type(obj) is getattr(losses, name)


def test_generalized_cross_entropy_loads_from_config_but_not_by_name():
    """As in Keras: left out of the name table, yet its serialized config loads."""
    config = losses.serialize(losses.CategoricalGeneralizedCrossEntropy(q=0.3))
    assert config["module"] == "keras.losses"
    again = losses.deserialize(config)
    assert isinstance(again, losses.CategoricalGeneralizedCrossEntropy) and again.q == 0.3
    with pytest.raises(ValueError):
        losses.get("categorical_generalized_cross_entropy")


def test_ctc_decode_greedy_by_hand():
    # best classes per step: 1 1 0 2 2 1 (blank 0); the second sequence stops after 4 steps
    best = np.array([[1, 1, 0, 2, 2, 1], [2, 0, 2, 1, 1, 1]])
    logits = np.where(np.arange(3) == best[..., None], 2.0, 0.0).astype("float32")
    decoded, scores = ops.ctc_decode(logits, np.array([6, 4]))
    assert decoded.shape == (1, 2, 6) and decoded.dtype == np.int32
    assert decoded[0].tolist() == [[1, 2, 1, -1, -1, -1], [2, 2, 1, -1, -1, -1]]
    np.testing.assert_allclose(scores, [[-12.0], [-8.0]])
    unmerged, _ = ops.ctc_decode(logits, np.array([6, 4]), merge_repeated=False)
    assert unmerged[0, 0].tolist() == [1, 1, 2, 2, 1, -1]
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(logits, np.array([6, 4]), strategy="best")


def test_ctc_decode_beam_search_finds_the_most_probable_labelings():
    """A beam wide enough to hold every prefix is exact: the top paths are the most probable
    labelings, with their log-probabilities (against a sum over all alignments)."""
    rng = np.random.default_rng(6)
    logits = rng.normal(0, 1.5, (1, 4, 3))
    decoded, scores = ops.ctc_decode(logits, np.array([4]), strategy="beam_search",
                                     beam_width=50, top_paths=3)
    probs = np.exp(logits[0]) / np.exp(logits[0]).sum(-1, keepdims=True)
    totals = {}
    for path in itertools.product(range(3), repeat=4):
        key = tuple(k for i, k in enumerate(path) if k != 0 and (i == 0 or k != path[i - 1]))
        totals[key] = totals.get(key, 0.0) + np.prod([probs[t, k] for t, k in enumerate(path)])
    best = sorted(totals.items(), key=lambda kv: -kv[1])[:3]
    for i, (labels, p) in enumerate(best):
        assert [k for k in decoded[i, 0] if k >= 0] == list(labels)
        np.testing.assert_allclose(scores[0, i], np.log(p), rtol=1e-5)
