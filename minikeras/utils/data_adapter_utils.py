"""The shape of a batch as the trainer hooks see it: `data` is `x`, `(x,)`, `(x, y)` or
`(x, y, sample_weight)` (Keras 3's `keras.utils.pack_x_y_sample_weight` and its inverse), and
the logs a step returns become plain floats for callbacks and the progress bar."""
import numpy as onp

from minikeras.engine.autodiff import untraced


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`, with None for
    what is missing (the first thing a `train_step(self, data)` override does)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch `data` that `fit` hands `train_step`: `x` (or `(x,)` when `x` is itself a tuple
    or list), `(x, y)` or `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


def pythonify_logs(logs):
    """Logs sorted by name with values as Python floats where they convert (nested dicts are
    merged in), as Keras hands them to callbacks."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        try:
            value = float(onp.asarray(untraced(getattr(value, "value", value))))
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result
