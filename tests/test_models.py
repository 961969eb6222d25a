"""Sequential / functional / subclassed models, fit / evaluate / predict, and the training engine."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


def _blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32") + (x[:, 2] > 1).astype("int32")
    return x, y


class Linear(keras.layers.Layer):
    """A user layer written the way Keras tutorials write one."""

    def __init__(self, units=32, use_ops=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_ops = units, use_ops

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="b")

    def call(self, inputs):
        if self.use_ops:
            return ops.matmul(inputs, self.w) + self.b
        return inputs @ self.w + self.b


@pytest.mark.parametrize("use_ops", [True, False])
def test_user_layer_trains_exactly_like_dense(use_ops):
    x, y = _blobs()
    keras.utils.set_random_seed(1)
    ref = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    mine = keras.Sequential([keras.Input((4,)), Linear(8, use_ops=use_ops), layers.Activation("relu"), Linear(3, use_ops=use_ops)])
    mine.set_weights(ref.get_weights())
    for m in (ref, mine):
        m.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        keras.utils.set_random_seed(7)
        m.fit(x, y, batch_size=32, epochs=2, verbose=0)
    for a, b in zip(ref.get_weights(), mine.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not np.allclose(ref.get_weights()[0], mine.layers[0].w.numpy() * 0)
    # Outside a training step the attribute is a Variable again.
    assert isinstance(mine.layers[0].w, keras.Variable)
    assert mine.layers[0].w.numpy().shape == (4, 8)


def test_fit_is_bit_for_bit_repeatable_with_dropout_and_shuffle():
    x, y = _blobs()

    def run():
        keras.utils.set_random_seed(42)
        m = keras.Sequential([keras.Input((4,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
        m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        h = m.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=True)
        return m.get_weights(), h.history

    w1, h1 = run()
    w2, h2 = run()
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2


def test_mlp_learns_shipped_digits():
    keras.utils.set_random_seed(0)
    (xt, yt), (xv, yv) = keras.datasets.digits.load_data()
    xt, xv = xt.reshape(-1, 64) / 16.0, xv.reshape(-1, 64) / 16.0
    m = keras.Sequential([keras.Input((64,)), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(xt, yt, epochs=15, batch_size=32, verbose=0, validation_data=(xv, yv))
    loss, acc = m.evaluate(xv, yv, verbose=0)
    assert acc >= 0.93, acc
    assert h.history["loss"][-1] < h.history["loss"][0] / 3
    assert set(h.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert abs(h.history["val_accuracy"][-1] - acc) < 1e-6


def test_history_and_evaluate_shapes():
    x, y = _blobs()
    m = keras.Sequential([layers.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=3, verbose=0, validation_split=0.25)
    assert len(h.history["loss"]) == 3 and len(h.history["val_loss"]) == 3
    assert h.params["epochs"] == 3 and h.params["steps"] == 6
    out = m.evaluate(x, y, verbose=0)
    assert isinstance(out, list) and len(out) == 2
    d = m.evaluate(x, y, verbose=0, return_dict=True)
    assert set(d) == {"loss", "accuracy"} and d["loss"] == pytest.approx(out[0])
    assert m.predict(x, verbose=0).shape == (240, 3)
    assert m.predict(x, batch_size=7, verbose=0).shape == (240, 3)


def test_sequential_add_pop_and_deferred_build():
    m = keras.Sequential()
    m.add(layers.Dense(5, activation="relu"))
    m.add(layers.Dense(2))
    assert not m.built
    out = m(np.ones((3, 7), "float32"))
    assert out.shape == (3, 2) and m.built
    assert m.count_params() == 7 * 5 + 5 + 5 * 2 + 2
    m.pop()
    assert len(m.layers) == 1
    m2 = keras.Sequential([layers.Dense(4, input_shape=(3,))])
    assert m2.built and m2.output_shape == (None, 4)
    m3 = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4)])
    assert [l.name for l in m3.layers] == [m3.layers[0].name] and m3.built
    m4 = keras.Sequential([layers.Dense(2)])
    m4.build((None, 6))
    assert m4.layers[0].kernel.shape == (6, 2)


def test_functional_multi_io_lists_and_dicts_and_shared_layers():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(5, activation="tanh")
    ha = shared(a)
    hb = shared(layers.Dense(4)(b))
    merged = layers.Dense(6)(ha)
    out1 = layers.Dense(1, name="reg")(merged)
    out2 = layers.Dense(3, activation="softmax", name="cls")(hb)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    xa = np.random.rand(64, 4).astype("float32")
    xb = np.random.rand(64, 3).astype("float32")
    y1 = xa.sum(1, keepdims=True)
    y2 = (xb[:, 0] * 3).astype(int).clip(0, 2)
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                  metrics=[["mae"], ["accuracy"]])
    h = model.fit([xa, xb], [y1, y2], epochs=2, verbose=0)
    assert {"loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy"} <= set(h.history)
    p1, p2 = model.predict([xa, xb], verbose=0)
    assert p1.shape == (64, 1) and p2.shape == (64, 3)
    # the shared Dense is one layer with one set of weights
    assert sum(1 for l in model.layers if l is shared) == 1
    # dict inputs and outputs
    dmodel = keras.Model(inputs={"a": a, "b": b}, outputs={"reg": out1, "cls": out2})
    dmodel.compile("adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"})
    dmodel.fit({"a": xa, "b": xb}, {"reg": y1, "cls": y2}, epochs=1, verbose=0)
    pd = dmodel.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(pd["reg"], model.predict([xa, xb], verbose=0)[0], rtol=1e-6)


def test_subclassed_model_trains():
    class MLP(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(16, activation="relu")
            self.out = layers.Dense(3)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    x, y = _blobs()
    m = MLP()
    m.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    h = m.fit(x, y, epochs=20, verbose=0)
    assert len(m.trainable_weights) == 4
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.8


def test_freezing_is_respected_by_fit():
    x, y = _blobs()
    m = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(3)])
    m.layers[0].trainable = False
    frozen = m.layers[0].get_weights()
    m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    m.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen, m.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(m.trainable_weights) == 2 and len(m.non_trainable_weights) == 2


def test_regularization_losses_enter_the_training_loss():
    x, y = _blobs()
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.1))])
    m.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    reg = 0.1 * np.sum(m.layers[0].kernel.numpy() ** 2)
    data_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, m.predict(x, verbose=0))
    assert m.test_on_batch(x, y) == pytest.approx(float(data_loss) + reg, rel=1e-5)


def test_train_on_batch_and_predict_on_batch():
    x, y = _blobs(64)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    before = m.test_on_batch(x, y)[0]
    for _ in range(20):
        m.train_on_batch(x, y)
    after = m.train_on_batch(x, y, return_dict=True)
    assert after["loss"] < before
    np.testing.assert_allclose(m.predict_on_batch(x), m.predict(x, verbose=0), rtol=1e-6)


def test_class_weight_and_sample_weight_change_the_loss():
    x, y = _blobs(64)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    plain = m.test_on_batch(x, y)
    sw = np.where(y == 0, 2.0, 0.5).astype("float32")
    weighted = m.test_on_batch(x, y, sample_weight=sw)
    per_sample = keras.losses.sparse_categorical_crossentropy(y, m.predict(x, verbose=0))
    assert weighted == pytest.approx(float(np.mean(per_sample * sw)), rel=1e-5)
    assert weighted != pytest.approx(plain)


def test_steps_per_epoch_and_initial_epoch():
    x, y = _blobs(64)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    h = m.fit(x, y, batch_size=8, epochs=4, initial_epoch=2, steps_per_epoch=3, verbose=0)
    assert h.epoch == [2, 3] and h.params["steps"] == 3
    assert int(m.optimizer.iterations.numpy()) == 6


def test_get_layer_and_layers():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="first"), layers.Dense(2, name="second")])
    assert m.get_layer("second") is m.layers[1]
    assert m.get_layer(index=0).name == "first"
    with pytest.raises(ValueError, match="No such layer: nope"):
        m.get_layer("nope")


def test_summary_counts(capsys):
    m = keras.Sequential([keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dropout(0.2),
                          layers.Dense(10, activation="softmax")], name="mlp")
    m.summary()
    out = capsys.readouterr().out
    assert 'Model: "mlp"' in out
    assert "│ dense" in out and "(None, 128)" in out and "100,480" in out
    assert "Total params: 101,770 (397.54 KB)" in out
    assert "Trainable params: 101,770 (397.54 KB)" in out
    assert "Non-trainable params: 0 (0.00 B)" in out


def test_bad_input_errors_at_the_start_of_fit():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    x = np.zeros((10, 4), "float32")
    with pytest.raises(ValueError, match=r"(?s)Data cardinality is ambiguous.*'x' sizes: 10.*'y' sizes: 9"):
        m.fit(x, np.zeros(9), verbose=0)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(10, 5\)"):
        m.fit(np.zeros((10, 5), "float32"), np.zeros(10), verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        m.fit(x, np.zeros(10), batch_size=0, verbose=0)
    fresh = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="compile"):
        fresh.fit(x, np.zeros(10), verbose=0)


def test_unknown_strings_in_compile_list_valid_names():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"adamm.*adam"):
        m.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match=r"mean_squared_errror.*mean_squared_error"):
        m.compile(optimizer="adam", loss="mean_squared_errror")
    with pytest.raises(ValueError, match=r"accuracyy.*accuracy"):
        m.compile(optimizer="adam", loss="mse", metrics=["accuracyy"])


def test_keras2_positional_metrics_are_understood_with_a_warning():
    x, y = _blobs(64)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    with pytest.warns(UserWarning, match="loss_weights"):
        m.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    h = m.fit(x, y, epochs=1, verbose=0)
    assert "accuracy" in h.history


def test_layers_in_nested_containers_and_appended_later_are_tracked_and_trained():
    import minikeras as keras
    from minikeras import layers

    class Blocks(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for _ in range(2):
                self.blocks.append(layers.Dense(4))
            self.heads = {"out": layers.Dense(1)}
            self.nested = [[layers.Dense(3)], (layers.Dense(3),)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            x = self.nested[1][0](self.nested[0][0](x))
            return self.heads["out"](x)

    model = Blocks()
    x = np.random.default_rng(0).normal(size=(16, 5)).astype("float32")
    model(x)
    assert len(model.trainable_weights) == 10
    before = [w.copy() for w in model.get_weights()]
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, np.ones((16, 1), "float32"), epochs=1, verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
