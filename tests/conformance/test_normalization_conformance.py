"""Normalization layers against real Keras 3: same weights -> same outputs in training and
inference, same moving statistics, same SGD steps (moving stats included), configs and counts."""
import warnings

import numpy as np
import pytest

import minikeras as mk
from minikeras import layers as mk_layers
from conformance_helpers import plain

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning",
                                        "ignore:You passed `rms_scaling=True`:UserWarning")

CASES = {
    # name: (factory(layers) -> layer, input shape, extra call kwargs)
    "bn": (lambda L: L.BatchNormalization(), (6, 5), {}),
    "bn_image": (lambda L: L.BatchNormalization(), (3, 4, 5, 6), {}),
    "bn_channels_first": (lambda L: L.BatchNormalization(axis=1), (3, 4, 5, 2), {}),
    "bn_axis_minus2": (lambda L: L.BatchNormalization(axis=-2, momentum=0.9, epsilon=1e-2), (4, 3, 2), {}),
    "bn_plain": (lambda L: L.BatchNormalization(center=False, scale=False), (5, 3), {}),
    "bn_no_scale": (lambda L: L.BatchNormalization(scale=False), (5, 3), {}),
    "bn_mask": (lambda L: L.BatchNormalization(), (2, 5, 3),
                {"mask": np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], dtype=bool)}),
    "bn_renorm": (lambda L: L.BatchNormalization(renorm=True, renorm_momentum=0.9), (6, 4), {}),
    "bn_renorm_clip": (lambda L: L.BatchNormalization(
        renorm=True, renorm_clipping={"rmax": 1.2, "rmin": 0.8, "dmax": 0.1}, center=False), (6, 4), {}),
    "ln": (lambda L: L.LayerNormalization(), (4, 5), {}),
    "ln_axis1": (lambda L: L.LayerNormalization(axis=1, epsilon=1e-5), (2, 3, 4), {}),
    "ln_two_axes": (lambda L: L.LayerNormalization(axis=[1, 2]), (2, 3, 4, 5), {}),
    "ln_mixed_axes": (lambda L: L.LayerNormalization(axis=[-1, 1]), (2, 3, 4), {}),
    "ln_image": (lambda L: L.LayerNormalization(axis=[1, 2, 3]), (2, 3, 3, 4), {}),
    "ln_plain": (lambda L: L.LayerNormalization(center=False, scale=False), (4, 5), {}),
    "ln_rms": (lambda L: L.LayerNormalization(rms_scaling=True), (4, 5), {}),
    "gn": (lambda L: L.GroupNormalization(groups=2), (4, 6), {}),
    "gn_instance": (lambda L: L.GroupNormalization(groups=-1), (2, 5, 4), {}),
    "gn_image": (lambda L: L.GroupNormalization(groups=4), (2, 3, 3, 8), {}),
    "gn_channels_first": (lambda L: L.GroupNormalization(groups=3, axis=1), (2, 6, 3, 3), {}),
    "gn_middle_axis": (lambda L: L.GroupNormalization(groups=2, axis=-2, center=False), (2, 3, 4, 5), {}),
    "unit": (lambda L: L.UnitNormalization(), (3, 4), {}),
    "unit_axes": (lambda L: L.UnitNormalization(axis=[1, 2]), (2, 3, 4), {}),
    "unit_axis1": (lambda L: L.UnitNormalization(axis=1), (2, 3, 4), {}),
}


def _random_weights(layer, seed):
    """Random values for every weight; variances and stddevs positive."""
    rng = np.random.default_rng(seed)
    out = []
    for w in layer.weights:
        positive = "variance" in w.name or "stddev" in w.name
        v = rng.uniform(0.5, 2.0, size=w.shape) if positive else rng.normal(size=w.shape)
        out.append(v.astype("float32"))
    return out


def _pair(keras, case):
    factory, shape, kwargs = CASES[case]
    theirs, ours = factory(keras.layers), factory(mk_layers)
    theirs.build(shape)
    ours.build(shape)
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert [w.name for w in ours.trainable_weights] == [w.name for w in theirs.trainable_weights]
    weights = _random_weights(theirs, len(case))
    theirs.set_weights(weights)
    ours.set_weights(weights)
    x = np.random.default_rng(len(case) + 1).normal(1.0, 2.0, size=shape).astype("float32")
    return theirs, ours, x, kwargs


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_and_state_match_keras(keras, case, training):
    theirs, ours, x, kwargs = _pair(keras, case)
    for _ in range(2):  # a second call sees the updated moving statistics
        expected = np.asarray(theirs(x, training=training, **kwargs))
        got = np.asarray(ours(x, training=training, **kwargs))
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        for mine, ref in zip(ours.weights, theirs.weights):
            np.testing.assert_allclose(mine.numpy(), np.asarray(ref), rtol=1e-5, atol=1e-6, err_msg=mine.path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_and_shapes_match_keras(keras, case):
    theirs, ours, x, _ = _pair(keras, case)
    assert ours.count_params() == theirs.count_params()
    our_config, their_config = ours.get_config(), theirs.get_config()
    assert sorted(our_config) == sorted(their_config)
    for key in their_config.keys() - {"name"}:
        assert plain(our_config[key]) == plain(their_config[key]), key
    shape = (None,) + x.shape[1:]
    assert tuple(ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape(shape))


def test_unbuilt_configs_match_keras(keras):
    for case in sorted(CASES):
        factory = CASES[case][0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c1, c2 = factory(keras.layers).get_config(), factory(mk_layers).get_config()
        assert {k: plain(v) for k, v in c1.items() if k != "name"} == \
            {k: plain(v) for k, v in c2.items() if k != "name"}, case


# --- fit --------------------------------------------------------------------------------------
MODELS = {
    # name: (input shape without batch, factory(layers) -> normalization layer, frozen)
    "bn": ((5,), lambda L: L.BatchNormalization(), False),
    "bn_image": ((4, 4, 3), lambda L: L.BatchNormalization(momentum=0.9), False),
    "bn_channels_first": ((3, 4, 4), lambda L: L.BatchNormalization(axis=1, momentum=0.8), False),
    "bn_renorm": ((5,), lambda L: L.BatchNormalization(renorm=True, momentum=0.9, renorm_momentum=0.8), False),
    "bn_frozen": ((4, 4, 3), lambda L: L.BatchNormalization(), True),
    "ln": ((3, 4), lambda L: L.LayerNormalization(), False),
    "gn": ((4, 4, 6), lambda L: L.GroupNormalization(groups=2), False),
    "unit": ((5,), lambda L: L.UnitNormalization(), False),
}


def _model(lib, case):
    shape, factory, frozen = MODELS[case]
    L = lib.layers
    norm = factory(L)
    model = lib.Sequential([lib.Input(shape), L.Dense(4, name="pre"), norm, L.Flatten(), L.Dense(2)])
    norm.trainable = not frozen
    model.compile(lib.optimizers.SGD(0.01), "mse")
    return model, norm


@pytest.mark.parametrize("case", sorted(MODELS))
def test_sgd_fit_steps_match_keras(keras, case):
    shape = MODELS[case][0]
    rng = np.random.default_rng(3)
    x = rng.normal(0.5, 2.0, size=(12,) + shape).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    (km, _), (mm, mnorm) = _model(keras, case), _model(mk, case)
    weights = [w + 0.1 * rng.normal(size=w.shape).astype("float32") for w in km.get_weights()]
    km.set_weights(weights)
    mm.set_weights(weights)
    k_hist = km.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    m_hist = mm.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(m_hist["loss"], k_hist["loss"], rtol=1e-5)
    assert [w.path.split("/")[-1] for w in mm.weights] == [w.path.split("/")[-1] for w in km.weights]
    for mine, ref in zip(mm.weights, km.weights):
        np.testing.assert_allclose(mine.numpy(), np.asarray(ref), rtol=1e-5, atol=1e-5, err_msg=mine.path)
    if MODELS[case][2]:  # frozen: the moving statistics never moved
        for mine, start in zip(mnorm.weights, weights[2:]):
            np.testing.assert_array_equal(mine.numpy(), start)
    np.testing.assert_allclose(mm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("frozen", [False, True])
def test_summary_counts_match_keras(keras, frozen):
    case = "bn_frozen" if frozen else "bn_image"
    (km, _), (mm, _) = _model(keras, case), _model(mk, case)
    for attr in ("weights", "trainable_weights", "non_trainable_weights"):
        ours = sum(int(np.prod(w.shape)) for w in getattr(mm, attr))
        theirs = sum(int(np.prod(w.shape)) for w in getattr(km, attr))
        assert ours == theirs, attr
    assert mm.count_params() == km.count_params()
