"""`BackupAndRestore`, the callback that backs up the training state so that an interrupted
`fit` resumes where it stopped (Keras's `callbacks/backup_and_restore.py`)."""
import json
import os

from minikeras.callbacks.callback import Callback
from minikeras.callbacks.model_checkpoint import _check_save_freq, _count_batches
from minikeras.utils import file_utils


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
        self._weights_path = file_utils.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = file_utils.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
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
            if not file_utils.exists(self._prev_weights_path):
                raise
            file_utils.copy(self._prev_weights_path, self._weights_path)
            if file_utils.exists(self._prev_training_metadata_path):
                file_utils.copy(self._prev_training_metadata_path, self._training_metadata_path)
            elif file_utils.exists(self._training_metadata_path):
                file_utils.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        """Loads weights + optimizer state and sets the epoch `fit` resumes from."""
        if file_utils.exists(self._weights_path):
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(self.model.trainable_variables)  # so its state can load
            self.model.load_weights(self._weights_path)
        if file_utils.exists(self._training_metadata_path):
            with file_utils.File(self._training_metadata_path) as f:
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
            for path, prev in ((self._weights_path, self._prev_weights_path),
                               (self._training_metadata_path, self._prev_training_metadata_path)):
                if file_utils.exists(path):
                    file_utils.copy(path, prev)
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = json.dumps({"epoch": self._current_epoch,
                               "batch": 0 if batch is None else batch})
        tmp = f"{self._training_metadata_path}.tmp"
        with open(tmp, "w") as f:
            f.write(metadata)
        os.replace(tmp, self._training_metadata_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and file_utils.exists(self.backup_dir):
            file_utils.rmtree(self.backup_dir)
