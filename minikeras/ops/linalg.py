"""`keras.ops.linalg`: norms, decompositions and solvers (batched over leading axes)."""
import builtins
import functools

import numpy as onp
from autograd import numpy as anp
from autograd.differential_operators import make_jvp_reversemode
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from minikeras.engine import config
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops.promotion import _args, _as_float, _as_tensor
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


# --- Keras's shape checks (on arrays and KerasTensors alike) ----------------------------------
def _assert_1d(*arrays):
    for a in arrays:
        if len(a.shape) < 1:
            raise ValueError(f"Expected input to have rank >= 1. Received scalar input {a}.")


def _assert_2d(*arrays):
    for a in arrays:
        if len(a.shape) < 2:
            raise ValueError("Expected input to have rank >= 2. "
                             f"Received input with shape {tuple(a.shape)}.")


def _assert_square(*arrays):
    for a in arrays:
        m, n = a.shape[-2:]
        if m != n:
            raise ValueError("Expected a square matrix. "
                             f"Received non-square input with shape {tuple(a.shape)}")


def _assert_a_b_compat(a, b):
    if len(a.shape) == len(b.shape) and a.shape[-2] != b.shape[-2]:
        raise ValueError("Incompatible shapes between `a` and `b`. Expected `a.shape[-2] == "
                         f"b.shape[-2]`. Received: a.shape={a.shape}, b.shape={b.shape}")
    if len(a.shape) == len(b.shape) - 1 and a.shape[-1] != b.shape[-1]:
        raise ValueError("Incompatible shapes between `a` and `b`. Expected `a.shape[-1] == "
                         f"b.shape[-1]`. Received: a.shape={a.shape}, b.shape={b.shape}")


def _square(x):
    _assert_2d(x)
    _assert_square(x)
    return x


def _float(x):
    """`x` as a float tensor (ints and bools become float32), checked to be >= 2-D."""
    x = _as_float(x)
    _assert_2d(x)
    return x


def _mT(x):
    return anp.swapaxes(x, -1, -2)


# --- decompositions ---------------------------------------------------------------------------
def cholesky(x, upper=False):
    """L with x = L L^T (lower triangular), or U = L^T when `upper`; x symmetric positive definite."""
    x = _square(_as_float(x))
    try:
        out = anp.linalg.cholesky(x)
    except onp.linalg.LinAlgError as e:
        raise ValueError(f"Cholesky decomposition failed: {e}")
    if onp.isnan(getval(out)).any():
        raise ValueError("Cholesky decomposition failed: the input might not be a valid "
                         "positive definite matrix.")
    return _mT(out) if upper else out


def cholesky_inverse(x, upper=False):
    """inv(A) from its Cholesky factor x (A = x x^T, or x^T x when `upper`)."""
    x = _square(_as_float(x))
    eye = onp.broadcast_to(onp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    try:
        inv_chol = solve_triangular(x, eye, lower=not upper)
    except onp.linalg.LinAlgError as e:
        raise ValueError(f"Cholesky inverse failed: {e}")
    return anp.matmul(inv_chol, _mT(inv_chol)) if upper else anp.matmul(_mT(inv_chol), inv_chol)


def det(x):
    """Determinant of the last two axes."""
    return anp.linalg.det(_square(_as_float(x)))


def eig(x):
    """Eigenvalues w and eigenvectors v (columns) of a general square matrix: x v = v diag(w);
    complex (complex64 for float32 input). Not differentiable."""
    x = _square(_as_float(x))
    w, v = onp.linalg.eig(getval(x))
    dtype = "complex128" if x.dtype == onp.float64 else "complex64"
    return w.astype(dtype), v.astype(dtype)


def eigh(x):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix (lower triangle
    read): x v = v diag(w)."""
    x = _square(_as_float(x))
    return anp.linalg.eigh(x)


def inv(x):
    """Matrix inverse of the last two axes."""
    return anp.linalg.inv(_square(_as_float(x)))


def _lu_one(a):
    """LAPACK getrf with partial pivoting: (packed L\\U, pivots) with pivots[i] the row swapped
    with row i at step i."""
    lu, (m, n) = a.copy(), a.shape
    pivots = onp.zeros(builtins.min(m, n), "int32")
    for k in range(builtins.min(m, n)):
        p = k + int(onp.argmax(onp.abs(lu[k:, k])))
        pivots[k] = p
        if p != k:
            lu[[k, p]] = lu[[p, k]]
        if lu[k, k] != 0:
            lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= onp.outer(lu[k + 1:, k], lu[k, k + 1:])
    return lu, pivots


def lu_factor(x):
    """LU factorisation with partial pivoting, as jax.scipy.linalg.lu_factor: `(lu, pivots)`, lu
    holding L (unit diagonal, below) and U (on and above the diagonal), pivots int32 row swaps."""
    return _lu(_float(x))


@primitive
def _lu(x):
    a = onp.asarray(x)
    flat = a.reshape((-1,) + a.shape[-2:])
    parts = [_lu_one(m) for m in flat]
    k = builtins.min(a.shape[-2:])
    if not parts:
        return onp.zeros(a.shape, a.dtype), onp.zeros(a.shape[:-2] + (k,), "int32")
    lu = onp.stack([p[0] for p in parts]).reshape(a.shape)
    return lu, onp.stack([p[1] for p in parts]).reshape(a.shape[:-2] + (k,))


def _permutation(pivots, m):
    """perm with a[perm] = L U for LAPACK's sequential row swaps."""
    perm = onp.broadcast_to(onp.arange(m), pivots.shape[:-1] + (m,)).copy()
    for i in range(pivots.shape[-1]):
        p = pivots[..., i:i + 1]
        row_i, row_p = perm[..., i:i + 1].copy(), onp.take_along_axis(perm, p, -1)
        onp.put_along_axis(perm, onp.full_like(p, i), row_p, -1)
        onp.put_along_axis(perm, p, row_i, -1)
    return perm


def _lu_vjp(ans, x):
    """Square x (JAX's JVP transposed): with X = L^-1 dA[perm] U^-1, d(lu) = L tril(X, -1) +
    triu(X) U, so grad_A[perm] = L^-T (tril(L^T G, -1) + triu(G U^T)) U^-T."""
    lu, pivots = ans
    m, n = x.shape[-2:]
    if m != n:
        raise NotImplementedError("The gradient of lu_factor is implemented for square matrices.")
    lower, upper = onp.tril(lu, -1) + onp.eye(m, dtype=lu.dtype), onp.triu(lu)
    perm = _permutation(pivots, m)

    def vjp(g):
        g_lu = g[0]
        mid = onp.tril(_mT(lower) @ g_lu, -1) + onp.triu(g_lu @ _mT(upper))
        permuted = _mT(onp.linalg.solve(upper, _mT(onp.linalg.solve(_mT(lower), mid))))
        out = onp.empty_like(permuted)
        onp.put_along_axis(out, perm[..., None], permuted, -2)
        return out
    return vjp


defvjp(_lu, _lu_vjp)


def qr(x, mode="reduced"):
    """x = Q R with Q orthonormal columns and R upper triangular; `mode` "reduced" (Q: (m, k),
    R: (k, n), k = min(m, n)) or "complete" (Q: (m, m), R: (m, n))."""
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of {'reduced', "
                         f"'complete'}}. Received: mode={mode}")
    x = _as_float(x)
    if len(x.shape) < 2:
        raise ValueError(f"Input should have rank >= 2. Received: input.shape = {x.shape}")
    return _qr(x, mode)


@primitive
def _qr(x, mode):
    q, r = onp.linalg.qr(x, mode=mode)
    return q.astype(x.dtype), r.astype(x.dtype)


def _qr_vjp(ans, x, mode):
    """Reverse-mode QR (m >= n, reduced; as in JAX / PyTorch): with M = R gR^T - gQ^T Q,
    gx = (gQ + Q copyltu(M)) R^-T, copyltu(M) = tril(M) + tril(M, -1)^T."""
    q, r = ans
    m, n = x.shape[-2:]
    if mode == "complete" and m != n or m < n:
        raise NotImplementedError("The gradient of qr is implemented for m >= n, mode "
                                  "'reduced' (or square inputs).")

    def vjp(g):
        gq, gr = g
        mm = r @ _mT(gr) - _mT(gq) @ q
        tril = onp.tril(mm)
        sym = tril + _mT(onp.tril(mm, -1))
        rhs = gq + q @ sym
        return _mT(onp.linalg.solve(r, _mT(rhs)))
    return vjp


defvjp(_qr, _qr_vjp)


def svd(x, full_matrices=True, compute_uv=True):
    """x = U diag(s) Vh: `(u, s, vh)`, singular values descending; only s when not `compute_uv`."""
    x = _float(x)
    return anp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


# --- solvers ----------------------------------------------------------------------------------
def _matrix_rhs(a, b):
    """b as (..., M, K) for a (..., M, M): a batch of vectors (b.ndim == a.ndim - 1, or 1-D b)
    gets a trailing axis, as jax.numpy.linalg.solve reads them."""
    vector = anp.ndim(b) == 1 or anp.ndim(b) == anp.ndim(a) - 1
    return (anp.expand_dims(b, -1) if vector else b), vector


def solve(a, b):
    """x with a x = b (a square; b a vector, a batch of vectors or matrices)."""
    a, b = _args(a, b, floating=True)
    _square(a)
    _assert_1d(b)
    _assert_a_b_compat(a, b)
    rhs, vector = _matrix_rhs(a, b)
    out = anp.linalg.solve(a, rhs)
    return out[..., 0] if vector else out


def solve_triangular(a, b, lower=False):
    """x with a x = b, reading only a's lower (`lower=True`) or upper triangle."""
    a, b = _args(a, b, floating=True)
    _square(a)
    _assert_1d(b)
    _assert_a_b_compat(a, b)
    return solve(anp.tril(a) if lower else anp.triu(a), b)


def _pinv(x, rcond):
    """V diag(1/s) U^T over singular values s > rcond * max(s) (default rcond: 10 max(m, n) eps)."""
    if rcond is None:
        rcond = 10 * builtins.max(x.shape[-2:]) * onp.finfo(x.dtype).eps
    u, s, vh = anp.linalg.svd(x, full_matrices=False)
    keep = getval(s) > rcond * onp.max(getval(s), axis=-1, keepdims=True)
    s_inv = anp.where(keep, 1.0 / anp.where(keep, s, 1.0), 0.0).astype(x.dtype)
    return anp.matmul(_mT(vh) * anp.expand_dims(s_inv, -2), _mT(u))


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (..., n, m) of x (..., m, n)."""
    return _pinv(_float(x), rcond)


def _lstsq_check(a, b):
    if len(a.shape) != 2:
        raise ValueError(f"Expected a to have rank 2. Received: a.shape={a.shape}")
    if len(b.shape) not in (1, 2):
        raise ValueError(f"Expected b to have rank 1 or 2. Received: b.shape={b.shape}")
    if b.shape[0] != a.shape[0]:
        raise ValueError("Expected b.shape[0] to be equal to a.shape[0]. Received: "
                         f"a.shape={a.shape}, b.shape={b.shape}")


def lstsq(a, b, rcond=None):
    """Least-squares (minimum-norm) x minimising ||a x - b||: pinv(a) b, with singular values
    below rcond * max(s) dropped (default rcond: max(m, n) eps)."""
    a, b = _args(a, b, floating=True)
    _lstsq_check(a, b)
    if rcond is None:
        rcond = builtins.max(a.shape) * onp.finfo(a.dtype).eps
    return anp.dot(_pinv(a, rcond), b)


def matrix_rank(x, tol=None):
    """Number of singular values above tol (default max(s) * max(m, n) * eps), as int32."""
    x = _float(x)
    s = onp.linalg.svd(onp.asarray(getval(x)), compute_uv=False)
    if tol is None:
        tol = onp.max(s, axis=-1, keepdims=True) * builtins.max(x.shape[-2:]) * onp.finfo(x.dtype).eps
    return onp.sum(s > tol, axis=-1).astype("int32")


# --- norms ------------------------------------------------------------------------------------
def _norm_axes(ndim, ord, axis):
    """The normalised reduction axes, with JAX's checks of `axis` and `ord`."""
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError("Invalid `ord` argument. Expected one of {'fro', 'nuc'} when using "
                         f"string. Received: ord={ord}")
    if axis is None:
        if ord is not None and ndim not in (1, 2):
            raise ValueError(f"Improper number of axes for `norm`: x.ndim={ndim} with ord={ord}.")
        axis = tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"`axis` {axis} is out of bounds for `norm` of an input of rank {ndim}.")
    axes = tuple(a % ndim for a in axes)
    if len(set(axes)) != len(axes) or len(axes) > 2:
        raise ValueError(f"Invalid `axis` argument for `norm`. Received: axis={axis}")
    if ord is None:
        return axes
    if len(axes) == 1 and isinstance(ord, str):
        raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord}")
    if len(axes) == 2 and ord not in ("fro", "nuc", onp.inf, -onp.inf, 1, -1, 2, -2):
        raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={ord}")
    return axes


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm (sum |x|^ord)^(1/ord) along one axis, or a matrix norm over two axes: 'fro',
    'nuc', 1 / inf (largest column / row sum of |x|), 2 (largest singular value), and their
    negatives (smallest). ord=None: the 2-norm of x flattened over `axis` (all axes by default)."""
    x = _as_tensor(x)
    if x.dtype.kind not in "fc" and x.dtype.name != "bfloat16":
        x = x.astype(config.floatx())
    axes = _norm_axes(anp.ndim(x), ord, axis)
    a = abs(x)
    if ord is None or ord == "fro" or ord == 2 and len(axes) == 1:
        return anp.sqrt(anp.sum(anp.square(x), axis=axes, keepdims=keepdims))
    if len(axes) == 1:
        if ord in (onp.inf, -onp.inf):
            return (anp.max if ord > 0 else anp.min)(a, axis=axes, keepdims=keepdims)
        if ord == 0:
            return anp.sum((getval(a) != 0).astype(x.dtype), axis=axes, keepdims=keepdims)
        return anp.sum(a ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)
    row, col = axes
    if ord in (1, -1, onp.inf, -onp.inf):
        inner, outer = (row, col) if ord in (1, -1) else (col, row)
        out = (anp.max if ord > 0 else anp.min)(anp.sum(a, axis=inner, keepdims=True), axis=outer,
                                                keepdims=True)
    else:  # singular values: 'nuc', 2, -2
        s = anp.linalg.svd(anp.moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        out = {"nuc": anp.sum, 2: anp.max, -2: anp.min}[ord](s, axis=-1)
        out = anp.expand_dims(anp.expand_dims(out, builtins.min(axes)), builtins.max(axes))
    return out if keepdims else anp.squeeze(out, axis=axes)


# --- output specs of symbolic calls (Keras's compute_output_spec) ------------------------------
def _same_square_spec(x, upper=False):
    return KerasTensor(_square(x).shape, x.dtype)


def _det_spec(x):
    return KerasTensor(_square(x).shape[:-2], x.dtype)


def _eig_spec(x):
    _square(x)
    return KerasTensor(x.shape[:-1], x.dtype), KerasTensor(x.shape, x.dtype)


def _lu_spec(x):
    _assert_2d(x)
    m, n = x.shape[-2:]
    k = None if None in (m, n) else builtins.min(m, n)
    return KerasTensor(x.shape, x.dtype), KerasTensor(x.shape[:-2] + (k,), "int32")


def _qr_spec(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of {'reduced', "
                         f"'complete'}}. Received: mode={mode}")
    if len(x.shape) < 2:
        raise ValueError(f"Input should have rank >= 2. Received: input.shape = {x.shape}")
    m, n = x.shape[-2:]
    if m is None or n is None:
        raise ValueError("Input should have its last 2 dimensions fully-defined. Received: "
                         f"input.shape = {x.shape}")
    k, base = builtins.min(m, n), tuple(x.shape[:-2])
    if mode == "reduced":
        return KerasTensor(base + (m, k), x.dtype), KerasTensor(base + (k, n), x.dtype)
    return KerasTensor(base + (m, m), x.dtype), KerasTensor(base + (m, n), x.dtype)


def _solve_spec(a, b, lower=False):
    _square(a)
    _assert_1d(b)
    _assert_a_b_compat(a, b)
    return KerasTensor(b.shape, b.dtype)


def _svd_spec(x, full_matrices=True, compute_uv=True):
    _assert_2d(x)
    (m, n), batch = x.shape[-2:], tuple(x.shape[:-2])
    k = None if None in (m, n) else builtins.min(m, n)
    if not compute_uv:
        return KerasTensor(batch + (k,), x.dtype)
    u, v = ((m, m), (n, n)) if full_matrices else ((m, k), (k, n))
    return (KerasTensor(batch + u, x.dtype), KerasTensor(batch + (k,), x.dtype),
            KerasTensor(batch + v, x.dtype))


def _lstsq_spec(a, b, rcond=None):
    _lstsq_check(a, b)
    return KerasTensor((a.shape[1],) + tuple(b.shape[1:]), a.dtype)


def _rank_spec(x, tol=None):
    _assert_2d(x)
    return KerasTensor(x.shape[:-2], "int32")


def _pinv_spec(x, rcond=None):
    _assert_2d(x)
    return KerasTensor(x.shape[:-2] + (x.shape[-1], x.shape[-2]), x.dtype)


cholesky.output_spec = cholesky_inverse.output_spec = inv.output_spec = _same_square_spec
det.output_spec, eig.output_spec, eigh.output_spec, lu_factor.output_spec = \
    _det_spec, _eig_spec, _eig_spec, _lu_spec
qr.output_spec, svd.output_spec, lstsq.output_spec = _qr_spec, _svd_spec, _lstsq_spec
solve.output_spec = solve_triangular.output_spec = _solve_spec
matrix_rank.output_spec, pinv.output_spec = _rank_spec, _pinv_spec


def jvp(fun, primals, tangents, has_aux=False):
    """The Jacobian of `fun` at `primals` times `tangents`: returns `(fun(*primals), J @ tangents)`
    (and `fun`'s auxiliary output third when `has_aux`). Computed as a reverse-mode product
    twice over (autograd's `make_jvp_reversemode`), so it works wherever gradients do."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals and {len(tangents)} tangents; they must "
                         "match one to one.")
    out = fun(*primals)
    value, aux = out if has_aux else (out, None)

    def main_output(*args):
        result = fun(*args)
        return result[0] if has_aux else result

    product = None
    for i, tangent in enumerate(tangents):
        part = make_jvp_reversemode(main_output, i)(*primals)(_as_tensor(tangent))
        product = part if product is None else product + part
    return (value, product, aux) if has_aux else (value, product)


_HALF = ("float16", "bfloat16")


def _half_in_float32(fn):
    """numpy's LAPACK has no half precision: float16 / bfloat16 operands are computed in float32
    and the float results returned in the operands' dtype (as JAX returns them)."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        args = [_as_tensor(a) if hasattr(a, "dtype") else a for a in args]
        half = [a.dtype for a in args if hasattr(a, "dtype") and onp.dtype(a.dtype).name in _HALF]
        if not half:
            return fn(*args, **kwargs)
        out = fn(*[a.astype("float32") if hasattr(a, "dtype") and a.dtype.name in _HALF else a
                   for a in args], **kwargs)
        back = [o.astype(half[0]) if o.dtype == onp.float32 else o
                for o in (out if isinstance(out, tuple) else (out,))]
        return tuple(back) if isinstance(out, tuple) else back[0]
    return op


for _name in ("cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lu_factor", "qr", "svd",
              "solve", "solve_triangular", "pinv", "lstsq", "matrix_rank", "norm"):
    globals()[_name] = _half_in_float32(globals()[_name])

__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
