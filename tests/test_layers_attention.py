"""EinsumDense, Attention, AdditiveAttention and MultiHeadAttention: values against plain numpy
formulas, masks, causal masks, scores, dropout, gradients for every call variant, errors, configs."""
import numpy as np
import pytest
from autograd import numpy as anp
from autograd.test_util import check_grads

import minikeras as mk
from minikeras import layers
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.engine.random import set_random_seed
from minikeras.engine.variable import StatelessScope
from minikeras.layers.einsum_dense import einsum_matmul
from tests.layer_testing import check_layer_grads


def _x(*shape, seed=0, dtype="float32"):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def check_call_grads(layer, xs, **call_kwargs):
    """Gradient check of `layer(*xs, **call_kwargs)` (all outputs) wrt each input and weight."""
    xs = [np.asarray(x, "float64") for x in xs]

    def run(*inputs):
        out = layer(*inputs, **call_kwargs)
        return anp.concatenate([anp.ravel(o) for o in (out if isinstance(out, tuple) else (out,))])
    run(*xs)
    for i in range(len(xs)):
        check_grads(lambda xi, i=i: run(*xs[:i], xi, *xs[i + 1:]), modes=["rev"], order=1)(xs[i])
    weights = layer.trainable_weights
    assert weights

    def f(ws):
        with StatelessScope(list(zip(weights, ws))):
            return run(*xs)
    values = [w.numpy() for w in weights]
    for i, w in enumerate(weights):  # each binding must reach the output (else a vacuous check)
        if w.path.endswith("key/bias"):
            continue  # q . b_k is the same for every key: softmax ignores it
        bumped = values[:i] + [values[i] + 0.5] + values[i + 1:]
        assert np.abs(f(bumped) - f(values)).max() > 1e-8, w.path
    check_grads(f, modes=["rev"], order=1)(values)


# --- einsum_matmul -----------------------------------------------------------------------------
EINSUMS = [("ab,bc->ac", (3, 4), (4, 5)), ("abc,cd->abd", (2, 3, 4), (4, 5)),
           ("...b,bc->...c", (2, 3, 6, 4), (4, 5)), ("ab...,bc->ac...", (2, 4, 3, 7), (4, 5)),
           ("abc,cde->abde", (2, 3, 4), (4, 5, 6)), ("abcd,cde->abe", (2, 3, 4, 5), (4, 5, 6)),
           ("aecd,abcd->acbe", (2, 3, 4, 5), (2, 6, 4, 5)),
           ("acbe,aecd->abcd", (2, 4, 6, 3), (2, 3, 4, 5)), ("abc,cd->ad", (2, 3, 4), (4, 5)),
           ("abc,abd->acd", (2, 3, 4), (1, 3, 5))]  # broadcast batch: plain einsum


@pytest.mark.parametrize("eq,sa,sb", EINSUMS)
def test_einsum_matmul_matches_numpy_and_grads(eq, sa, sb):
    a, b = _x(*sa, dtype="float64"), _x(*sb, seed=1, dtype="float64")
    np.testing.assert_allclose(einsum_matmul(eq, a, b), np.einsum(eq, a, b), rtol=1e-12)
    check_grads(lambda a, b: einsum_matmul(eq, a, b), modes=["rev"], order=1)(a, b)


# --- EinsumDense -------------------------------------------------------------------------------
DENSE_CASES = [  # equation, output_shape, bias_axes, input shape, kernel, bias, output shape
    ("ab,bc->ac", 4, "c", (2, 5), (5, 4), (4,), (2, 4)),
    ("abc,cd->abd", (None, 4), "d", (2, 3, 5), (5, 4), (4,), (2, 3, 4)),
    ("...b,bc->...c", 4, "c", (2, 3, 6, 5), (5, 4), (4,), (2, 3, 6, 4)),
    ("ab...,bc->ac...", 4, "c", (2, 5, 3), (5, 4), (4, 1), (2, 4, 3)),
    ("abc,cde->abde", (None, 3, 4), "de", (2, 6, 5), (5, 3, 4), (3, 4), (2, 6, 3, 4)),
    ("abcd,cde->abe", (None, 6), "e", (2, 3, 4, 5), (4, 5, 6), (6,), (2, 3, 6)),
    ("abc,cd->abd", (3, 4), "b", (2, 3, 5), (5, 4), (3, 1), (2, 3, 4)),
    ("abc,cd->abd", (3, 4), None, (2, 3, 5), (5, 4), None, (2, 3, 4)),
]


@pytest.mark.parametrize("eq,out,bias_axes,shape,kshape,bshape,oshape", DENSE_CASES)
def test_einsum_dense_shapes_and_values(eq, out, bias_axes, shape, kshape, bshape, oshape):
    layer = layers.EinsumDense(eq, out, bias_axes=bias_axes, activation="relu",
                               bias_initializer="random_normal")
    x = _x(*shape)
    y = layer(x)
    assert [w.name for w in layer.weights] == ["kernel"] + (["bias"] if bshape else [])
    assert layer.kernel.shape == kshape
    assert (layer.bias is None) if bshape is None else layer.bias.shape == bshape
    expected = np.einsum(eq, x, layer.kernel.numpy()) + (layer.bias.numpy() if bshape else 0)
    np.testing.assert_allclose(y, np.maximum(expected, 0), rtol=1e-5, atol=1e-6)
    assert y.dtype == np.float32 and y.shape == oshape
    # as in Keras, a None entry of `output_shape` stays None in the inferred shape
    inferred = oshape if not isinstance(out, tuple) or None not in out else \
        (2, None) + oshape[2:]
    assert layer.compute_output_shape(shape) == inferred
    assert tuple(layer(mk.Input(shape[1:])).shape) == (None,) + inferred[1:]


@pytest.mark.parametrize("case", [0, 3, 4, 5])
def test_einsum_dense_grads(case):
    eq, out, bias_axes, shape = DENSE_CASES[case][:4]
    layer = layers.EinsumDense(eq, out, bias_axes=bias_axes, activation="tanh", dtype="float64",
                               bias_initializer="random_normal")
    check_layer_grads(layer, _x(*shape, dtype="float64"))


def test_einsum_dense_glorot_uses_einsum_fans():
    layer = layers.EinsumDense("abc,cde->abde", (None, 8, 16), bias_axes="de")
    layer.build((None, 10, 64))
    limit = np.sqrt(6.0 / (64 + 8 * 16))  # fan_in = 64, fan_out = heads * key_dim
    k = layer.kernel.numpy()
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit
    assert layer.kernel_initializer.input_axes is None  # the user's initializer is unchanged


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation 'abc'"):
        layers.EinsumDense("abc", 4)
    with pytest.raises(ValueError, match="'einsum_bad'.*Bias dimension 'x'"):
        layers.EinsumDense("ab,bc->ac", 4, bias_axes="x", name="einsum_bad").build((2, 3))
    with pytest.raises(ValueError, match="do not match at shared dimension 'b'"):
        layers.EinsumDense("abc,cd->abd", (5, 4)).build((2, 3, 6))
    with pytest.raises(ValueError, match="expects inputs of rank 2"):
        layers.EinsumDense("ab,bc->ac", 4).build((2, 3, 4))
    with pytest.raises(ValueError, match="Weight dimension 'z'"):
        layers.EinsumDense("ab,bz->a", ()).build((2, 3))


def test_einsum_dense_config_round_trip():
    layer = layers.EinsumDense("...b,bc->...c", 4, bias_axes="c", activation="relu",
                               kernel_regularizer="l2", name="ed")
    config = layer.get_config()
    assert config["output_shape"] == (4,) and config["equation"] == "...b,bc->...c"
    assert config["activation"] == "relu" and config["quantization_config"] is None
    clone = layers.EinsumDense.from_config(config)
    assert clone.get_config() == config


# --- Attention / AdditiveAttention -------------------------------------------------------------
Q, V, K = _x(2, 4, 3), _x(2, 5, 3, seed=1), _x(2, 5, 3, seed=2)
Q_MASK = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
V_MASK = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1]], bool)


def test_attention_dot_matches_formula():
    layer = layers.Attention()
    out, scores = layer([Q, V, K], return_attention_scores=True)
    w = _softmax(Q @ K.transpose(0, 2, 1))
    np.testing.assert_allclose(scores, w, rtol=1e-5)
    np.testing.assert_allclose(out, w @ V, rtol=1e-5, atol=1e-6)
    assert layer.weights == []


def test_attention_masks_and_causal():
    layer = layers.Attention(use_scale=True)
    out, w = layer([Q, V], mask=[Q_MASK, V_MASK], return_attention_scores=True)
    assert [v.name for v in layer.weights] == ["scale"]
    assert np.all(w[0][:, ~V_MASK[0]] == 0) and np.allclose(w.sum(-1), 1)
    assert np.all(out[0, 2] == 0) and np.all(out[0, 1] != 0)
    np.testing.assert_array_equal(layer.compute_mask([Q, V], [Q_MASK, V_MASK]), Q_MASK)
    assert layer.compute_mask([Q, V], None) is None
    _, w = layer([Q, V], return_attention_scores=True, use_causal_mask=True)
    assert np.all(np.triu(w[0], 1) == 0)
    np.testing.assert_allclose(w[0, 0, 0], 1.0)
    _, w = layer([Q, V], mask=[None, V_MASK], return_attention_scores=True, use_causal_mask=True)
    assert np.all(w[0, :, 1] == 0) and np.all(np.triu(w[0], 1) == 0)


def test_attention_mask_from_engine():
    q, v = Q.copy(), V.copy()
    set_keras_mask(q, Q_MASK)
    set_keras_mask(v, V_MASK)
    layer = layers.Attention()
    out = layer([q, v])
    np.testing.assert_allclose(out, layer([Q, V], mask=[Q_MASK, V_MASK]))
    np.testing.assert_array_equal(get_keras_mask(out), Q_MASK)


def test_attention_concat_and_additive_formulas():
    layer = layers.Attention(score_mode="concat", use_scale=True)
    layer([Q, V])
    assert [v.name for v in layer.weights] == ["scale", "concat_score_weight"]
    layer.set_weights([np.float32(0.7), np.float32(1.3)])
    _, w = layer([Q, V, K], return_attention_scores=True)
    s = 1.3 * np.tanh(0.7 * (Q[:, :, None] + K[:, None])).sum(-1)
    np.testing.assert_allclose(w, _softmax(s), rtol=1e-5)

    add = layers.AdditiveAttention()
    add([Q, V])
    assert [(v.name, v.shape) for v in add.weights] == [("scale", (3,))]
    scale = add.scale.numpy()
    out = add([Q, V, K])
    s = (scale * np.tanh(Q[:, :, None] + K[:, None])).sum(-1)
    np.testing.assert_allclose(out, _softmax(s) @ V, rtol=1e-5, atol=1e-6)
    assert layers.AdditiveAttention(use_scale=False)([Q, V]).shape == (2, 4, 3)


def test_attention_dropout_training_only_and_seeded():
    a, b = layers.Attention(dropout=0.5, seed=3), layers.Attention(dropout=0.5, seed=3)
    plain = layers.Attention()([Q, V])
    np.testing.assert_allclose(a([Q, V]), plain)  # inference: no dropout
    np.testing.assert_allclose(a([Q, V], training=False), plain)
    ya, yb = a([Q, V], training=True), b([Q, V], training=True)
    np.testing.assert_array_equal(ya, yb)
    assert not np.allclose(ya, plain)
    _, w = a([Q, V], training=True, return_attention_scores=True)
    assert set(np.round(np.unique(w[w != 0] / _softmax(Q @ V.transpose(0, 2, 1))[w != 0]), 4)) \
        == {2.0}
    set_random_seed(1)
    c = layers.Attention(dropout=0.5)([Q, V], training=True)
    set_random_seed(1)
    np.testing.assert_array_equal(layers.Attention(dropout=0.5)([Q, V], training=True), c)


ATTENTION_VARIANTS = [
    (lambda: layers.Attention(use_scale=True, dtype="float64"), {}),
    (lambda: layers.Attention(use_scale=True, score_mode="concat", dtype="float64"),
     {"use_causal_mask": True}),
    (lambda: layers.Attention(use_scale=True, dtype="float64"),
     {"mask": [Q_MASK, V_MASK], "return_attention_scores": True}),
    (lambda: layers.AdditiveAttention(dtype="float64"), {"mask": [Q_MASK, V_MASK]}),
    (lambda: layers.AdditiveAttention(dtype="float64"),
     {"use_causal_mask": True, "return_attention_scores": True}),
]


@pytest.mark.parametrize("index", range(len(ATTENTION_VARIANTS)))
@pytest.mark.parametrize("with_key", [False, True])
def test_attention_grads(index, with_key):
    factory, kwargs = ATTENTION_VARIANTS[index]
    layer = factory()
    n = 3 if with_key else 2

    class Wrapper:
        trainable_weights = property(lambda self: layer.trainable_weights)

        def __call__(self, *xs, **kw):
            return layer(list(xs), **kw)
    check_call_grads(Wrapper(), [Q, V, K][:n], **kwargs)
    check_layer_grads(factory(), [Q, V, K][:n])


def test_attention_errors():
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ValueError, match="must be called on a list"):
        layers.Attention()(Q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.Attention()([Q])
    with pytest.raises(ValueError, match=r"'att'.*query shape \(2, 4, 3\).*value shape \(2, 5, 6\)"):
        layers.Attention(name="att")([Q, _x(2, 5, 6)])
    with pytest.raises(ValueError, match="key shape"):
        layers.AdditiveAttention()([Q, V, _x(2, 5, 4)])
    with pytest.raises(ValueError, match="same number of time steps"):
        layers.Attention()([Q, V, _x(2, 6, 3)])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([Q, V], mask=Q_MASK)


def test_attention_config_and_symbolic():
    for layer in [layers.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=2),
                  layers.AdditiveAttention(use_scale=False, dropout=0.2)]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert "score_mode" not in layers.AdditiveAttention().get_config()
    q, v = mk.Input((4, 3)), mk.Input((5, 6))
    out, scores = layers.Attention()([q, v, mk.Input((5, 3))], return_attention_scores=True)
    assert tuple(out.shape) == (None, 4, 6) and tuple(scores.shape) == (None, 4, 5)


# --- MultiHeadAttention ------------------------------------------------------------------------
def _mha_reference(layer, q, v, k=None, mask=None, zero_masked=True):
    """Plain numpy multi-head attention from the layer's weights (rank-3 inputs)."""
    k = v if k is None else k
    wq, bq, wk, bk, wv, bv, wo, bo = layer.get_weights()
    qp = np.einsum("btd,dnh->btnh", q, wq) + bq
    kp = np.einsum("bsd,dnh->bsnh", k, wk) + bk
    vp = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    s = np.einsum("btnh,bsnh->bnts", qp / np.sqrt(wq.shape[-1]), kp)
    if mask is not None:
        s = np.where(mask[:, None], s, -1e9)
    w = _softmax(s)
    if mask is not None and zero_masked:
        w = np.where(mask[:, None], w, 0.0)
    return np.einsum("bnts,bsnh,nhe->bte", w, vp, wo) + bo, w


def test_mha_weights_and_values():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4,
                                      bias_initializer="random_normal")
    q, v, k = _x(2, 4, 5), _x(2, 6, 7, seed=1), _x(2, 6, 3, seed=2)
    out, scores = layer(q, v, k, return_attention_scores=True)
    assert [w.path for w in layer.weights] == [
        f"{layer.name}/{p}/{n}" for p in ("query", "key", "value", "attention_output")
        for n in ("kernel", "bias")]
    assert [w.shape for w in layer.weights] == [(5, 2, 3), (2, 3), (3, 2, 3), (2, 3), (7, 2, 4),
                                                (2, 4), (2, 4, 5), (5,)]
    ref, ref_w = _mha_reference(layer, q, v, k)
    np.testing.assert_allclose(scores, ref_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    assert out.shape == (2, 4, 5) and scores.shape == (2, 2, 4, 6)
    np.testing.assert_allclose(layer(q, v, k), ref, rtol=1e-4, atol=1e-5)
    assert layer.get_build_config() == {"shapes_dict": {"query_shape": (2, 4, 5),
                                                        "value_shape": (2, 6, 7),
                                                        "key_shape": (2, 6, 3)}}


def test_mha_masks_combine_like_keras():
    layer = layers.MultiHeadAttention(2, 3)
    q, v = _x(2, 4, 5), _x(2, 5, 5, seed=1)
    attn = np.random.default_rng(3).random((2, 4, 5)) > 0.3
    key_mask = np.array([[1, 1, 1, 0, 1], [0, 1, 1, 1, 1]], bool)
    layer(q, v)
    causal = np.tril(np.ones((4, 5), bool))[None]
    expected = (attn & Q_MASK[:, :, None] & V_MASK[:, None] & key_mask[:, None] & causal)
    out, w = layer(q, v, v, query_mask=Q_MASK, value_mask=V_MASK, key_mask=key_mask,
                   attention_mask=attn, use_causal_mask=True, return_attention_scores=True)
    ref, ref_w = _mha_reference(layer, q, v, mask=expected)
    np.testing.assert_allclose(w, ref_w, atol=1e-6)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(get_keras_mask(out), Q_MASK)
    # Keras's fused path (no scores, no dropout) leaves fully masked query rows uniform
    fused = layer(q, v, query_mask=Q_MASK)
    qmask = np.broadcast_to(Q_MASK[:, :, None], (2, 4, 5))
    np.testing.assert_allclose(fused, _mha_reference(layer, q, v, mask=qmask, zero_masked=False)[0],
                               rtol=1e-4, atol=1e-5)
    out = layer(q, v, query_mask=Q_MASK, return_attention_scores=True)[0]
    np.testing.assert_allclose(out, _mha_reference(layer, q, v, mask=qmask)[0], rtol=1e-4, atol=1e-5)
    assert not np.allclose(fused[0, 2], out[0, 2])


def test_mha_masks_from_engine_and_sliding_window():
    q, v = _x(2, 4, 5), _x(2, 5, 5, seed=1)
    layer = layers.MultiHeadAttention(2, 3)
    layer(q, v)
    qm, vm = q.copy(), v.copy()
    set_keras_mask(qm, Q_MASK)
    set_keras_mask(vm, V_MASK)
    out = layer(qm, vm, return_attention_scores=True)[0]
    expected = layer(q, v, query_mask=Q_MASK, value_mask=V_MASK, return_attention_scores=True)[0]
    np.testing.assert_allclose(out, expected)
    np.testing.assert_array_equal(get_keras_mask(out), Q_MASK)
    window = layers.MultiHeadAttention(2, 3, sliding_window=2)
    _, w = window(q, v, return_attention_scores=True)
    band = np.abs(np.arange(4)[:, None] - np.arange(5)) < 2
    assert np.all(w[:, :, ~band] == 0) and np.all(w[:, :, band] > 0)


def test_mha_attention_axes_and_output_shape():
    x = _x(2, 3, 4, 5)
    layer = layers.MultiHeadAttention(2, 3, attention_axes=(1, 2), output_shape=(2, 6))
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 2, 6) and scores.shape == (2, 2, 3, 4, 3, 4)
    np.testing.assert_allclose(scores.reshape(2, 2, 12, 12).sum(-1), 1.0, rtol=1e-5)
    assert layer.attention_axes == (1, 2)
    assert layer.output_dense.kernel.shape == (2, 3, 2, 6)
    one = layers.MultiHeadAttention(2, 3, attention_axes=-2)
    _, scores = one(x, x, return_attention_scores=True)
    assert scores.shape == (2, 3, 2, 4, 4) and one.attention_axes == (2,)
    sym = layers.MultiHeadAttention(2, 3, attention_axes=2)
    out, scores = sym(mk.Input((3, 4, 5)), mk.Input((3, 6, 5)), return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4, 5) and tuple(scores.shape) == (None, 3, 2, 4, 6)


def test_mha_dropout():
    q, v = _x(2, 4, 5), _x(2, 5, 5, seed=1)
    a, b = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1), \
        layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    a(q, v)
    b(q, v)
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a(q, v), a(q, v, training=False))
    ya, yb = a(q, v, training=True), b(q, v, training=True)
    np.testing.assert_array_equal(ya, yb)
    assert not np.allclose(ya, a(q, v))
    _, scores = a(q, v, training=True, return_attention_scores=True)
    np.testing.assert_allclose(scores.sum(-1), 1.0, rtol=1e-5)  # scores are pre-dropout


MHA_VARIANTS = [
    ({}, {}),
    ({"value_dim": 2, "output_shape": 4}, {"use_causal_mask": True}),
    ({}, {"query_mask": Q_MASK, "value_mask": V_MASK, "return_attention_scores": True}),
    ({"use_bias": False}, {"attention_mask": np.random.default_rng(3).random((2, 4, 5)) > 0.3}),
    ({"use_gate": True}, {"query_mask": Q_MASK}),
]


@pytest.mark.parametrize("index", range(len(MHA_VARIANTS)))
def test_mha_grads(index):
    init, kwargs = MHA_VARIANTS[index]
    layer = layers.MultiHeadAttention(2, 3, dtype="float64", bias_initializer="random_normal",
                                      **init)
    check_call_grads(layer, [_x(2, 4, 5), _x(2, 5, 5, seed=1), _x(2, 5, 3, seed=2)], **kwargs)


def test_mha_grads_attention_axes():
    layer = layers.MultiHeadAttention(2, 2, attention_axes=(1, 2), dtype="float64")
    check_call_grads(layer, [_x(2, 2, 3, 3), _x(2, 2, 3, 3, seed=1)],
                     return_attention_scores=True)


def test_mha_errors():
    with pytest.raises(ValueError, match=r"num_heads=0 \(layer 'mha'\)"):
        layers.MultiHeadAttention(0, 3, name="mha")
    with pytest.raises(ValueError, match="key_dim=-1"):
        layers.MultiHeadAttention(2, -1)
    with pytest.raises(ValueError, match="value_dim=0"):
        layers.MultiHeadAttention(2, 2, value_dim=0)
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(2, 2, attention_axes="1")
    with pytest.raises(ValueError, match=r"value_shape=\(2, 5, 5\) and key_shape=\(2, 6, 5\)"):
        layers.MultiHeadAttention(2, 2)(_x(2, 4, 5), _x(2, 5, 5), _x(2, 6, 5))
    with pytest.raises(ValueError, match=r"attention_axes=\(2,\)"):
        layers.MultiHeadAttention(2, 2, attention_axes=2)(_x(2, 4, 5), _x(2, 5, 5))
    with pytest.raises(ValueError, match="same rank"):
        layers.MultiHeadAttention(2, 2)(_x(2, 4, 5), _x(2, 3, 5, 5))
    with pytest.raises(ValueError, match="broadcastable"):
        layers.MultiHeadAttention(2, 2)(_x(2, 4, 5), _x(2, 5, 5),
                                        attention_mask=np.ones((2, 3, 5), bool))


def test_mha_config_round_trip_and_model():
    layer = layers.MultiHeadAttention(2, 3, value_dim=4, dropout=0.1, output_shape=6,
                                      attention_axes=[1], kernel_regularizer="l2", seed=3)
    config = layer.get_config()
    assert config["output_shape"] == (6,) and config["value_dim"] == 4
    assert layers.MultiHeadAttention.from_config(config).get_config() == config
    x = mk.Input((4, 5))
    y = layers.MultiHeadAttention(2, 3, name="self_attention")(x, x)
    model = mk.Model(x, layers.Dense(1)(layers.Flatten()(y)))
    assert tuple(y.shape) == (None, 4, 5) and len(model.weights) == 10
    assert model.predict(_x(3, 4, 5), verbose=0).shape == (3, 1)
    rebuilt = layers.MultiHeadAttention.from_config(layer.get_config())
    rebuilt.build_from_config({"shapes_dict": {"query_shape": [2, 4, 5],
                                               "value_shape": [2, 4, 5]}})
    assert rebuilt.built and [w.shape for w in rebuilt.weights][-2] == (2, 4, 6)
