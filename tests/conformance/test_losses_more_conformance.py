"""CTC, Circle and CategoricalGeneralizedCrossEntropy (and `keras.ops.ctc_loss`) against real
Keras 3: values for every reduction, sample weights and masks, gradients, configs, training."""
import numpy as np
import pytest

import minikeras

RTOL, ATOL = 2e-5, 2e-5
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight"]


def _ctc_data(seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (4, 7, 5)).astype("float32")
    labels = np.array([[1, 2, 2, 0], [3, 3, 1, 4], [2, 0, 0, 0], [4, 1, 3, 0]], "int32")
    return labels, logits


def _circle_data(seed=0):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(8, 5)).astype("float32")
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return np.array([0, 1, 0, 2, 1, 3, 2, 0]), emb


def _gce_data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, 6), rng.dirichlet(np.ones(4), 6).astype("float32")


CASES = [("CTC", {}, _ctc_data), ("Circle", {}, _circle_data),
         ("Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, _circle_data),
         ("CategoricalGeneralizedCrossEntropy", {}, _gce_data),
         ("CategoricalGeneralizedCrossEntropy", {"q": 0.1}, _gce_data)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs,data", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_values_match_keras(keras, name, kwargs, data, reduction):
    y_true, y_pred = data()
    weights = np.linspace(0.5, 2.0, len(y_true)).astype("float32")
    for sample_weight in (None, weights):
        want = getattr(keras.losses, name)(reduction=reduction, **kwargs)(
            y_true, y_pred, sample_weight=sample_weight)
        got = getattr(minikeras.losses, name)(reduction=reduction, **kwargs)(
            y_true, y_pred, sample_weight=sample_weight)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,kwargs,data", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_functions_and_configs_match_keras(keras, name, kwargs, data):
    y_true, y_pred = data(1)
    fn = {"CTC": "ctc", "Circle": "circle",
          "CategoricalGeneralizedCrossEntropy": "categorical_generalized_cross_entropy"}[name]
    fn_kwargs = {"q": kwargs.get("q", 0.5)} if fn.startswith("categorical") else kwargs
    np.testing.assert_allclose(
        np.asarray(getattr(minikeras.losses, fn)(y_true, y_pred, **fn_kwargs)),
        np.asarray(getattr(keras.losses, fn)(y_true, y_pred, **fn_kwargs)), rtol=RTOL, atol=ATOL)
    k, m = getattr(keras.losses, name)(**kwargs), getattr(minikeras.losses, name)(**kwargs)
    assert m.get_config() == k.get_config()
    assert minikeras.losses.serialize(m) == keras.losses.serialize(k)
    again = minikeras.losses.deserialize(keras.losses.serialize(k))
    assert type(again).__name__ == name and again.get_config() == k.get_config()
    if name == "CategoricalGeneralizedCrossEntropy":  # not in Keras's name table
        for identifier in (fn, name):
            with pytest.raises(ValueError):
                keras.losses.get(identifier)
            with pytest.raises(ValueError):
                minikeras.losses.get(identifier)
    else:
        assert minikeras.losses.get(fn) is getattr(minikeras.losses, fn)


def test_circle_with_reference_embeddings_and_input_mask(keras):
    labels, emb = _circle_data(2)
    ref_labels, ref = _circle_data(3)
    kw = dict(ref_labels=ref_labels, ref_embeddings=ref, remove_diagonal=False)
    np.testing.assert_allclose(np.asarray(minikeras.losses.circle(labels, emb, **kw)),
                               np.asarray(keras.losses.circle(labels, emb, **kw)), rtol=RTOL,
                               atol=ATOL)


def test_ctc_loss_op_matches_keras(keras):
    """`ops.ctc_loss` with explicit lengths, another blank index, an infeasible alignment."""
    labels, logits = _ctc_data(4)
    target_length = np.array([3, 4, 1, 2])
    for output_length, mask_index in [([7, 6, 5, 7], 0), ([7, 2, 7, 4], 0), ([7, 7, 7, 7], 4)]:
        args = (labels, logits, target_length, np.array(output_length))
        np.testing.assert_allclose(
            minikeras.ops.ctc_loss(*args, mask_index=mask_index),
            np.asarray(keras.ops.ctc_loss(*args, mask_index=mask_index)), rtol=RTOL, atol=1e-2)


@pytest.mark.parametrize("name,kwargs,data", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_gradients_match_jax(keras, name, kwargs, data):
    """The gradient autograd takes through our loss equals JAX's through Keras's."""
    import jax
    y_true, y_pred = data(5)
    kloss = getattr(keras.losses, name)(**kwargs)
    want = jax.grad(lambda p: kloss(y_true, p))(y_pred)
    mloss = getattr(minikeras.losses, name)(**kwargs)
    from autograd import grad
    got = grad(lambda p: mloss(y_true, p))(y_pred)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4, atol=1e-5)


def test_ctc_model_trains_like_keras(keras):
    """A Dense on per-step features trained with the CTC loss: the same weights after fit."""
    labels, _ = _ctc_data()
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    results = []
    for lib in (keras, minikeras):
        model = lib.Sequential([lib.Input((7, 3)), lib.layers.Dense(5)])
        model.layers[0].set_weights([np.full((3, 5), 0.1, "float32") * np.arange(5),
                                     np.zeros(5, "float32")])
        model.compile(lib.optimizers.SGD(0.1), lib.losses.CTC())
        history = model.fit(x, labels, batch_size=2, epochs=3, shuffle=False, verbose=0)
        results.append((model.get_weights(), history.history["loss"]))
    (kw, kl), (mw, ml) = results
    np.testing.assert_allclose(ml, kl, rtol=1e-4)
    assert ml[-1] < ml[0]
    for a, b in zip(mw, kw):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs", [
    dict(strategy="greedy"), dict(strategy="greedy", merge_repeated=False, mask_index=3),
    dict(strategy="beam_search", beam_width=4, top_paths=2),
    dict(strategy="beam_search", beam_width=10, top_paths=3, mask_index=2)])
def test_ctc_decode_matches_keras(keras, kwargs):
    """Same paths and scores as Keras (untied logits: with exact ties the beam's choice
    between equal scores depends on float rounding order)."""
    rng = np.random.default_rng(8)
    logits = rng.normal(0, 2, (3, 6, 4)).astype("float32")
    lengths = np.array([6, 4, 5])
    kd, ks = keras.ops.ctc_decode(logits, lengths, **kwargs)
    md, ms = minikeras.ops.ctc_decode(logits, lengths, **kwargs)
    np.testing.assert_array_equal(md, np.asarray(kd))
    np.testing.assert_allclose(ms, np.asarray(ks), rtol=1e-5, atol=1e-5)
