"""LoRA against real Keras 3: with identical weights, Dense / EinsumDense / Embedding / Conv1D-3D
with LoRA give the same weights (names, paths, shapes, trainability), merged weight, outputs,
SGD steps and configs; `.keras` files from either side load in the other."""
import numpy as np
import pytest

import minikeras as mk
from conformance_helpers import same_config

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

# name: (factory(layers, **lora kwargs), input shape without batch, integer inputs?)
CASES = {
    "dense": (lambda L, **k: L.Dense(4, activation="tanh", **k), (3,), False),
    "dense_3d": (lambda L, **k: L.Dense(5, use_bias=False, **k), (2, 3), False),
    "einsum": (lambda L, **k: L.EinsumDense("abc,cde->abde", (2, 4, 3), bias_axes="e", **k),
               (2, 5), False),
    "embedding": (lambda L, **k: L.Embedding(7, 4, **k), (5,), True),
    "conv1d": (lambda L, **k: L.Conv1D(4, 3, padding="causal", **k), (7, 3), False),
    "conv2d": (lambda L, **k: L.Conv2D(4, 2, groups=2, strides=2, **k), (5, 5, 6), False),
    "conv3d": (lambda L, **k: L.Conv3D(2, 2, data_format="channels_first", **k),
               (3, 3, 3, 3), False),
}
LORA = {"lora_rank": 2, "lora_alpha": 6}


def _model(K, case, **lora):
    """Sequential([Input, layer]) on Keras (K = keras) or minikeras (K = mk)."""
    factory, shape, ints = CASES[case]
    return K.Sequential([K.Input(shape, dtype="int32" if ints else "float32"),
                         factory(K.layers, **lora)])


def _data(case, n=8, seed=0):
    _, shape, ints = CASES[case]
    rng = np.random.default_rng(seed)
    if ints:
        return rng.integers(0, 7, size=(n,) + shape).astype("int32")
    return rng.normal(size=(n,) + shape).astype("float32")


def _pair(keras, case, **lora):
    """(theirs, ours): the same model on both sides, with the same random weights."""
    theirs, ours = _model(keras, case, **lora), _model(mk, case, **lora)
    rng = np.random.default_rng(len(case))
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


def _describe(layer):
    # each weight's path ends with its layer's name (minikeras does not yet prefix the weights
    # of a layer inside a model with the model's name, as Keras does: compare the ends)
    assert all(w.path.endswith(f"{layer.name}/{w.name}") for w in layer.weights)
    return ([(w.name, tuple(w.shape), w.trainable, str(w.dtype)) for w in layer.weights],
            [w.name for w in layer.trainable_weights], [w.name for w in layer.non_trainable_weights])


def _target(layer):
    return "embeddings" if "embedding" in layer.name else "kernel"


@pytest.mark.parametrize("case", sorted(CASES))
def test_weights_merged_weight_and_outputs_match_keras(keras, case):
    theirs, ours = _pair(keras, case, **LORA)
    a, b = theirs.layers[-1], ours.layers[-1]
    assert _describe(b) == _describe(a)
    assert (b.lora_rank, b.lora_alpha, b.lora_enabled) == (a.lora_rank, a.lora_alpha, a.lora_enabled)
    np.testing.assert_allclose(np.asarray(getattr(b, _target(b))),
                               np.asarray(getattr(a, _target(a))), rtol=1e-5, atol=1e-5)
    x = _data(case)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_enable_lora_matches_keras(keras, case):
    theirs, ours = _pair(keras, case)
    theirs.layers[-1].enable_lora(3, lora_alpha=1.5)
    ours.layers[-1].enable_lora(3, lora_alpha=1.5)
    assert _describe(ours.layers[-1]) == _describe(theirs.layers[-1])
    rng = np.random.default_rng(5)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    x = _data(case)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-4, atol=1e-4)
    same_config(ours.layers[-1], theirs.layers[-1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_sgd_steps_match_keras(keras, case):
    theirs, ours = _pair(keras, case, **LORA)
    x = _data(case, n=16, seed=1)
    y = np.random.default_rng(2).normal(size=np.shape(theirs(x))).astype("float32")
    theirs.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    ours.compile(optimizer=mk.optimizers.SGD(0.01), loss="mse")
    theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for w_ours, w_theirs in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(w_ours.numpy(), np.asarray(w_theirs.numpy()), rtol=1e-4,
                                   atol=1e-5, err_msg=w_ours.path)


@pytest.mark.parametrize("alpha", [None, 6])
@pytest.mark.parametrize("case", sorted(CASES))
def test_config_matches_keras(keras, case, alpha):
    for built in (False, True):
        theirs, ours = (CASES[case][0](K.layers, lora_rank=2, lora_alpha=alpha) for K in (keras, mk))
        if built:
            shape = (None,) + CASES[case][1]
            theirs.build(shape)
            ours.build(shape)
        same_config(ours, theirs)
    plain_theirs, plain_ours = (CASES[case][0](K.layers, lora_rank=0) for K in (keras, mk))
    same_config(plain_ours, plain_theirs)


@pytest.mark.parametrize("direction", ["keras_to_minikeras", "minikeras_to_keras"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_files_cross(keras, case, direction, tmp_path):
    theirs, ours = _pair(keras, case, **LORA)
    source, target_module = (theirs, mk) if direction == "keras_to_minikeras" else (ours, keras)
    x = _data(case)
    expected = np.asarray(source.predict(x, verbose=0))
    source.save(tmp_path / "m.keras")
    loaded = target_module.models.load_model(tmp_path / "m.keras")
    layer = loaded.layers[-1]
    assert layer.lora_enabled
    for name in (w.name for w in layer.weights if w.name.startswith("lora_")):
        np.testing.assert_array_equal(np.asarray(getattr(layer, name).numpy()), 0)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected,
                               rtol=1e-4, atol=1e-4)
    # the weights file: a plain model on the other side reads it
    source.save_weights(tmp_path / "m.weights.h5")
    plain = _model(target_module, case)
    plain.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(np.asarray(plain.predict(x, verbose=0)), expected,
                               rtol=1e-4, atol=1e-4)
