"""`MonitorCallback`, the base of callbacks that watch a metric for its best value and decide
whether it improved (Keras's `callbacks/monitor_callback.py`)."""
import warnings

import numpy as onp

from minikeras import ops
from minikeras.callbacks.callback import Callback


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
    name for its `_direction` ("up" or "down"). `monitor_op` is `ops.greater` or `ops.less`.
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
            self.monitor_op = ops.less
        elif self.mode == "max":
            self.monitor_op = ops.greater
        else:
            self.monitor_op = self._infer_monitor_op()
        if self.monitor_op is ops.less:
            self.min_delta *= -1

    def _infer_monitor_op(self):
        name = self.monitor.removeprefix("val_")
        op = ops.less if name == "loss" else None
        for m in _flat_metrics(self.model):
            if getattr(m, "name", None) == name and hasattr(m, "_direction"):
                op = ops.greater if m._direction == "up" else ops.less
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
