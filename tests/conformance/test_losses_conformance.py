"""minikeras.losses against real Keras 3: same inputs, same values (rtol 1e-5), same configs."""
import numpy as np
import pytest

from minikeras import losses as L

RTOL, ATOL = 1e-5, 1e-6
N, C = 6, 4


def _data(kind, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "binary":
        return rng.integers(0, 2, (N, C)).astype("float32"), rng.uniform(0.02, 0.98, (N, C)).astype("float32")
    if kind == "binary_col":  # y_true (N,), y_pred (N, 1)
        return rng.integers(0, 2, N).astype("float32"), rng.uniform(0.02, 0.98, (N, 1)).astype("float32")
    if kind == "logits":
        return rng.integers(0, 2, (N, C)).astype("float32"), rng.normal(0, 3, (N, C)).astype("float32")
    if kind == "onehot":
        return np.eye(C, dtype="float32")[rng.integers(0, C, N)], rng.dirichlet(np.ones(C), N).astype("float32")
    if kind == "onehot_logits":
        return np.eye(C, dtype="float32")[rng.integers(0, C, N)], rng.normal(0, 3, (N, C)).astype("float32")
    if kind == "unnormalised":  # probabilities that do not sum to one, some clipped
        p = rng.uniform(0, 1, (N, C)).astype("float32")
        p[0, 0] = 0.0
        return np.eye(C, dtype="float32")[rng.integers(0, C, N)], p
    if kind == "hinge_pm1":
        return rng.choice([-1.0, 1.0], (N, C)).astype("float32"), rng.normal(0, 1, (N, C)).astype("float32")
    if kind == "regression":
        return rng.normal(0, 2, (N, C)).astype("float32"), rng.normal(0, 2, (N, C)).astype("float32")
    if kind == "positive":
        return rng.uniform(0, 3, (N, C)).astype("float32"), rng.uniform(0.1, 3, (N, C)).astype("float32")
    if kind == "seq":  # (N, T, 1) per-timestep regression
        return rng.normal(0, 1, (N, 3, 1)).astype("float32"), rng.normal(0, 1, (N, 3, 1)).astype("float32")
    raise KeyError(kind)


CASES = [
    ("MeanSquaredError", {}, "regression"), ("MeanSquaredError", {}, "seq"),
    ("MeanSquaredError", {}, "binary_col"),
    ("MeanAbsoluteError", {}, "regression"), ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "regression"), ("MeanSquaredLogarithmicError", {}, "positive"),
    ("CosineSimilarity", {}, "regression"), ("CosineSimilarity", {"axis": 0}, "regression"),
    ("Huber", {}, "regression"), ("Huber", {"delta": 2.5}, "regression"),
    ("LogCosh", {}, "regression"),
    ("Hinge", {}, "binary"), ("Hinge", {}, "hinge_pm1"), ("SquaredHinge", {}, "binary"),
    ("SquaredHinge", {}, "hinge_pm1"), ("CategoricalHinge", {}, "onehot_logits"),
    ("KLDivergence", {}, "onehot"), ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "binary"), ("BinaryCrossentropy", {}, "binary_col"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True}, "logits"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("BinaryCrossentropy", {"axis": 0}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"), ("CategoricalCrossentropy", {}, "unnormalised"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.3}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "onehot_logits"),
    ("CategoricalCrossentropy", {"axis": 0, "from_logits": True}, "onehot_logits"),
    ("BinaryFocalCrossentropy", {}, "binary"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "from_logits": True, "gamma": 1.5}, "logits"),
    ("CategoricalFocalCrossentropy", {}, "onehot"),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "onehot_logits"),
    ("Dice", {}, "binary"), ("Dice", {"axis": 1}, "binary"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, "binary"), ("Tversky", {"axis": 1}, "binary"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


def _ids(cases):
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


def _weights(y_pred, seed=1):
    return np.random.default_rng(seed).uniform(0, 2, y_pred.shape[0]).astype("float32")


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_loss_values(keras, name, kwargs, kind):
    y_true, y_pred = _data(kind)
    # one weight per entry of the first axis of the unreduced losses (C of them with axis=0);
    # per-sample weights on (N, T) losses need a trailing axis, in Keras too
    shape = np.shape(getattr(L, name)(reduction="none", **kwargs)(y_true, y_pred))
    sw = np.random.default_rng(1).uniform(0, 2, shape[:1] + (1,) * (len(shape) - 1)).astype("float32")
    # every reduction on a few losses; the reduction code is shared, so elsewhere two suffice
    full = name in ("MeanSquaredError", "BinaryCrossentropy", "CategoricalCrossentropy")
    for reduction in REDUCTIONS if full else ["sum_over_batch_size", "none"]:
        ours = getattr(L, name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
        for weight in (None, sw):
            got = ours(y_true, y_pred, sample_weight=weight)
            want = np.asarray(theirs(y_true, y_pred, sample_weight=weight))
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"{reduction} {weight is not None}")


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=_ids(CASES))
def test_loss_config(keras, name, kwargs, kind):
    ours = getattr(L, name)(**kwargs).get_config()
    theirs = getattr(keras.losses, name)(**kwargs).get_config()
    assert ours == theirs


# the plain functions: rank alignment of (N,) against (N, 1) is the wrapper's job
FN_CASES = [c for c in CASES if c[2] not in ("binary_col", "seq") or c[0].startswith("Mean")]


@pytest.mark.parametrize("name,kwargs,kind", FN_CASES, ids=_ids(FN_CASES))
def test_loss_functions(keras, name, kwargs, kind):
    ours = getattr(L, name)(**kwargs)
    fn_name = ours.fn.__name__
    y_true, y_pred = _data(kind)
    got = ours.fn(y_true, y_pred, **ours._fn_kwargs)
    want = np.asarray(getattr(keras.losses, fn_name)(y_true, y_pred, **ours._fn_kwargs))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


SPARSE = [
    ({}, "probs"), ({"from_logits": True}, "logits"), ({"ignore_class": 1}, "probs"),
    ({"from_logits": True, "ignore_class": 2}, "logits"), ({"ignore_class": -1}, "logits_neg"),
]


@pytest.mark.parametrize("kwargs,kind", SPARSE)
@pytest.mark.parametrize("label_shape", ["(N,)", "(N,1)"])
def test_sparse_categorical_crossentropy(keras, kwargs, kind, label_shape):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, C, N)
    if kind == "logits_neg":
        labels[[1, 4]] = -1
    if label_shape == "(N,1)":
        labels = labels[:, None]
    if kind == "probs":
        y_pred = rng.dirichlet(np.ones(C), N).astype("float32")
    else:
        y_pred = rng.normal(0, 3, (N, C)).astype("float32")
    kwargs = dict(kwargs, from_logits=kwargs.get("from_logits", kind != "probs"))
    sw = _weights(y_pred)
    for reduction in REDUCTIONS:
        ours = L.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
        theirs = keras.losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
        for weight in (None, sw):
            np.testing.assert_allclose(ours(labels, y_pred, sample_weight=weight),
                                       np.asarray(theirs(labels, y_pred, sample_weight=weight)),
                                       rtol=RTOL, atol=ATOL, err_msg=reduction)
    assert ours.get_config() == theirs.get_config()
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(labels, y_pred, **kwargs),
        np.asarray(keras.losses.sparse_categorical_crossentropy(labels, y_pred, **kwargs)),
        rtol=RTOL, atol=ATOL)


def test_sample_weight_shapes(keras):
    y_true, y_pred = _data("seq")
    for sw in (np.float32(0.5), _weights(y_pred)[:, None], np.random.default_rng(2).random((N, 3)).astype("float32")):
        for reduction in REDUCTIONS:
            got = L.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=sw)
            want = keras.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=sw)
            np.testing.assert_allclose(got, np.asarray(want), rtol=RTOL, atol=ATOL)


def test_registry_names_match_keras(keras):
    from keras.src import losses as kl
    for name in L.ALL_OBJECTS:
        assert name in kl.ALL_OBJECTS_DICT, name
        if name in ("Loss", "LossFunctionWrapper"):
            continue
        ours, theirs = L.get(name), keras.losses.get(name)
        if callable(theirs) and not hasattr(theirs, "get_config"):
            assert ours.__name__ == theirs.__name__
        else:
            assert type(ours).__name__ == type(theirs).__name__
            assert ours.get_config() == theirs.get_config()


def test_serialize_matches_keras(keras):
    for obj, kobj in [(L.BinaryCrossentropy(from_logits=True), keras.losses.BinaryCrossentropy(from_logits=True)),
                      (L.mean_squared_error, keras.losses.mean_squared_error)]:
        assert L.serialize(obj) == keras.losses.serialize(kobj)


@pytest.mark.parametrize("identifier", ["crossentropy", "ce", "mse", "binary_crossentropy", "Huber"])
@pytest.mark.parametrize("shapes", [((8, 1), (8, 1)), ((8,), (8, 3)), ((8, 1), (8, 3)), ((8, 3), (8, 3))])
def test_resolve_matches_compile_utils(keras, identifier, shapes):
    from keras.src.trainers.compile_utils import get_loss
    y_true, y_pred = np.zeros(shapes[0], "float32"), np.zeros(shapes[1], "float32")
    ours, theirs = L.resolve(identifier, y_true, y_pred), get_loss(identifier, y_true, y_pred)
    assert type(ours).__name__ == type(theirs).__name__ and ours.name == theirs.name
    if hasattr(theirs, "fn"):
        assert ours.fn.__name__ == theirs.fn.__name__
