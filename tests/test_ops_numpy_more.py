"""The later `keras.ops.numpy` functions (nan reductions, quantiles, bitwise, windows, products,
shapes): values against numpy, dtypes as Keras (JAX) gives them, gradients with check_grads."""
import numpy as onp
import pytest
from autograd.test_util import check_grads

from minikeras.ops import numpy as knp

rng = onp.random.default_rng(0)
X = rng.normal(size=(3, 4))
XN = onp.where(rng.random((3, 4)) < 0.3, onp.nan, X)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
                                  "nanprod", "nanmedian", "nanargmax", "nanargmin"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_nan_reductions_match_numpy(name, axis):
    expected = getattr(onp, name)(XN, axis=axis)
    onp.testing.assert_allclose(getattr(knp, name)(XN, axis=axis), expected, rtol=1e-6)


def test_nan_cumulative_and_all_nan_slices():
    onp.testing.assert_allclose(knp.nancumsum(XN, axis=1), onp.nancumsum(XN, axis=1))
    onp.testing.assert_allclose(knp.nancumprod(XN, axis=0), onp.nancumprod(XN, axis=0))
    all_nan = onp.array([[onp.nan, onp.nan], [1.0, onp.nan]])
    assert onp.isnan(knp.nanmax(all_nan, axis=1)[0]) and knp.nanmax(all_nan, axis=1)[1] == 1
    assert list(knp.nanargmax(all_nan, axis=1)) == [-1, 0]


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("axis", [None, 1, (0, 1)])
def test_quantile_matches_numpy(method, axis):
    q = onp.array([0.0, 0.3, 0.5, 1.0])
    out = knp.quantile(X, q, axis=axis, method=method, keepdims=True)
    onp.testing.assert_allclose(out, onp.quantile(X, q, axis=axis, method=method, keepdims=True))
    onp.testing.assert_allclose(knp.percentile(X, 40, axis=axis, method=method),
                                onp.percentile(X, 40, axis=axis, method=method), rtol=1e-6)
    onp.testing.assert_allclose(knp.nanquantile(XN, 0.7, axis=axis, method=method),
                                onp.nanquantile(XN, 0.7, axis=axis, method=method))


def test_median_dtypes():
    assert knp.median(onp.ones(3, "int32")).dtype == "float32"
    assert knp.median(onp.ones(3, "float16")).dtype == "float16"
    assert knp.quantile(onp.arange(5), 0.5) == 2.0


def test_gradients():
    y = rng.normal(size=(3,))
    check_grads(lambda a: knp.quantile(a, onp.array([0.25, 0.6]), axis=1), modes=["rev"], order=1)(X)
    check_grads(lambda a: knp.nanmean(a, axis=0), modes=["rev"], order=1)(XN[:, [0, 2]] * 0 + X[:, [0, 2]])
    check_grads(lambda a: knp.nanmean(knp.where(onp.isnan(XN), onp.nan, a)), modes=["rev"], order=1)(X)
    check_grads(lambda a, b: knp.correlate(a, b, mode="full"), modes=["rev"], order=1)(X[0], y)
    check_grads(lambda a, b: knp.cross(a, b), modes=["rev"], order=1)(X[:, :3], X[:, 1:])
    check_grads(lambda a, b: knp.kron(a, b), modes=["rev"], order=1)(X[:2, :2], y)
    check_grads(lambda a, b: knp.logaddexp2(a, b), modes=["rev"], order=1)(X[0], X[1])
    check_grads(lambda a, b: knp.fmod(a, b), modes=["rev"], order=1)(X[0] * 3, X[1] + 2.5)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("n, m", [(5, 3), (3, 5), (4, 4)])
def test_correlate_matches_numpy(mode, n, m):
    a, v = rng.normal(size=n), rng.normal(size=m)
    onp.testing.assert_allclose(knp.correlate(a, v, mode), onp.correlate(a, v, mode), rtol=1e-6)


def test_products_and_elementwise():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    onp.testing.assert_allclose(knp.kron(a, b), onp.kron(a, b))
    onp.testing.assert_allclose(knp.kron(a[0], b), onp.kron(a[0], b))
    onp.testing.assert_allclose(knp.inner(a, b.T), onp.inner(a, b.T))
    onp.testing.assert_allclose(knp.vdot(a, b.T), onp.vdot(a, b.T))
    onp.testing.assert_allclose(knp.fmod(onp.array([-5.5, 5.5]), 2.0), onp.fmod([-5.5, 5.5], 2.0))
    onp.testing.assert_allclose(knp.ldexp(onp.float32(1.5), onp.int32(3)), 12.0)
    with pytest.raises(TypeError, match="ldexp exponent"):
        knp.ldexp(1.0, 2.5)
    assert knp.exp2(onp.array([3], "int32")).dtype == "float32"
    onp.testing.assert_allclose(knp.corrcoef(a), onp.corrcoef(a), rtol=1e-6)
    onp.testing.assert_allclose(knp.trapezoid(a, dx=0.5), onp.trapezoid(a, dx=0.5))
    onp.testing.assert_allclose(knp.trapezoid(a, x=[0, 1, 3]), onp.trapezoid(a, x=[0, 1, 3]))


def test_bitwise_and_integer_ops():
    x, y = onp.array([5, 12], "int8"), onp.array([3, 10], "int8")
    assert list(knp.bitwise_and(x, y)) == [1, 8] and knp.bitwise_or(x, y).dtype == "int8"
    assert list(knp.left_shift(x, 1)) == [10, 24] and knp.left_shift(x, 1).dtype == "int8"
    assert list(knp.bitwise_invert(onp.array([True, False]))) == [False, True]
    assert list(knp.gcd(x, y)) == [1, 2] and list(knp.lcm(x, y)) == [15, 60]


def test_shapes():
    x = onp.arange(24.0).reshape(2, 3, 4)
    for k in range(-1, 5):
        onp.testing.assert_array_equal(knp.rot90(x, k, axes=(1, 2)), onp.rot90(x, k, axes=(1, 2)))
    assert [p.shape for p in knp.array_split(x, 3, axis=2)] == [(2, 3, 2), (2, 3, 1), (2, 3, 1)]
    assert knp.dstack([onp.ones(3), onp.ones(3)]).shape == (1, 3, 2)
    onp.testing.assert_array_equal(knp.append(x[0], x[1], axis=0), onp.append(x[0], x[1], axis=0))
    onp.testing.assert_array_equal(knp.vander(onp.array([1, 2, 3])), onp.vander([1, 2, 3]))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        knp.rot90(onp.ones(3))
    with pytest.raises(TypeError, match="indices_or_sections"):
        knp.array_split(x, [1, 2])


def test_unique_histogram_bincount_windows():
    x = onp.array([3, 1, 2, 3, 1], "int32")
    values, index, inverse, counts = knp.unique(x, return_index=True, return_inverse=True,
                                                return_counts=True, size=4)
    assert list(values) == [1, 2, 3, 1] and list(counts) == [2, 1, 2, 0] and list(inverse) == [2, 0, 1, 2, 0]
    counts, edges = knp.histogram(onp.array([0.0, 0.5, 1.0]), bins=2)
    assert list(counts) == [1, 2] and edges.shape == (3,)
    with pytest.raises(TypeError, match="bins"):
        knp.histogram(x, bins=2.0)
    assert list(knp.bincount(x, minlength=5)) == [0, 2, 1, 2, 0]
    onp.testing.assert_allclose(knp.hanning(5), onp.hanning(5), rtol=1e-6)
    assert knp.kaiser(4, 2.0).dtype == "float32"


def test_i0_gradient_is_i1():
    from autograd.test_util import check_grads

    from minikeras.ops.numpy import _bessel_i1
    x = onp.array([-2.0, 0.3, 1.5, 12.0])
    check_grads(knp.i0, modes=["rev"], order=1)(x)
    # I1 against its defining integral (1/pi) * int_0^pi e^(x cos t) cos t dt
    t = onp.linspace(0, onp.pi, 20001)
    for v in (-3.5, 0.5, 25.0, 70.0):
        integral = onp.trapezoid(onp.exp(v * onp.cos(t)) * onp.cos(t), t) / onp.pi
        assert onp.isclose(_bessel_i1(onp.array(v)), integral, rtol=1e-6)
