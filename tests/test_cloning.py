"""`keras.models.clone_model`: new layers, fresh weights, the same architecture."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.models import clone_model


def _sequential():
    return keras.Sequential([keras.Input((3,), name="x"), layers.Dense(4, activation="relu"),
                             layers.Dropout(0.1, seed=1), layers.Dense(2)], name="seq")


def _functional():
    inp = keras.Input((3,), name="x")
    h = layers.Dense(4, activation="tanh")(inp)
    out = layers.Add()([layers.Dense(4)(h), h])
    return keras.Model(inp, out, name="func")


def _x():
    return np.random.default_rng(0).normal(size=(5, 3)).astype("float32")


@pytest.mark.parametrize("make", [_sequential, _functional])
def test_same_structure_and_configs_with_new_weights(make):
    model = make()
    clone = clone_model(model)
    assert type(clone) is type(model) and clone.name == model.name
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    assert [a.get_config() for a in clone.layers] == [b.get_config() for b in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    new, old = clone.weights, model.weights
    assert [w.shape for w in new] == [w.shape for w in old]
    assert all(a is not b for a, b in zip(new, old))
    kernels = [(a, b) for a, b in zip(new, old) if "kernel" in a.path]
    assert any(not np.allclose(a.numpy(), b.numpy()) for a, b in kernels)  # fresh, not copied


@pytest.mark.parametrize("make", [_sequential, _functional])
def test_set_weights_gives_same_predictions(make):
    model = make()
    clone = clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(_x(), verbose=0), model.predict(_x(), verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("make", [_sequential, _functional])
def test_clone_function_is_applied(make):
    model = make()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        config = layer.get_config()
        if "units" in config:
            config["units"] = 4
            config["activation"] = "sigmoid"
        return layer.__class__.from_config(config)

    clone = clone_model(model, clone_function=clone_function)
    assert seen == [layer.name for layer in model.layers if not isinstance(layer, layers.InputLayer)]
    assert all(layer.activation.__name__ == "sigmoid" for layer in clone.layers
               if isinstance(layer, layers.Dense))


def test_clone_function_identity_shares_layers():
    model = _functional()
    clone = clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(clone.layers[1:], model.layers[1:]))


@pytest.mark.parametrize("make", [_sequential, _functional])
def test_input_tensors(make):
    model = make()
    inp = keras.Input((3,), name="fresh")
    clone = clone_model(model, input_tensors=inp)
    assert clone.inputs[0] is inp
    assert clone.predict(_x(), verbose=0).shape == model.predict(_x(), verbose=0).shape


def test_input_tensors_errors():
    with pytest.raises(ValueError, match="single tensor"):
        clone_model(_sequential(), input_tensors=[keras.Input((3,)), keras.Input((3,))])
    with pytest.raises(ValueError, match="KerasTensors"):
        clone_model(_functional(), input_tensors=[np.zeros((1, 3))])


def test_call_function_inserts_layers():
    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        return layers.Dropout(0.5)(out) if isinstance(layer, layers.Dense) else out

    clone = clone_model(_functional(), call_function=call_function)
    assert sum(isinstance(layer, layers.Dropout) for layer in clone.layers) == 2
    with pytest.raises(ValueError, match="call_function"):
        clone_model(_sequential(), call_function=call_function)


def test_recursive_clones_inner_models():
    inner = _sequential()
    outer = keras.Sequential([keras.Input((3,)), inner, layers.Dense(1)])
    flat = clone_model(outer)
    deep = clone_model(outer, recursive=True)
    assert flat.layers[0] is not inner and deep.layers[0] is not inner
    assert all(a is not b for a, b in zip(deep.layers[0].layers, inner.layers))
    seen = []
    clone_model(outer, recursive=True, clone_function=lambda l: seen.append(l.name) or l.__class__.from_config(l.get_config()))
    assert seen == [layer.name for layer in inner.layers] + [outer.layers[1].name]


def test_compiled_model_clone_is_compiled():
    model = _sequential()
    model.compile(optimizer="adam", loss="mse")
    clone = clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer


def test_subclassed_model():
    class Sub(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    clone = clone_model(Sub(units=3, name="sub"))
    assert type(clone).__name__ == "Sub" and clone.units == 3 and clone.name == "sub"
    with pytest.raises(ValueError, match="only supported for Sequential"):
        clone_model(Sub(), clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="Unexpected keyword"):
        clone_model(_sequential(), bogus=1)


def test_ops_in_the_graph_are_copied():
    inp = keras.Input((3,))
    h = layers.Dense(4)(inp)
    model = keras.Model(inp, keras.ops.sum(h * 2.0 + h, axis=1, keepdims=True))
    clone = clone_model(model, clone_function=lambda l: l.__class__.from_config(l.get_config()))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(_x(), verbose=0), model.predict(_x(), verbose=0),
                               rtol=1e-6)


def test_subclassed_model_without_config_raises_not_implemented():
    class NoConfig(keras.Model):
        def __init__(self, obj):
            super().__init__()
            self.obj = obj
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(NotImplementedError, match="get_config"):
        clone_model(NoConfig(object()))
