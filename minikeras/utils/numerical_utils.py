"""`keras.utils.to_categorical` and `keras.utils.normalize`."""
import numpy as onp

from minikeras.engine import config


def to_categorical(x, num_classes=None):
    """One-hot encodes integer class labels: `out[..., c] = (x == c)`.

    A trailing axis of size 1 is dropped first, so labels of shape `(n, 1)` give `(n, classes)`.

    Args:
        x: array-like of integer labels in `[0, num_classes)`.
        num_classes: number of classes; `max(x) + 1` when None (or 0).

    Returns:
        A float64 NumPy array of shape `x.shape (+ (num_classes,))`, as Keras returns for
        NumPy input.
    """
    x = onp.array(x, dtype="int64")
    shape = x.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = onp.max(x) + 1
    out = onp.zeros((x.shape[0], num_classes))
    out[onp.arange(x.shape[0]), x] = 1  # untraced numpy: indexed writes are fine here
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scales `x` to unit `order`-norm along `axis`: `x / ||x||_order` (zero norms left as 1).

    A NumPy array gives `x / norm` in NumPy's dtype rules (float64 for integer input), and a 1-D
    array a `(1, n)` row as in Keras. Other inputs (lists, variables, traced values) go through
    `ops.nn.normalize`: `x / max(||x||, epsilon)` in float32.
    """
    if isinstance(x, onp.ndarray):
        # Keras's NumPy path: a 1-D input comes back as a (1, n) row (`atleast_1d` + expand).
        norm = onp.atleast_1d(onp.linalg.norm(x, order, axis))
        norm = onp.where(norm == 0, onp.ones_like(norm), norm)
        return x / onp.expand_dims(norm, -1 if axis is None else axis)
    from minikeras import ops
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    if isinstance(x, (list, tuple, int, float)):
        x = onp.asarray(x, dtype=config.floatx())
    if onp.ndim(x) == 0:
        x = onp.reshape(x, (1,))
    return ops.nn.normalize(x, axis=axis, order=order, epsilon=config.epsilon())
