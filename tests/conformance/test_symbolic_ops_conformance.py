"""The same functional code with operators and ops on KerasTensors gives Keras's numbers."""
import numpy as np

import minikeras as mk


def _build(lib):
    inp = lib.Input((5, 4))
    x = lib.layers.Dense(4, name="proj")(inp)
    x = lib.layers.LayerNormalization(name="norm")(x + inp)
    gate = lib.ops.sigmoid(lib.layers.Dense(4, name="gate")(x))
    pooled = lib.ops.mean(x * gate, axis=1) - lib.ops.max(x, axis=1) / 2.0
    out = lib.layers.Dense(3, name="head")(lib.ops.concatenate([pooled, x[:, 0]], axis=-1))
    return lib.Model(inp, out)


def _pair(keras):
    theirs, ours = _build(keras), _build(mk)
    for name in ("proj", "norm", "gate", "head"):
        ours.get_layer(name).set_weights([np.asarray(w) for w in theirs.get_layer(name).get_weights()])
    return theirs, ours


def test_predictions_match(keras):
    theirs, ours = _pair(keras)
    x = np.random.default_rng(0).normal(size=(7, 5, 4)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()


def test_one_sgd_step_matches(keras):
    theirs, ours = _pair(keras)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 5, 4)).astype("float32")
    y = rng.normal(size=(8, 3)).astype("float32")
    for model, lib in ((theirs, keras), (ours, mk)):
        model.compile(lib.optimizers.SGD(0.1), "mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for name in ("proj", "norm", "gate", "head"):
        for a, b in zip(ours.get_layer(name).get_weights(), theirs.get_layer(name).get_weights()):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
