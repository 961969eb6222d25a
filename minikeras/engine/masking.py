"""Keras masks: a boolean tensor attached to a tensor, as Keras 3's `_keras_mask`.

numpy arrays and autograd boxes take no attributes, so (like Keras's own fallback) masks live in a
table keyed by `id(tensor)`. An entry for a numpy array is dropped when the array dies (weakref);
autograd boxes cannot be weakly referenced, so their entries hold the box alive until
`clear_traced_masks()` runs at the end of each training step.
"""
import weakref

_masks = {}    # id(tensor) -> mask
_pinned = {}   # id(box) -> box, for tensors that cannot be weakly referenced


def _forget(key):
    _masks.pop(key, None)


def set_keras_mask(x, mask):
    """Attach `mask` to `x` (None clears it)."""
    if x is None:
        return
    try:
        object.__setattr__(x, "_keras_mask", mask)
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    if mask is None:
        _masks.pop(key, None)
        _pinned.pop(key, None)
        return
    if key not in _masks and key not in _pinned:
        try:
            weakref.finalize(x, _forget, key)
        except TypeError:
            _pinned[key] = x
    _masks[key] = mask


def get_keras_mask(x):
    """The mask attached to `x`, or None."""
    if x is None:
        return None
    try:
        mask = object.__getattribute__(x, "_keras_mask")
    except AttributeError:
        return _masks.get(id(x))
    # A KerasTensor's symbolic mask is for display only (see Layer._attach_symbolic_mask).
    return None if type(mask).__name__ == "KerasTensor" else mask


def clear_traced_masks():
    """Drop the masks of autograd boxes (called after each training step)."""
    for key in _pinned:
        _masks.pop(key, None)
    _pinned.clear()
