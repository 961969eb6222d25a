"""keras.ops.nn's newer ops: values against numpy formulas, gradients by check_grads."""
import itertools
import warnings

import ml_dtypes  # noqa: F401  (bfloat16)
import autograd
import numpy as np
import pytest
from autograd import numpy as anp
from autograd.test_util import check_grads

from minikeras.ops import nn

rng = np.random.default_rng(0)


# --- dot_product_attention ---------------------------------------------------------------
def _attention_reference(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    """softmax(q k^T * scale + bias, masked) v, one (batch, query head) at a time; query head
    n reads key/value head n // (N / K)."""
    b, t, n, h = q.shape
    s, heads = k.shape[1], k.shape[2]
    scale = 1 / np.sqrt(h) if scale is None else scale
    out = np.zeros(q.shape[:3] + v.shape[-1:])
    bias = None if bias is None else np.broadcast_to(bias, (b, n, t, s))
    mask = None if mask is None else np.broadcast_to(mask, (b, n, t, s))
    for i, j in itertools.product(range(b), range(n)):
        kv = j // (n // heads)
        logits = q[i, :, j] @ k[i, :, kv].T * scale
        if bias is not None:
            logits = logits + bias[i, j]
        keep = np.ones((t, s), bool) if mask is None else mask[i, j].copy()
        if is_causal:
            keep &= np.tril(np.ones((t, s), bool))
        logits = np.where(keep, logits, -1e30)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        out[i, :, j] = p / p.sum(-1, keepdims=True) @ v[i, :, kv]
    return out


def _qkv(heads=2, n=4, t=3, s=5, h=4):
    return (rng.normal(size=(2, t, n, h)), rng.normal(size=(2, s, heads, h)),
            rng.normal(size=(2, s, heads, h)))


@pytest.mark.parametrize("heads", [4, 2, 1])  # MHA, GQA, MQA
@pytest.mark.parametrize("with_bias,with_mask,is_causal,scale",
                         [(False, False, False, None), (True, False, False, 0.5),
                          (False, True, False, None), (True, True, True, None),
                          (False, False, True, 2.0)])
def test_dot_product_attention_values(heads, with_bias, with_mask, is_causal, scale):
    q, k, v = _qkv(heads)
    bias = rng.normal(size=(2, 1, 3, 5)) if with_bias else None
    mask = rng.random((2, 4, 3, 5)) > 0.3 if with_mask else None
    if mask is not None:
        mask[..., 0] = True  # every query sees at least one key
    out = nn.dot_product_attention(q, k, v, bias=bias, mask=mask, scale=scale,
                                   is_causal=is_causal, flash_attention=False)
    np.testing.assert_allclose(out, _attention_reference(q, k, v, bias, mask, scale, is_causal),
                               rtol=1e-6, atol=1e-6)


def test_dot_product_attention_grads():
    q, k, v = _qkv(2)
    bias = rng.normal(size=(2, 4, 3, 5))
    mask = np.tril(np.ones((3, 5), bool))
    check_grads(lambda q, k, v, b: nn.dot_product_attention(q, k, v, bias=b, mask=mask),
                modes=["rev"], order=1)(q, k, v, bias)
    check_grads(lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True, scale=0.7),
                modes=["rev"], order=1)(q, k, v)
    check_grads(lambda b: nn.dot_product_attention(q, k, v, bias=b),  # broadcast (T, S) bias
                modes=["rev"], order=1)(rng.normal(size=(3, 5)))


@pytest.mark.parametrize("q_dtype,kv_dtype,expected", [
    ("float16", "float16", "float16"), ("bfloat16", "bfloat16", "bfloat16"),
    ("float16", "float32", "float32"), ("bfloat16", "float16", "float32")])
def test_dot_product_attention_dtypes(q_dtype, kv_dtype, expected):
    q, k, v = _qkv(2)
    out = nn.dot_product_attention(q.astype(q_dtype), k.astype(kv_dtype), v.astype(kv_dtype),
                                   is_causal=True)
    assert out.dtype == expected and out.shape == q.shape
    np.testing.assert_allclose(out.astype("float32"),
                               _attention_reference(q, k, v, is_causal=True), atol=5e-2)


def test_dot_product_attention_errors():
    q, k, v = _qkv(2)
    with pytest.raises(RuntimeError, match="cuDNN"):  # as JAX on CPU
        nn.dot_product_attention(q, k, v, flash_attention=True)
    with pytest.raises(ValueError, match="attn_logits_soft_cap"):
        nn.dot_product_attention(q, k, v, attn_logits_soft_cap=5.0)
    with pytest.raises(ValueError, match="only supports 4D inputs"):
        nn.dot_product_attention(q[0], k[0], v[0])
    with pytest.raises(ValueError, match="multiple"):
        nn.dot_product_attention(q, k[:, :, :1].repeat(3, axis=2), v[:, :, :1].repeat(3, axis=2))
    with pytest.raises(ValueError, match="Expected `bias`"):
        nn.dot_product_attention(q, k, v, bias=np.zeros((2, 3, 3, 5)))


# --- adaptive pooling --------------------------------------------------------------------
def _adaptive_reference(x, sizes, reduce):
    """torch's adaptive pooling on channels_last x: window i of an axis of length L is
    [floor(i L / O), ceil((i + 1) L / O))."""
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0], *sizes, x.shape[-1]))
    for idx in itertools.product(*(range(o) for o in sizes)):
        window = tuple(slice(i * n // o, -(-(i + 1) * n // o))
                       for i, n, o in zip(idx, spatial, sizes))
        block = x[(slice(None),) + window]
        out[(slice(None),) + idx] = reduce(block.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return out


@pytest.mark.parametrize("shape,sizes", [((2, 11, 3), (4,)), ((2, 7, 9, 3), (3, 4)),
                                         ((2, 5, 5, 2), (5, 2)), ((1, 5, 6, 7, 2), (2, 4, 3))])
@pytest.mark.parametrize("which", ["average", "max"])
def test_adaptive_pool_values(shape, sizes, which):
    x = rng.normal(size=shape).astype("float32")
    op = nn.adaptive_average_pool if which == "average" else nn.adaptive_max_pool
    expected = _adaptive_reference(x, sizes, np.mean if which == "average" else np.max)
    np.testing.assert_allclose(op(x, sizes), expected, rtol=1e-5, atol=1e-6)
    first = op(np.moveaxis(x, -1, 1), sizes, data_format="channels_first")
    np.testing.assert_allclose(first, np.moveaxis(expected, -1, 1), rtol=1e-5, atol=1e-6)
    assert op(x, sizes).dtype == np.float32


@pytest.mark.parametrize("op", [nn.adaptive_average_pool, nn.adaptive_max_pool])
def test_adaptive_pool_grads(op):
    x = rng.permutation(2 * 7 * 5 * 2).reshape(2, 7, 5, 2) / 10.0  # distinct values: no ties
    check_grads(lambda x: op(x, (3, 2)), modes=["rev"], order=1)(x)


def test_adaptive_pool_errors():
    with pytest.raises(ValueError, match="1D/2D/3D"):
        nn.adaptive_average_pool(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="output_size"):
        nn.adaptive_max_pool(np.zeros((2, 4, 4, 3)), (2, 2, 2))


# --- rms_normalization -------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_rms_normalization_values_and_grads(axis):
    x = rng.normal(size=(2, 3, 4))
    scale = rng.normal(size=(4,)) if axis == -1 else None
    expected = x / np.sqrt(np.mean(x ** 2, axis=axis, keepdims=True) + 1e-3)
    expected = expected if scale is None else expected * scale
    np.testing.assert_allclose(nn.rms_normalization(x, scale, axis=axis, epsilon=1e-3), expected,
                               rtol=1e-12)
    check_grads(lambda x: nn.rms_normalization(x, scale, axis=axis), modes=["rev"], order=1)(x)
    if scale is not None:
        check_grads(lambda s: nn.rms_normalization(x, s), modes=["rev"], order=1)(scale)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rms_normalization_keeps_half_dtypes(dtype):
    x = np.full((2, 8), 300.0).astype(dtype)  # x^2 overflows float16: computed in float32
    out = nn.rms_normalization(x, np.ones(8, "float32"))
    assert out.dtype == dtype
    np.testing.assert_allclose(out.astype("float32"), 1.0, atol=1e-2)


# --- unfold / fold -----------------------------------------------------------------------
def _unfold_reference(x, k, d, p, s):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], oh, ow))
    for i, j, y, z in itertools.product(range(k[0]), range(k[1]), range(oh), range(ow)):
        out[:, :, i, j, y, z] = xp[:, :, y * s[0] + i * d[0], z * s[1] + j * d[1]]
    return out.reshape(n, c * k[0] * k[1], oh * ow)


@pytest.mark.parametrize("k,d,p,s", [((2, 2), (1, 1), (0, 0), (2, 2)),
                                     ((3, 2), (1, 2), (1, 0), (1, 2)),
                                     ((3, 3), (2, 1), (2, 1), (2, 1))])
def test_unfold_and_fold(k, d, p, s):
    x = rng.normal(size=(2, 3, 7, 8))
    cols = nn.unfold(x, k, dilation=d, padding=p, stride=s)
    np.testing.assert_allclose(cols, _unfold_reference(x, k, d, p, s))
    # fold is unfold's adjoint: <unfold(x), y> = <x, fold(y)>
    y = rng.normal(size=cols.shape)
    folded = nn.fold(y, (7, 8), k, dilation=d, padding=p, stride=s)
    assert folded.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * folded))
    check_grads(lambda x: nn.unfold(x, k, d, p, s), modes=["rev"], order=1)(x)
    check_grads(lambda y: nn.fold(y, (7, 8), k, d, p, s), modes=["rev"], order=1)(y)


def test_fold_of_disjoint_blocks_is_inverse_and_ranks_checked():
    x = rng.normal(size=(1, 2, 4, 6))
    np.testing.assert_allclose(nn.fold(nn.unfold(x, 2, stride=2), (4, 6), 2, stride=2), x)
    with pytest.raises(ValueError, match="4D"):
        nn.unfold(x[0], 2)
    with pytest.raises(ValueError, match="3D"):
        nn.fold(x, (4, 6), 2)


# --- depth_to_space / space_to_depth -----------------------------------------------------
def test_depth_to_space_pixel_mapping_and_roundtrip():
    r, c = 2, 3
    x = rng.normal(size=(2, 3, 4, c * r * r))
    y = nn.depth_to_space(x, r)
    assert y.shape == (2, 6, 8, c)
    for i, j in itertools.product(range(r), range(r)):
        np.testing.assert_array_equal(y[:, i::r, j::r, :], x[..., (i * r + j) * c:(i * r + j + 1) * c])
    np.testing.assert_array_equal(nn.space_to_depth(y, r), x)
    xf = np.moveaxis(x, -1, 1)
    yf = nn.depth_to_space(xf, r, data_format="channels_first")
    for i, j in itertools.product(range(r), range(r)):
        np.testing.assert_array_equal(yf[:, :, i::r, j::r], xf[:, i * r + j::r * r])
    np.testing.assert_array_equal(nn.space_to_depth(yf, r, data_format="channels_first"), xf)
    with pytest.raises(ValueError, match="at least 2"):
        nn.depth_to_space(x, 1)


# --- psnr, polar, activations' dtypes, moments ---------------------------------------------
def test_psnr_and_polar():
    x1, x2 = rng.random((4, 5)), rng.random((4, 5))
    expected = 20 * np.log10(2.0) - 10 * np.log10(np.mean((x1 - x2) ** 2))
    np.testing.assert_allclose(nn.psnr(x1, x2, 2.0), expected)
    with pytest.raises(ValueError, match="must match"):
        nn.psnr(x1, x2[:2], 1.0)
    r, a = np.array([1.0, 2.0], "float32"), np.array([2.0, 3.0], "float32")
    out = nn.polar(r, a)
    assert out.dtype == np.complex64
    np.testing.assert_allclose(out, r * np.exp(1j * a), rtol=1e-6)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "gelu", "elu", "relu6", "hard_tanh",
                                  "log_softmax", "softplus", "silu", "sparse_sigmoid"])
def test_bfloat16_activations_stay_bfloat16(name):
    x = np.linspace(-3, 3, 8).astype("bfloat16")
    out = getattr(nn, name)(x)
    assert out.dtype.name == "bfloat16"
    np.testing.assert_allclose(out.astype("float32"),
                               getattr(nn, name)(x.astype("float32")), rtol=1e-2, atol=1e-2)


def test_moments_of_float16_do_not_overflow():
    x = np.full((4,), 300.0, "float16")
    mean, variance = nn.moments(x, axes=[0])
    assert mean.dtype == variance.dtype == np.float16
    assert mean == 300.0 and variance == 0.0


def test_softmax_over_a_size_one_axis_warns():
    with pytest.warns(UserWarning, match="has size 1"):
        nn.softmax(np.ones((2, 1)), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.softmax(np.ones((2, 3)))


def test_batch_normalization_checks_vector_lengths():
    with pytest.raises(ValueError, match="`offset` must be a vector of length"):
        nn.batch_normalization(np.zeros((2, 3)), np.zeros(3), np.ones(3), axis=-1,
                               offset=np.zeros(2))


def test_nn_namespace_has_keras_ops_nn_names():
    for name in ("adaptive_average_pool adaptive_max_pool average_pool conv conv_transpose "
                 "ctc_decode ctc_loss depth_to_space depthwise_conv dot_product_attention fold "
                 "max_pool polar psnr rms_normalization separable_conv space_to_depth "
                 "unfold").split():
        assert callable(getattr(nn, name)) and name in nn.__all__


@pytest.mark.parametrize("name,call", [
    ("conv", lambda x: nn.conv(x, np.ones((2, 2, 1, 1), "bfloat16"))),
    ("max_pool", lambda x: nn.max_pool(x, 2)),
    ("average_pool", lambda x: nn.average_pool(x, 2)),
    ("adaptive_average_pool", lambda x: nn.adaptive_average_pool(x, 2)),
    ("normalize", lambda x: nn.normalize(x)),
    ("binary_crossentropy", lambda x: nn.binary_crossentropy(x, x)),
    ("batch_normalization", lambda x: nn.batch_normalization(
        x, np.zeros(1, "bfloat16"), np.ones(1, "bfloat16"), axis=-1))])
def test_bfloat16_inputs_give_bfloat16(name, call):
    x = np.linspace(0.1, 0.9, 12).reshape(1, 3, 4, 1)
    out = call(x.astype("bfloat16"))
    assert out.dtype.name == "bfloat16", name
    np.testing.assert_allclose(out.astype("float32"),
                               np.asarray(call(x.astype("float32"))).astype("float32"), atol=2e-2)


def test_bfloat16_meeting_float32_promotes_to_float32():
    x = np.ones((1, 3, 4, 1), "bfloat16")
    assert nn.conv(x, np.ones((2, 2, 1, 1), "float32")).dtype == np.float32
    assert nn.sparse_categorical_crossentropy(np.array([0, 1]),
                                              np.full((2, 3), 0.5, "float16")).dtype == np.float32


@pytest.mark.parametrize("f", [lambda x: nn.moments(x, [0])[1], nn.rms_normalization,
                               lambda x: nn.layer_normalization(x, axis=[0, 1]),
                               lambda x: nn.dot_product_attention(x[None, :, None], x[None, :, None],
                                                                  x[None, :, None], is_causal=True)])
def test_float32_gradients_stay_float32(f):
    x = rng.normal(size=(4, 6)).astype("float32")
    assert autograd.grad(lambda x: anp.sum(f(x)))(x).dtype == np.float32


def test_multi_hot_takes_num_tokens_and_requires_a_count():
    np.testing.assert_array_equal(nn.multi_hot(np.array([0, 4]), num_tokens=5), [1, 0, 0, 0, 1])
    np.testing.assert_array_equal(nn.multi_hot(np.array([[0, 2], [1, 1]]), 3),
                                  [[1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="num_classes"):
        nn.multi_hot(np.array([0, 1]))
