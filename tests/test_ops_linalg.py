"""keras.ops.linalg on minikeras: values against numpy, Keras's errors, symbolic shapes, and
gradients (check_grads) of the differentiable ops, the QR VJP included."""
import numpy as np
import pytest
from autograd import numpy as anp
from autograd.test_util import check_grads

import minikeras.layers  # noqa: F401  (sets the recorder of symbolic op calls)
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops import linalg

rng = np.random.default_rng(0)
_a = rng.standard_normal((2, 3, 3))
SPD = _a @ _a.transpose(0, 2, 1) + np.eye(3)
RECT = rng.standard_normal((2, 4, 3))


def test_cholesky_and_inverse():
    lower = linalg.cholesky(SPD)
    np.testing.assert_allclose(lower, np.linalg.cholesky(SPD))
    np.testing.assert_allclose(linalg.cholesky(SPD, upper=True), lower.transpose(0, 2, 1))
    np.testing.assert_allclose(linalg.cholesky_inverse(lower), np.linalg.inv(SPD), rtol=1e-6)
    np.testing.assert_allclose(linalg.cholesky_inverse(lower.transpose(0, 2, 1), upper=True),
                               np.linalg.inv(SPD), rtol=1e-6)
    with pytest.raises(ValueError, match="Cholesky decomposition failed"):
        linalg.cholesky(-SPD)


def test_det_inv_eig_eigh():
    np.testing.assert_allclose(linalg.det(SPD), np.linalg.det(SPD))
    np.testing.assert_allclose(linalg.inv(SPD) @ SPD, np.broadcast_to(np.eye(3), SPD.shape), atol=1e-12)
    w, v = linalg.eigh(SPD)
    np.testing.assert_allclose((v * w[..., None, :]) @ v.transpose(0, 2, 1), SPD, atol=1e-12)
    w, v = linalg.eig(SPD.astype("float32"))
    assert w.dtype == np.complex64
    np.testing.assert_allclose(SPD.astype("float32") @ v, v * w[..., None, :], atol=1e-4)
    with pytest.raises(ValueError, match="Expected a square matrix"):
        linalg.det(RECT)
    with pytest.raises(ValueError, match="rank >= 2"):
        linalg.inv(np.ones(3))


def _reconstruct(lu, pivots):
    m, n = lu.shape
    k = min(m, n)
    lower = np.tril(lu[:, :k], -1) + np.eye(m, k)
    perm = np.arange(m)
    for i, p in enumerate(pivots):
        perm[[i, p]] = perm[[p, i]]
    out = np.empty((m, n))
    out[perm] = lower @ np.triu(lu[:k])
    return out


@pytest.mark.parametrize("shape", [(4, 4), (4, 3), (3, 4), (2, 3, 5)])
def test_lu_factor(shape):
    x = rng.standard_normal(shape)
    lu, pivots = linalg.lu_factor(x)
    assert pivots.dtype == np.int32 and pivots.shape == shape[:-2] + (min(shape[-2:]),)
    for i in np.ndindex(shape[:-2]):
        np.testing.assert_allclose(_reconstruct(lu[i], pivots[i]), x[i], atol=1e-12)


def test_qr_svd_pinv_lstsq_rank():
    for mode in ("reduced", "complete"):
        for ours, ref in zip(linalg.qr(RECT, mode), np.linalg.qr(RECT, mode)):
            np.testing.assert_allclose(ours, ref)
    with pytest.raises(ValueError, match="Expected one of {'reduced', 'complete'}"):
        linalg.qr(RECT, mode="r")
    u, s, vh = linalg.svd(RECT, full_matrices=False)
    np.testing.assert_allclose((u * s[..., None, :]) @ vh, RECT, atol=1e-12)
    np.testing.assert_allclose(linalg.svd(RECT, compute_uv=False), s)
    np.testing.assert_allclose(linalg.pinv(RECT), np.linalg.pinv(RECT), atol=1e-12)
    a, b = rng.standard_normal((5, 7)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(linalg.lstsq(a, b), np.linalg.lstsq(a, b)[0], atol=1e-12)
    np.testing.assert_allclose(linalg.lstsq(a, b[:, 0]), np.linalg.lstsq(a, b[:, 0])[0], atol=1e-12)
    rank1 = np.outer(rng.standard_normal(5), rng.standard_normal(4)).astype("float32")
    assert linalg.matrix_rank(rank1) == 1 and linalg.matrix_rank(rank1).dtype == np.int32
    assert linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.001]]), tol=1e-2) == 1


def test_solvers():
    b = rng.standard_normal((2, 3))
    np.testing.assert_allclose(np.einsum("bij,bj->bi", SPD, linalg.solve(SPD, b)), b, atol=1e-12)
    np.testing.assert_allclose(SPD @ linalg.solve(SPD, RECT[:, :3]), RECT[:, :3], atol=1e-12)
    tri = np.array([[1.0, 2.0], [0.0, 5.0]], "float32")
    assert linalg.solve_triangular(tri, np.array([2.0, 10.0], "float32"), lower=True).tolist() == [2, 2]
    assert linalg.solve_triangular(tri, np.array([2.0, 10.0], "float32")).tolist() == [-2, 2]
    with pytest.raises(ValueError, match="Incompatible shapes"):
        linalg.solve(SPD, np.ones((2, 4, 1)))
    with pytest.raises(ValueError, match="rank 2"):
        linalg.lstsq(RECT, np.ones(4))


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norms(ord):
    np.testing.assert_allclose(linalg.norm(RECT, ord=ord, axis=(1, 2)),
                               np.linalg.norm(RECT, ord=ord, axis=(1, 2)))


@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3, -1, np.inf, -np.inf])
def test_vector_norms(ord):
    np.testing.assert_allclose(linalg.norm(RECT, ord=ord, axis=-1, keepdims=True),
                               np.linalg.norm(RECT, ord=ord, axis=-1, keepdims=True))


def test_norm_errors_and_dtype():
    assert linalg.norm(np.arange(4, dtype="int32")).dtype == np.float32
    assert linalg.norm(np.ones(3, "float16")).dtype == np.float16
    for kwargs in (dict(ord="fro", axis=0), dict(ord=3, axis=(0, 1)), dict(ord=0, axis=None),
                   dict(axis=2), dict(ord="bad")):
        with pytest.raises(ValueError):
            linalg.norm(np.ones((2, 3)), **kwargs)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_computed_in_float32(dtype):
    x = SPD[0].astype(dtype)
    assert linalg.det(x).dtype == x.dtype and linalg.inv(x).dtype == x.dtype
    np.testing.assert_allclose(linalg.det(x).astype("float32"), np.linalg.det(SPD[0]), rtol=2e-2)
    assert [t.dtype for t in linalg.qr(x)] == [x.dtype, x.dtype]
    assert linalg.norm(x, "nuc").dtype == x.dtype


def test_symbolic_shapes_and_checks():
    x = KerasTensor((None, 4, 3))
    assert linalg.pinv(x).shape == (None, 3, 4)
    assert [t.shape for t in linalg.qr(x, "complete")] == [(None, 4, 4), (None, 4, 3)]
    assert [t.shape for t in linalg.svd(x, full_matrices=False)] == [(None, 4, 3), (None, 3), (None, 3, 3)]
    assert [t.shape for t in linalg.lu_factor(x)] == [(None, 4, 3), (None, 3)]
    assert linalg.matrix_rank(x).shape == (None,)
    assert linalg.solve(KerasTensor((None, 5, 5)), KerasTensor((None, 5))).shape == (None, 5)
    with pytest.raises(ValueError):
        linalg.inv(KerasTensor((None, None, 5)))
    with pytest.raises(ValueError, match="fully-defined"):
        linalg.qr(KerasTensor((None, 4)))


_b = rng.standard_normal((2, 3, 2))
GRADS = {
    "cholesky": (lambda v: linalg.cholesky(v @ anp.swapaxes(v, 1, 2) + np.eye(3), upper=True), _a),
    "cholesky_inverse": (lambda v: linalg.cholesky_inverse(anp.tril(v) + 3 * np.eye(3)), _a),
    "det": (linalg.det, SPD), "inv": (linalg.inv, SPD),
    "eigh": (lambda v: linalg.eigh(v + anp.swapaxes(v, 1, 2))[0], _a),
    "qr reduced": (lambda v: linalg.qr(v)[0].sum() + (linalg.qr(v)[1] ** 2).sum(), RECT),
    "qr square": (lambda v: linalg.qr(v)[0] * 2 + linalg.qr(v)[1], SPD),
    "svd": (lambda v: linalg.svd(v, full_matrices=False)[1], RECT),
    "solve": (lambda v: linalg.solve(SPD, v), _b),
    "solve matrix": (lambda v: linalg.solve(v, _b), SPD),
    "solve_triangular": (lambda v: linalg.solve_triangular(v, _b[..., 0], lower=True), SPD),
    "pinv": (linalg.pinv, RECT),
    "lu_factor": (lambda v: linalg.lu_factor(v)[0], _a),
    "lstsq": (lambda v: linalg.lstsq(v, RECT[1, :, 0]), RECT[0]),
    "norm nuc": (lambda v: linalg.norm(v, "nuc", axis=(1, 2)), RECT),
    "norm 3": (lambda v: linalg.norm(v, 3, axis=1), RECT),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(name):
    fn, x = GRADS[name]
    check_grads(fn, modes=["rev"], order=1)(x)


def test_qr_gradient_needs_tall_input():
    from autograd import grad
    with pytest.raises(NotImplementedError, match="m >= n"):
        grad(lambda v: linalg.qr(v)[1].sum())(RECT.transpose(0, 2, 1))
