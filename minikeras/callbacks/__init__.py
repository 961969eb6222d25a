"""`keras.callbacks`: hooks that `fit`, `evaluate` and `predict` call around epochs and batches.

`fit` builds a `CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
verbose=..., epochs=..., steps=...)` and calls its `on_*` methods; the list flattens and sorts each
logs dict once (`pythonify_logs`) and hands the same dict to every callback, so a value a callback
adds (ReduceLROnPlateau's "learning_rate") reaches the History and the progress bar after it.
The model interface used here: `model.stop_training`, `model.optimizer.learning_rate` (float()-able
and assignable), `model.get_weights()` / `model.set_weights(list)`, `model.metrics`, `model.history`.

The classes live where Keras 3 keeps them, one module each: `callback`, `callback_list`,
`history`, `progbar_logger`, `monitor_callback`, `early_stopping`, `reduce_lr_on_plateau`,
`learning_rate_scheduler`, `terminate_on_nan`, `csv_logger`, `lambda_callback`,
`model_checkpoint`, `backup_and_restore`, `remote_monitor` and `swap_ema_weights`.
"""
from minikeras.callbacks.backup_and_restore import BackupAndRestore
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.callback_list import CallbackList, pythonify_logs
from minikeras.callbacks.csv_logger import CSVLogger
from minikeras.callbacks.early_stopping import EarlyStopping
from minikeras.callbacks.history import History
from minikeras.callbacks.lambda_callback import LambdaCallback
from minikeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from minikeras.callbacks.model_checkpoint import ModelCheckpoint
from minikeras.callbacks.monitor_callback import MonitorCallback
from minikeras.callbacks.orbax_checkpoint import OrbaxCheckpoint
from minikeras.callbacks.progbar_logger import ProgbarLogger
from minikeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from minikeras.callbacks.remote_monitor import RemoteMonitor
from minikeras.callbacks.swap_ema_weights import SwapEMAWeights
from minikeras.callbacks.tensorboard import TensorBoard
from minikeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "MonitorCallback",
           "OrbaxCheckpoint", "ProgbarLogger", "pythonify_logs", "ReduceLROnPlateau", "RemoteMonitor",
           "SwapEMAWeights", "TensorBoard", "TerminateOnNaN"]
