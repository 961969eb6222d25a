"""`tf.linalg` (and `tf.matmul`, `tf.einsum`, `tf.tensordot`, `tf.norm`): matrix products and
matrix-shaped helpers, on `keras.ops`."""
import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras.engine.autodiff import untraced as _untraced
from minikeras._install import missing_attribute as _missing_attribute
from minikeras.tf import dtypes
from minikeras.tf._core import (
    axis_arg as _axis_arg, integer as _integer, numpy as _numpy, op as _op, read as _read)
from minikeras.tf._array_ops import global_norm  # noqa: F401  (tf.linalg.global_norm)
from minikeras.tf._tensors import eye  # noqa: F401  (tf.linalg.eye)
from minikeras.tf.math import l2_normalize  # noqa: F401  (tf.linalg.l2_normalize)


def _swap_last(x):
    return ops.swapaxes(x, -1, -2)


def _shape(x):
    """The shape of an array or traced value, read without a traced call (matmul is hot)."""
    return onp.shape(_untraced(x))


@_op
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """a @ b over the last two axes (batched over leading ones), after transposing a and / or b
    if asked (`adjoint_*`: conjugate transpose). Both must have rank >= 2."""
    x, y = _read(a), _read(b)
    for what, t in (("a", x), ("b", y)):
        if len(_shape(t)) < 2:
            raise ValueError(f"`{what}` must have rank >= 2 (use tf.linalg.matvec or tf.tensordot "
                             f"for vectors). Received: {what}.shape={_shape(t)}")
    if transpose_a or adjoint_a:
        x = anp.conj(_swap_last(x)) if adjoint_a else _swap_last(x)
    if transpose_b or adjoint_b:
        y = anp.conj(_swap_last(y)) if adjoint_b else _swap_last(y)
    if _shape(x)[-1] != _shape(y)[-2]:
        raise ValueError(f"the inner sizes differ: `a` is {_shape(x)} and `b` is {_shape(y)} "
                         f"(after any transposes), {_shape(x)[-1]} != {_shape(y)[-2]}.")
    out = ops.matmul(x, y)
    return out if output_type is None else ops.cast(out, dtypes.as_dtype(output_type).dtype)


@_op
def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    """The matrix (batch) `a` times the vector (batch) `b`."""
    x = _read(a)
    if transpose_a or adjoint_a:
        x = anp.conj(_swap_last(x)) if adjoint_a else _swap_last(x)
    return ops.squeeze(ops.matmul(x, ops.expand_dims(_read(b), -1)), axis=-1)


@_op
def einsum(equation, *inputs, **kwargs):
    """Einstein summation of `inputs` as `equation` ("ij,jk->ik") describes."""
    return ops.einsum(equation, *[_read(t) for t in inputs])


@_op
def tensordot(a, b, axes, name=None):
    """Sum of products of a and b over `axes` (an int: the last n of a with the first n of b;
    or a pair of axis lists)."""
    if not isinstance(axes, (int, onp.integer)):
        axes = [list(onp.atleast_1d(_numpy(ax)).astype(int)) for ax in axes]
    return ops.tensordot(_read(a), _read(b), axes=axes)


@_op
def matrix_transpose(a, conjugate=False, name="matrix_transpose"):
    """`a` with its last two axes swapped."""
    out = _swap_last(_read(a))
    return anp.conj(out) if conjugate else out


transpose = matrix_transpose


@_op
def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """Matrices with `diagonal` (..., n) on their main diagonal: shape (..., n, n)."""
    d = _read(diagonal)
    n = anp.shape(d)[-1]
    return ops.expand_dims(d, -1) * onp.eye(n, dtype=d.dtype)


@_op
def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The main diagonals (..., min(m, n)) of the matrices (..., m, n)."""
    return ops.diagonal(_read(input), axis1=-2, axis2=-1)


@_op
def trace(x, name=None):
    """The sum of the main diagonal of each matrix (..., m, n)."""
    return ops.sum(ops.diagonal(_read(x), axis1=-2, axis2=-1), axis=-1)


@_op
def band_part(input, num_lower, num_upper, name=None):
    """Each matrix with the entries more than `num_lower` below or `num_upper` above the
    diagonal set to 0 (-1 keeps the whole lower / upper triangle): band_part(ones, -1, 0) is
    the lower-triangular (causal) mask."""
    x = _read(input)
    m, n = anp.shape(x)[-2:]
    lower, upper = _integer(num_lower, "num_lower"), _integer(num_upper, "num_upper")
    i, j = onp.arange(m)[:, None], onp.arange(n)[None, :]
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return ops.where(keep, x, ops.zeros_like(x))


@_op
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """The vector norm over `axis` (all axes when None) or the matrix norm over a pair of axes:
    ord "euclidean" / 2, 1, inf, a number p; "fro" for matrices."""
    x = _read(tensor)
    order = None if ord in ("euclidean", "fro") else ord
    axis = _axis_arg(axis)
    if axis is None and order is not None:
        x, axis = ops.reshape(x, (-1,)), 0
    return ops.norm(x, ord=order, axis=axis, keepdims=bool(keepdims))

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
