"""`History`, the callback that records each epoch's logs; `fit` returns it (Keras's
`callbacks/history.py`)."""
from minikeras.callbacks.callback import Callback


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
