"""The text `fit` / `evaluate` / `predict` print, against real Keras 3 run live with stdout not a TTY.

A recording callback captures every hook call Keras makes (with its logs and params); replaying
those calls through our CallbackList must print the same lines, up to the timing numbers. Keras
(on Linux) redraws with `\\b`/`\\r` even into a pipe; we compare what a terminal shows, and check
that our non-interactive output is that text directly, one line per epoch.
"""
import re

import numpy as np
import pytest

from minikeras import callbacks as cb
from minikeras.utils import progbar as progbar_mod

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end"]


def recorder(keras):
    """A Keras callback that records `(hook, index or None, logs)` for every hook call."""
    def make(hook):
        if "batch" in hook or "epoch" in hook:
            def method(self, index, logs=None):
                self.calls.append((hook, index, dict(logs or {})))
        else:
            def method(self, logs=None):
                self.calls.append((hook, None, dict(logs or {})))
        return method

    def __init__(self):
        keras.callbacks.Callback.__init__(self)
        self.calls = []

    namespace = {hook: make(hook) for hook in HOOKS}
    namespace["__init__"] = __init__
    return type("Recorder", (keras.callbacks.Callback,), namespace)()


class Model:
    history = None


def replay(rec, add_history):
    cbs = cb.CallbackList([], add_history=add_history, add_progbar=True, model=Model(),
                          **rec.params)
    for hook, index, logs in rec.calls:
        if index is None:
            getattr(cbs, hook)(logs)
        else:
            getattr(cbs, hook)(index, logs)


def render(text):
    """What a terminal shows: per line, the text after the last `\\r`, `\\b`s dropped."""
    return [line.rsplit("\r", 1)[-1].rstrip(" ") for line in text.replace("\b", "").split("\n")]


def untimed(lines):
    """Timing numbers replaced by `T`: the elapsed seconds and the time per step."""
    out = []
    for line in lines:
        line = re.sub(r"\x1b\[1m\d+s\x1b\[0m", "\x1b[1mTs\x1b[0m", line)
        line = re.sub(r"^(\s*\d+/\d+) - \d+s - ", r"\1 - Ts - ", line)
        out.append(re.sub(r" \d+(s|ms|us)/step", " T/step", line))
    return out


def keras_run(keras, verbose, capsys):
    """Real Keras: 2-epoch fit with validation, then evaluate and predict, each recorded."""
    keras.utils.set_random_seed(0)
    # Explicit names leave Keras's auto-naming counters (dense_N, ...) as other tests expect.
    model = keras.Sequential([keras.Input((3,), name="pb_input"),
                              keras.layers.Dense(2, activation="softmax", name="pb_dense")],
                             name="pb_model")
    model.compile(keras.optimizers.SGD(name="pb_sgd"), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 3)).astype("float32"), rng.integers(0, 2, 64)
    runs = []
    for name, call in (
            ("fit", lambda r: model.fit(x, y, epochs=2, batch_size=16, verbose=verbose,
                                        validation_split=0.25, callbacks=[r])),
            ("evaluate", lambda r: model.evaluate(x, y, verbose=verbose, callbacks=[r])),
            ("predict", lambda r: model.predict(x, verbose=verbose, callbacks=[r]))):
        rec = recorder(keras)
        capsys.readouterr()
        call(rec)
        runs.append((name, rec, capsys.readouterr().out))
    return runs


@pytest.mark.parametrize("verbose", [1, 2])
def test_same_text_as_keras(keras, capsys, monkeypatch, verbose):
    runs = keras_run(keras, verbose, capsys)
    for dynamic in (False, True):
        monkeypatch.setattr(progbar_mod, "dynamic_display", lambda: dynamic)
        for name, rec, keras_out in runs:
            replay(rec, add_history=name == "fit")
            ours = capsys.readouterr().out
            assert untimed(render(ours)) == untimed(render(keras_out)), (name, dynamic)
            if not dynamic:  # a pipe gets the final lines only: no redraws at all
                assert "\r" not in ours and "\b" not in ours
                assert ours.split("\n") == render(ours)


def test_keras_layout_is_what_we_think(keras, capsys):
    """Guards the recorded layout itself: 'Epoch i/n' then one bar line per epoch."""
    lines = untimed(render(keras_run(keras, 1, capsys)[0][2]))
    bar = "\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m \x1b[1mTs\x1b[0m T/step"
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4] == ""
    assert re.fullmatch(re.escape(bar) + r" - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
                        r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", lines[1])
