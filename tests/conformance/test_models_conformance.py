"""Whole models against real Keras 3: same weights -> same predictions, same training steps,
same summary parameter counts."""
import numpy as np
import pytest

import minikeras as mk


def _mlp(lib, dropout=True):
    L = lib.layers
    stack = [lib.Input((12,)), L.Dense(16, activation="relu", name="hidden_1"),
             L.Dense(8, activation="tanh", name="hidden_2")]
    if dropout:
        stack.append(L.Dropout(0.5, name="drop"))
    stack.append(L.Dense(3, activation="softmax", name="probs"))
    return lib.Sequential(stack, name="mlp")


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 12)).astype("float32")
    y = rng.integers(0, 3, size=n)
    return x, y


def test_sequential_predict_matches(keras):
    x, _ = _data()
    km, mm = _mlp(keras), _mlp(mk)
    mm.set_weights(km.get_weights())
    np.testing.assert_allclose(mm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_functional_multi_input_predict_matches(keras):
    def build(lib):
        a, b = lib.Input((5,)), lib.Input((3,))
        h = lib.layers.Dense(4, activation="relu")(a)
        g = lib.layers.Dense(4, activation="sigmoid")(b)
        out = lib.layers.Dense(2)(lib.layers.Concatenate()([h, g]))
        return lib.Model([a, b], out)
    km, mm = build(keras), build(mk)
    assert [w.shape for w in mm.weights] == [tuple(w.shape) for w in km.weights]
    mm.set_weights(km.get_weights())
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(10, 5)).astype("float32"), rng.normal(size=(10, 3)).astype("float32")
    np.testing.assert_allclose(mm.predict([xa, xb], verbose=0), km.predict([xa, xb], verbose=0), rtol=1e-5, atol=1e-6)


OPTIMIZERS = [
    ("SGD", {}), ("SGD", {"momentum": 0.9, "nesterov": True}), ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("AdamW", {}), ("RMSprop", {}), ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {}),
    ("Adadelta", {"learning_rate": 1.0}), ("Adamax", {}), ("Nadam", {}), ("Lion", {}),
    ("Adam", {"clipnorm": 0.1}), ("SGD", {"global_clipnorm": 0.05, "learning_rate": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{k}" for n, k in OPTIMIZERS])
def test_three_fit_steps_match(keras, name, kwargs):
    x, y = _data(96)
    km, mm = _mlp(keras, dropout=False), _mlp(mk, dropout=False)
    mm.set_weights(km.get_weights())
    km.compile(getattr(keras.optimizers, name)(**kwargs), "sparse_categorical_crossentropy", metrics=["accuracy"])
    mm.compile(getattr(mk.optimizers, name)(**kwargs), "sparse_categorical_crossentropy", metrics=["accuracy"])
    kh = km.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)
    assert mh.history["accuracy"][0] == pytest.approx(kh.history["accuracy"][0], rel=1e-6)


def test_evaluate_matches_with_sample_weight(keras):
    x, y = _data(50)
    km, mm = _mlp(keras), _mlp(mk)
    mm.set_weights(km.get_weights())
    sw = np.linspace(0.1, 2.0, 50).astype("float32")
    for m in (km, mm):
        m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    kr = km.evaluate(x, y, sample_weight=sw, batch_size=16, verbose=0)
    mr = mm.evaluate(x, y, sample_weight=sw, batch_size=16, verbose=0)
    np.testing.assert_allclose(mr, kr, rtol=1e-5)


def _summary_totals(model):
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line))
    text = "\n".join(lines)
    return [l.strip() for l in text.splitlines() if "params:" in l]


@pytest.mark.parametrize("which", ["mlp", "functional", "regularized"])
def test_summary_parameter_counts_match(keras, which):
    def build(lib):
        if which == "mlp":
            return _mlp(lib)
        if which == "regularized":
            m = lib.Sequential([lib.Input((7,)), lib.layers.Dense(5, use_bias=False), lib.layers.Dense(2)])
            m.layers[0].trainable = False
            return m
        a = lib.Input((6,))
        h = lib.layers.Dense(4)(a)
        return lib.Model(a, [lib.layers.Dense(1)(h), lib.layers.Dense(2)(h)])
    km, mm = build(keras), build(mk)
    assert mm.count_params() == km.count_params()
    assert _summary_totals(mm) == _summary_totals(km)


def test_summary_table_layout_matches(keras):
    km, mm = _mlp(keras), _mlp(mk)
    kl, ml = [], []
    km.summary(print_fn=lambda line, *a, **k: kl.append(line))
    mm.summary(print_fn=lambda line, *a, **k: ml.append(line))
    strip = lambda ls: [l.rstrip() for l in "\n".join(ls).splitlines() if l.strip()]
    assert strip(ml) == strip(kl)


def _regularized(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((12,)),
        L.Dense(16, activation="relu", kernel_regularizer=lib.regularizers.L2(0.01),
                bias_regularizer=lib.regularizers.L1(0.02), name="r1"),
        L.Dense(3, activation="softmax", activity_regularizer=lib.regularizers.L2(0.05), name="r2"),
    ], name="reg")


def test_regularization_losses_match_in_evaluate_and_training(keras):
    x, y = _data(64)
    km, mm = _regularized(keras), _regularized(mk)
    mm.set_weights(km.get_weights())
    for m, lib in ((km, keras), (mm, mk)):
        m.compile(lib.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    assert mm.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0), rel=1e-5)
    kh = km.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_add_loss_in_a_user_layer_matches(keras):
    def build(lib):
        class Penalized(lib.layers.Layer):
            def call(self, inputs):
                self.add_loss(0.1 * lib.ops.mean(lib.ops.square(inputs)))
                return inputs
        return lib.Sequential([lib.Input((12,)), lib.layers.Dense(4, name="d"), Penalized(name="p"),
                               lib.layers.Dense(3, name="o")], name="pen")
    x, y = _data(32)
    km, mm = build(keras), build(mk)
    mm.set_weights(km.get_weights())
    for m, lib in ((km, keras), (mm, mk)):
        m.compile(lib.optimizers.Adam(0.01), lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    kh = km.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(mh.history["loss"], kh.history["loss"], rtol=1e-5)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_summary_counts_optimizer_params_only_once_built(keras):
    """Keras lists "Optimizer params" only after fit has built the optimizer."""
    x, y = np.ones((8, 6), "float32"), np.ones((8, 1), "float32")
    lines = {}
    for lib in (keras, mk):
        m = lib.Sequential([lib.Input((6,)), lib.layers.Dense(1)])
        m.compile(lib.optimizers.Adam(), "mse")
        before = []
        m.summary(print_fn=lambda line, *a, **k: before.append(line))
        m.fit(x, y, epochs=1, verbose=0)
        after = []
        m.summary(print_fn=lambda line, *a, **k: after.append(line))
        pick = lambda ls: [l.split("(")[0].strip() for l in "\n".join(ls).splitlines()
                           if "params:" in l and "Total" not in l]
        lines[lib] = pick(before), pick(after)
    assert lines[mk] == lines[keras]
