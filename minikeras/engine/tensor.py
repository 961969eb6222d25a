"""`Tensor`: a numpy array that also behaves like TensorFlow's eager tensor where tutorials rely on it.

Keras tutorials written for TensorFlow call `.numpy()` on what a layer, a model or a `tf.*` function
returns, read `output._keras_mask`, and iterate `tf.data` datasets whose elements are tensors. A
`Tensor` is an `ndarray` subclass, so every numpy and `keras.ops` function takes it and returns one,
with TensorFlow's `numpy()` added. It is registered with autograd (engine/autodiff.py) so a traced
computation may contain one; what autograd hands back for it is a `TensorBox`, which also has
`numpy()` and converts with `float()` / `int()` as a TensorFlow tensor does.
"""
import numpy as onp


class Tensor(onp.ndarray):
    """An eager tensor: the numpy array itself, plus TensorFlow's `numpy()`."""

    def numpy(self):
        """The value as a plain numpy array (0-d values as numpy scalars, as TensorFlow does)."""
        value = self.view(onp.ndarray)
        return value[()] if value.ndim == 0 else value

    def __repr__(self):
        return f"<Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={self.numpy()!r}>"

    def __str__(self):
        return str(self.view(onp.ndarray))


def as_tensor(x, dtype=None):
    """`x` (array-like; a Tensor stays itself) as a `Tensor`, cast to `dtype` if given."""
    arr = onp.asarray(x, dtype=dtype)
    return arr.view(Tensor) if type(x) is not Tensor or dtype is not None else x


def plain(x):
    """`x` as a plain numpy array when it is a Tensor; anything else unchanged."""
    return x.view(onp.ndarray) if isinstance(x, Tensor) else x
