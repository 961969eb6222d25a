"""EarlyStopping / ReduceLROnPlateau / LearningRateScheduler decisions, epoch by epoch, against
real Keras 3 callbacks driven with the same logs on a tiny real Keras model."""
import warnings

import numpy as np
import pytest

from minikeras import callbacks as cb


class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = np.float32(value)  # a float32 variable, as Keras's


class FakeMetric:
    def __init__(self, name, direction):
        self.name, self._direction = name, direction


class FakeModel:
    def __init__(self, learning_rate):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 1), "float32"), np.zeros((1,), "float32")]
        self.metrics = [FakeMetric("loss", "down"), FakeMetric("accuracy", "up")]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


_KERAS_MODEL = {}


def keras_model(keras, learning_rate):
    """One small compiled Keras model, fitted once so that its compiled metrics (and their
    directions) exist; reused with its learning rate reset, since building one takes a second."""
    if "model" not in _KERAS_MODEL:
        # Explicit names leave Keras's auto-naming counters (dense_N, ...) as other tests expect.
        model = keras.Sequential([keras.Input((2,), name="cb_input"),
                                  keras.layers.Dense(1, name="cb_dense")], name="cb_model")
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate, name="cb_sgd"),
                      loss="mse", metrics=["accuracy"])
        model.fit(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), epochs=1, verbose=0)
        _KERAS_MODEL["model"] = model
    model = _KERAS_MODEL["model"]
    model.optimizer.learning_rate = learning_rate
    return model


def drive(callback, model, logs_seq, capsys):
    """The epoch hooks as `fit` calls them; the weights are set to the epoch index before each
    epoch ends, so restored weights name the epoch they came from."""
    model.stop_training = False
    callback.set_model(model)
    trace = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callback.on_train_begin({})
        for epoch, logs in enumerate(logs_seq):
            callback.on_epoch_begin(epoch, {})
            model.set_weights([np.full(w.shape, epoch, "float32") for w in model.get_weights()])
            logs = dict(logs)
            callback.on_epoch_end(epoch, logs)
            trace.append({"stop": bool(model.stop_training), "logs": logs,
                          "lr": float(np.asarray(model.optimizer.learning_rate)),
                          "wait": getattr(callback, "wait", None),
                          "cooldown": getattr(callback, "cooldown_counter", None),
                          "best": None if getattr(callback, "best", None) is None
                          else float(callback.best)})
            if model.stop_training:
                break
        callback.on_train_end({})
    final = {"restored": float(model.get_weights()[-1][0]), "out": capsys.readouterr().out,
             "warnings": [str(w.message) for w in caught if "metric" in str(w.message)]}
    for name in ("stopped_epoch", "best_epoch"):
        final[name] = getattr(callback, name, None)
    return trace, final


def compare(keras, make, logs_seq, capsys, learning_rate=0.5):
    ours = drive(make(cb), FakeModel(learning_rate), logs_seq, capsys)
    theirs = drive(make(keras.callbacks), keras_model(keras, learning_rate), logs_seq, capsys)
    for epoch, (o, t) in enumerate(zip(ours[0], theirs[0])):
        assert o == t, f"epoch {epoch}"
    assert len(ours[0]) == len(theirs[0])
    assert ours[1] == theirs[1]
    return ours


def sequence(seed, epochs=14):
    """Noisy, plateauing metrics rounded to 2 decimals (ties happen)."""
    rng = np.random.default_rng(seed)
    loss = np.round(1.0 / (1 + np.arange(epochs)) + rng.normal(0, 0.08, epochs), 2)
    val = np.round(loss + 0.1 + rng.normal(0, 0.05, epochs), 2)
    acc = np.round(np.clip(1 - loss / 2 + rng.normal(0, 0.05, epochs), 0, 1), 2)
    return [{"accuracy": float(a), "loss": float(l), "val_accuracy": float(a - 0.05),
             "val_loss": float(v)} for a, l, v in zip(acc, loss, val)]


FIXED = [
    [{"val_loss": v, "loss": v, "accuracy": 0.5, "val_accuracy": 0.5} for v in
     (1.0, 0.9, 0.95, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.3, 0.31, 0.32, 0.33, 0.34)],
    # improvements in float64 that are ties in float32 (Keras compares float32 tensors)
    [{"val_loss": v, "loss": v, "accuracy": 1 - v, "val_accuracy": 1 - v} for v in
     (0.35, 0.3, 0.1 + 3e-9, 0.1 + 2e-9, 0.1 + 1e-9, 0.1, 0.05, 0.05 - 1e-10, 0.05, 0.05)],
]
SEQUENCES = FIXED + [sequence(s) for s in range(4)]

EARLY_STOPPING = [
    {},
    {"patience": 2},
    {"patience": 3, "min_delta": 0.05},
    {"monitor": "val_accuracy", "patience": 2},
    {"monitor": "accuracy", "mode": "max", "patience": 1, "restore_best_weights": True},
    {"baseline": 0.5, "patience": 2, "restore_best_weights": True},
    {"baseline": 0.2, "patience": 3, "restore_best_weights": True, "verbose": 1},
    {"start_from_epoch": 3, "patience": 1, "restore_best_weights": True, "verbose": 1},
    {"monitor": "loss", "mode": "min", "min_delta": -0.1, "patience": 2, "start_from_epoch": 2},
    {"patience": 20, "restore_best_weights": True},
    {"monitor": "val_missing", "mode": "min", "patience": 1},
]


@pytest.mark.parametrize("config", EARLY_STOPPING)
@pytest.mark.parametrize("seq", range(len(SEQUENCES)))
def test_early_stopping(keras, capsys, config, seq):
    compare(keras, lambda mod: mod.EarlyStopping(**config), SEQUENCES[seq], capsys)


def test_early_stopping_stops_somewhere(keras, capsys):
    """The parametrised cases above must include real early stops and restores."""
    trace, final = compare(keras, lambda mod: mod.EarlyStopping(
        patience=2, restore_best_weights=True, verbose=1), FIXED[0], capsys)
    assert trace[-1]["stop"] and final["stopped_epoch"] == 3 and final["restored"] == 1.0
    assert "Epoch 4: early stopping" in final["out"]


REDUCE_LR = [
    {},
    {"factor": 0.5, "patience": 2},
    {"patience": 1, "cooldown": 2, "min_lr": 0.05, "verbose": 1},
    {"monitor": "val_accuracy", "factor": 0.2, "patience": 1, "verbose": 1},
    {"monitor": "accuracy", "mode": "max", "min_delta": 0.01, "patience": 2, "cooldown": 1},
    {"monitor": "loss", "factor": 0.1, "patience": 0, "min_lr": 0.004, "verbose": 1},
    {"monitor": "val_missing", "mode": "min"},
]


@pytest.mark.parametrize("config", REDUCE_LR)
@pytest.mark.parametrize("seq", range(len(SEQUENCES)))
def test_reduce_lr_on_plateau(keras, capsys, config, seq):
    compare(keras, lambda mod: mod.ReduceLROnPlateau(**config), SEQUENCES[seq], capsys)


def test_reduce_lr_reduces(keras, capsys):
    trace, final = compare(keras, lambda mod: mod.ReduceLROnPlateau(
        factor=0.5, patience=1, verbose=1), FIXED[0], capsys)
    assert trace[-1]["lr"] < 0.5 / 4 and "ReduceLROnPlateau reducing learning rate" in final["out"]


@pytest.mark.parametrize("schedule", [
    lambda epoch, lr: lr * 0.9 if epoch > 2 else lr,
    lambda epoch: 0.1 / (epoch + 1),
    lambda epoch, lr: float(np.float32(lr) * np.float32(0.5)),
])
def test_learning_rate_scheduler(keras, capsys, schedule):
    compare(keras, lambda mod: mod.LearningRateScheduler(schedule, verbose=1), SEQUENCES[2],
            capsys)
