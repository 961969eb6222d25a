"""Legacy `.h5` files written by real Keras 3 (`model.save("m.h5")`) load in minikeras with the
same predictions, weights and optimizer state; minikeras's `.h5` files load in Keras; and a
legacy file carrying a Lambda's bytecode is refused unless the caller turns safe mode off."""
import numpy as np
import pytest

import minikeras as mk

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _onehot(n, k=3):
    return np.eye(k, dtype="float32")[RNG.integers(0, k, n)]


def _mlp(K):
    L = K.layers
    return K.Sequential([K.Input((6,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                         L.Dropout(0.2), L.Dense(3, activation="softmax")])


def _cnn(K):
    L = K.layers
    return K.Sequential([K.Input((8, 8, 2)), L.Conv2D(4, 3, activation="relu", padding="same"),
                         L.BatchNormalization(), L.MaxPooling2D(), L.Conv2D(3, 2),
                         L.Flatten(), L.Dense(3, activation="softmax")])


def _text(K):
    L = K.layers
    tokens, extra = K.Input((6,), dtype="int32", name="tokens"), K.Input((2,), name="extra")
    h = L.Embedding(30, 5, mask_zero=True)(tokens)  # Keras records its mask as a NotEqual op
    h = L.LSTM(4, return_sequences=True)(h)
    h = L.GRU(3)(h)
    h = L.Concatenate()([h, L.Dense(2, activation="tanh")(extra)])
    return K.Model([tokens, extra], L.Dense(3, activation="softmax")(h))


def _shared_nested(K):
    L = K.layers
    a, b = K.Input((4,), name="a"), K.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    tower = K.Sequential([K.Input((6,)), L.Dense(5, activation="relu"), L.LayerNormalization()],
                         name="tower")
    h = tower(L.Concatenate()([shared(a), shared(b)]))
    return K.Model([a, b], L.Dense(3, activation="softmax")(h))


def _attention(K):
    L = K.layers
    q, v = K.Input((4, 6)), K.Input((5, 6))
    h = L.MultiHeadAttention(2, 3)(q, v)
    h = L.GlobalAveragePooling1D()(L.LayerNormalization()(h))
    return K.Model([q, v], L.Dense(3, activation="softmax")(h))


def _data(model, n=16):
    xs = []
    for t in model.inputs:
        shape = (n,) + tuple(t.shape[1:])
        xs.append(RNG.integers(0, 30, size=shape).astype("int32") if "int" in str(t.dtype)
                  else _x(*shape))
    return (xs if len(xs) > 1 else xs[0]), _onehot(n)


BUILDERS = {"mlp": _mlp, "cnn": _cnn, "text": _text, "shared_nested": _shared_nested,
            "attention": _attention}


_TRAINED = {}


def _keras_trained(keras, build, tmp_path_factory):
    """A Keras model trained 2 epochs and saved as `.h5`, with its predictions, weights and
    optimizer state at save time (built once per module: Keras's jit compiles are slow)."""
    if build not in _TRAINED:
        keras.utils.set_random_seed(0)
        model = BUILDERS[build](keras)
        model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy",
                      metrics=["accuracy"])
        x, y = _data(model)
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        path = str(tmp_path_factory.mktemp("keras_h5") / f"{build}.h5")
        model.save(path)
        _TRAINED[build] = dict(
            model=model, path=path, x=x, y=y, pred=model.predict(x, verbose=0),
            weights=[np.asarray(w) for w in model.get_weights()],
            optimizer=[np.asarray(v) for v in model.optimizer.variables])
    return _TRAINED[build]


@pytest.mark.parametrize("build", sorted(BUILDERS))
def test_keras_written_h5_loads_with_same_predictions_and_state(keras, tmp_path_factory, build):
    saved = _keras_trained(keras, build, tmp_path_factory)
    kmodel, x, y = saved["model"], saved["x"], saved["y"]
    model = mk.models.load_model(saved["path"])
    assert type(model).__name__ == type(kmodel).__name__
    np.testing.assert_allclose(model.predict(x, verbose=0), saved["pred"], rtol=1e-5, atol=1e-6)
    for ours, theirs in zip(model.get_weights(), saved["weights"]):
        np.testing.assert_array_equal(ours, theirs)
    # compiled from training_config, with the saved Adam state
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    ours = [v.numpy() for v in model.optimizer.variables]
    assert len(ours) == len(saved["optimizer"])
    for a, b in zip(ours, saved["optimizer"]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
    if build == "mlp":
        return  # its Dropout draws different masks in the two libraries
    # ... so training continues as it does in Keras
    kmodel.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("build", ["cnn", "text"])
def test_load_weights_from_keras_h5_into_a_minikeras_model(keras, tmp_path_factory, build):
    saved = _keras_trained(keras, build, tmp_path_factory)
    model = BUILDERS[build](mk)  # other layer names: matched in order, as Keras does
    model.load_weights(saved["path"])
    np.testing.assert_allclose(model.predict(saved["x"], verbose=0), saved["pred"],
                               rtol=1e-5, atol=1e-6)


def _lambda_h5(keras, tmp_path):
    L = keras.layers
    kmodel = keras.Sequential([keras.Input((3,)), L.Dense(2), L.Lambda(lambda t: t * 3.0 + 1.0)])
    path = str(tmp_path / "lambda.h5")
    kmodel.save(path)
    return kmodel, path


@pytest.mark.parametrize("kwargs", [{}, {"safe_mode": True}, {"safe_mode": None}])
def test_keras_h5_with_lambda_bytecode_is_refused(keras, tmp_path, kwargs):
    _, path = _lambda_h5(keras, tmp_path)
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        mk.models.load_model(path, **kwargs)
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        mk.saving.load_model(path, **kwargs)


def test_keras_h5_with_lambda_loads_only_with_safe_mode_false(keras, tmp_path):
    kmodel, path = _lambda_h5(keras, tmp_path)
    model = mk.models.load_model(path, safe_mode=False)
    x = _x(4, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("build", ["mlp", "cnn"])
def test_minikeras_h5_loads_in_keras_and_trains(keras, tmp_path, build):
    mk.utils.set_random_seed(0)
    model = BUILDERS[build](mk)
    model.compile(mk.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    x, y = _data(model)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "mk.h5")
    model.save(path)
    kmodel = keras.models.load_model(path)
    assert kmodel.compiled and type(kmodel.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(kmodel.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # Keras 3.15 builds a legacy file's optimizer on no variables (it cannot train on even
    # after loading its own `.h5` files): compile again there to keep training.
    kmodel.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy")
    kmodel.fit(x, y, epochs=1, batch_size=8, verbose=0)
