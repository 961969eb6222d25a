"""EinsumDense, Attention, AdditiveAttention and MultiHeadAttention against real Keras: weight
names/shapes/order, outputs and attention scores with masks, configs, symbolic shapes, SGD step."""
import numpy as np
import pytest

import minikeras as mk
from minikeras import layers as mk_layers
from conformance_helpers import same_config


def _x(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _close(got, expected):
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


def _copy_weights(ours, theirs):
    assert [(w.path, tuple(w.shape)) for w in ours.weights] == \
        [(w.path, tuple(w.shape)) for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])


# --- EinsumDense -------------------------------------------------------------------------------
EINSUM_CASES = {
    "dense": (dict(equation="ab,bc->ac", output_shape=4, bias_axes="c"), (3, 5)),
    "sequence": (dict(equation="abc,cd->abd", output_shape=(None, 4), bias_axes="d",
                      activation="relu"), (3, 6, 5)),
    "left_ellipsis": (dict(equation="...b,bc->...c", output_shape=4, bias_axes="c"),
                      (2, 3, 6, 5)),
    "right_ellipsis": (dict(equation="ab...,bc->ac...", output_shape=4, bias_axes="c"),
                       (2, 5, 3, 2)),
    "heads": (dict(equation="abc,cde->abde", output_shape=(None, 3, 4), bias_axes="de",
                   activation="tanh"), (2, 6, 5)),
    "merge_heads": (dict(equation="abcd,cde->abe", output_shape=(None, 6), bias_axes="e"),
                    (2, 3, 4, 5)),
    "bias_inner_axis": (dict(equation="abc,cd->abd", output_shape=(6, 4), bias_axes="b"),
                        (2, 6, 5)),
    "no_bias": (dict(equation="abc,cd->abd", output_shape=(6, 4)), (2, 6, 5)),
}


@pytest.mark.parametrize("case", sorted(EINSUM_CASES))
def test_einsum_dense_matches_keras(keras, case):
    kwargs, shape = EINSUM_CASES[case]
    theirs, ours = keras.layers.EinsumDense(**kwargs), mk_layers.EinsumDense(**kwargs)
    x = _x(shape, 0)
    expected = theirs(x)
    ours(x)
    _copy_weights(ours, theirs)
    _close(ours(x), expected)
    same_config(ours, theirs)
    if "left" in case:  # Keras orders the elided axes of '...ab' backwards symbolically
        assert ours.compute_output_shape(shape) == tuple(np.shape(expected))
    else:
        assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
        assert tuple(ours(mk.Input(shape[1:])).shape) == tuple(theirs(keras.Input(shape[1:])).shape)


# --- Attention / AdditiveAttention -------------------------------------------------------------
Q, V, K = _x((2, 4, 3), 1), _x((2, 5, 3), 2), _x((2, 5, 3), 3)
Q_MASK = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
V_MASK = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1]], bool)

ATTENTION_CASES = {
    "dot": ("Attention", {}, [Q, V], {}),
    "dot_key_scores": ("Attention", {"use_scale": True}, [Q, V, K],
                       {"return_attention_scores": True}),
    "dot_masks": ("Attention", {"use_scale": True}, [Q, V],
                  {"mask": [Q_MASK, V_MASK], "return_attention_scores": True}),
    "dot_causal": ("Attention", {}, [Q, V, K],
                   {"mask": [None, V_MASK], "use_causal_mask": True,
                    "return_attention_scores": True}),
    "concat": ("Attention", {"score_mode": "concat"}, [Q, V, K],
               {"return_attention_scores": True}),
    "concat_scale_masks": ("Attention", {"score_mode": "concat", "use_scale": True}, [Q, V],
                           {"mask": [Q_MASK, V_MASK], "use_causal_mask": True}),
    "additive": ("AdditiveAttention", {}, [Q, V, K], {"return_attention_scores": True}),
    "additive_masks": ("AdditiveAttention", {}, [Q, V],
                       {"mask": [Q_MASK, V_MASK], "use_causal_mask": True,
                        "return_attention_scores": True}),
    "additive_no_scale": ("AdditiveAttention", {"use_scale": False, "dropout": 0.3}, [Q, V], {}),
}


@pytest.mark.parametrize("case", sorted(ATTENTION_CASES))
def test_attention_matches_keras(keras, case):
    cls, init, inputs, kwargs = ATTENTION_CASES[case]
    theirs, ours = getattr(keras.layers, cls)(**init), getattr(mk_layers, cls)(**init)
    expected = theirs(inputs, **kwargs)
    ours(inputs, **kwargs)
    _copy_weights(ours, theirs)
    _close(ours(inputs, **kwargs), expected)
    same_config(ours, theirs)
    if "mask" in kwargs:
        np.testing.assert_array_equal(ours.compute_mask(inputs, kwargs["mask"]),
                                      theirs.compute_mask(inputs, kwargs["mask"]))


# --- MultiHeadAttention ------------------------------------------------------------------------
X4 = _x((2, 3, 4, 5), 4)
ATTN_MASK = np.random.default_rng(5).random((2, 4, 5)) > 0.3
KEY_MASK = np.array([[1, 1, 1, 0, 1], [0, 1, 1, 1, 1]], bool)
Q5, V5, K3 = _x((2, 4, 5), 6), _x((2, 5, 5), 7), _x((2, 5, 3), 8)

MHA_CASES = {  # init kwargs, (query, value, key), call kwargs, query mask (Keras reads it off query)
    "self": ({}, (Q5, Q5, None), {}, None),
    "cross_key": ({}, (Q5, V5, K3), {}, None),
    "cross_key_scores": ({}, (Q5, V5, K3), {"return_attention_scores": True}, None),
    "value_dim_output_shape": ({"value_dim": 4, "output_shape": (2, 7)}, (Q5, V5, None),
                               {"return_attention_scores": True}, None),
    "no_bias": ({"use_bias": False}, (Q5, V5, None), {}, None),
    "attention_axes_12": ({"attention_axes": (1, 2)}, (X4, X4, None),
                          {"return_attention_scores": True}, None),
    "attention_axes_2": ({"attention_axes": 2}, (X4, X4, None), {}, None),
    "attention_axes_neg": ({"attention_axes": (-2,)}, (X4, X4, None),
                           {"return_attention_scores": True}, None),
    "causal": ({}, (Q5, V5, None), {"use_causal_mask": True}, None),
    "causal_scores": ({}, (Q5, V5, None), {"use_causal_mask": True,
                                           "return_attention_scores": True}, None),
    "masks_fused": ({}, (Q5, V5, K3), {"value_mask": V_MASK, "key_mask": KEY_MASK,
                                       "attention_mask": ATTN_MASK}, Q_MASK),
    "masks_scores": ({}, (Q5, V5, K3), {"value_mask": V_MASK, "attention_mask": ATTN_MASK,
                                        "use_causal_mask": True,
                                        "return_attention_scores": True}, Q_MASK),
    "query_mask_only": ({}, (Q5, V5, None), {}, Q_MASK),
    "gate": ({"use_gate": True}, (Q5, V5, None), {"return_attention_scores": True}, None),
    "sliding_window": ({"sliding_window": 2}, (Q5, V5, None), {"use_causal_mask": True}, None),
    "dropout_inference": ({"dropout": 0.5, "seed": 1}, (Q5, V5, None),
                          {"value_mask": V_MASK, "return_attention_scores": True}, Q_MASK),
}


@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_matches_keras(keras, case):
    from keras.src.backend import set_keras_mask
    init, (q, v, k), kwargs, q_mask = MHA_CASES[case]
    theirs = keras.layers.MultiHeadAttention(2, 3, **init)
    ours = mk_layers.MultiHeadAttention(2, 3, **init)

    query = keras.ops.convert_to_tensor(q)
    if q_mask is not None:
        set_keras_mask(query, q_mask)
    expected = theirs(query, v, k, **kwargs)
    ours(q, v, k, query_mask=q_mask, **kwargs)
    _copy_weights(ours, theirs)
    _close(ours(q, v, k, query_mask=q_mask, **kwargs), expected)
    same_config(ours, theirs)
    assert ours.get_build_config() == theirs.get_build_config()


def test_mha_symbolic_shapes_match_keras(keras):
    for init, shapes in [({}, [(4, 5), (6, 3)]), ({"output_shape": (2, 3)}, [(4, 5), (6, 5)]),
                         ({"attention_axes": (1, 2)}, [(3, 4, 5), (3, 4, 5)])]:
        def run(lib):
            layer = lib.layers.MultiHeadAttention(2, 3, **init)
            return tuple(layer(*[lib.Input(s) for s in shapes]).shape)
        assert run(mk) == run(keras)


# --- one SGD step per layer class --------------------------------------------------------------
def _einsum_model(lib):
    x = lib.Input((3, 5))
    h = lib.layers.EinsumDense("abc,cde->abde", (3, 2, 4), bias_axes="de",
                               activation="tanh")(x)
    return [x], h


def _attention_model(cls, **init):
    def make(lib):
        q, v = lib.Input((4, 3)), lib.Input((5, 3))
        return [q, v], getattr(lib.layers, cls)(**init)([q, v], use_causal_mask=True)
    return make


def _mha_model(lib):
    x, v = lib.Input((4, 5)), lib.Input((5, 3))
    # (value_dim != key_dim breaks Keras's fused JAX path, so keep them equal here)
    return [x, v], lib.layers.MultiHeadAttention(2, 3, output_shape=4)(x, v)


def _self_attention_model(lib):
    x = lib.Input((4, 5))
    h = lib.layers.MultiHeadAttention(2, 3, attention_axes=1)(x, x, use_causal_mask=True)
    return [x], h


FIT_CASES = {"einsum_dense": (_einsum_model, [(6, 3, 5)]),
             "attention": (_attention_model("Attention", use_scale=True), [(6, 4, 3), (6, 5, 3)]),
             "attention_concat": (_attention_model("Attention", score_mode="concat"),
                                  [(6, 4, 3), (6, 5, 3)]),
             "additive_attention": (_attention_model("AdditiveAttention"), [(6, 4, 3), (6, 5, 3)]),
             "mha_cross": (_mha_model, [(6, 4, 5), (6, 5, 3)]),
             "mha_self_causal": (_self_attention_model, [(6, 4, 5)])}


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_sgd_step_matches_keras(keras, case):
    make, shapes = FIT_CASES[case]
    xs = [_x(s, i + 10) for i, s in enumerate(shapes)]
    y = _x((shapes[0][0], 2), 20)

    def build(lib):
        inputs, h = make(lib)
        model = lib.Model(inputs, lib.layers.Dense(2)(lib.layers.Flatten()(h)))
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model
    km, mm = build(keras), build(mk)
    assert [tuple(w.shape) for w in mm.weights] == [tuple(w.shape) for w in km.weights]
    mm.set_weights(km.get_weights())
    kh = km.fit(xs, y, batch_size=len(y), epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(xs, y, batch_size=len(y), epochs=1, shuffle=False, verbose=0)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)
