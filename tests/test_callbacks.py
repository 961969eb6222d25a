"""Callbacks driven by hand the way `fit` drives them, on a fake model with the interface they use."""
import csv

import numpy as np
import pytest

from minikeras import ops
from minikeras import callbacks as cb
from minikeras.utils import progbar as progbar_mod


class FakeOptimizer:
    """`learning_rate` reads as a float32 scalar and is set by assignment, like a Keras optimizer."""

    def __init__(self, learning_rate=0.1, name="sgd"):
        self.name = name
        self.learning_rate = learning_rate

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = np.float32(value)


class FakeMetric:
    def __init__(self, name, direction):
        self.name, self._direction = name, direction


class FakeModel:
    def __init__(self, learning_rate=0.1, metrics=()):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 1), "float32"), np.zeros((1,), "float32")]
        self.metrics = list(metrics)
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def fit(callbacks, model, epoch_logs, steps=2, verbose=0, batch_logs=None):
    """Runs the hooks as `Model.fit` does; before each epoch end the weights are set to the epoch
    index, so a restore can be read back from the weights. Returns the epochs that ran."""
    cbs = cb.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                          verbose=verbose, epochs=len(epoch_logs), steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    ran, logs = [], {}
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            cbs.on_train_batch_end(step, (batch_logs or {}).get(step, {"loss": logs.get("loss", 1.0)}))
        model.set_weights([np.full((2, 1), epoch, "float32"), np.full((1,), epoch, "float32")])
        cbs.on_epoch_end(epoch, dict(logs))
        ran.append(epoch)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return ran


def restored_epoch(model):
    return int(model.weights[1][0])


# --- Callback, CallbackList, History ---------------------------------------------------------
class Recorder(cb.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_") and name not in ("on_batch_begin", "on_batch_end"):
            hook = super().__getattribute__(name)

            def record(*args, **kwargs):
                self.calls.append(name)
                return hook(*args, **kwargs)
            return record
        return super().__getattribute__(name)

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("on_batch_end", batch, dict(logs)))


def test_hook_order_and_batch_alias():
    rec = Recorder()
    fit([rec], FakeModel(), [{"loss": 1.0}], steps=1)
    assert rec.calls == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                         "on_train_batch_end", ("on_batch_end", 0, {"loss": 1.0}),
                         "on_epoch_end", "on_train_end"]


def test_callback_base():
    c = cb.Callback()
    assert c.params is None and c.model is None
    m = FakeModel()
    c.set_model(m)
    c.set_params({"epochs": 3})
    assert c.model is m and c.params == {"epochs": 3}
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"):
        getattr(c, hook)({})
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                 "on_predict_batch_end", "on_batch_begin", "on_batch_end"):
        getattr(c, hook)(0, {})


def test_callback_list_defaults_params_and_model():
    m, mine = FakeModel(), cb.History()
    cbs = cb.CallbackList([[cb.Callback()], mine], add_history=True, add_progbar=True, model=m,
                          verbose=1, epochs=2, steps=5)
    assert len(cbs.callbacks) == 3 and cbs.callbacks[1] is mine  # nested list flattened
    assert isinstance(cbs.callbacks[2], cb.ProgbarLogger)  # History already there: not added
    assert m.history is mine
    assert all(c.model is m for c in cbs.callbacks)
    assert cbs.callbacks[0].params == mine.params == {"verbose": 1, "epochs": 2, "steps": 5}
    assert (cbs.callbacks[2].verbose, cbs.callbacks[2].epochs, cbs.callbacks[2].target) == (1, 2, 5)
    assert cbs.model is m
    assert cb.CallbackList().callbacks == []


def test_callback_list_pythonifies_logs():
    seen = []
    lam = cb.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs))
    cbs = cb.CallbackList([lam], model=FakeModel())
    cbs.on_epoch_end(0, {"loss": np.float32(0.5), "b": np.array(2.0), "nested": {"a": 1},
                         "out": np.ones((2, 2))})
    logs = seen[0]
    assert list(logs) == ["b", "loss", "a", "out"]  # sorted, a nested dict spliced in its place
    assert type(logs["loss"]) is float and logs["loss"] == 0.5 and logs["a"] == 1.0
    assert isinstance(logs["out"], np.ndarray)


def test_callback_list_end_without_begin():
    cbs = cb.CallbackList([])
    cbs.on_test_begin()
    cbs.on_test_end()
    with pytest.raises(ValueError, match="without corresponding"):
        cbs.on_predict_end()


def test_history():
    m = FakeModel()
    fit([], m, [{"loss": 3.0, "val_loss": 4.0}, {"loss": 2.0, "val_loss": 5.0}])
    assert m.history.history == {"loss": [3.0, 2.0], "val_loss": [4.0, 5.0]}
    assert m.history.epoch == [0, 1]
    assert m.history.params == {"verbose": 0, "epochs": 2, "steps": 2}


# --- EarlyStopping ---------------------------------------------------------------------------
def losses(*values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


@pytest.mark.parametrize("patience,values,epochs_run", [
    (0, (3, 2, 2.5, 1), 3),
    (1, (3, 2, 2.5, 2.4, 1), 3),  # wait counts before the check: patience 1 acts as 0
    (2, (3, 2, 2.5, 1.9, 2, 2, 2), 6),
    (2, (3, 2, 2.5, 2.4, 1, 0), 4),
])
def test_early_stopping_patience(patience, values, epochs_run):
    m, es = FakeModel(), cb.EarlyStopping(patience=patience)
    assert len(fit([es], m, losses(*values))) == epochs_run
    assert es.stopped_epoch == (epochs_run - 1 if epochs_run < len(values) else 0)


def test_early_stopping_min_delta_and_max_mode():
    m = FakeModel()
    es = cb.EarlyStopping(monitor="val_acc", mode="max", min_delta=0.1, patience=2)
    logs = [{"val_acc": a} for a in (0.5, 0.55, 0.58, 0.9)]
    assert fit([es], m, logs) == [0, 1, 2]  # +0.05, +0.08 are below min_delta
    assert es.best == 0.5 and es.min_delta == 0.1


def test_early_stopping_auto_mode_uses_metric_direction():
    m = FakeModel(metrics=[FakeMetric("loss", "down"), FakeMetric("accuracy", "up")])
    es = cb.EarlyStopping(monitor="val_accuracy")
    fit([es], m, [{"val_accuracy": 0.5}, {"val_accuracy": 0.6}, {"val_accuracy": 0.55}])
    assert es.monitor_op is ops.greater and es.best == 0.6 and es.stopped_epoch == 2


def test_early_stopping_auto_mode_unknown_metric():
    es = cb.EarlyStopping(monitor="val_f00")
    with pytest.raises(ValueError, match=r"received monitor=val_f00, but Keras isn't able"):
        fit([es], FakeModel(), [{"val_f00": 1.0}])


def test_unknown_mode_warns():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'best' is unknown, fallback to auto"):
        assert cb.EarlyStopping(mode="best").mode == "auto"


def test_early_stopping_missing_metric_warns_and_continues():
    es = cb.EarlyStopping(patience=0)
    with pytest.warns(UserWarning) as record:
        ran = fit([es], FakeModel(), [{"loss": 1.0}, {"loss": 2.0}])
    assert ran == [0, 1]
    assert str(record[0].message) == ("Early stopping conditioned on metric `val_loss` which is "
                                      "not available. Available metrics are: loss")


def test_early_stopping_baseline():
    # Never beating the baseline 1.0: wait keeps counting through improvements...
    es = cb.EarlyStopping(baseline=1.0, patience=2, restore_best_weights=True)
    m = FakeModel()
    assert fit([es], m, losses(3, 2.5, 2.6, 2.7)) == [0, 1, 2]
    assert es.best == 2.5 and restored_epoch(m) == 1
    # ... but an improving epoch never stops training.
    assert fit([es], FakeModel(), losses(3, 2.5, 2, 1.5)) == [0, 1, 2, 3] and es.wait == 4
    es = cb.EarlyStopping(baseline=2.6, patience=1)
    assert fit([es], FakeModel(), losses(3, 2.5, 2.55, 2.58, 2)) == [0, 1, 2]


def test_early_stopping_restore_best_weights(capsys):
    m = FakeModel()
    es = cb.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    assert fit([es], m, losses(3, 1, 2, 2, 0)) == [0, 1, 2, 3]
    assert restored_epoch(m) == 1 and es.best_epoch == 1
    assert capsys.readouterr().out == ("Epoch 4: early stopping\n"
                                       "Restoring model weights from the end of the best epoch: 2.\n")
    # Without an early stop the best weights are restored too.
    m = FakeModel()
    fit([cb.EarlyStopping(patience=5, restore_best_weights=True)], m, losses(3, 1, 2))
    assert restored_epoch(m) == 1
    # Without restore_best_weights the last weights stay.
    m = FakeModel()
    fit([cb.EarlyStopping(patience=2)], m, losses(3, 1, 2, 2, 0))
    assert restored_epoch(m) == 3


def test_early_stopping_start_from_epoch():
    m = FakeModel()
    es = cb.EarlyStopping(patience=1, start_from_epoch=3, restore_best_weights=True)
    assert fit([es], m, losses(0.1, 5, 6, 7, 8, 9)) == [0, 1, 2, 3, 4]
    assert es.best == 7 and restored_epoch(m) == 3


def test_early_stopping_is_reusable():
    es = cb.EarlyStopping(patience=0)
    fit([es], FakeModel(), losses(1, 2))
    assert es.stopped_epoch == 1
    assert fit([es], FakeModel(), losses(5, 4, 3)) == [0, 1, 2] and es.best == 3


# --- ReduceLROnPlateau -----------------------------------------------------------------------
def test_reduce_lr_factor_error():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Received factor=1.5"):
        cb.ReduceLROnPlateau(factor=1.5)


def lr_per_epoch(callback, model, logs):
    seen = []
    probe = cb.LambdaCallback(on_epoch_end=lambda e, l: seen.append(float(model.optimizer.learning_rate)))
    fit([callback, probe], model, logs)
    return seen


def test_reduce_lr_patience_cooldown_min_lr(capsys):
    m = FakeModel(learning_rate=1.0)
    r = cb.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.2, verbose=1)
    lrs = lr_per_epoch(r, m, losses(5, 5, 5, 5, 5, 5, 5, 5, 5))
    assert lrs == pytest.approx([1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2])
    out = capsys.readouterr().out
    assert "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.5.\n" in out
    assert out.count("ReduceLROnPlateau") == 3
    # The logged rate is the one the epoch trained with (read before the reduction).
    assert m.history.history["learning_rate"] == pytest.approx([1.0] + lrs[:-1])


def test_reduce_lr_min_delta():
    m = FakeModel(learning_rate=1.0)
    r = cb.ReduceLROnPlateau(factor=0.1, patience=1, min_delta=0.5)
    assert lr_per_epoch(r, m, losses(5, 4.6, 4, 3.9)) == pytest.approx([1, 0.1, 0.1, 0.01])


def test_reduce_lr_missing_metric_warns():
    r = cb.ReduceLROnPlateau(monitor="val_acc", mode="max")
    with pytest.warns(UserWarning, match=r"conditioned on metric `val_acc` which is not available. "
                                         r"Available metrics are: loss,learning_rate\."):
        fit([r], FakeModel(), [{"loss": 1.0}])


# --- LearningRateScheduler, TerminateOnNaN, CSVLogger, LambdaCallback ---------------------------
def test_learning_rate_scheduler_two_and_one_argument(capsys):
    m = FakeModel(learning_rate=1.0)
    s = cb.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)
    seen = []
    fit([s, cb.LambdaCallback(on_epoch_begin=lambda e, l: seen.append(float(m.optimizer.learning_rate)))],
        m, losses(1, 1, 1))
    assert seen == [0.5, 0.25, 0.125]
    assert m.history.history["learning_rate"] == [0.5, 0.25, 0.125]
    assert "\nEpoch 2: LearningRateScheduler setting learning rate to 0.25.\n" in capsys.readouterr().out
    m = FakeModel()
    fit([cb.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], m, losses(1, 1))
    assert m.history.history["learning_rate"] == pytest.approx([0.01, 0.02])


def test_learning_rate_scheduler_needs_a_float():
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        fit([cb.LearningRateScheduler(lambda epoch: 1)], FakeModel(), losses(1))


def test_terminate_on_nan(capsys):
    m = FakeModel()
    ran = fit([cb.TerminateOnNaN()], m, losses(1, 1, 1), batch_logs={1: {"loss": float("nan")}})
    assert ran == [0] and m.stop_training
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        fit([cb.TerminateOnNaN(raise_error=True)], m, losses(1), batch_logs={0: {"loss": np.inf}})


def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    fit([cb.CSVLogger(path)], FakeModel(), [{"loss": 0.5, "acc": 0.25}, {"loss": 0.25, "acc": 0.5}])
    assert path.read_bytes() == (b"epoch,acc,loss,val_acc,val_loss\r\n"
                                 b"0,0.25,0.5,NA,NA\r\n1,0.5,0.25,NA,NA\r\n")
    fit([cb.CSVLogger(path, separator=";", append=True)], FakeModel(), [{"loss": 1.0, "acc": 0.0}])
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[-1] == ["0;0.0;1.0;NA;NA"] and len(rows) == 4  # no second header


def test_csv_logger_with_validation_keys(tmp_path):
    path = tmp_path / "v.csv"
    fit([cb.CSVLogger(str(path), separator="\t")], FakeModel(), [{"loss": 1.0, "val_loss": 2.0}])
    assert path.read_text().splitlines() == ["epoch\tloss\tval_loss", "0\t1.0\t2.0"]


def test_lambda_callback_extra_hooks():
    events = []
    lam = cb.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                            on_train_batch_end=lambda batch, logs: events.append(batch),
                            on_test_begin=lambda logs: events.append("test"))
    fit([lam], FakeModel(), losses(1))
    lam.on_test_begin({})
    assert events == ["begin", 0, 1, "test"]


# --- ProgbarLogger ---------------------------------------------------------------------------
@pytest.fixture
def quiet_display(monkeypatch):
    monkeypatch.setattr(progbar_mod, "dynamic_display", lambda: False)


def test_progbar_logger_verbose2(capsys, quiet_display):
    fit([], FakeModel(), [{"loss": 0.5, "val_loss": 0.75}, {"loss": 0.25, "val_loss": 0.5}],
        verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert lines[1].startswith("2/2 - 0s - ") and lines[1].endswith("/step - loss: 0.5000 - val_loss: 0.7500")


def test_progbar_logger_verbose1_silent_validation_and_one_line_per_epoch(capsys, quiet_display):
    m = FakeModel()
    cbs = cb.CallbackList([], add_progbar=True, model=m, verbose=1, epochs=1, steps=3)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for step in range(3):
        cbs.on_train_batch_end(step, {"loss": 1.0 - step / 10})
    cbs.on_test_begin()
    cbs.on_test_batch_end(0, {"loss": 9.0})
    cbs.on_test_end({"loss": 9.0})
    cbs.on_epoch_end(0, {"loss": 0.8, "val_loss": 9.0})
    cbs.on_train_end()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1  # epochs=1: no "Epoch 1/1"; validation prints nothing
    assert lines[0].startswith("\x1b[1m3/3\x1b[0m ")
    assert lines[0].endswith("/step - loss: 0.8000 - val_loss: 9.0000")


def test_progbar_logger_evaluate_and_predict(capsys, quiet_display):
    cbs = cb.CallbackList([], add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=None)
    cbs.on_test_begin()
    for step in range(4):
        cbs.on_test_batch_end(step, {"loss": 0.5})
    cbs.on_test_end({"loss": 0.5})
    cbs = cb.CallbackList([], add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=1)
    cbs.on_predict_begin()
    cbs.on_predict_batch_end(0, {"outputs": np.ones((2, 3))})
    cbs.on_predict_end()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("\x1b[1m4/4\x1b[0m ") and lines[0].endswith(" - loss: 0.5000")
    assert lines[1].startswith("\x1b[1m1/1\x1b[0m ") and lines[1].endswith("/step")
