"""Pooling layers: values against a loop reference, gradients, shapes, configs, errors."""
import itertools

import numpy as np
import pytest
from autograd.test_util import check_grads

import minikeras
from minikeras import layers as L
from tests.layer_testing import check_layer_grads


def _tie_free(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


def _loop_pool(x, pool, strides, padding, mode):
    """Channels-last reference with explicit loops over output positions (tests only)."""
    spatial = x.shape[1:-1]
    outs, los = [], []
    for n, k, s in zip(spatial, pool, strides):
        out = (n - k) // s + 1 if padding == "valid" else -(-n // s)
        outs.append(out)
        los.append(max((out - 1) * s + k - n, 0) // 2 if padding == "same" else 0)
    y = np.zeros((x.shape[0],) + tuple(outs) + (x.shape[-1],))
    for j in itertools.product(*map(range, outs)):
        window = tuple(slice(max(jj * s - lo, 0), min(jj * s - lo + k, n))
                       for jj, s, lo, k, n in zip(j, strides, los, pool, spatial))
        block = x[(slice(None),) + window]
        axes = tuple(range(1, len(spatial) + 1))
        y[(slice(None),) + j] = block.max(axis=axes) if mode == "max" else block.mean(axis=axes)
    return y


WINDOWED = [
    # (class, spatial, kwargs)
    (L.MaxPooling1D, (9,), {}),
    (L.MaxPooling1D, (9,), {"pool_size": 3, "strides": 2, "padding": "same"}),
    (L.AveragePooling1D, (9,), {"pool_size": 2}),
    (L.AveragePooling1D, (8,), {"pool_size": 3, "strides": 1, "padding": "same"}),
    (L.MaxPooling2D, (7, 6), {}),
    (L.MaxPooling2D, (7, 6), {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"}),
    (L.AveragePooling2D, (7, 6), {"pool_size": (2, 2)}),
    (L.AveragePooling2D, (5, 7), {"pool_size": 3, "strides": 2, "padding": "same"}),
    (L.MaxPooling3D, (4, 5, 3), {}),
    (L.MaxPooling3D, (4, 5, 3), {"pool_size": 2, "strides": 1, "padding": "same"}),
    (L.AveragePooling3D, (4, 5, 3), {"pool_size": (2, 2, 1)}),
    (L.AveragePooling3D, (3, 5, 4), {"pool_size": 2, "padding": "same"}),
]


@pytest.mark.parametrize("cls,spatial,kwargs", WINDOWED)
def test_windowed_values_grads_and_channels_first(cls, spatial, kwargs):
    x = _tie_free((2,) + spatial + (3,))
    layer = cls(dtype="float64", **kwargs)
    mode = "max" if "Max" in cls.__name__ else "average"
    expected = _loop_pool(x, layer.pool_size, layer.strides, layer.padding, mode)
    y = check_layer_grads(layer, x)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert layer.compute_output_shape(x.shape) == expected.shape

    first = cls(dtype="float64", data_format="channels_first", **kwargs)
    xf = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(first(xf), np.moveaxis(expected, -1, 1), rtol=1e-12)
    assert first.compute_output_shape(xf.shape) == np.moveaxis(expected, -1, 1).shape


GLOBAL = [L.GlobalMaxPooling1D, L.GlobalMaxPooling2D, L.GlobalMaxPooling3D,
          L.GlobalAveragePooling1D, L.GlobalAveragePooling2D, L.GlobalAveragePooling3D]


@pytest.mark.parametrize("cls", GLOBAL)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_values_grads_and_shapes(cls, data_format, keepdims):
    nd = int(cls.__name__[-2])
    spatial = (5, 4, 3)[:nd]
    shape = (2,) + spatial + (3,) if data_format == "channels_last" else (2, 3) + spatial
    x = _tie_free(shape)
    axes = tuple(range(1, nd + 1)) if data_format == "channels_last" else tuple(range(2, nd + 2))
    reduce = np.max if "Max" in cls.__name__ else np.mean
    layer = cls(data_format=data_format, keepdims=keepdims, dtype="float64")
    y = check_layer_grads(layer, x)
    np.testing.assert_allclose(y, reduce(x, axis=axes, keepdims=keepdims), rtol=1e-12)
    assert layer.compute_output_shape(x.shape) == y.shape


def test_global_max_ties_share_the_gradient_as_jnp_max():
    import autograd
    x = np.zeros((1, 2, 2, 1))
    f = lambda v: L.GlobalMaxPooling2D(dtype="float64")(v)  # noqa: E731
    dx = autograd.make_vjp(f)(x)[0](np.ones((1, 1)))
    np.testing.assert_array_equal(dx, np.full(x.shape, 0.25))


def test_global_average_pooling_1d_mask():
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    mask = np.array([[1, 1, 0, 0], [0, 0, 0, 1]], dtype=bool)
    y = L.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(y, [x[0, :2].mean(0), x[1, 3]], rtol=1e-6)
    assert y.dtype == np.float32
    first = L.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    yf = first(np.moveaxis(x, 1, 2), mask=mask)
    np.testing.assert_allclose(yf[..., 0], y, rtol=1e-6)
    layer = L.GlobalAveragePooling1D(dtype="float64")
    check_grads(lambda v: layer(v, mask=mask), modes=["rev"], order=1)(_tie_free((2, 4, 3)))
    assert layer.compute_mask(x, mask) is None


def test_defaults_aliases_and_config_round_trip():
    assert L.MaxPooling1D().pool_size == (2,) and L.MaxPooling2D().pool_size == (2, 2)
    assert L.MaxPooling3D().pool_size == (2, 2, 2)
    assert L.MaxPooling2D(3).strides == (3, 3)
    assert L.MaxPooling2D((3, 2), strides=1).strides == (1, 1)
    with pytest.raises(TypeError):
        L.AveragePooling2D()  # pool_size is required, as in Keras
    assert L.MaxPool2D is L.MaxPooling2D and L.AvgPool1D is L.AveragePooling1D
    assert L.GlobalAvgPool2D is L.GlobalAveragePooling2D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    layer = L.AveragePooling2D(3, strides=(1, 2), padding="SAME", data_format="channels_first",
                               name="avg")
    config = layer.get_config()
    assert {k: config[k] for k in ("pool_size", "strides", "padding", "data_format")} == {
        "pool_size": (3, 3), "strides": (1, 2), "padding": "same",
        "data_format": "channels_first"}
    clone = L.AveragePooling2D.from_config(config)
    assert clone.get_config() == config
    g = L.GlobalMaxPooling1D(keepdims=True, name="g")
    assert {k: g.get_config()[k] for k in ("data_format", "keepdims")} == {
        "data_format": "channels_last", "keepdims": True}
    assert L.GlobalMaxPooling1D.from_config(g.get_config()).get_config() == g.get_config()


def test_symbolic_shapes_and_sequential_fit():
    inputs = L.Input((None, 7, 3))
    assert L.MaxPooling2D()(inputs).shape == (None, None, 3, 3)
    assert L.AveragePooling2D(2, padding="same")(inputs).shape == (None, None, 4, 3)
    assert L.GlobalMaxPooling2D(keepdims=True)(inputs).shape == (None, 1, 1, 3)
    model = minikeras.Sequential([L.Input((8, 8, 3)), L.Dense(4), L.MaxPooling2D(),
                                  L.AveragePooling2D(2), L.GlobalAveragePooling2D(), L.Dense(2)])
    x = np.random.default_rng(0).normal(size=(16, 8, 8, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    model.compile("sgd", "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


@pytest.mark.parametrize("make,message", [
    (lambda: L.MaxPooling2D(padding="full", name="p"),
     "Argument `padding` must be either 'valid' or 'same'. Received: padding=full (layer 'p')"),
    (lambda: L.MaxPooling2D(0, name="p"),
     "The `pool_size` argument must be a tuple of 2 integers. Received pool_size=0, including "
     "values {0} that do not satisfy `value > 0` (layer 'p')"),
    (lambda: L.AveragePooling1D((2, 2), name="p"),
     "The `pool_size` argument must be a tuple of 1 integers. Received pool_size=(2, 2) "
     "(layer 'p')"),
    (lambda: L.MaxPooling3D(2, strides=(1, 0, 1), name="p"), "`strides` argument"),
    (lambda: L.GlobalMaxPooling2D(data_format="nhwc", name="p"), "data_format=nhwc (layer 'p')"),
])
def test_construction_errors_name_the_layer(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)


def test_shape_errors_name_the_layer():
    with pytest.raises(ValueError, match="layer 'mp'.*expected ndim=4, found ndim=3"):
        L.MaxPooling2D(name="mp")(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r"Computed output size would be zero.*\(layer 'mp3'\)"):
        L.MaxPooling2D(3, name="mp3")(np.zeros((1, 2, 5, 1), "float32"))
    with pytest.raises(ValueError, match=r"Computed output size would be zero.*\(layer 'ap'\)"):
        L.AveragePooling1D(4, name="ap")(L.Input((3, 2)))
    with pytest.raises(ValueError, match="layer 'g'.*expected ndim=3"):
        L.GlobalAveragePooling1D(name="g")(np.zeros((2, 3, 4, 5), "float32"))
