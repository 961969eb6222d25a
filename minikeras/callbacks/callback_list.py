"""`CallbackList`, the one callback `fit`, `evaluate` and `predict` talk to: it calls each hook on
every callback it holds, with the logs flattened and sorted once (Keras's
`callbacks/callback_list.py`)."""
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.history import History
from minikeras.callbacks.progbar_logger import ProgbarLogger


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
