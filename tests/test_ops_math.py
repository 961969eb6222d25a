"""keras.ops.math on minikeras: values against numpy and hand formulas, Keras's errors, symbolic
shapes, and gradients (check_grads) of the differentiable ops, the erfinv VJP included."""
import math

import numpy as np
import pytest
from autograd import numpy as anp
from autograd.test_util import check_grads

import minikeras
import minikeras.layers  # noqa: F401  (sets the recorder of symbolic op calls)
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops import math as kmath

rng = np.random.default_rng(0)


def _segment_reference(reduce, data, ids, n, empty):
    out = np.full((n,) + data.shape[1:], empty, dtype=data.dtype)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


@pytest.mark.parametrize("name, reduce, empty", [
    ("segment_sum", np.sum, 0), ("segment_max", np.max, -np.inf),
    ("segment_min", np.min, np.inf), ("segment_prod", np.prod, 1)])
@pytest.mark.parametrize("num_segments", [None, 5])
def test_segment_reductions(name, reduce, empty, num_segments):
    data = rng.standard_normal((7, 3)).astype("float32")
    ids = np.array([0, 2, 2, -1, 1, 0, 2])  # -1 rows are dropped
    out = getattr(kmath, name)(data, ids, num_segments=num_segments)
    n = 3 if num_segments is None else num_segments
    np.testing.assert_allclose(out, _segment_reference(reduce, data, ids, n, empty), rtol=1e-6)
    assert out.dtype == np.float32


def test_segment_int_dtype_and_errors():
    out = kmath.segment_prod(np.array([2, 3, 4], "int32"), np.array([0, 0, 1]), num_segments=2)
    assert out.dtype == np.int32 and out.tolist() == [6, 4]
    with pytest.raises(ValueError, match="should be an 1-D vector"):
        kmath.segment_sum(np.ones(4), np.zeros((2, 2), "int32"))
    with pytest.raises(ValueError, match="same leading dimension"):
        kmath.segment_max(np.ones(3), np.zeros(4, "int32"))


def test_segment_gradients_with_zeros_and_ties():
    from autograd import grad
    data = np.array([[0.0, 2.0], [3.0, 2.0], [0.0, 5.0], [4.0, 1.0]])
    ids = np.array([0, 0, 1, 1])
    check_grads(lambda v: kmath.segment_prod(v, ids, 2), modes=["rev"], order=1)(data)
    g = grad(lambda v: anp.sum(kmath.segment_max(v, ids, 2)))(data)
    np.testing.assert_allclose(g, [[0, 0.5], [1, 0.5], [0, 1], [1, 0]])  # ties share
    half = kmath.segment_sum(np.ones((3, 2), "bfloat16"), np.array([0, 1, 1]), 2)
    assert half.dtype.name == "bfloat16" and half.astype("float32").tolist() == [[1, 1], [2, 2]]


def test_segment_symbolic_shapes():
    x, ids = KerasTensor((None, 4)), KerasTensor((10,), "int32")
    assert kmath.segment_sum(x, ids).shape == (None, 4)
    assert kmath.segment_max(x, ids, num_segments=5).shape == (5, 4)


def test_top_k_and_in_top_k():
    values, idx = kmath.top_k(np.array([0, 4, 2, 1, 3, -1], "float32"), k=2)
    assert values.tolist() == [4, 3] and idx.tolist() == [1, 4] and idx.dtype == np.int32
    values, idx = kmath.top_k(np.array([[1.0, np.nan, 3.0, 3.0]], "float32"), k=3)
    assert idx.tolist() == [[1, 2, 3]]  # nan counts largest, ties in index order (as JAX)
    with pytest.raises(ValueError, match="no larger than size"):
        kmath.top_k(np.ones(3), k=4)
    pred = np.array([[0.1, 0.5, 0.4], [0.3, np.nan, 0.2]], "float32")
    assert kmath.in_top_k(np.array([2, 1]), pred, k=2).tolist() == [True, False]


def test_logsumexp_rsqrt():
    x = rng.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(kmath.logsumexp(x, axis=1), np.log(np.exp(x).sum(1)), rtol=1e-6)
    np.testing.assert_allclose(kmath.rsqrt(np.array([4.0, 16.0])), [0.5, 0.25])
    assert kmath.rsqrt(np.ones(2, "float16")).dtype == np.float16


def test_erf_erfc_erfinv_values():
    x = np.linspace(-3, 3, 25)
    np.testing.assert_allclose(kmath.erf(x), [math.erf(v) for v in x], atol=3e-7)
    np.testing.assert_allclose(kmath.erfc(x), [math.erfc(v) for v in x], rtol=2e-7)
    y = np.linspace(-0.999, 0.999, 41)
    np.testing.assert_allclose([math.erf(v) for v in kmath.erfinv(y)], y, atol=1e-12)
    f32 = kmath.erfinv(y.astype("float32"))
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, kmath.erfinv(y.astype("float32").astype("float64")), rtol=1e-6)
    edges = kmath.erfinv(np.array([-1.0, 1.0, 1.5, 0.0]))
    assert edges[0] == -np.inf and edges[1] == np.inf and np.isnan(edges[2]) and edges[3] == 0


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_special_functions_keep_float_dtype(dtype):
    x = np.full((2,), 0.5).astype(dtype)
    for fn in (kmath.erf, kmath.erfc, kmath.erfinv, kmath.rsqrt, kmath.logsumexp):
        assert fn(x).dtype == x.dtype, fn.__name__


def test_cdist():
    x, y = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 3))
    ref = np.sqrt(((x[:, :, None] - y[:, None]) ** 2).sum(-1))
    np.testing.assert_allclose(kmath.cdist(x, y), ref)
    assert kmath.cdist(np.ones((2, 3), "int32"), np.ones((1, 3), "int32")).dtype == np.float32
    with pytest.raises(ValueError, match="must match"):
        kmath.cdist(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="rank >= 2"):
        kmath.cdist(np.ones(3), np.ones((2, 3)))


def test_extract_sequences():
    x = np.arange(20, dtype="int32").reshape(2, 10)
    out = kmath.extract_sequences(x, 4, 3)
    assert out.shape == (2, 3, 4) and out.dtype == np.int32
    assert out[1, 2].tolist() == [16, 17, 18, 19]
    assert kmath.extract_sequences(minikeras.Input((None,)), 3, 2).shape == (None, None, 3)


def test_ffts_against_numpy():
    re, im = rng.standard_normal((2, 4, 6)).astype("float32")
    z = re + 1j * im
    for ours, ref in ((kmath.fft, np.fft.fft(z)), (kmath.fft2, np.fft.fft2(z)),
                      (kmath.ifft2, np.fft.ifft2(z))):
        r, i = ours((re, im))
        assert r.dtype == np.float32
        np.testing.assert_allclose(r + 1j * i, ref, atol=1e-5)
    for n in (None, 3, 6, 9):
        r, i = kmath.rfft(re, n)
        np.testing.assert_allclose(r + 1j * i, np.fft.rfft(re, n), atol=1e-5)
        np.testing.assert_allclose(kmath.irfft((re, im), n), np.fft.irfft(z, n), atol=1e-5)
    with pytest.raises(ValueError, match="tuple of two tensors"):
        kmath.fft(re)
    with pytest.raises(ValueError, match="not of type float"):
        kmath.fft((re.astype("int32"), im.astype("int32")))


def test_fft_symbolic_shapes_and_errors():
    r = minikeras.Input((4, 6))
    assert kmath.rfft(r, 10)[0].shape == (None, 4, 6)
    assert kmath.irfft((r, r)).shape == (None, 4, 10)
    with pytest.raises(ValueError, match="fully-defined"):
        kmath.fft((minikeras.Input((None,)), minikeras.Input((None,))))


def _hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def test_stft_matches_windowed_rfft():
    x = rng.standard_normal((2, 40))
    real, imag = kmath.stft(x, 8, 4, 10, window="hann", center=True)
    padded = np.pad(x, ((0, 0), (5, 5)), mode="reflect")
    win = np.pad(_hann(8), (1, 1))
    frames = np.stack([padded[:, i:i + 10] for i in range(0, padded.shape[1] - 9, 4)], 1)
    np.testing.assert_allclose(real + 1j * imag, np.fft.rfft(frames * win, 10), atol=1e-12)
    assert kmath.stft(minikeras.Input((32,)), 10, 3, 15)[0].shape == (None, 11, 8)


def test_stft_istft_round_trip():
    x = rng.standard_normal((3, 64)).astype("float32")
    spec = kmath.stft(x, 16, 4, 16)
    back = kmath.istft(spec, 16, 4, 16)
    assert back.shape == (3, 64) and back.dtype == np.float32
    np.testing.assert_allclose(back[:, 8:-8], x[:, 8:-8], atol=1e-5)
    assert kmath.istft(spec, 16, 4, 16, length=20).shape == (3, 20)


def test_stft_errors():
    with pytest.raises(TypeError, match="`float32` or `float64`"):
        kmath.stft(np.ones(16, "int32"), 4, 2, 4)
    with pytest.raises(ValueError, match="`fft_length` must equal or"):
        kmath.stft(np.ones(16, "float32"), 8, 2, 4)
    with pytest.raises(ValueError, match="If a string is passed"):
        kmath.stft(np.ones(16, "float32"), 4, 2, 4, window="blackman")
    with pytest.raises(ValueError, match="positive integer"):
        kmath.stft(np.ones(16, "float32"), 4, 0, 4)
    with pytest.raises(ValueError, match="shape of `window`"):
        kmath.istft((np.ones((3, 3)), np.ones((3, 3))), 4, 2, 4, window=np.ones(3))


def test_logdet_and_views():
    a = rng.standard_normal((2, 3, 3))
    spd = a @ a.transpose(0, 2, 1) + np.eye(3)
    np.testing.assert_allclose(kmath.logdet(spd), np.linalg.slogdet(spd)[1])
    z = kmath.view_as_complex(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert z.dtype == np.complex64 and z.tolist() == [1 + 2j, 3 + 4j]
    back = kmath.view_as_real(np.array([1 + 2j], "complex64"))
    assert back.dtype == np.float32 and back.tolist() == [[1, 2]]
    with pytest.raises(ValueError, match="Last dimension of input must be size 2"):
        kmath.view_as_complex(np.ones(3))


_x = rng.standard_normal((2, 20))
_a, _b = rng.standard_normal((2, 2, 3, 4))
GRADS = {
    "erfinv": (kmath.erfinv, rng.uniform(-0.9, 0.9, (6,))),
    "erf": (kmath.erf, _x), "erfc": (kmath.erfc, _x),
    "segment_sum": (lambda v: kmath.segment_sum(v, np.array([0, 1, 0]), 3), _a[0]),
    "segment_max": (lambda v: kmath.segment_max(v, np.array([0, 1, 0]), 2), _a[0]),
    "segment_min": (lambda v: kmath.segment_min(v, np.array([0, 1, 0]), 2), _a[0]),
    "segment_prod": (lambda v: kmath.segment_prod(v, np.array([0, 1, 0]), 2), _a[0]),
    "logsumexp": (lambda v: kmath.logsumexp(v, axis=1), _x),
    "cdist": (lambda v: kmath.cdist(v, _b), _a),
    "extract_sequences": (lambda v: kmath.extract_sequences(v, 5, 3), _x),
    "fft": (lambda v: kmath.fft((v, _b))[0] * kmath.fft((_b, v))[1], _a),
    "fft2": (lambda v: kmath.fft2((v, _b))[1], _a),
    "ifft2": (lambda v: kmath.ifft2((_b, v))[0], _a),
    "rfft": (lambda v: kmath.rfft(v, 5)[0].sum() + (kmath.rfft(v, 7)[1] ** 2).sum(), _a),
    "irfft": (lambda v: kmath.irfft((v, _b), 7).sum() + (kmath.irfft((_b, v)) ** 2).sum(), _a),
    "stft": (lambda v: kmath.stft(v, 6, 3, 7)[1], _x),
    "istft": (lambda v: kmath.istft((v, v * 0.5), 8, 3, 10), rng.standard_normal((2, 5, 6))),
    "logdet": (kmath.logdet, _a[:, :, :3] @ _a[:, :, :3].transpose(0, 2, 1) + np.eye(3)),
    "view_as_real": (lambda v: kmath.view_as_real(v * (1 + 2j)), _a),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(name):
    fn, x = GRADS[name]
    check_grads(fn, modes=["rev"], order=1)(x)


def test_view_as_complex_gradient():
    # complex64 output: compare with the exact gradient instead of finite differences
    from autograd import grad
    v = rng.standard_normal((3, 2))
    g = grad(lambda v: anp.sum(anp.real(kmath.view_as_complex(v)) * 2 +
                               anp.imag(kmath.view_as_complex(v)) * 3))(v)
    np.testing.assert_allclose(g, np.tile([2.0, 3.0], (3, 1)))
