"""`ModelCheckpoint`, the callback that saves the model or its weights every epoch or every
`save_freq` batches, optionally only when a monitored metric improves (Keras's
`callbacks/model_checkpoint.py`)."""
import os
import warnings

import numpy as onp

from minikeras.callbacks.monitor_callback import MonitorCallback
from minikeras.utils.progbar import print_msg


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
