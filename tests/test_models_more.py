"""Functional and Sequential internals as Keras 3.15 has them: operations vs layers, sliced
models, input standardization, Sequential's inner Functional, state trees, pickling."""
import pickle
import warnings
from collections import namedtuple

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.models import Functional, Sequential


def _chain():
    inputs = keras.Input((None, 2), name="input")
    x1 = layers.Dense(3, name="dense1")(inputs)
    x2 = layers.Dense(4, name="dense2")(x1)
    out = layers.Dense(5, name="dense3")(x2)
    return inputs, x1, x2, out


# --- Functional ---------------------------------------------------------------------------
def test_layers_leave_ops_out_and_operations_keep_them_in_depth_order():
    a, b = keras.Input((3,), name="in_a"), keras.Input((3,), name="in_b")
    x = layers.Dense(5, name="d1")(a + b)
    model = keras.Model([a, b], layers.Dense(4, name="d2")(x))
    assert [l.name for l in model.layers] == ["in_a", "in_b", "d1", "d2"]
    assert [type(op).__name__ for op in model.operations] == [
        "InputLayer", "InputLayer", "Add", "Dense", "Dense"]
    assert model.get_layer(index=2).name == "d1"
    with pytest.raises(AttributeError, match="`Model.layers` attribute is reserved"):
        model.layers = []


def test_sliced_model_starts_at_a_clone_input_and_shares_weights():
    inputs, x1, x2, out = _chain()
    full = keras.Model(inputs, out)
    part = keras.Model(x1, out)
    assert isinstance(part.layers[0], layers.InputLayer)
    assert part.layers[0].name.endswith("CLONE")
    assert [l.name for l in part.layers[1:]] == ["dense2", "dense3"]
    x = np.random.default_rng(0).normal(size=(2, 3, 2)).astype("float32")
    hidden = keras.Model(inputs, x1)(x)
    np.testing.assert_allclose(part(hidden), full(x), rtol=1e-6)
    assert part.get_layer("dense3") is full.get_layer("dense3")
    # the full model still runs after the slicing added nodes to its layers
    np.testing.assert_allclose(full(x), keras.Model(inputs, out)(x), rtol=1e-6)


def test_dtypes_are_each_inputs_own():
    f, i = keras.Input((2,), dtype="float16"), keras.Input((2,), dtype="int32")
    model = keras.Model((f, i), (f + 2, i + 2))
    out_f, out_i = model((np.ones((2, 2)), np.ones((2, 2))))
    assert (out_f.dtype, out_i.dtype) == (np.float16, np.int32)
    np.testing.assert_array_equal(out_i, 3 * np.ones((2, 2), "int32"))


def test_rank_is_squeezed_or_expanded_and_wrong_ranks_name_the_input_path():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert model(np.ones((4, 3, 1))).shape == (4, 2)
    nested = [{"foo": keras.Input((3,), name="my_input")}]
    model = keras.Model(nested, layers.Dense(3)(nested[0]["foo"]))
    with pytest.raises(ValueError, match="name 'my_input' .* path '0.foo'"):
        model(np.ones(()))


def test_dict_and_list_inputs_are_reconciled_as_keras_does():
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    out = layers.Concatenate()([a, b])
    xa, xb = np.ones((2, 3), "float32"), 2 * np.ones((2, 4), "float32")
    list_model = keras.Model([a, b], out)
    np.testing.assert_array_equal(list_model({"a": xa, "b": xb}), np.concatenate([xa, xb], 1))
    unsorted = keras.Model({"b": b, "a": a}, out)
    with pytest.raises(ValueError, match="structure of `inputs` doesn't match"):
        unsorted([xa, xb])
    with pytest.raises(ValueError, match=r"named input\(s\) with keys \['a', 'b'\]"):
        unsorted(xa)
    only_a = keras.Model({"a": a}, a * 2)
    with pytest.warns(UserWarning, match="structure of `inputs` doesn't match") as record:
        np.testing.assert_array_equal(only_a({"a": xa, "b": xb}), 2 * xa)
    assert len(record) == 1


def test_optional_inputs_take_none_and_required_ones_refuse_it():
    class AddIfGiven(layers.Layer):
        def call(self, x, y=None):
            return x if y is None else x + y

        def compute_output_shape(self, x_shape):
            return x_shape

    x, opt = keras.Input((2,), name="x"), keras.Input((2,), name="y", optional=True)
    model = keras.Model({"x": x, "y": opt}, AddIfGiven()(x, opt))
    np.testing.assert_array_equal(model({"x": np.ones((2, 2)), "y": None}), np.ones((2, 2)))
    np.testing.assert_array_equal(model([np.ones((2, 2)), 2 * np.ones((2, 2))]), 3 * np.ones((2, 2)))
    req = keras.Input((2,), name="req")
    model = keras.Model({"x": x, "req": req}, AddIfGiven()(x, req))
    with pytest.raises(ValueError, match="The input 'req' is not optional"):
        model({"x": np.ones((2, 2)), "req": None})


def test_graph_errors_say_what_keras_says():
    i1, i2 = keras.Input((2,), name="i1"), keras.Input((2,), name="i2")
    with pytest.raises(ValueError, match="Output with path `second` is not connected"):
        keras.Model(i1, {"first": i1 * 2, "second": i2 * 3})
    with pytest.raises(ValueError, match="All `inputs` values must be KerasTensors"):
        keras.Model({"a": "a"}, i1)
    config = {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [None, 2],
                                                             "name": "in"}, "inbound_nodes": []},
        {"class_name": "Dense", "name": "d", "config": {"units": 2, "name": "d"},
         "inbound_nodes": [[["missing", 0, 0, {}]]]}],
        "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}
    with pytest.raises(ValueError, match="Missing node: missing"):
        Functional.from_config(config)


@pytest.mark.parametrize("kind", [list, tuple, dict])
def test_output_structure_survives_config_round_trip(kind):
    inputs = keras.Input((3,))
    a, b = layers.Dense(4)(inputs), layers.Dense(5)(inputs)
    outputs = {"a": a, "b": b} if kind is dict else kind([a, b])
    model = keras.Model(inputs, outputs)
    restored = Functional.from_config(model.get_config())
    restored.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    out = restored(x)
    assert type(out) is kind
    for got, want in zip(list(out.values()) if kind is dict else out,
                         list(model(x).values()) if kind is dict else model(x)):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_namedtuple_outputs_predict_and_train():
    Y = namedtuple("Y", ["y1", "y2"])
    x = keras.Input((3,))
    model = keras.Model(x, Y(layers.Dense(1, name="y1")(x), layers.Dense(1, name="y2")(x)))
    model.compile(optimizer="sgd", loss="mse")
    data = np.random.default_rng(0).random((8, 3)).astype("float32")
    out = model.predict(data, verbose=0)
    assert isinstance(out, Y) and out.y1.shape == (8, 1)
    target = Y(np.ones((8, 1), "float32"), np.zeros((8, 1), "float32"))
    first = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=20, verbose=0)
    assert model.evaluate(data, target, verbose=0) < first


def test_functional_subclass_with_extra_arguments_revives():
    class Custom(keras.Model):
        def __init__(self, *args, param=1, **kwargs):
            super().__init__(*args, **kwargs)
            self.param = param

        def get_config(self):
            return {**super().get_config(), "param": self.param}

    inputs = keras.Input((3,))
    model = Custom(inputs=inputs, outputs=layers.Dense(2)(inputs), param=3)
    assert Custom.from_config(model.get_config()).param == 3


def test_manual_input_spec_is_checked():
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    model.input_spec = layers.InputSpec(shape=(None, 4, 3))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4, 3\), found shape=\(2, 3, 3\)"):
        model(np.zeros((2, 3, 3)))
    assert model(np.zeros((2, 4, 3))).shape == (2, 4, 2)


# --- Sequential ---------------------------------------------------------------------------
def test_sequential_keeps_a_functional_graph_once_shapes_are_known():
    model = Sequential([keras.Input((2,)), layers.Dense(4), layers.Dense(5)], name="seq")
    assert type(model._functional) is Functional
    assert [w.path for w in model.weights][:2] == [f"seq/{model.layers[0].name}/kernel",
                                                   f"seq/{model.layers[0].name}/bias"]
    model.pop()
    assert model(np.ones((3, 2))).shape == (3, 4) and len(model.weights) == 2
    deferred = Sequential([layers.Dense(4)])
    assert not hasattr(deferred, "inputs") and not hasattr(deferred, "input_shape")
    assert deferred.compute_output_shape((1, 2)) == (1, 4)
    deferred(np.ones((3, 2)))
    assert type(deferred._functional) is Functional and hasattr(deferred, "outputs")
    with pytest.raises(AttributeError, match=r"Use `add\(\)` and `pop\(\)`"):
        deferred.layers = []


def test_sequential_with_a_model_first_builds_at_once():
    inputs = keras.Input((4, 4, 3))
    inner = keras.Model(inputs, layers.Conv2D(2, 3, padding="same")(inputs))
    model = Sequential([inner, layers.Flatten(), layers.Dense(1)])
    assert model.built and all(layer.built for layer in model.layers)
    x = np.random.default_rng(0).random((2, 4, 4, 3)).astype("float32")
    dense = model.layers[-1]
    want = inner(x).numpy().reshape(2, -1) @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model(x), want, rtol=1e-5)


def test_sequential_falls_back_to_applying_layers():
    class NoShapes(layers.Layer):
        def call(self, inputs):
            return inputs + 1.0

        def compute_output_spec(self, *args, **kwargs):
            raise NotImplementedError

    model = Sequential([NoShapes()])
    np.testing.assert_allclose(model(np.ones((3, 2))), 2 * np.ones((3, 2)))
    assert model._functional is None

    class DictLayer(layers.Layer):
        def call(self, inputs):
            return {k: 2 * v for k, v in inputs.items()}

    out = Sequential([DictLayer()])({"a": np.ones((3, 2))})
    assert isinstance(out, dict)
    np.testing.assert_allclose(out["a"], 2 * np.ones((3, 2)))


def test_sequential_errors():
    model = Sequential([keras.Input((2,), batch_size=3), layers.Dense(2)])
    with pytest.raises(ValueError, match="already been configured"):
        model.build((3, 4))
    with pytest.raises(ValueError, match="already been configured"):
        model.add(keras.Input((2,)))
    with pytest.raises(ValueError, match="no layers"):
        Sequential()(np.ones((3, 2)))

    class TwoInputs(layers.Layer):
        def call(self, inputs, training):
            return inputs

    with pytest.raises(ValueError, match="can only have a single required positional"):
        Sequential([TwoInputs()]).build((None, 2))


# --- Model --------------------------------------------------------------------------------
def _trained_functional():
    inputs = keras.Input((3,), name="x")
    model = keras.Model(inputs, layers.Dense(1, name="out")(inputs))
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.random((8, 3)), rng.random((8, 1)), verbose=0)
    return model


def test_pickle_round_trip_keeps_weights_and_uses_the_safe_loader():
    model = _trained_functional()
    x = np.random.default_rng(1).random((4, 3)).astype("float32")
    clone = pickle.loads(pickle.dumps(model))
    assert clone is not model
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    inputs = keras.Input((3,))
    lam = keras.Model(inputs, layers.Lambda(lambda t: t * 2)(inputs))
    with pytest.raises(ValueError, match="(?i)lambda|unsafe"):
        pickle.loads(pickle.dumps(lam))


def test_state_tree_round_trip():
    model = _trained_functional()
    tree = model.get_state_tree(value_format="numpy_array")
    assert set(tree) == {"trainable_variables", "non_trainable_variables",
                         "optimizer_variables", "metrics_variables"}
    np.testing.assert_array_equal(tree["trainable_variables"]["out"]["kernel"],
                                  model.get_layer("out").kernel.numpy())
    assert "iteration" in tree["optimizer_variables"][model.optimizer.name]
    assert set(tree["metrics_variables"]["loss"]) == {"total", "count"}
    tree["trainable_variables"]["out"]["kernel"] = np.full((3, 1), 0.5, "float32")
    model.set_state_tree({"trainable_variables": tree["trainable_variables"]})
    np.testing.assert_array_equal(model.get_layer("out").kernel.numpy(), np.full((3, 1), 0.5))
    with pytest.raises(ValueError, match="Unknown variable name"):
        model.set_state_tree({"weights": {}})
    variable_map = model._get_variable_map()
    assert variable_map["out/kernel"] is model.get_layer("out").kernel
    assert f"{model.optimizer.name}/learning_rate" in variable_map


def test_state_tree_refuses_duplicate_paths():
    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(2, name="same")
            self.b = layers.Dense(2, name="same")

        def call(self, x):
            return self.b(self.a(x))

    model = Twice()
    model(np.ones((1, 2)))
    with pytest.raises(ValueError, match="variable path is found twice"):
        model.get_state_tree()


def test_export_raises_keras_errors():
    model = _trained_functional()
    with pytest.raises(ValueError, match="Unrecognized format=bad"):
        model.export("/tmp/x", format="bad")
    with pytest.raises(NotImplementedError, match="export_saved_model"):
        model.export("/tmp/x")


def test_op_layers_keep_input_dtypes_under_mixed_precision():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        inputs = keras.Input((4,))
        model = keras.Model(inputs, layers.Dense(2)(inputs))
        assert [type(op).__name__ for op in model.operations] == ["InputLayer", "Dense"]
        x = keras.Input((2,), dtype="float32")
        y = ops.add(x, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = keras.Model(x, y)(np.ones((1, 2), "float32"))
        assert out.dtype == np.float32
    finally:
        keras.config.set_dtype_policy("float32")
