"""RemoteMonitor, SwapEMAWeights's errors, monitor_op, io_utils.set_logging_verbosity (values of SwapEMAWeights vs Keras: conformance/test_swap_ema_conformance.py)."""
import json
import logging
from unittest import mock

import numpy as np
import pytest

import minikeras as keras
from minikeras import callbacks, ops
from minikeras.utils import io_utils

requests = pytest.importorskip("requests")


def test_remote_monitor_posts_json_with_python_scalars():
    with mock.patch("requests.post") as post:
        monitor = callbacks.RemoteMonitor(root="http://h:1", path="/p/", headers={"a": "b"},
                                          send_as_json=True)
        monitor.on_epoch_end(3, logs={"loss": np.float32(0.5), "v": np.arange(1)})
    post.assert_called_once_with("http://h:1/p/", json={"epoch": 3, "loss": 0.5, "v": 0},
                                 headers={"a": "b"})
    assert type(post.call_args.kwargs["json"]["loss"]) is float


def test_remote_monitor_posts_a_form_field():
    with mock.patch("requests.post") as post:
        callbacks.RemoteMonitor(field="f").on_epoch_end(0, logs={"loss": 1.0})
    url, form = post.call_args.args
    assert url == "http://localhost:9000/publish/epoch/end/"
    assert json.loads(form["f"]) == {"epoch": 0, "loss": 1.0}


def test_remote_monitor_warns_when_the_server_is_unreachable():
    with mock.patch("requests.post", side_effect=requests.exceptions.ConnectionError("no")):
        with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server at"):
            callbacks.RemoteMonitor().on_epoch_end(0, logs={"loss": 0.0})


def _model(use_ema):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(use_ema=use_ema), loss="mse")
    return model


def test_swap_ema_weights_requires_use_ema():
    x = np.ones((4, 3), "float32")
    with pytest.raises(ValueError, match="SwapEMAWeights must be used when `use_ema=True` is set"):
        _model(False).fit(x, np.ones((4, 2)), validation_data=(x, np.ones((4, 2))), verbose=0,
                          callbacks=[callbacks.SwapEMAWeights()])


def test_swap_ema_weights_swaps_in_place_for_evaluate():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    model = _model(True)
    model.fit(x, y, epochs=2, verbose=0)  # fit ends with the averages in the weights
    opt = model.optimizer
    weights = [v.numpy() for v in opt._trainable_variables]
    averages = [v.numpy() + 1.0 for v in opt._model_variables_moving_average]
    for v, a in zip(opt._model_variables_moving_average, averages):
        v.assign(a)
    swap = callbacks.SwapEMAWeights()
    swap.set_model(model)
    swap.on_test_begin()
    for v, a, w, avg in zip(opt._trainable_variables, averages, weights,
                            opt._model_variables_moving_average):
        np.testing.assert_array_equal(v.numpy(), a)
        np.testing.assert_array_equal(avg.numpy(), w)
    swap.on_test_end()
    for v, w in zip(opt._trainable_variables, weights):
        np.testing.assert_array_equal(v.numpy(), w)


def test_monitor_op_is_the_ops_function():
    es = callbacks.EarlyStopping(mode="min")
    es._set_monitor_op()
    assert es.monitor_op is ops.less
    mc = callbacks.MonitorCallback(mode="max", min_delta=0.5)
    mc._set_monitor_op()
    assert mc.monitor_op is ops.greater and mc._is_improvement(1.6, 1.0)
    assert not mc._is_improvement(1.4, 1.0)


def test_set_logging_verbosity():
    root = logging.getLogger()
    level = root.level
    try:
        io_utils.set_logging_verbosity("DEBUG")
        assert root.level == logging.DEBUG
        io_utils.set_logging_verbosity("ERROR")
        assert root.level == logging.ERROR
        with pytest.raises(ValueError, match="Please pass a valid level for logging verbosity"):
            io_utils.set_logging_verbosity("LOUD")
    finally:
        root.setLevel(level)


def test_print_msg_goes_to_logging_when_not_interactive(caplog, monkeypatch):
    from minikeras.engine import config
    monkeypatch.setitem(config._FLAGS, "interactive_logging", None)  # restored afterwards
    io_utils.disable_interactive_logging()
    with caplog.at_level(logging.INFO):
        io_utils.print_msg("hello there")
    assert "hello there" in caplog.text


def test_remote_monitor_in_fit_posts_each_epoch_logs():
    """Keras's test_RemoteMonitorWithJsonPayload (skipped by Keras on a numpy backend)."""
    rng = np.random.default_rng(1337)
    x, y = rng.random((10, 3)).astype("float32"), rng.random((10, 2)).astype("float32")
    model = keras.Sequential([keras.layers.Dense(2)])
    model.compile(loss="mean_squared_error", optimizer="sgd")
    with mock.patch("requests.post") as post:
        monitor = callbacks.RemoteMonitor(send_as_json=True)
        hist = model.fit(x, y, batch_size=4, validation_data=(x, y), callbacks=[monitor],
                         epochs=2, verbose=0)
    assert post.call_count == 2
    for epoch, call in enumerate(post.call_args_list):
        assert call.args == (monitor.root + monitor.path,)
        assert call.kwargs["json"] == {"epoch": epoch, "loss": hist.history["loss"][epoch],
                                       "val_loss": hist.history["val_loss"][epoch]}


def test_state_a_call_assigns_is_current_at_batch_end():
    """fit's first look at the data (to build the model) leaves a counter the call increments."""
    seen = []

    class Counting(keras.Model):
        def __init__(self):
            super().__init__()
            self.count = self.add_variable(shape=(), initializer="zeros", trainable=False)
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            self.count.assign(self.count + 1)
            return self.dense(x)

    class Check(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(int(self.model.count.numpy()))

    model = Counting()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 1), "float32"), np.ones((8, 1), "float32"), batch_size=2, verbose=0,
              callbacks=[Check()])
    assert seen == [1, 2, 3, 4]
