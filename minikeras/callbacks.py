"""`keras.callbacks`: hooks that `fit`, `evaluate` and `predict` call around epochs and batches.

`fit` builds a `CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
verbose=..., epochs=..., steps=...)` and calls its `on_*` methods; the list flattens and sorts each
logs dict once (`pythonify_logs`) and hands the same dict to every callback, so a value a callback
adds (ReduceLROnPlateau's "learning_rate") reaches the History and the progress bar after it.
The model interface used here: `model.stop_training`, `model.optimizer.learning_rate` (float()-able
and assignable), `model.get_weights()` / `model.set_weights(list)`, `model.metrics`, `model.history`.
"""
import collections
import csv
import json
import os
import shutil
import warnings

import numpy as onp

from minikeras.utils.progbar import Progbar, print_msg


def pythonify_logs(logs):
    """A new dict: keys sorted, nested dicts flattened, scalar values turned into Python floats."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


class Callback:
    """Base class of callbacks: override the `on_*` hooks you need.

    Attributes:
        params: dict of training parameters (`verbose`, `epochs`, `steps`).
        model: the model being trained, evaluated or run.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Backwards-compatible alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Backwards-compatible alias of `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch of `fit`."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch, with the epoch's metrics (`val_` ones included)."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch with the metrics aggregated so far in the epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of `evaluate` (or of validation in `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of `evaluate`, with the metrics aggregated so far."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of `predict`; `logs["outputs"]` holds the batch's outputs."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit`, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` or of a validation pass."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` or of a validation pass."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""


def _flatten(callbacks):
    for cb in callbacks:
        if isinstance(cb, (list, tuple)):
            yield from _flatten(cb)
        elif cb is not None:
            yield cb


class CallbackList(Callback):
    """Calls every hook on each of its callbacks, adding `History` / `ProgbarLogger` if asked.

    Args:
        callbacks: list of `Callback` instances (nested lists are flattened).
        add_history: append a `History` unless the list already holds one.
        add_progbar: append a `ProgbarLogger` unless the list already holds one.
        model: the model the callbacks see (`model.history` is set to the History).
        **params: passed to every callback's `set_params` (`verbose`, `epochs`, `steps`).
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(_flatten(callbacks)) if callbacks else []
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._in_begin_end_block_count = 0
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    # Batch hooks pass `logs` by keyword and the others positionally, as Keras does.
    def _batch(self, hook, batch, logs):
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(batch, logs=logs)

    def _each(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def _begin(self, hook, logs):
        self._in_begin_end_block_count += 1
        self._each(hook, pythonify_logs(logs))

    def _end(self, hook, logs):
        self._each(hook, pythonify_logs(logs))
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            raise ValueError("`on_xxx_end` called without corresponding `on_xxx_begin`")

    def on_batch_begin(self, batch, logs=None): self._batch("on_batch_begin", batch, logs)
    def on_batch_end(self, batch, logs=None): self._batch("on_batch_end", batch, logs)
    def on_train_batch_begin(self, batch, logs=None): self._batch("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch, logs=None): self._batch("on_train_batch_end", batch, logs)
    def on_test_batch_begin(self, batch, logs=None): self._batch("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._batch("on_test_batch_end", batch, logs)
    def on_predict_batch_begin(self, batch, logs=None): self._batch("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch, logs=None): self._batch("on_predict_batch_end", batch, logs)
    def on_epoch_begin(self, epoch, logs=None): self._each("on_epoch_begin", epoch, pythonify_logs(logs))
    def on_epoch_end(self, epoch, logs=None): self._each("on_epoch_end", epoch, pythonify_logs(logs))
    def on_train_begin(self, logs=None): self._begin("on_train_begin", logs)
    def on_train_end(self, logs=None): self._end("on_train_end", logs)
    def on_test_begin(self, logs=None): self._begin("on_test_begin", logs)
    def on_test_end(self, logs=None): self._end("on_test_end", logs)
    def on_predict_begin(self, logs=None): self._begin("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._end("on_predict_end", logs)


class History(Callback):
    """Records each epoch's logs: `history[name]` is a list with one value per epoch.

    `fit` returns it, and it is `model.history`. `epoch` lists the epoch indices seen.
    """

    def __init__(self):
        super().__init__()
        self.history = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self  # the latest state, even if training stops early


class ProgbarLogger(Callback):
    """Prints "Epoch i/n" and a `Progbar` per epoch (verbose=1 live bar, verbose=2 one line).

    Inside `fit` the validation pass prints nothing; `evaluate` and `predict` get their own bar.
    """

    def __init__(self):
        super().__init__()
        self.seen, self.progbar, self.target = 0, None, None
        self.verbose, self.epochs = 1, 1
        self._called_in_fit = False

    def set_params(self, params):
        self.verbose = 1 if params["verbose"] == "auto" else params["verbose"]
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # the predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen, self.progbar = 0, None
        self._maybe_init_progbar()

    def _maybe_init_progbar(self):
        if self.progbar is None:
            # The logs already hold running averages: show every value as given.
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)



# --- callbacks that watch a metric -----------------------------------------------------------
def _flat_metrics(model):
    """The model's metric objects, with containers (compiled metrics lists) opened up."""
    out = []
    for m in getattr(model, "metrics", None) or []:
        inner = getattr(m, "metrics", None)
        out.extend(inner if isinstance(inner, (list, tuple)) else [m])
    return out


class MonitorCallback(Callback):
    """Base of callbacks that track the best value of `logs[monitor]`.

    An improvement is `current - min_delta > best` in "max" mode and `current + min_delta < best`
    in "min" mode; "auto" picks "min" for losses and otherwise asks the model's metric of that
    name for its `_direction` ("up" or "down").
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = onp.less
        elif self.mode == "max":
            self.monitor_op = onp.greater
        else:
            self.monitor_op = self._infer_monitor_op()
        if self.monitor_op is onp.less:
            self.min_delta *= -1

    def _infer_monitor_op(self):
        name = self.monitor.removeprefix("val_")
        op = onp.less if name == "loss" else None
        for m in _flat_metrics(self.model):
            if getattr(m, "name", None) == name and hasattr(m, "_direction"):
                op = onp.greater if m._direction == "up" else onp.less
        if op is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but Keras isn't "
                "able to automatically determine whether that metric should be maximized or "
                "minimized. Pass `mode='max'` in order to monitor based on the highest metric "
                "value, or pass `mode='min'` in order to use the lowest value.")
        return op

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        # Keras compares backend tensors, float32 for Python floats: ties follow float32 rounding.
        return bool(self.monitor_op(onp.float32(monitor_value - self.min_delta),
                                    onp.float32(reference_value)))


class EarlyStopping(MonitorCallback):
    """Stops `fit` once `monitor` has not improved for `patience` epochs.

    Each monitored epoch (from `start_from_epoch` on) increments `wait`; an improvement over the
    best value resets it to 0 (if it also beats `baseline`); `wait >= patience` (after epoch 0)
    sets `model.stop_training`. With `restore_best_weights` the weights of the best epoch are put
    back at the end of training, whether or not training stopped early.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.wait, self.stopped_epoch = 0, 0
        self.restore_best_weights, self.best_weights = restore_best_weights, None
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # late, so that the model's metrics exist
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(f"Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}",
                          stacklevel=2)
        return value


def _optimizers(model):
    """`(name, optimizer)` pairs: the parts of a multi-optimizer, or the one optimizer."""
    opt = model.optimizer
    if hasattr(opt, "optimizers"):
        return [(o.name, o) for o in opt.optimizers]
    return [("", opt)]


def _log_learning_rates(model, logs):
    for name, opt in _optimizers(model):
        logs[f"learning_rate_{name}" if name else "learning_rate"] = float(opt.learning_rate)


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` when `monitor` stalls for `patience` epochs.

    `new_lr = max(lr * factor, min_lr)`, applied only while `lr > min_lr`; after a reduction,
    `cooldown` epochs pass before `wait` counts again. Adds `logs["learning_rate"]`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor, self.min_lr, self.patience = factor, min_lr, patience
        self.verbose, self.cooldown = verbose, cooldown
        self.cooldown_counter, self.wait = 0, 0

    def _reset(self):
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name=""):
        old_lr = float(optimizer.learning_rate)
        if not old_lr > onp.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate "
                      f"to {new_lr}.")
        return True

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        _log_learning_rates(self.model, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                          f"is not available. Available metrics are: {','.join(list(logs.keys()))}.",
                          stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = [self._reduce_optimizer_lr(opt, epoch, name)
                           for name, opt in _optimizers(self.model)]
                if any(reduced):
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Sets the learning rate to `schedule(epoch, lr)` (or `schedule(epoch)`) before each epoch."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # the one-argument form, schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, onp.float32, onp.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        for name, opt in _optimizers(self.model):
            learning_rate = self._update_optimizer_lr(opt, epoch)
            if self.verbose > 0:
                which = f"{name} learning rate" if name else "learning rate"
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which} to "
                          f"{learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        _log_learning_rates(self.model, logs or {})


class TerminateOnNaN(Callback):
    """Stops training (or raises, with `raise_error=True`) when a batch loss is NaN or inf."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or onp.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
            isinstance(value, onp.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Writes one CSV row per epoch: `epoch` then the logs' keys in sorted order.

    Without validation keys in the first epoch's logs, `val_` columns are added anyway (filled
    with "NA"). `append=True` continues an existing file without repeating its header.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.writer, self.keys, self.append_header, self.csv_file = None, None, True, None

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not bool(len(f.readline()))
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            dialect = type("CustomDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class LambdaCallback(Callback):
    """A callback built from functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`.

    Other hooks (`on_test_begin=...`, ...) can be given as keyword arguments too.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


def _count_batches(callback, batch):
    """Counts the batches seen since the last save (batch indices restart each epoch); True
    when `save_freq` of them have passed."""
    if callback._last_batch_seen is None or batch <= callback._last_batch_seen:
        added = batch + 1
    else:
        added = batch - callback._last_batch_seen
    callback._batches_seen_since_last_saving += added
    callback._last_batch_seen = batch
    if callback._batches_seen_since_last_saving >= callback.save_freq:
        callback._batches_seen_since_last_saving = 0
        return True
    return False


def _check_save_freq(save_freq):
    if save_freq != "epoch" and (not isinstance(save_freq, (int, onp.integer))
                                 or isinstance(save_freq, bool) or save_freq <= 0):
        raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' "
                         "or integer values")


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or its weights) at the end of every epoch or every `save_freq` batches.

    `filepath` is formatted with `epoch` (1-based), `batch` (1-based, batch-level saves) and the
    logs' keys: `"ckpt/{epoch:02d}-{val_loss:.2f}.keras"`. It must end in `.weights.h5` with
    `save_weights_only=True`, else in `.keras` (or legacy `.h5`). With `save_best_only`, a save
    happens only when `monitor` improves on the best value so far (starting from
    `initial_value_threshold`), in the direction `mode` gives.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose, self.filepath = verbose, os.fspath(filepath)
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        _check_save_freq(save_freq)
        self.save_freq = save_freq
        self._batches_seen_since_last_saving, self._last_batch_seen = 0, None
        self._current_epoch = 0
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             "filepath provided must end in `.weights.h5` (Keras weights "
                             f"format). Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch" and _count_batches(self, batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if self.monitor_op is None:  # a batch-level save before the first epoch ended
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs or {})
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if not self._should_save_model(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        """`filepath` with `{epoch}` (and `{batch}`, both 1-based) and the logs filled in."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None


class BackupAndRestore(Callback):
    """Backs up the training state so that an interrupted `fit` resumes where it stopped.

    At each epoch end (or every `save_freq` batches) the weights and optimizer state go to
    `backup_dir/latest.weights.h5` and `{"epoch": completed epochs, "batch": ...}` to
    `backup_dir/training_metadata.json`. When `fit` starts and a backup exists, the state is
    loaded and `fit` continues from the saved epoch. With `delete_checkpoint`, a `fit` that
    finishes removes `backup_dir`. The model must be built before `fit`; `fit` builds it from
    the data before calling `on_train_begin`.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq is not False:
            try:
                _check_save_freq(save_freq)
            except ValueError:
                raise ValueError(f"Invalid value for argument `save_freq`. Received: "
                                 f"save_freq={save_freq}. Expected either 'epoch' or an "
                                 "integer value.") from None
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._batches_seen_since_last_saving, self._last_batch_seen = 0, None
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built "
                             f"before you call `fit()`. Model {self.model} is unbuilt. You can "
                             "build it beforehand by calling it on a batch of data.")
        self._current_epoch, self._last_batch_seen = 0, None
        try:
            self._load_model()
        except (OSError, ValueError):
            # A damaged backup: fall back to the previous one if `double_checkpoint` kept it.
            if not os.path.exists(f"{self._weights_path}.bkp"):
                raise
            shutil.copyfile(f"{self._weights_path}.bkp", self._weights_path)
            if os.path.exists(f"{self._training_metadata_path}.bkp"):
                shutil.copyfile(f"{self._training_metadata_path}.bkp", self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        """Loads weights + optimizer state and sets the epoch `fit` resumes from."""
        if os.path.exists(self._weights_path):
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(self.model.trainable_variables)  # so its state can load
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                text = f.read()
            try:
                epoch = json.loads(text).get("epoch")
            except (ValueError, AttributeError):
                epoch = None
            if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
                raise ValueError(f"Invalid training metadata in {self._training_metadata_path}: "
                                 f"{text[:200]!r}")
            self.model._initial_epoch = epoch
            self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch, self._last_batch_seen = epoch + 1, None
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq not in ("epoch", False) and _count_batches(self, batch):
            self._save_model(batch)

    def _save_model(self, batch=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._weights_path, self._training_metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, f"{path}.bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = json.dumps({"epoch": self._current_epoch,
                               "batch": 0 if batch is None else batch})
        tmp = f"{self._training_metadata_path}.tmp"
        with open(tmp, "w") as f:
            f.write(metadata)
        os.replace(tmp, self._training_metadata_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
