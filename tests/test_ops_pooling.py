"""ops.max_pool / ops.average_pool: values, gradients (check_grads and a plain autograd
composition), tie routing as in jax, "same" averaging counts, shapes and errors."""
import itertools

import autograd
import numpy as np
import pytest
from autograd import numpy as anp
from autograd.test_util import check_grads

from minikeras import ops
from minikeras.engine.variable import Variable


def _tie_free(shape, seed=0):
    """float64 values that are all distinct and well separated (no ties in any window)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


def _reference(x, pool, strides, padding, data_format, mode):
    """Plain autograd composition: pad with numpy, then one slice per window offset."""
    nd = len(pool)
    first = 1 if data_format == "channels_last" else 2
    axes = range(first, first + nd)
    widths = [(0, 0)] * x.ndim
    outs = []
    for a, k, s in zip(axes, pool, strides):
        size = x.shape[a]
        out = (size - k) // s + 1 if padding == "valid" else -(-size // s)
        total = max((out - 1) * s + k - size, 0) if padding == "same" else 0
        widths[a] = (total // 2, total - total // 2)
        outs.append(out)
    fill = -np.inf if mode == "max" else 0.0
    mask = np.pad(np.ones(x.shape), widths)
    xp = _pad(x, widths, fill)
    acc, count = None, 0
    for t in itertools.product(*[range(k) for k in pool]):
        index = [slice(None)] * x.ndim
        for a, ti, s, out in zip(axes, t, strides, outs):
            index[a] = slice(ti, ti + (out - 1) * s + 1, s)
        piece = xp[tuple(index)]
        if mode == "max":
            acc = piece if acc is None else anp.maximum(acc, piece)
        else:
            acc = piece if acc is None else acc + piece
            count = count + mask[tuple(index)]
    return acc if mode == "max" else acc / count


def _pad(x, widths, fill):
    """Constant padding built from concatenations, so autograd can differentiate it."""
    for axis, (lo, hi) in enumerate(widths):
        parts = []
        for n in (lo, hi):
            shape = list(x.shape)
            shape[axis] = n
            parts.append(np.full(shape, fill))
        x = anp.concatenate([parts[0], x, parts[1]], axis=axis)
    return x


GRID = [
    # (spatial shape, pool, strides, padding)
    ((6,), (2,), None, "valid"),
    ((7,), (3,), (2,), "same"),
    ((7,), (2,), (3,), "valid"),
    ((6, 6), (2, 2), None, "valid"),
    ((7, 5), (2, 2), None, "valid"),   # odd sizes: the tail is dropped
    ((7, 5), (2, 2), None, "same"),    # odd sizes: padded after
    ((5, 6), (3, 3), (1, 1), "same"),  # overlapping windows, padding both sides
    ((5, 6), (3, 2), (2, 1), "valid"),
    ((6, 5), (1, 2), (1, 2), "valid"),
    ((5, 5), (2, 2), (3, 3), "same"),  # stride > pool
    ((4, 5, 4), (2, 2, 2), None, "valid"),
    ((5, 4, 3), (3, 2, 2), (2, 1, 2), "same"),
]


def _case_input(spatial, data_format, seed=0):
    shape = (2,) + spatial + (3,) if data_format == "channels_last" else (2, 3) + spatial
    return _tie_free(shape, seed)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("spatial,pool,strides,padding", GRID)
def test_matches_plain_composition_values_and_gradients(spatial, pool, strides, padding,
                                                       data_format, mode):
    x = _case_input(spatial, data_format)
    op = ops.max_pool if mode == "max" else ops.average_pool
    s = pool if strides is None else strides

    def ours(v):
        return op(v, pool, strides, padding, data_format)

    def plain(v):
        return _reference(v, pool, s, padding, data_format, mode)

    y = ours(x)
    np.testing.assert_allclose(y, plain(x), rtol=1e-12)
    g = np.random.default_rng(1).normal(size=y.shape)
    np.testing.assert_allclose(autograd.make_vjp(ours)(x)[0](g),
                               autograd.make_vjp(plain)(x)[0](g), rtol=1e-12, atol=1e-12)
    check_grads(ours, modes=["rev"], order=2 if mode == "average" else 1)(x)


@pytest.mark.parametrize("spatial,pool,padding", [((6, 8), (2, 2), "valid"),
                                                   ((7, 5), (2, 3), "valid"),
                                                   ((7, 5), (2, 2), "same"),
                                                   ((4, 6, 4), (2, 3, 2), "valid")])
def test_tiled_fast_path_equals_offset_slice_path(monkeypatch, spatial, pool, padding):
    # stride == pool takes the reshape path; forcing `_tiled` off sends the same windows
    # through one strided slice per offset. Rounded inputs make many ties.
    from minikeras.ops import pooling as P
    x = np.round(np.random.default_rng(0).normal(size=(2,) + spatial + (3,)))
    g, results, tiled_test = None, [], P._tiled
    for tiled in (True, False):
        monkeypatch.setattr(P, "_tiled", tiled_test if tiled else (lambda geo: False))
        for op in (ops.max_pool, ops.average_pool):
            y = op(x, pool, padding=padding)
            g = np.random.default_rng(1).normal(size=y.shape) if g is None else g
            results.append((y, _vjp(op, x, g, pool_size=pool, padding=padding)))
    for (y1, d1), (y2, d2) in zip(results[:2], results[2:]):
        np.testing.assert_allclose(y1, y2, rtol=1e-12)
        np.testing.assert_allclose(d1, d2, rtol=1e-12)


def _vjp(op, x, g, **kwargs):
    return autograd.make_vjp(lambda v: op(v, **kwargs))(x)[0](g)


def test_ties_send_the_gradient_to_the_first_element_of_each_window():
    # the values jax.vjp of keras.ops.max_pool gives (checked against jax in conformance)
    x = np.zeros((1, 4, 4, 1))
    g = np.arange(1.0, 5.0).reshape(1, 2, 2, 1)
    expected = np.array([[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(_vjp(ops.max_pool, x, g, pool_size=2)[0, :, :, 0], expected)

    x = np.array([1.0, 3, 3, 2, 3, 3]).reshape(1, 6, 1)
    g = np.array([1.0, 10, 100, 1000]).reshape(1, 4, 1)
    np.testing.assert_array_equal(_vjp(ops.max_pool, x, g, pool_size=3, strides=1).ravel(),
                                  [0, 11, 100, 0, 1000, 0])

    x = np.zeros((1, 5, 5, 1))
    dx = _vjp(ops.max_pool, x, np.ones((1, 5, 5, 1)), pool_size=3, strides=1, padding="same")
    expected = np.array([[4, 2, 2, 2, 0], [2, 1, 1, 1, 0], [2, 1, 1, 1, 0], [2, 1, 1, 1, 0],
                         [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(dx[0, :, :, 0], expected)


def test_max_pool_pads_with_minus_infinity():
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)  # all negative: zero padding would win
    y = ops.max_pool(x, 2, 1, "same")
    np.testing.assert_array_equal(y[0, :, :, 0], [[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]])
    x = np.full((1, 3, 3, 1), -np.inf)
    g = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    np.testing.assert_array_equal(_vjp(ops.max_pool, x, g, pool_size=2, strides=1,
                                       padding="same"), g)


def test_average_pool_same_divides_by_unpadded_count():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    y = ops.average_pool(x, 3, 1, "same")[0, :, :, 0]
    assert y[0, 0] == pytest.approx(np.mean([0, 1, 4, 5]))
    assert y[0, 1] == pytest.approx(np.mean([0, 1, 2, 4, 5, 6]))
    assert y[1, 1] == pytest.approx(np.mean([0, 1, 2, 4, 5, 6, 8, 9, 10]))
    assert y[3, 3] == pytest.approx(np.mean([10, 11, 14, 15]))
    y = ops.average_pool(x, 3, 3, "valid")
    assert y.shape == (1, 1, 1, 1) and y[0, 0, 0, 0] == pytest.approx(5.0)


def test_fast_path_on_odd_sizes_drops_or_pads_the_tail():
    x = np.arange(5.0).reshape(1, 5, 1)
    np.testing.assert_array_equal(ops.max_pool(x, 2).ravel(), [1, 3])
    np.testing.assert_array_equal(ops.max_pool(x, 2, padding="same").ravel(), [1, 3, 4])
    np.testing.assert_array_equal(ops.average_pool(x, 2, padding="same").ravel(), [0.5, 2.5, 4])
    dx = _vjp(ops.average_pool, x, np.ones((1, 2, 1)), pool_size=2)
    np.testing.assert_array_equal(dx.ravel(), [0.5, 0.5, 0.5, 0.5, 0])


def test_dtypes_shapes_and_inputs():
    x32 = np.random.default_rng(0).normal(size=(2, 9, 7, 4)).astype("float32")
    for op in (ops.max_pool, ops.average_pool):
        y = op(x32, (2, 3), padding="same")
        assert y.shape == (2, 5, 3, 4) and y.dtype == np.float32
        dx = _vjp(op, x32, np.ones(y.shape, "float32"), pool_size=(2, 3), padding="same")
        assert dx.dtype == np.float32
        assert op(x32.astype("float64"), 2).dtype == np.float64
        np.testing.assert_array_equal(op(Variable(x32), 2), op(x32, 2))
        assert op(x32, (3, 2), strides=(1, 2)).shape == (2, 7, 3, 4)
        assert op(x32, 2, data_format="channels_first").shape == (2, 9, 3, 2)
    np.testing.assert_array_equal(ops.max_pool([[[1.0], [2.0], [3.0]]], 2), [[[2.0]]])


@pytest.mark.parametrize("kwargs,message", [
    ({"pool_size": 0}, "`pool_size` argument must be a tuple of 2 integers"),
    ({"pool_size": (2, 2, 2)}, "`pool_size` argument must be a tuple of 2 integers"),
    ({"pool_size": 2, "strides": -1}, "`strides` argument must be a tuple of 2 integers"),
    ({"pool_size": 2, "padding": "full"}, "Argument `padding` must be either 'valid' or 'same'"),
    ({"pool_size": 9}, "Computed output size would be zero or negative"),
    ({"pool_size": 2, "data_format": "nchw"}, "`data_format` argument must be one of"),
])
def test_errors(kwargs, message):
    x = np.zeros((1, 4, 4, 1), "float32")
    for op in (ops.max_pool, ops.average_pool):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            op(x, **kwargs)


def test_rank_error():
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.max_pool(np.zeros((4, 4)), 2)
