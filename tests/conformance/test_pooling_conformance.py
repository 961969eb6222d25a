"""Pooling layers and ops against real Keras 3 (JAX backend): outputs over a grid of pool sizes,
strides, paddings, data formats and odd sizes; gradients (ties included) against jax.vjp;
configs; symbolic shapes; one SGD fit step."""
import numpy as np
import pytest

import minikeras as mk
from minikeras import ops as mk_ops
from conformance_helpers import same_config

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SPATIAL = {1: (7,), 2: (7, 5), 3: (5, 4, 3)}
WINDOWS = [
    # (pool_size, strides, padding)
    (2, None, "valid"),
    (2, None, "same"),
    (3, 1, "same"),
    (3, 2, "valid"),
    (2, 3, "same"),
]
NAMES = {("max", 1): "MaxPooling1D", ("max", 2): "MaxPooling2D", ("max", 3): "MaxPooling3D",
         ("average", 1): "AveragePooling1D", ("average", 2): "AveragePooling2D",
         ("average", 3): "AveragePooling3D"}
CASES = [(mode, nd, w, df) for mode in ("max", "average") for nd in (1, 2, 3)
         for w in WINDOWS for df in ("channels_last", "channels_first")]


def _ids(case):
    mode, nd, (k, s, p), df = case
    return f"{mode}{nd}d-k{k}-s{s}-{p}-{df[9:]}"


def _shape(nd, df, batch=2, channels=3):
    spatial = SPATIAL[nd]
    if df == "channels_last":
        return (batch,) + spatial + (channels,)
    return (batch, channels) + spatial


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_windowed_layer_matches_keras(keras, case):
    mode, nd, (k, s, p), df = case
    kwargs = {"pool_size": k, "strides": s, "padding": p, "data_format": df}
    theirs = getattr(keras.layers, NAMES[mode, nd])(**kwargs)
    ours = getattr(mk.layers, NAMES[mode, nd])(**kwargs)
    x = np.random.default_rng(nd).normal(size=_shape(nd, df)).astype("float32")
    expected = np.asarray(theirs(x))
    got = ours(x)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    same_config(ours, theirs)
    spec = _shape(nd, df)[1:]
    assert tuple(ours(mk.Input(spec)).shape) == tuple(theirs(keras.Input(spec)).shape)


# each distinct case compiles a jax vjp (~1 s), so the grid is thinner than the forward one
GRAD_CASES = ([("max", 1, w, "channels_last") for w in WINDOWS[:4]]
              + [("max", 2, w, "channels_last") for w in WINDOWS]
              + [("max", 2, w, "channels_first") for w in (WINDOWS[0], WINDOWS[2])]
              + [("max", 3, w, "channels_last") for w in (WINDOWS[1], WINDOWS[3])]
              + [("average", 2, w, "channels_last") for w in (WINDOWS[1], WINDOWS[2])]
              + [("average", 1, WINDOWS[3], "channels_first")])


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids)
def test_op_gradients_match_jax_including_ties(keras, case):
    import autograd
    import jax
    mode, nd, (k, s, p), df = case
    pool, strides = (k,) * nd, (s or k,) * nd  # Keras-JAX's op needs tuples
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=_shape(nd, df)) * 2).astype("float32") / 2  # many ties
    theirs = keras.ops.max_pool if mode == "max" else keras.ops.average_pool
    ours = mk_ops.max_pool if mode == "max" else mk_ops.average_pool
    y, vjp = jax.vjp(lambda v: theirs(v, pool, strides, p, df), x)
    g = rng.normal(size=y.shape).astype("float32")
    dx = autograd.make_vjp(lambda v: ours(v, pool, strides, p, df))(x)[0](g)
    np.testing.assert_allclose(dx, np.asarray(vjp(g)[0]), rtol=1e-5, atol=1e-6)


def test_max_pool_gradient_with_minus_infinity_ties_matches_jax(keras):
    import autograd
    import jax
    x = np.full((1, 4, 4, 1), -np.inf, "float32")
    x[0, 1, 2, 0] = 1.0
    g = np.arange(1.0, 17.0, dtype="float32").reshape(1, 4, 4, 1)
    for pool, padding in (((2, 2), "same"), ((3, 3), "same")):
        f = lambda v, op: op(v, pool, (1, 1), padding)  # noqa: E731
        expected = jax.vjp(lambda v: f(v, keras.ops.max_pool), x)[1](g)[0]
        got = autograd.make_vjp(lambda v: f(v, mk_ops.max_pool))(x)[0](g)
        np.testing.assert_array_equal(got, np.asarray(expected))


GLOBAL = [(f"Global{kind}Pooling{nd}D", nd, df, keep) for kind in ("Max", "Average")
          for nd in (1, 2, 3) for df in ("channels_last", "channels_first")
          for keep in (False, True)]


@pytest.mark.parametrize("name,nd,df,keepdims", GLOBAL)
def test_global_layer_matches_keras(keras, name, nd, df, keepdims):
    theirs = getattr(keras.layers, name)(data_format=df, keepdims=keepdims)
    ours = getattr(mk.layers, name)(data_format=df, keepdims=keepdims)
    x = np.random.default_rng(nd).normal(size=_shape(nd, df)).astype("float32")
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    same_config(ours, theirs)
    spec = _shape(nd, df)[1:]
    assert tuple(ours(mk.Input(spec)).shape) == tuple(theirs(keras.Input(spec)).shape)


@pytest.mark.parametrize("df", ["channels_last", "channels_first"])
def test_global_average_pooling_1d_mask_matches_keras(keras, df):
    x = np.random.default_rng(0).normal(size=_shape(1, df)).astype("float32")
    mask = np.array([[1, 0, 1, 1, 0, 0, 1], [0, 0, 0, 1, 0, 0, 0]], dtype=bool)
    theirs = keras.layers.GlobalAveragePooling1D(data_format=df)
    ours = mk.layers.GlobalAveragePooling1D(data_format=df)
    np.testing.assert_allclose(ours(x, mask=mask), np.asarray(theirs(x, mask=mask)), rtol=1e-5)


def test_aliases_match_keras(keras):
    for name in ("MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
                 "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
                 "GlobalAvgPool2D", "GlobalAvgPool3D"):
        assert getattr(mk.layers, name).__name__ == getattr(keras.layers, name).__name__
    for name in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D"):
        assert getattr(mk.layers, name)().get_config()["pool_size"] == \
            getattr(keras.layers, name)().get_config()["pool_size"]


# each case compiles a Keras train step (~2 s): one per layout / pooling family
FIT_CASES = {
    # name: (input shape, factory(lib) -> list of layers between Input and Dense(2))
    "max2d": ((8, 8, 3), lambda L: [L.Dense(4), L.MaxPooling2D(), L.Flatten()]),
    "max2d_all_ties": ((8, 8, 3), lambda L: [L.Dense(4, kernel_initializer="zeros",
                                                     bias_initializer="ones"),
                                             L.MaxPooling2D(), L.Dense(3), L.MaxPooling2D(),
                                             L.Flatten()]),
    "avg2d_same_odd": ((9, 7, 3), lambda L: [L.Dense(4), L.AveragePooling2D(3, 2, "same"),
                                             L.Flatten()]),
    "max2d_channels_first": ((3, 8, 8), lambda L: [L.Dense(6), L.MaxPooling2D(
        data_format="channels_first"), L.GlobalMaxPooling2D(data_format="channels_first")]),
    "max3d_gmp": ((4, 5, 4, 2), lambda L: [L.Dense(3), L.MaxPooling3D(padding="same"),
                                           L.AveragePooling3D(2, padding="same"),
                                           L.GlobalMaxPooling3D()]),
}


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_sgd_step_matches_keras(keras, case):
    shape, factory = FIT_CASES[case]
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6,) + shape).astype("float32")
    y = rng.normal(size=(6, 2)).astype("float32")

    def build(lib):
        model = lib.Sequential([lib.Input(shape)] + factory(lib.layers) + [lib.layers.Dense(2)])
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model
    km, mm = build(keras), build(mk)
    mm.set_weights(km.get_weights())
    kh = km.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    mh = mm.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    assert mh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-5)
    for a, b in zip(mm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
