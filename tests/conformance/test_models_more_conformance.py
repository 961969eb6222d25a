"""Functional / Sequential internals against real Keras 3: layer and operation lists, sliced
models, input dtypes, variable paths, state trees."""
import numpy as np
import pytest

import minikeras as mk


def _residual(lib):
    a, b = lib.Input((3,), name="in_a"), lib.Input((3,), name="in_b")
    x = lib.layers.Dense(5, name="d1")(a + b)
    y = lib.ops.exp(lib.layers.Dense(4, name="d2")(x) * 0.5)
    return lib.Model([a, b], [y, x], name="res")


def test_layers_and_operations_match(keras):
    km, mm = _residual(keras), _residual(mk)
    assert [l.name for l in mm.layers] == [l.name for l in km.layers]
    assert [type(op).__name__ for op in mm.operations] == [type(op).__name__ for op in km.operations]
    mm.set_weights(km.get_weights())
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(4, 3)).astype("float32") for _ in range(2)]
    for got, want in zip(mm.predict(xs, verbose=0), km.predict(xs, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _chain(lib):
    inputs = lib.Input((None, 2), name="input")
    x1 = lib.layers.Dense(3, name="dense1")(inputs)
    x2 = lib.layers.Dense(4, name="dense2")(x1)
    out = lib.layers.Dense(5, name="dense3")(x2)
    return lib.Model(inputs, out, name="full"), x1, x2, out


@pytest.mark.parametrize("start", ["x1", "x2"])
def test_sliced_model_matches(keras, start):
    (kfull, kx1, kx2, kout), (mfull, mx1, mx2, mout) = _chain(keras), _chain(mk)
    mfull.set_weights(kfull.get_weights())
    kpart = keras.Model(kx1 if start == "x1" else kx2, kout)
    mpart = mk.Model(mx1 if start == "x1" else mx2, mout)
    assert [type(l).__name__ for l in mpart.layers] == [type(l).__name__ for l in kpart.layers]
    assert [l.name for l in mpart.layers[1:]] == [l.name for l in kpart.layers[1:]]
    assert mpart.layers[0].name.endswith("CLONE") and kpart.layers[0].name.endswith("CLONE")
    width = 3 if start == "x1" else 4
    h = np.random.default_rng(1).normal(size=(2, 5, width)).astype("float32")
    np.testing.assert_allclose(mpart.predict(h, verbose=0), kpart.predict(h, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_input_dtypes_and_ranks_match(keras):
    def build(lib):
        f, i = lib.Input((2,), dtype="float16"), lib.Input((2, 1), dtype="int32")
        return lib.Model((f, i), (f + 2, i * 3))
    km, mm = build(keras), build(mk)
    data = (np.full((2, 2, 1), 1.5), np.full((2, 2), 2.0))  # float16 input squeezed, int expanded
    for got, want in zip(mm(data), km(data)):
        want = np.asarray(want)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(np.asarray(got), want)


def test_sequential_variable_paths_match(keras):
    def build(lib, how):
        if how == "input":
            model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, name="dd")], name="sq")
        else:
            model = lib.Sequential([lib.layers.Dense(2, name="dd")], name="sq")
            if how == "build":
                model.build((None, 3))
            else:
                model(np.ones((2, 3), "float32"))
        return model
    for how in ("input", "build", "call"):
        km, mm = build(keras, how), build(mk, how)
        assert [w.path for w in mm.weights] == [w.path for w in km.weights]
        assert type(mm._functional).__name__ == type(km._functional).__name__ == "Functional"


def test_state_tree_matches(keras):
    def build(lib):
        inputs = lib.Input((3,), name="x")
        model = lib.Model(inputs, lib.layers.Dense(2, name="out")(inputs))
        model.compile(optimizer=lib.optimizers.SGD(0.1, momentum=0.9, name="sgd"), loss="mse",
                      metrics=["mae"])
        return model
    km, mm = build(keras), build(mk)
    mm.set_weights(km.get_weights())
    rng = np.random.default_rng(2)
    x, y = rng.random((8, 3)).astype("float32"), rng.random((8, 2)).astype("float32")
    km.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    mm.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    kt, mt = km.get_state_tree("numpy_array"), mm.get_state_tree("numpy_array")

    def keys(tree, prefix=""):
        out = set()
        for k, v in tree.items():
            out |= keys(v, f"{prefix}{k}/") if isinstance(v, dict) else {prefix + k}
        return out
    for group in ("trainable_variables", "non_trainable_variables", "optimizer_variables"):
        assert keys(mt[group]) == keys(kt[group]), group
    np.testing.assert_allclose(mt["trainable_variables"]["out"]["kernel"],
                               kt["trainable_variables"]["out"]["kernel"], rtol=1e-5)
    np.testing.assert_allclose(mt["metrics_variables"]["loss"]["total"],
                               kt["metrics_variables"]["loss"]["total"], rtol=1e-5)
