"""`keras.models.clone_model`: the same calls on real Keras and on minikeras give the same
layers, configs and output shapes, and after copying weights the same outputs."""
import json

import numpy as np
import pytest

import minikeras


def _sequential(k):
    return k.Sequential([k.Input((3,), name="x"), k.layers.Dense(4, activation="relu", name="d1"),
                         k.layers.Dropout(0.1, seed=1, name="drop"),
                         k.layers.Dense(2, name="d2")], name="seq")


def _functional(k):
    inp = k.Input((3,), name="x")
    h = k.layers.Dense(4, activation="tanh", name="d1")(inp)
    out = k.layers.Add(name="add")([k.layers.Dense(4, name="d2")(h), h])
    return k.Model(inp, out, name="func")


def _nested(k):
    inner = k.Sequential([k.Input((3,)), k.layers.Dense(4, name="inner_d")], name="inner")
    inp = k.Input((3,), name="x")
    return k.Model(inp, k.layers.Dense(2, name="out")(inner(inp)), name="outer")


def _set_seeds(k):
    def clone_function(layer):
        config = layer.get_config()
        if "units" in config:
            config["units"] = 4
        return layer.__class__.from_config(config)
    return clone_function


def _structure(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


def _configs(model):
    """Configs as JSON would hold them (a fresh InputLayer's shape is a tuple in Keras)."""
    return json.loads(json.dumps([
        {k: v for k, v in layer.get_config().items() if k not in ("dtype", "layers")}
        for layer in model.layers], default=str))


CASES = [
    ("sequential", _sequential, {}),
    ("functional", _functional, {}),
    ("nested", _nested, {}),
    ("nested_recursive", _nested, {"recursive": True}),
    ("sequential_clone_function", _sequential, {"clone_function": _set_seeds}),
    ("functional_clone_function", _functional, {"clone_function": _set_seeds}),
    ("functional_input_tensors", _functional, {"input_tensors": lambda k: k.Input((3,), name="y")}),
    ("sequential_input_tensors", _sequential, {"input_tensors": lambda k: [k.Input((3,), name="y")]}),
]


def _clone(k, make, kwargs):
    model = make(k)
    resolved = {n: (v(k) if callable(v) and n != "recursive" else v) for n, v in kwargs.items()}
    return model, k.models.clone_model(model, **resolved)


@pytest.mark.parametrize("name,make,kwargs", CASES, ids=[c[0] for c in CASES])
def test_clone_model_matches_keras(keras, name, make, kwargs):
    theirs_src, theirs = _clone(keras, make, kwargs)
    ours_src, ours = _clone(minikeras, make, kwargs)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name
    assert _structure(ours) == _structure(theirs)
    assert _configs(ours) == _configs(theirs)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    weights = [np.asarray(w) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = np.asarray(theirs(x))
    got = np.asarray(ours(x))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_call_function_matches_keras(keras):
    def run(k):
        def call_function(layer, *args, **kwargs):
            out = layer(*args, **kwargs)
            return k.layers.Dropout(0.5)(out) if isinstance(layer, k.layers.Dense) else out
        return k.models.clone_model(_functional(k), call_function=call_function)
    assert [type(layer).__name__ for layer in run(minikeras).layers] == [
        type(layer).__name__ for layer in run(keras).layers]


def test_errors_match_keras(keras):
    for k in (keras, minikeras):
        with pytest.raises(ValueError, match="not supported with Sequential"):
            k.models.clone_model(_sequential(k), call_function=lambda layer, *a, **kw: layer(*a, **kw))
        with pytest.raises(ValueError, match="single tensor"):
            k.models.clone_model(_sequential(k), input_tensors=[k.Input((3,)), k.Input((3,))])
        with pytest.raises(ValueError, match="Unexpected keyword"):
            k.models.clone_model(_sequential(k), bogus=1)


def test_subclassed_models_match_keras(keras):
    def run(k):
        class NoConfig(k.Model):
            def __init__(self, obj):
                super().__init__()
                self.obj, self.dense = obj, k.layers.Dense(2)

            def call(self, x):
                return self.dense(x)

        class WithConfig(k.Model):
            def __init__(self, units=3, **kwargs):
                inp = k.Input((2,))
                super().__init__(inp, k.layers.Dense(units)(inp), **kwargs)
                self.units = units

            def get_config(self):
                return {"units": self.units, "name": self.name}

        with pytest.raises(NotImplementedError, match="get_config"):
            k.models.clone_model(NoConfig(object()))
        clone = k.models.clone_model(WithConfig(4, name="f"))
        # (an unnamed Input's clone is named after Keras's tensor name, "keras_tensor_N")
        return (type(clone).__name__, clone.name, [type(layer).__name__ for layer in clone.layers],
                clone.output.shape)
    assert run(minikeras) == run(keras)
