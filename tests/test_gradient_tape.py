"""GradientTape on autograd: gradients equal autograd's `grad` of the same computation and finite
differences; persistent / watch / nested / second-order tapes; a tape-written training loop lands
on the same weights as `fit`."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.engine.tape import GradientTape


def _data(n=32, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1)) + 0.1).astype("float32")
    return x, y


def _model(seed=1):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="tanh"), layers.Dense(1)])


def test_gradient_equals_autograd_grad_of_the_same_function():
    w0 = np.array([[0.3, -1.2], [0.7, 0.1], [-0.4, 0.9]], dtype="float32")
    x = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 2.0]], dtype="float32")

    def f(w):
        return anp.sum(anp.tanh(anp.dot(x, w)) ** 2)

    w = keras.Variable(w0)
    with GradientTape() as tape:
        loss = ops.sum(ops.tanh(ops.matmul(x, w)) ** 2)
    grad = tape.gradient(loss, w)
    np.testing.assert_allclose(grad, autograd.grad(f)(w0.astype("float64")), rtol=1e-5, atol=1e-6)
    assert grad.dtype == np.float32
    assert float(loss) == pytest.approx(float(f(w0)), rel=1e-6)


def test_model_gradients_match_finite_differences():
    model = _model()
    x, y = _data(8)

    def loss_value():
        return float(np.mean((model.predict(x, verbose=0) - y) ** 2))

    with GradientTape() as tape:
        loss = ops.mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_weights)
    kernel = model.trainable_weights[0]
    eps = 1e-3
    for idx in [(0, 0), (2, 3), (3, 1)]:
        base = kernel.numpy()
        plus, minus = base.copy(), base.copy()
        plus[idx] += eps
        minus[idx] -= eps
        kernel.assign(plus)
        up = loss_value()
        kernel.assign(minus)
        down = loss_value()
        kernel.assign(base)
        assert grads[0][idx] == pytest.approx((up - down) / (2 * eps), rel=2e-2, abs=1e-4)


def test_non_persistent_tape_gives_one_set_of_gradients():
    w = keras.Variable(np.float32(3.0))
    with GradientTape() as tape:
        y = w * w
    assert float(tape.gradient(y, w)) == pytest.approx(6.0)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, w)


def test_persistent_tape_gives_several():
    w = keras.Variable(np.float32(3.0))
    with GradientTape(persistent=True) as tape:
        y = w * w
        z = y * w
    assert float(tape.gradient(y, w)) == pytest.approx(6.0)
    assert float(tape.gradient(z, w)) == pytest.approx(27.0)


def test_watch_a_tensor_gives_the_input_gradient():
    model = _model()
    x, _ = _data(3)
    with GradientTape() as tape:
        tape.watch(x)
        out = ops.sum(model(x) ** 2)
    gx = tape.gradient(out, x)
    k1, b1, k2, b2 = [v.numpy().astype("float64") for v in model.trainable_weights]

    def f(xx):
        return anp.sum((anp.dot(anp.tanh(anp.dot(xx, k1) + b1), k2) + b2) ** 2)

    np.testing.assert_allclose(gx, autograd.grad(f)(x.astype("float64")), rtol=1e-4, atol=1e-6)
    assert gx.numpy().shape == x.shape


def test_watch_accessed_variables_false_traces_only_watched():
    a = keras.Variable(np.float32(2.0))
    b = keras.Variable(np.float32(5.0))
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == pytest.approx(5.0)
    assert gb is None


def test_sources_keep_their_structure_and_unconnected_gradients():
    a = keras.Variable(np.ones((2,), "float32"))
    b = keras.Variable(np.ones((3,), "float32"))
    with GradientTape(persistent=True) as tape:
        y = ops.sum(a * 4.0)
    out = tape.gradient(y, {"a": a, "pair": [b, a]})
    assert set(out) == {"a", "pair"}
    np.testing.assert_allclose(out["a"], [4.0, 4.0])
    assert out["pair"][0] is None
    zeros = tape.gradient(y, [b], unconnected_gradients="zero")
    np.testing.assert_array_equal(zeros[0], np.zeros(3))


def test_non_trainable_variables_are_not_traced_unless_watched():
    v = keras.Variable(np.float32(2.0), trainable=False)
    with GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_stop_recording_leaves_reads_untraced():
    a = keras.Variable(np.float32(2.0))
    b = keras.Variable(np.float32(3.0))
    with GradientTape() as tape:
        with tape.stop_recording():
            c = b * 1.0
        y = a * c
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == pytest.approx(3.0)
    assert gb is None


def test_second_order_gradient_through_a_nested_tape():
    w = keras.Variable(np.array([1.5, -2.0], dtype="float32"))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = ops.sum(w * w * w)
        dy = inner.gradient(y, w)        # 3 w^2, still traced by the outer tape
        z = ops.sum(dy)
    np.testing.assert_allclose(outer.gradient(z, w), 6 * w.numpy())   # 6 w


def test_two_tapes_opened_together_each_see_the_computation():
    a = keras.Variable(np.float32(2.0))
    b = keras.Variable(np.float32(3.0))
    with GradientTape() as ta, GradientTape() as tb:
        la = a * b
        lb = a + b * b
    assert [float(g) for g in ta.gradient(la, [a, b])] == pytest.approx([3.0, 2.0])
    assert [float(g) for g in tb.gradient(lb, [a, b])] == pytest.approx([1.0, 6.0])


def test_a_variable_in_a_traced_expression_is_read_not_frozen():
    x = np.array([[1.0, 2.0]], dtype="float32")
    w = keras.Variable(np.array([[0.5], [0.25]], dtype="float32"))
    b = keras.Variable(np.array([0.1], dtype="float32"))
    with GradientTape() as tape:
        y = ops.sum(ops.matmul(x, w) + b)   # the box's `+` meets the Variable `b`
    gw, gb = tape.gradient(y, [w, b])
    np.testing.assert_allclose(gw, [[1.0], [2.0]])
    np.testing.assert_allclose(gb, [1.0])


def test_gradient_after_assign_traces_the_new_value():
    w = keras.Variable(np.float32(2.0))
    with GradientTape() as tape:
        y1 = w * w
        w.assign(5.0)
        y2 = w * w
        total = y1 + y2
    # Each read is its own root: d/dw sums over both (2*2 + 2*5).
    assert float(tape.gradient(total, w)) == pytest.approx(14.0)


def _fit_reference(x, y, epochs=2, batch_size=8):
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return [v.numpy() for v in model.weights]


def test_a_from_scratch_loop_with_apply_gradients_equals_fit():
    x, y = _data()
    expected = _fit_reference(x, y)
    model = _model()
    optimizer = keras.optimizers.SGD(0.05)
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(2):
        for start in range(0, len(x), 8):
            xb, yb = x[start:start + 8], y[start:start + 8]
            with GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
    for got, want in zip(model.weights, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_a_tape_written_train_step_equals_the_builtin_fit():
    x, y = _data()
    expected = _fit_reference(x, y)

    class TapeModel(keras.Sequential):
        def train_step(self, data):
            xb, yb = data
            with GradientTape() as tape:
                y_pred = self(xb, training=True)
                loss = self.compute_loss(y=yb, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(yb, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(1)
    model = TapeModel([keras.Input((4,)), layers.Dense(5, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(model.weights, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][1] < history.history["loss"][0]
