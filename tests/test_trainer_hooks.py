"""Keras 3's trainer contract as tutorials use it: train_step/test_step/predict_step(self, data),
compute_loss / compute_metrics, stateless_call, StatelessScope, layer-owned metrics, a layer that
writes its own weights in `call`, functional-style subclasses, models without `call`, masks on
outputs and rank-adjusted inputs."""
import warnings

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


def _layers():
    return [keras.Input((4,)), layers.Dense(5, activation="tanh"), layers.Dense(1)]


def _fit_weights(model, x, y, **compile_kwargs):
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", **compile_kwargs)
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return [v.numpy() for v in model.weights], history


def test_pack_and_unpack_x_y_sample_weight():
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    assert keras.utils.unpack_x_y_sample_weight(x) == (x, None, None)
    assert keras.utils.unpack_x_y_sample_weight((x,)) == (x, None, None)
    assert keras.utils.unpack_x_y_sample_weight([x, y]) == (x, y, None)
    assert keras.utils.unpack_x_y_sample_weight((x, y, w)) == (x, y, w)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        keras.utils.unpack_x_y_sample_weight((x, y, w, w))
    assert keras.utils.pack_x_y_sample_weight(x) is x
    assert keras.utils.pack_x_y_sample_weight((x, y)) == ((x, y),)
    assert keras.utils.pack_x_y_sample_weight(x, y, w) == (x, y, w)


def test_train_step_receives_the_batch_as_data():
    seen = []

    class Spy(keras.Sequential):
        def train_step(self, data):
            seen.append(tuple(None if d is None else d.shape for d in data))
            return super().train_step(data)

    x, y = _data(16)
    keras.utils.set_random_seed(1)
    model = Spy(_layers())
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.fit(x, y, sample_weight=np.ones(16, "float32"), batch_size=8, epochs=1, verbose=0)
    assert seen == [((8, 4), (8, 1))] * 2 + [((8, 4), (8, 1), (8,))] * 2


def test_a_keras2_style_step_with_compiled_loss_and_metrics_trains_like_fit():
    x, y = _data()
    keras.utils.set_random_seed(1)
    expected, _ = _fit_weights(keras.Sequential(_layers()), x, y)

    class Keras2Style(keras.Sequential):
        def train_step(self, data):
            xb, yb = data
            with GradientTape() as tape:
                y_pred = self(xb, training=True)
                loss = self.compiled_loss(yb, y_pred)
            self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables),
                                               self.trainable_variables))
            self.compiled_metrics.update_state(yb, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(1)
    model = Keras2Style(_layers())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, history = _fit_weights(model, x, y, metrics=["mae"])
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert "mae" in history.history
    with pytest.warns(UserWarning, match="compiled_loss"):
        model.compiled_loss(y[:2], model(x[:2]))


def test_test_step_and_predict_step_overrides_are_what_evaluate_and_predict_use():
    class Custom(keras.Sequential):
        def test_step(self, data):
            xb, yb = data
            return {"max_abs_error": ops.max(ops.abs(self(xb) - yb))}

        def predict_step(self, data):
            (xb,) = data
            return {"double": 2.0 * self(xb), "x": xb}

    x, y = _data(10)
    keras.utils.set_random_seed(1)
    model = Custom(_layers())
    model.compile("sgd", "mse")
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    last = x[8:]
    expected = float(np.max(np.abs(model.predict(last, verbose=0)["double"] / 2 - y[8:])))
    assert logs == {"max_abs_error": pytest.approx(expected, rel=1e-6)}  # the last step's logs
    out = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(out["x"], x)
    np.testing.assert_allclose(out["double"], 2 * model(x).numpy(), rtol=1e-6)


def test_compute_loss_override_without_training_argument():
    calls = []

    class OldSignature(keras.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            calls.append(x.shape)
            return ops.mean(ops.abs(y - y_pred))

    x, y = _data(16)
    keras.utils.set_random_seed(1)
    model = OldSignature(_layers())
    model.compile(keras.optimizers.SGD(0.05))
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert calls and all(c == (8, 4) for c in calls)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_subclass_built_the_functional_way_keeps_its_train_step():
    steps = []

    class CustomModel(keras.Model):
        def train_step(self, data):
            steps.append(data[0].shape)
            return super().train_step(data)

    inputs = keras.Input((4,))
    outputs = layers.Dense(1)(layers.Dense(5, activation="tanh")(inputs))
    model = CustomModel(inputs, outputs)
    assert isinstance(model, CustomModel) and len(model.layers) == 3
    model.compile("sgd", "mse")
    x, y = _data(16)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert steps == [(8, 4)] * 4
    assert model.predict(x, verbose=0).shape == (16, 1)


def test_a_model_without_call_that_only_overrides_compile_and_train_step():
    class TwoNets(keras.Model):
        def __init__(self, first, second):
            super().__init__()
            self.first, self.second = first, second
            self.tracker = keras.metrics.Mean(name="first_loss")

        def compile(self, opt_first, opt_second):
            super().compile()
            self.opt_first, self.opt_second = opt_first, opt_second

        @property
        def metrics(self):
            return [self.tracker]

        def train_step(self, data):
            xb, yb = data
            for net, opt in ((self.first, self.opt_first), (self.second, self.opt_second)):
                with GradientTape() as tape:
                    loss = ops.mean((net(xb, training=True) - yb) ** 2)
                opt.apply_gradients(zip(tape.gradient(loss, net.trainable_weights),
                                        net.trainable_weights))
                if net is self.first:
                    self.tracker.update_state(loss)
            return {"first_loss": self.tracker.result(), "second_loss": loss}

    keras.utils.set_random_seed(2)
    wrapper = TwoNets(keras.Sequential(_layers()), keras.Sequential(_layers()))
    wrapper.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.01))
    x, y = _data(32)
    history = wrapper.fit(x, y, batch_size=8, epochs=4, verbose=0)
    assert set(history.history) == {"first_loss", "second_loss"}
    assert history.history["first_loss"][-1] < history.history["first_loss"][0]


def test_metrics_a_layer_updates_in_call_reach_the_fit_logs():
    class Endpoint(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.abs_error = keras.metrics.MeanAbsoluteError(name="endpoint_mae")

        def call(self, inputs):
            y_pred, targets = inputs
            self.add_loss(ops.mean((y_pred - targets) ** 2))
            self.abs_error.update_state(targets, y_pred)
            return y_pred

    inputs, targets = keras.Input((4,)), keras.Input((1,))
    outputs = Endpoint()([layers.Dense(1)(inputs), targets])
    model = keras.Model([inputs, targets], outputs)
    model.compile(keras.optimizers.SGD(0.05))
    x, y = _data(16)
    history = model.fit([x, y], batch_size=8, epochs=2, verbose=0)
    assert "endpoint_mae" in history.history and "loss" in history.history
    # The metric was reset each epoch and saw both batches of the last one.
    assert model.metrics[-1].count.numpy() == 16
    assert history.history["endpoint_mae"][-1] > 0


def test_a_layer_that_assigns_its_own_kernel_in_call_trains_like_the_explicit_product():
    mask = np.array([[1, 0], [1, 1], [0, 1], [1, 1]], "float32")

    class AssignsMasked(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(4, 2), initializer="glorot_uniform")

        def call(self, x):
            self.kernel.assign(self.kernel * mask)   # the PixelCNN masked-convolution pattern
            return ops.matmul(x, self.kernel)

    class MultipliesMasked(AssignsMasked):
        def call(self, x):
            return ops.matmul(x, self.kernel * mask)

    x, y = _data(16)
    y2 = np.concatenate([y, -y], axis=1)
    results = []
    for cls in (AssignsMasked, MultipliesMasked):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((4,)), cls()])
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y2, batch_size=8, epochs=3, shuffle=False, verbose=0)
        results.append(model.predict(x, verbose=0))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_stateless_call_leaves_the_variables_and_returns_new_non_trainable_values():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3), layers.BatchNormalization()])
    x = np.random.default_rng(0).random((6, 3)).astype("float32")
    before = [v.numpy() for v in model.weights]
    trainable = [v.numpy() * 2 for v in model.trainable_variables]
    non_trainable = [v.numpy() for v in model.non_trainable_variables]
    out, new_non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
    for b, v in zip(before, model.weights):
        np.testing.assert_array_equal(b, v.numpy())
    for v, t in zip(model.trainable_variables, trainable):
        v.assign(t)
    np.testing.assert_allclose(out, model(x, training=True), rtol=1e-6)
    for new, v in zip(new_non_trainable, model.non_trainable_variables):
        np.testing.assert_allclose(new, v.numpy(), rtol=1e-6)   # the moving statistics moved
    assert not np.allclose(new_non_trainable[0], non_trainable[0])
    with pytest.raises(ValueError, match="trainable_variables"):
        model.stateless_call(trainable[:1], non_trainable, x)


def test_stateless_scope_keeps_assignments_in_the_scope():
    v = keras.Variable(np.ones(3, "float32"))
    with keras.StatelessScope(state_mapping=[(v, np.full(3, 2.0, "float32"))]) as scope:
        np.testing.assert_array_equal(v.numpy(), [2, 2, 2])
        v.assign(v * 5.0)
        np.testing.assert_array_equal(ops.add(v, 0.0), [10, 10, 10])
    np.testing.assert_array_equal(scope.get_current_value(v), [10, 10, 10])
    np.testing.assert_array_equal(v.numpy(), [1, 1, 1])


def test_masks_ride_on_outputs_eager_and_symbolic():
    embedding = layers.Embedding(10, 4, mask_zero=True)
    out = embedding(np.array([[3, 0, 2]]))
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])
    assert type(out.numpy()) is np.ndarray
    symbolic = layers.Embedding(10, 4, mask_zero=True)(keras.Input((None,), dtype="int32"))
    assert symbolic._keras_mask.shape == (None, None) and symbolic._keras_mask.dtype == "bool"


def test_a_functional_model_adjusts_a_trailing_axis_of_size_one():
    inputs = keras.Input((5, 5, 1))
    model = keras.Model(inputs, layers.Flatten()(layers.Conv2D(2, 3)(inputs)))
    x = np.random.default_rng(0).random((3, 5, 5)).astype("float32")
    np.testing.assert_allclose(model(x), model(x[..., None]))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((3, 18), "float32"), verbose=0)
    with pytest.raises(ValueError, match="incompatible"):
        model(np.ones((3, 5, 4), "float32"))


def test_a_subclass_build_that_ends_with_super_build():
    class Latent(keras.Model):       # the Perceiver example's pattern
        def build(self, input_shape):
            self.latent = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")
            super().build(input_shape)

        def call(self, x):
            return ops.matmul(x, self.latent)

    model = Latent()
    np.testing.assert_allclose(model(np.ones((2, 3), "float32")), np.full((2, 2), 3.0))
    built = Latent()
    built.build((None, 4))
    assert built.built and [w.shape for w in built.weights] == [(4, 2)]
