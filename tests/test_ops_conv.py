"""ops.conv / depthwise_conv / separable_conv / conv_transpose and the im2col primitives.

Values are checked against slow loop references written here; the two custom primitives
(`_im2col`, `_col2im`) against a plain autograd composition (pad + slices + stack), whose
gradient autograd derives itself; gradients with finite differences (check_grads).
"""
import importlib
import itertools

import numpy as onp
import pytest
from autograd import grad, make_vjp
from autograd import numpy as anp
from autograd.test_util import check_grads

from minikeras import ops
from minikeras.ops.conv import _col2im, _im2col


# --- slow references ---------------------------------------------------------------------
def same_pads(spatial, ksize, strides, dilation):
    """XLA's SAME split, computed independently: total = max((ceil(S/s)-1) s + span - S, 0)."""
    pads = []
    for n, k, s, d in zip(spatial, ksize, strides, dilation):
        total = max((int(onp.ceil(n / s)) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def ref_conv(x, kernel, strides, padding, dilation, groups=1):
    """Channels-last convolution by loops over output positions and taps (tiny inputs only)."""
    nd = x.ndim - 2
    ksize = kernel.shape[:nd]
    pads = same_pads(x.shape[1:-1], ksize, strides, dilation) if padding == "same" else \
        [(0, 0)] * nd if padding == "valid" else padding
    xp = onp.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    cg, filters = kernel.shape[-2:]
    og = filters // groups
    out = [(xp.shape[1 + i] - (ksize[i] - 1) * dilation[i] - 1) // strides[i] + 1
           for i in range(nd)]
    y = onp.zeros((x.shape[0], *out, filters), dtype=onp.float64)
    for j in itertools.product(*map(range, out)):
        for t in itertools.product(*map(range, ksize)):
            v = xp[(slice(None),)
                   + tuple(j[i] * strides[i] + t[i] * dilation[i] for i in range(nd))]
            for g in range(groups):
                y[(slice(None),) + j + (slice(g * og, (g + 1) * og),)] += \
                    v[:, g * cg:(g + 1) * cg] @ kernel[t][:, g * og:(g + 1) * og]
    return y


def ref_im2col(x, ksize, strides, dilation, pads):
    """The plain composition: anp.pad, one slice per tap, anp.stack (autograd differentiates it)."""
    nd = len(ksize)
    xp = anp.pad(x, [(0, 0)] + [(lo, max(hi, 0)) for lo, hi in pads] + [(0, 0)],
                 mode="constant")
    out = [(x.shape[1 + i] + lo + hi - (ksize[i] - 1) * dilation[i] - 1) // strides[i] + 1
           for i, (lo, hi) in enumerate(pads)]
    taps = []
    for t in itertools.product(*map(range, ksize)):
        window = tuple(slice(t[i] * dilation[i], t[i] * dilation[i] + (out[i] - 1) * strides[i] + 1,
                             strides[i]) for i in range(nd))
        taps.append(xp[(slice(None),) + window])
    cols = anp.stack(taps, axis=nd + 1)  # (N, L..., taps, C)
    return anp.reshape(cols, (x.shape[0], *out, *ksize, x.shape[-1]))


# --- the primitives against the composition ---------------------------------------------------
PRIMITIVE_CASES = [
    # (x shape, ksize, strides, dilation, pads)
    ((2, 7, 3), (3,), (1,), (1,), ((0, 0),)),
    ((2, 8, 2), (3,), (2,), (1,), ((1, 2),)),
    ((1, 6, 7, 2), (3, 2), (2, 1), (1, 1), ((1, 1), (0, 1))),
    ((2, 9, 8, 1), (3, 3), (1, 1), (2, 3), ((2, 2), (3, 3))),
    ((1, 5, 4, 6, 2), (2, 3, 2), (1, 2, 2), (1, 1, 1), ((0, 1), (1, 1), (1, 0))),
    ((1, 9, 2), (3,), (2,), (1,), ((2, -2),)),  # negative hi: the input end is cropped
]


@pytest.mark.parametrize("shape,ksize,strides,dilation,pads", PRIMITIVE_CASES)
def test_im2col_and_col2im_match_the_composition(shape, ksize, strides, dilation, pads, rng):
    x = rng.normal(size=shape)
    cols = _im2col(x, ksize, strides, dilation, pads)
    onp.testing.assert_array_equal(cols, ref_im2col(x, ksize, strides, dilation, pads))
    g = rng.normal(size=cols.shape)
    # col2im is im2col's vjp: compare with autograd's own gradient of the composition
    ref_vjp, _ = make_vjp(lambda v: ref_im2col(v, ksize, strides, dilation, pads))(x)
    onp.testing.assert_allclose(_col2im(g, shape[1:-1], strides, dilation, pads), ref_vjp(g),
                                rtol=1e-12)
    ours = grad(lambda v: anp.sum(_im2col(v, ksize, strides, dilation, pads) * g))(x)
    onp.testing.assert_allclose(ours, ref_vjp(g), rtol=1e-12)


@pytest.mark.parametrize("shape,ksize,strides,dilation,pads", PRIMITIVE_CASES[1:4])
def test_primitives_check_grads(shape, ksize, strides, dilation, pads, rng):
    x = rng.normal(size=shape)
    check_grads(lambda v: _im2col(v, ksize, strides, dilation, pads), modes=["rev"], order=2)(x)
    cols = rng.normal(size=_im2col(x, ksize, strides, dilation, pads).shape)
    check_grads(lambda c: _col2im(c, shape[1:-1], strides, dilation, pads),
                modes=["rev"], order=2)(cols)


def test_primitives_keep_float32(rng):
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    cols = _im2col(x, (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1)))
    assert cols.dtype == onp.float32
    assert _col2im(cols, (6, 6), (1, 1), (1, 1), ((1, 1), (1, 1))).dtype == onp.float32


# --- conv values -------------------------------------------------------------------------------
CONV_CASES = [
    # (x shape channels_last, kernel shape, kwargs)
    ((2, 9, 3), (3, 3, 4), {}),
    ((2, 10, 3), (4, 3, 5), {"padding": "same", "strides": 3}),
    ((2, 10, 2), (3, 2, 3), {"padding": "same", "dilation_rate": 2}),
    ((2, 7, 6, 3), (3, 3, 3, 4), {}),
    ((2, 7, 6, 3), (2, 3, 3, 4), {"padding": "same", "strides": (2, 3)}),
    ((1, 8, 8, 2), (3, 3, 2, 2), {"padding": "same", "dilation_rate": (2, 1)}),
    ((2, 6, 6, 4), (3, 3, 2, 6), {"padding": "same"}),  # groups = 2
    ((1, 6, 6, 4), (2, 2, 1, 8), {"strides": 2}),  # groups = 4 (depthwise-like)
    ((1, 5, 4, 6, 2), (2, 3, 2, 2, 3), {"padding": "same"}),
    ((1, 5, 6, 5, 2), (3, 3, 3, 2, 2), {"strides": 2}),
    ((2, 5, 5, 3), (1, 1, 3, 4), {}),  # 1x1: no patches
    ((2, 4, 4, 2), (4, 4, 2, 3), {}),  # kernel == input
]


def _kw(kwargs, nd):
    def tup(v):
        return (v,) * nd if isinstance(v, int) else v
    return (tup(kwargs.get("strides", 1)), kwargs.get("padding", "valid"),
            tup(kwargs.get("dilation_rate", 1)))


@pytest.mark.parametrize("xs,ks,kwargs", CONV_CASES)
def test_conv_matches_reference(xs, ks, kwargs, rng):
    x = rng.normal(size=xs).astype("float32")
    k = rng.normal(size=ks).astype("float32")
    strides, padding, dilation = _kw(kwargs, len(xs) - 2)
    expected = ref_conv(x.astype("float64"), k.astype("float64"), strides, padding, dilation,
                        groups=xs[-1] // ks[-2])
    y = ops.conv(x, k, **kwargs)
    assert y.dtype == onp.float32 and y.shape == expected.shape
    onp.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    # channels_first gives the same numbers, transposed
    to_first = (0, len(xs) - 1) + tuple(range(1, len(xs) - 1))
    y_first = ops.conv(onp.transpose(x, to_first), k, data_format="channels_first", **kwargs)
    onp.testing.assert_allclose(y_first, onp.transpose(expected, to_first), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs,ks,kwargs", [CONV_CASES[i] for i in (1, 2, 4, 5, 6, 8)])
def test_conv_check_grads(xs, ks, kwargs, rng):
    x, k = rng.normal(size=xs), rng.normal(size=ks)
    check_grads(lambda v: ops.conv(v, k, **kwargs), modes=["rev"], order=1)(x)
    check_grads(lambda w: ops.conv(x, w, **kwargs), modes=["rev"], order=1)(k)


@pytest.mark.parametrize("xs,ks,kwargs", [c for c in CONV_CASES if c[0][-1] == c[1][-2]])
def test_patch_product_matches_plain_composition(xs, ks, kwargs, rng):
    """The groups == 1 path (`_patch_product`, per-tap input gradient) against im2col + matmul,
    whose gradient autograd derives (the `_col2im` scatter-add): values and both gradients."""
    conv_mod = importlib.import_module("minikeras.ops.conv")  # (ops.conv is the function)
    x, k = rng.normal(size=xs).astype("float32"), rng.normal(size=ks).astype("float32")
    strides, padding, dilation = _kw(kwargs, len(xs) - 2)
    ksize = ks[:-2]
    pads = conv_mod._resolve_pads(padding, xs[1:-1], ksize, strides, dilation)

    def plain(v, w):
        cols = _im2col(v, ksize, strides, dilation, pads)
        return conv_mod._grouped_matmul(anp.reshape(cols, (-1,) + ksize + (xs[-1],)), w, 1)

    def fused(v, w):
        return anp.reshape(ops.conv(v, w, **kwargs), (-1, ks[-1]))

    onp.testing.assert_allclose(fused(x, k), plain(x, k), rtol=1e-5, atol=1e-5)
    w8 = rng.normal(size=plain(x, k).shape).astype("float32")
    for argnum in (0, 1):
        g_f = grad(lambda v, w: anp.sum(fused(v, w) * w8), argnum)(x, k)
        g_p = grad(lambda v, w: anp.sum(plain(v, w) * w8), argnum)(x, k)
        assert g_f.dtype == onp.float32
        onp.testing.assert_allclose(g_f, g_p, rtol=1e-4, atol=1e-4)


def test_second_order_grads(rng):
    """The primitives are each other's VJP, so gradients of gradients work (gradient penalties)."""
    x, k, kt = (rng.normal(size=s) for s in [(1, 5, 4, 2), (3, 2, 2, 3), (3, 2, 3, 2)])
    check_grads(lambda a, b: ops.conv(a, b, padding="same", strides=2),
                modes=["rev"], order=2)(x, k)
    check_grads(lambda a, b: ops.conv_transpose(a, b, padding="same", strides=2),
                modes=["rev"], order=2)(x, kt)


def test_depthwise_conv_is_per_channel(rng):
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    k = rng.normal(size=(3, 2, 3, 2)).astype("float32")
    y = ops.depthwise_conv(x, k, strides=2, padding="same")
    assert y.shape == (2, 4, 3, 6)
    for c in range(3):
        for m in range(2):
            expected = ref_conv(x[..., c:c + 1].astype("float64"), k[:, :, c:c + 1, m:m + 1],
                                (2, 2), "same", (1, 1))
            onp.testing.assert_allclose(y[..., c * 2 + m], expected[..., 0], rtol=1e-5, atol=1e-5)
    check_grads(lambda w: ops.depthwise_conv(x.astype("float64"), w, padding="same"),
                modes=["rev"], order=1)(k.astype("float64"))


def test_separable_conv_is_depthwise_then_pointwise(rng):
    x = rng.normal(size=(2, 3, 6, 6))
    dk, pk = rng.normal(size=(3, 3, 3, 2)), rng.normal(size=(1, 1, 6, 4))
    y = ops.separable_conv(x, dk, pk, padding="same", data_format="channels_first")
    dw = ops.depthwise_conv(x, dk, padding="same", data_format="channels_first")
    onp.testing.assert_allclose(y, onp.einsum("nchw,co->nohw", dw, pk[0, 0]), rtol=1e-10)
    check_grads(lambda a, b: ops.separable_conv(x, a, b, padding="same",
                                                data_format="channels_first"),
                modes=["rev"], order=1)(dk, pk)


# --- conv_transpose ---------------------------------------------------------------------------
def test_conv_transpose_hand_example():
    # valid, stride 2: full output (L - 1) s + k = 5; taps of x[1] start at 2
    x = onp.array([1.0, 2.0], dtype="float32").reshape(1, 2, 1)
    k = onp.ones((3, 1, 1), dtype="float32")
    y = ops.conv_transpose(x, k, strides=2)
    onp.testing.assert_array_equal(y.ravel(), [1, 1, 3, 2, 2])
    # same: output L s = 4; XLA pads the dilated input (2, 1), so the full output loses
    # span - 1 - 2 = 0 positions on the left and span - 1 - 1 = 1 on the right
    y = ops.conv_transpose(x, k, strides=2, padding="same")
    onp.testing.assert_array_equal(y.ravel(), [1, 1, 3, 2])


@pytest.mark.parametrize("xs,ks,strides,dilation", [
    ((2, 9, 3), (3, 3, 4), 2, 1), ((2, 9, 8, 2), (3, 2, 2, 3), (3, 2), 1),
    ((1, 9, 9, 2), (3, 3, 2, 2), 1, 2), ((1, 7, 5, 5, 2), (3, 1, 3, 2, 2), (2, 1, 2), 1)])
def test_conv_transpose_is_the_adjoint_of_conv(xs, ks, strides, dilation, rng):
    """<conv(x, k), y> == <x, conv_transpose(y, k)>: the same kernel array serves both."""
    x, k = rng.normal(size=xs), rng.normal(size=ks)
    y = rng.normal(size=ops.conv(x, k, strides=strides, dilation_rate=dilation).shape)
    xt = ops.conv_transpose(y, k, strides=strides, dilation_rate=dilation)
    assert xt.shape == x.shape
    forward = ops.conv(x, k, strides=strides, dilation_rate=dilation)
    onp.testing.assert_allclose(onp.sum(forward * y), onp.sum(x * xt), rtol=1e-10)


@pytest.mark.parametrize("kwargs,out", [
    ({"strides": 2, "padding": "same"}, (2, 10, 8, 3)),
    ({"strides": 3, "padding": "same", "output_padding": 1}, (2, 14, 11, 3)),
    ({"strides": 2, "padding": "valid", "output_padding": 1}, (2, 12, 10, 3)),
    ({"strides": 3, "padding": "valid"}, (2, 15, 12, 3)),  # default output_padding max(k,s)-k
    ({"padding": "same", "dilation_rate": 2}, (2, 5, 4, 3)),
])
def test_conv_transpose_shapes_and_grads(kwargs, out, rng):
    x, k = rng.normal(size=(2, 5, 4, 2)), rng.normal(size=(3, 3, 3, 2))
    y = ops.conv_transpose(x, k, **kwargs)
    assert y.shape == out
    check_grads(lambda v, w: ops.conv_transpose(v, w, **kwargs), modes=["rev"], order=1)(x, k)
    y32 = ops.conv_transpose(x.astype("float32"), k.astype("float32"), **kwargs)
    assert y32.dtype == onp.float32


# --- errors ------------------------------------------------------------------------------------
def test_conv_errors():
    x = onp.zeros((1, 5, 5, 3), "float32")
    with pytest.raises(ValueError, match="evenly divisible by kernel's in_channels"):
        ops.conv(x, onp.zeros((3, 3, 2, 4), "float32"))
    with pytest.raises(ValueError, match="empty output"):
        ops.conv(x, onp.zeros((6, 3, 3, 4), "float32"))
    with pytest.raises(ValueError, match="`padding` must be either"):
        ops.conv(x, onp.zeros((3, 3, 3, 4), "float32"), padding="full")
    with pytest.raises(ValueError, match="same length as input"):
        ops.conv(x[0], onp.zeros((3, 3, 3, 4), "float32"))
    with pytest.raises(ValueError, match="input channels=3, kernel input channels=2"):
        ops.depthwise_conv(x, onp.zeros((3, 3, 2, 1), "float32"))
    with pytest.raises(ValueError, match="input channels=3, kernel input channels=4"):
        ops.conv_transpose(x, onp.zeros((3, 3, 3, 4), "float32"))
