"""`TerminateOnNaN`, the callback that stops training when a batch loss is NaN or infinite
(Keras's `callbacks/terminate_on_nan.py`)."""
import numpy as onp

from minikeras.callbacks.callback import Callback
from minikeras.utils.progbar import print_msg


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
