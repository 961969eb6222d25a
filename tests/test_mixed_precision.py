"""Dtype policies and mixed precision: policies, layer dtypes, autocasting, configs, saving, fit."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import dtype_policies, layers, mixed_precision, ops
from minikeras.engine.masking import set_keras_mask
from minikeras.engine.variable import AutocastScope, Variable


@pytest.fixture(autouse=True)
def _restore_global_policy():
    yield
    keras.config.set_dtype_policy("float32")


# --- policies -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, compute, variable", [
    ("float32", "float32", "float32"), ("float16", "float16", "float16"),
    ("bfloat16", "bfloat16", "bfloat16"), ("float64", "float64", "float64"),
    ("mixed_float16", "float16", "float32"), ("mixed_bfloat16", "bfloat16", "float32")])
def test_policy_dtypes(name, compute, variable):
    policy = keras.DTypePolicy(name)
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (name, compute, variable)
    assert policy.quantization_mode is None
    assert repr(policy) == f'<DTypePolicy "{name}">'
    assert dtype_policies.get(name) == policy
    assert dtype_policies.deserialize(dtype_policies.serialize(policy)) == policy


def test_policy_errors_and_aliases():
    with pytest.raises(ValueError, match="Cannot convert 'nope'"):
        keras.DTypePolicy("nope")
    with pytest.raises(TypeError, match="'name' must be a string"):
        keras.DTypePolicy(123)
    assert mixed_precision.Policy is keras.DTypePolicy is mixed_precision.DTypePolicy
    assert repr(keras.FloatDTypePolicy("float16")) == '<DTypePolicy "float16">'
    assert keras.FloatDTypePolicy("float16") == keras.DTypePolicy("float16")
    assert dtype_policies.get(np.float64).name == "float64"


def test_serialized_policy_is_keras_dict():
    assert dtype_policies.serialize(keras.DTypePolicy("mixed_float16")) == {
        "module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"},
        "registered_name": None}
    assert dtype_policies.serialize(dtype_policies.get("int8_from_float32")) == {
        "module": "keras.dtype_policies", "class_name": "QuantizedDTypePolicy",
        "config": {"mode": "int8", "source_name": "float32"}, "registered_name": None}


def test_quantized_policies_are_config_objects():
    policy = dtype_policies.get("int8_from_mixed_bfloat16")
    assert (policy.quantization_mode, policy.compute_dtype, policy.variable_dtype) == \
        ("int8", "bfloat16", "float32")
    assert isinstance(dtype_policies.get("float8_from_float32"),
                      dtype_policies.QuantizedFloat8DTypePolicy)
    assert dtype_policies.get("gptq/4/128_from_float32").group_size == 128
    with pytest.raises(ValueError, match="doesn't work well"):
        dtype_policies.QuantizedDTypePolicy("int8", "mixed_float16")
    with pytest.raises(ValueError, match="AWQ only supports 4-bit"):
        dtype_policies.AWQDTypePolicy("awq/8/128", "float32")
    with pytest.raises(NotImplementedError, match="quantized dtype policies are not supported"):
        layers.Dense(2, dtype="int8_from_float32")


def test_global_policy():
    assert keras.config.dtype_policy().name == "float32"
    mixed_precision.set_global_policy("mixed_float16")
    assert mixed_precision.global_policy().name == "mixed_float16"
    dense = layers.Dense(2)
    assert (dense.dtype_policy.name, dense.compute_dtype, dense.dtype) == \
        ("mixed_float16", "float16", "float32")
    assert layers.Dense(2, dtype="float32").compute_dtype == "float32"
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        keras.config.set_dtype_policy(3)


def test_policy_map_lookup():
    policy_map = dtype_policies.DTypePolicyMap(default_policy="float32")
    policy_map["encoder/dense"] = "bfloat16"
    policy_map["encoder/.*"] = "float16"
    assert policy_map["encoder/dense"].name == "bfloat16"
    assert policy_map["encoder/attention"].name == "float16"
    assert policy_map["decoder"].name == "float32"
    policy_map["encoder/att.*"] = "float16"
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        policy_map["encoder/attention"]
    with pytest.raises(ValueError, match="already exist"):
        policy_map["encoder/dense"] = "float32"
    config = dtype_policies.serialize(policy_map)
    loaded = dtype_policies.deserialize(config)
    assert loaded["encoder/dense"].name == "bfloat16" and loaded.default_policy.name == "float32"
    layer = layers.Dense(2, dtype=policy_map, name="encoder/dense")
    assert layer.compute_dtype == "bfloat16"


# --- layers -------------------------------------------------------------------------------------
def test_mixed_layer_dtypes_and_autocast():
    dense = layers.Dense(3, dtype="mixed_float16")
    y = dense(np.ones((2, 4), "float32"))
    assert y.dtype == "float16"
    assert dense.kernel.dtype == "float32" and dense.bias.dtype == "float32"
    assert (dense.dtype, dense.compute_dtype, dense.variable_dtype, dense.input_dtype) == \
        ("float32", "float16", "float32", "float16")
    expected = (np.ones((2, 4), "float16") @ dense.kernel.numpy().astype("float16")
                + dense.bias.numpy().astype("float16"))
    np.testing.assert_array_equal(np.asarray(y), expected)
    # integer inputs are not cast; a layer with autocast=False keeps the input dtype
    assert layers.Embedding(5, 2, dtype="mixed_float16")(np.array([[1, 2]])).dtype == "float16"
    plain = layers.Activation("linear", dtype="mixed_float16", autocast=False)
    assert plain(np.ones(3, "float32")).dtype == "float32"


def test_float32_layer_after_mixed_layer_sees_float32():
    x = keras.Input((4,))
    h = layers.Dense(3, dtype="mixed_float16")(x)
    out = layers.Activation("softmax", dtype="float32")(h)
    assert (h.dtype, out.dtype) == ("float16", "float32")
    model = keras.Model(x, out)
    assert model.predict(np.ones((2, 4)), verbose=0).dtype == "float32"


def test_autocast_scope_reads_variables_in_compute_dtype():
    v = Variable(np.ones(3), dtype="float32")
    i = Variable(np.ones(3, "int32"), dtype="int32")
    fixed = Variable(np.ones(3), dtype="float32", autocast=False)
    with AutocastScope("float16"):
        assert v.value.dtype == "float16" and i.value.dtype == "int32"
        assert fixed.value.dtype == "float32"
        assert (v + 1.0).dtype == "float16"
        with AutocastScope(None):
            assert v.value.dtype == "float32"
    assert v.value.dtype == "float32"
    with pytest.raises(ValueError, match="floating-point target dtype"):
        AutocastScope("int32")


def test_custom_layer_reads_weights_in_compute_dtype():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
            self.steps = self.add_weight(shape=(), initializer="zeros", dtype="int32",
                                         trainable=False)

        def call(self, x):
            self.seen = (ops.dtype(self.w.value), ops.dtype(self.steps.value))
            return x * self.w

    layer = Scale(dtype="mixed_float16")
    assert layer(np.ones((2, 3))).dtype == "float16"
    assert layer.seen == ("float16", "int32")
    assert layer.w.dtype == "float32"


def test_bfloat16_layer():
    import ml_dtypes
    dense = layers.Dense(2, dtype="mixed_bfloat16")
    y = dense(np.ones((1, 3), "float32"))
    assert y.dtype == ml_dtypes.bfloat16 and dense.kernel.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y, "float32"),
                               dense.kernel.numpy().sum(0, keepdims=True), rtol=2e-2)


# --- configs and saving -------------------------------------------------------------------------
def test_config_round_trip():
    dense = layers.Dense(3, dtype="mixed_float16")
    config = dense.get_config()
    assert config["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                               "config": {"name": "mixed_float16"}, "registered_name": None}
    assert layers.Dense.from_config(config).dtype_policy.name == "mixed_float16"
    assert layers.Dense(3).get_config()["dtype"]["config"] == {"name": "float32"}


def test_keras_file_round_trip(tmp_path):
    keras.config.set_dtype_policy("mixed_float16")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(2)])
    keras.config.set_dtype_policy("float32")
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == ["mixed_float16"] * 3
    assert all(w.dtype == "float32" for w in loaded.weights)
    got = loaded.predict(x, verbose=0)
    assert got.dtype == "float16"
    np.testing.assert_array_equal(got, expected)


# --- training -----------------------------------------------------------------------------------
def test_fit_mixed_float16_learns_with_float32_weights():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, :1] + x[:, 1:2] > 0).astype("int32")
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy("mixed_float16")
    model = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"),
                              layers.Dense(2), layers.Activation("softmax", dtype="float32")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.predict(x[:2], verbose=0).dtype == "float32"


def test_gradients_reach_float32_variables_through_the_cast():
    dense = layers.Dense(1, dtype="mixed_float16", use_bias=False, kernel_initializer="ones")
    x = np.array([[1.0, 2.0]], "float32")
    dense(x)

    def loss(values):
        out, _ = dense.stateless_call(values, [], x)
        return ops.sum(ops.cast(out, "float32") ** 2)

    from minikeras.engine.autodiff import value_and_grads
    value, grads = value_and_grads(loss, [dense.kernel.numpy()])
    assert grads[0].dtype == "float32"
    np.testing.assert_allclose(grads[0], [[6.0], [12.0]])  # d(x@w)^2/dw = 2 (x@w) x


def test_functional_model_casts_inputs_to_its_inputs_dtype_not_the_policy():
    keras.config.set_dtype_policy("mixed_float16")
    x = keras.Input((1,))
    model = keras.Model(x, layers.Identity(dtype="float32")(x))
    assert model.compute_dtype == "float16"
    value = np.array([[1.0001]], "float64")
    out = model.predict(value, verbose=0)
    assert out.dtype == "float32" and out[0, 0] == np.float32(1.0001)  # not rounded to float16
    seq = keras.Sequential([layers.Dense(2)])
    seq.build((None, 3))
    assert seq.input_dtype == "float16"  # Keras: the input layer takes the first layer's dtype


def test_symbolic_output_dtype_of_a_custom_layer_follows_the_policy():
    class Linear(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2))

        def call(self, x):
            return ops.matmul(x, self.w)

    layer = Linear(dtype="mixed_float16")
    symbolic = layer(keras.Input((3,)))
    assert symbolic.dtype == "float16" == layer(np.ones((1, 3))).dtype


def test_clear_session_resets_the_global_policy():
    keras.config.set_dtype_policy("mixed_float16")
    keras.utils.clear_session()
    assert keras.config.dtype_policy().name == "float32"


def test_variable_dtype_inside_autocast_scope_and_mask_kept_by_the_input_cast():
    v = Variable(np.ones(2), dtype="float32")
    with AutocastScope("float16"):
        assert v.dtype == "float16"  # as Keras: the dtype it is read in
    assert v.dtype == "float32"

    seen = {}

    class Probe(layers.Layer):
        def call(self, x, mask=None):
            seen.update(dtype=x.dtype, mask=mask)
            return x

    x = keras.ops.zeros((1, 2))
    set_keras_mask(x, np.array([True, False]))
    Probe(dtype="float16")(x)
    assert seen["dtype"] == "float16"
    np.testing.assert_array_equal(seen["mask"], [True, False])
