"""`LearningRateScheduler`, the callback that sets the learning rate from a schedule before each
epoch, and the learning-rate helpers it shares with `ReduceLROnPlateau` (Keras's
`callbacks/learning_rate_scheduler.py`)."""
import numpy as onp

from minikeras.callbacks.callback import Callback
from minikeras.utils.progbar import print_msg


def _optimizers(model):
    """`(name, optimizer)` pairs: the parts of a multi-optimizer, or the one optimizer."""
    opt = model.optimizer
    if hasattr(opt, "optimizers"):
        return [(o.name, o) for o in opt.optimizers]
    return [("", opt)]


def _log_learning_rates(model, logs):
    for name, opt in _optimizers(model):
        logs[f"learning_rate_{name}" if name else "learning_rate"] = float(opt.learning_rate)


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
