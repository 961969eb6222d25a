"""LoRA on Dense, EinsumDense, Embedding and Conv1D/2D/3D (Keras 3.15's semantics): the frozen
weight W and the float32 factors A, B; the merged weight W + (alpha / rank) A @ B used by the
forward pass; `fit` moving A and B only; files holding the merged weight; Keras's errors."""
import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

# name: (factory(**kwargs) -> layer, build shape, weight attribute, lora weight names, weight shape)
CASES = {
    "dense": (lambda **k: layers.Dense(4, **k), (None, 3), "kernel", (3, 4)),
    "einsum": (lambda **k: layers.EinsumDense("ab,bcd->acd", (2, 5), bias_axes="d", **k),
               (None, 3), "kernel", (3, 2, 5)),
    "embedding": (lambda **k: layers.Embedding(6, 4, **k), None, "embeddings", (6, 4)),
    "conv1d": (lambda **k: layers.Conv1D(4, 3, **k), (None, 7, 3), "kernel", (3, 3, 4)),
    "conv2d": (lambda **k: layers.Conv2D(4, 2, groups=2, **k), (None, 5, 5, 6), "kernel",
               (2, 2, 3, 4)),
    "conv3d": (lambda **k: layers.Conv3D(2, 2, data_format="channels_first", **k),
               (None, 3, 3, 3, 3), "kernel", (2, 2, 2, 3, 2)),
}


def make(case, rank=None, **kwargs):
    factory, shape, _, _ = CASES[case]
    layer = factory(lora_rank=rank, **kwargs) if rank else factory(**kwargs)
    layer.build(shape)
    return layer


def inputs(case, n=8, seed=0):
    rng = np.random.default_rng(seed)
    shape = CASES[case][1]
    if shape is None:
        return rng.integers(0, 6, size=(n, 5))
    return rng.normal(size=(n,) + shape[1:]).astype("float32")


def lora_names(case):
    target = CASES[case][2]
    return f"lora_{target}_a", f"lora_{target}_b"


def randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_weights_names_shapes_order_and_trainability(case):
    layer = make(case)
    plain = [w.path for w in layer.weights]
    layer.enable_lora(3)
    target = CASES[case][2]
    a_name, b_name = lora_names(case)
    shape = CASES[case][3]
    assert [w.path for w in layer.weights] == plain + [f"{layer.name}/{a_name}", f"{layer.name}/{b_name}"]
    a, b = getattr(layer, a_name), getattr(layer, b_name)
    assert a.shape == shape[:-1] + (3,) and b.shape == (3, shape[-1])
    assert a.dtype == b.dtype == "float32"
    assert [w.name for w in layer.non_trainable_weights] == [target]
    assert [w.name for w in layer.trainable_weights] == \
        [w.name for w in layer.weights if w.name != target]
    np.testing.assert_array_equal(b.numpy(), 0)  # zeros: the merged weight starts as W
    assert np.abs(a.numpy()).max() > 0  # he_uniform
    assert layer.lora_enabled and layer.lora_rank == 3 and layer.lora_alpha == 3


@pytest.mark.parametrize("case", sorted(CASES))
def test_merged_weight_drives_the_forward_pass(case):
    layer = make(case)
    layer.enable_lora(2, lora_alpha=5.0)
    randomize(layer)
    target = CASES[case][2]
    a, b = (getattr(layer, n).numpy() for n in lora_names(case))
    w = getattr(layer, "_" + target).numpy()
    expected = w + 2.5 * np.einsum("...r,rn->...n", a, b)
    merged = np.asarray(getattr(layer, target))
    assert merged.dtype == np.float32
    np.testing.assert_allclose(merged, expected, rtol=1e-5, atol=1e-5)
    # a plain layer holding the merged weight computes the same outputs
    plain = make(case)
    plain.set_weights([expected if v.name == target else v.numpy()
                       for v in layer.weights if not v.name.startswith("lora_")])
    x = inputs(case)
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(plain(x)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_moves_only_the_lora_factors(case):
    layer = make(case, rank=2)
    target = CASES[case][2]
    frozen = getattr(layer, "_" + target).numpy().copy()
    a0, b0 = (getattr(layer, n).numpy().copy() for n in lora_names(case))
    model = keras.Sequential([layer])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x = inputs(case, n=32)
    y = np.random.default_rng(3).normal(size=np.shape(model.predict(x, verbose=0))).astype("float32")
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < history[0]
    np.testing.assert_array_equal(getattr(layer, "_" + target).numpy(), frozen)
    a1, b1 = (getattr(layer, n).numpy() for n in lora_names(case))
    assert np.abs(a1 - a0).max() > 0 and np.abs(b1 - b0).max() > 0


def test_enable_lora_after_compile_trains_the_factors_only():
    layer = make("dense")
    model = keras.Sequential([layer])
    model.compile(optimizer="sgd", loss="mse")
    layer.enable_lora(2)
    kernel = layer._kernel.numpy().copy()
    x = inputs("dense", n=16)
    model.fit(x, np.ones((16, 4), "float32"), verbose=0)
    np.testing.assert_array_equal(layer._kernel.numpy(), kernel)
    assert np.abs(layer.lora_kernel_b.numpy()).max() > 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_file_holds_the_merged_weight_and_reloads(case, tmp_path):
    layer = make(case, rank=2)
    randomize(layer)
    model = keras.Sequential([layer])
    x = inputs(case)
    expected = model.predict(x, verbose=0)
    merged = np.asarray(getattr(layer, CASES[case][2]))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    again = loaded.layers[0]
    assert again.lora_enabled and again.get_config()["lora_rank"] == 2
    for name in lora_names(case):  # the file's weight already holds A @ B
        np.testing.assert_array_equal(getattr(again, name).numpy(), 0)
    np.testing.assert_allclose(getattr(again, "_" + CASES[case][2]).numpy(), merged, rtol=1e-6)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)

    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        group = f[f"layers/{type(layer).__name__.lower() if case != 'einsum' else 'einsum_dense'}/vars"]
        assert sorted(group) == (["0", "1"] if case != "embedding" else ["0"])
        np.testing.assert_allclose(group["0"][()], merged, rtol=1e-6)
    plain = keras.Sequential([make(case)])  # a plain layer reads the LoRA layer's file ...
    plain(x[:1])
    plain.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(plain.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    randomize(plain.layers[0], seed=7)  # ... and a LoRA layer reads a plain one's
    plain.save_weights(tmp_path / "p.weights.h5")
    model.load_weights(tmp_path / "p.weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_plain_layer_still_checks_the_variable_count(tmp_path):
    model = keras.Sequential([make("dense")])
    model(inputs("dense"))
    model.save_weights(tmp_path / "m.weights.h5")
    other = keras.Sequential([layers.Dense(4, use_bias=False)])
    other.build((None, 3))
    with pytest.raises(ValueError, match="expected 1 variables, but received 2"):
        other.load_weights(tmp_path / "m.weights.h5")


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_round_trip(case):
    keeps_alpha = case in ("einsum", "conv1d", "conv2d", "conv3d")
    layer = make(case, rank=4, lora_alpha=8)
    # Keras's Dense and Embedding enable LoRA in `build` with the rank only: alpha falls back
    config = layer.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (4, 8 if keeps_alpha else 4)
    clone = type(layer).from_config(config)
    assert clone.get_config()["lora_alpha"] == config["lora_alpha"]
    assert "lora_rank" not in make(case).get_config()
    assert "lora_rank" not in make(case, rank=0).get_config()
    unbuilt = CASES[case][0](lora_rank=4, lora_alpha=8)
    assert unbuilt.get_config()["lora_alpha"] == 8 and not unbuilt.lora_enabled


def test_errors_as_keras():
    with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet built"):
        layers.Dense(2).enable_lora(2)
    with pytest.raises(ValueError, match="Lora is incompatible with kernel constraints"):
        layers.Conv1D(2, 3, kernel_constraint="max_norm").enable_lora(2)
    with pytest.raises(ValueError, match="Lora is incompatible with embedding constraints.*"
                                         "`embeddings_constraint`"):
        layers.Embedding(5, 2, embeddings_constraint="non_neg").enable_lora(2)
    layer = make("einsum")
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    with pytest.raises(AttributeError, match="You must build the layer before accessing `kernel`"):
        layers.Dense(2).kernel


def test_regularizer_applies_to_the_trainable_factors():
    layer = make("dense", rank=2, kernel_regularizer=keras.regularizers.L2(0.1))
    randomize(layer)
    assert len(layer.losses) == 2  # A and B; the frozen kernel adds none
    a, b = layer.lora_kernel_a.numpy(), layer.lora_kernel_b.numpy()
    np.testing.assert_allclose(sorted(float(v) for v in layer.losses),
                               sorted([0.1 * (a ** 2).sum(), 0.1 * (b ** 2).sum()]), rtol=1e-5)


def test_mixed_precision_keeps_factors_float32():
    layer = layers.Dense(3, dtype="mixed_float16", lora_rank=2)
    out = layer(np.ones((2, 4), "float32"))
    assert layer.lora_kernel_a.dtype == "float32" and str(out.dtype) == "float16"
    assert str(np.asarray(layer.kernel).dtype) == "float16"
