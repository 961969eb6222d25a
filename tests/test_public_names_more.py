"""The smaller Keras 3 public names: the `keras.random` distributions, dtype promotion,
`name_scope`, `RematScope`, and the graph / session helpers of `keras.utils`."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, random, utils

N = 200_000


@pytest.mark.parametrize("alpha", [0.5, 2.0, 7.0])
def test_gamma_moments(alpha):
    x = random.gamma((N,), alpha, seed=1)
    assert x.dtype == "float32" and x.shape == (N,) and (x > 0).all()
    assert np.isclose(x.mean(), alpha, rtol=0.02) and np.isclose(x.var(), alpha, rtol=0.04)


@pytest.mark.parametrize("a, b", [(0.5, 0.5), (2.0, 5.0), (3.0, 1.0)])
def test_beta_moments(a, b):
    x = random.beta((N,), a, b, seed=2)
    mean, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    assert ((x >= 0) & (x <= 1)).all()
    assert np.isclose(x.mean(), mean, rtol=0.02) and np.isclose(x.var(), var, rtol=0.04)


@pytest.mark.parametrize("n, p", [(1, 0.3), (10, 0.5), (40, 0.1)])
def test_binomial_moments(n, p):
    x = random.binomial((N,), n, p, seed=3)
    assert x.dtype == "float32" and np.array_equal(x, np.round(x)) and x.max() <= n
    assert np.isclose(x.mean(), n * p, rtol=0.02) and np.isclose(x.var(), n * p * (1 - p), rtol=0.04)


def test_parameters_broadcast_against_the_shape():
    x = random.gamma((N, 2), np.array([1.0, 9.0]), seed=4)
    assert np.allclose(x.mean(axis=0), [1.0, 9.0], rtol=0.03)
    y = random.binomial((N, 2), np.array([5, 20]), np.array([0.5, 0.25]), seed=4)
    assert np.allclose(y.mean(axis=0), [2.5, 5.0], rtol=0.03)


def test_categorical_frequencies_follow_the_softmax():
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]) + 1e-30)
    x = random.categorical(logits, 60_000, seed=5)
    assert x.shape == (2, 60_000) and x.dtype == "int32"
    freq = np.stack([(x == k).mean(axis=1) for k in range(3)], axis=1)
    assert np.allclose(freq, [[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], atol=0.01)


def test_categorical_dtype_and_rank_check():
    assert random.categorical(np.zeros((3, 4)), 2, dtype="int64", seed=0).dtype == "int64"
    with pytest.raises(ValueError, match="2-D tensor"):
        random.categorical(np.zeros(4), 2)


@pytest.mark.parametrize("draw", [
    lambda seed: random.gamma((5,), 2.0, seed=seed),
    lambda seed: random.beta((5,), 2.0, 3.0, seed=seed),
    lambda seed: random.binomial((5,), 10, 0.5, seed=seed),
    lambda seed: random.categorical(np.zeros((2, 5)), 5, seed=seed),
])
def test_integer_seeds_repeat_and_seed_generators_advance(draw):
    assert np.array_equal(draw(7), draw(7))
    gen = random.SeedGenerator(7)
    first, second = draw(gen), draw(gen)
    assert not np.array_equal(first, second)
    gen2 = random.SeedGenerator(7)
    assert np.array_equal(draw(gen2), first)


@pytest.mark.parametrize("dtypes, expected", [
    ((), "float32"), (("int32", "float16"), "float16"), (("int8", "uint8"), "int16"),
    (("bfloat16", float), "bfloat16"), (("int32", int), "int32"), ((int, float), "float32"),
    (("float64",), "float32"), (("bool", "int8"), "int8"), ((None, "int32"), "float32"),
])
def test_result_type(dtypes, expected):
    assert backend.result_type(*dtypes) == expected


def test_result_type_refuses_float8():
    with pytest.raises(ValueError, match="float8"):
        backend.result_type("float8_e4m3fn", "float32")


@pytest.mark.parametrize("dtype, is_int, is_float", [
    ("int8", True, False), ("uint32", True, False), ("bool", False, False),
    ("bfloat16", False, True), ("float64", False, True), (int, True, False), (float, False, True),
])
def test_dtype_kinds(dtype, is_int, is_float):
    assert backend.is_int_dtype(dtype) is is_int and backend.is_float_dtype(dtype) is is_float


def test_standardize_dtype_names_python_types_as_keras_does():
    assert [utils.standardize_dtype(d) for d in (int, float, bool, None)] == \
        ["int32", "float32", "bool", "float32"]


def test_name_scope_prefixes_variable_paths():
    with keras.name_scope("outer"):
        v = keras.Variable(1.0, name="v")
        with keras.name_scope("inner"):
            w = keras.Variable(1.0, name="w")
        with keras.name_scope("x", override_parent="a/b"):
            u = keras.Variable(1.0, name="u")
    after = keras.Variable(1.0, name="z")
    assert (v.path, w.path, u.path, after.path) == ("outer/v", "outer/inner/w", "a/b/x/u", "z")


def test_name_scope_deduplicates_the_same_caller():
    owner = object()
    with keras.name_scope("blk", caller=owner):
        with keras.name_scope("blk", caller=owner):
            assert keras.Variable(1.0, name="v").path == "blk/v"
        with keras.name_scope("blk", caller=owner, deduplicate=False):
            assert keras.Variable(1.0, name="v").path == "blk/blk/v"


def test_name_scope_refuses_slashes():
    with pytest.raises(ValueError, match="cannot contain character"):
        keras.name_scope("a/b")


def test_remat_scope_is_accepted_and_changes_nothing():
    from minikeras.engine.remat import get_current_remat_mode
    scope = keras.RematScope()
    assert (scope.mode, scope.output_size_threshold, scope.layer_names) == ("full", 1024, [])
    with keras.RematScope(mode="larger_than", output_size_threshold=8):
        assert get_current_remat_mode().output_size_threshold == 8
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        assert model.predict(np.ones((1, 2)), verbose=0).shape == (1, 1)
    assert get_current_remat_mode() is None
    with pytest.raises(ValueError, match="Invalid mode"):
        keras.RematScope(mode="some")
    f = lambda x: x  # noqa: E731
    assert keras.remat(f) is f
    with keras.device("cpu:0"):
        assert keras.ops.add(1, 2) == 3


def test_get_source_inputs_walks_a_functional_graph():
    a, b = keras.Input((2,)), keras.Input((2,))
    h = keras.layers.Dense(3)(a)
    out = keras.layers.Add()([keras.layers.Dense(3)(b), h, keras.layers.Dense(3)(h)])
    assert utils.get_source_inputs(out) == [b, a] or utils.get_source_inputs(out)[0] is b
    assert all(x is y for x, y in zip(utils.get_source_inputs(out), [b, a]))
    assert utils.get_source_inputs(a)[0] is a and len(utils.get_source_inputs(a)) == 1
    assert utils.get_source_inputs(3) == 3


def test_is_keras_tensor():
    assert utils.is_keras_tensor(keras.Input((2,)))
    assert not utils.is_keras_tensor(np.ones(2)) and not utils.is_keras_tensor(keras.Variable(1.0))


def test_clear_session_and_get_uid():
    utils.clear_session()
    assert keras.layers.Dense(1).name == "dense" and keras.layers.Dense(1).name == "dense_1"
    assert backend.get_uid("dense") == 3 and backend.get_uid("fresh") == 1
    utils.clear_session(free_memory=False)
    assert keras.layers.Dense(1).name == "dense" and backend.get_uid() == 1


def test_interactive_logging_switches():
    before = utils.is_interactive_logging_enabled()
    try:
        utils.disable_interactive_logging()
        assert not keras.config.is_interactive_logging_enabled()
        utils.enable_interactive_logging()
        assert utils.is_interactive_logging_enabled()
    finally:
        (utils.enable_interactive_logging if before else utils.disable_interactive_logging)()


def test_top_level_aliases():
    assert keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer
    assert keras.InputSpec is keras.layers.InputSpec


def test_config_is_a_dict_with_attributes_that_freezes():
    config = utils.Config(learning_rate=0.1, momentum=0.9)
    config.seed = 1
    config["use_ema"] = True
    assert config.learning_rate == 0.1 and config["seed"] == 1 and "use_ema" in config
    assert list(config) == ["learning_rate", "momentum", "seed", "use_ema"] and len(config) == 4
    assert config.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "seed": 1, "use_ema": True}
    assert config.to_json().startswith('{"learning_rate": 0.1')
    config.freeze()
    assert config.frozen
    for change in (lambda: setattr(config, "seed", 2), lambda: config.update(a=1),
                   lambda: config.pop("seed"), lambda: config.__delitem__("seed")):
        with pytest.raises(ValueError, match="frozen"):
            change()
    config.unfreeze()
    del config["seed"]
    assert config.get("seed", "none") == "none"
    with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
        config.momentun


def test_symbolic_scope_is_recorded():
    from minikeras.engine.symbolic_scope import in_symbolic_scope
    assert not in_symbolic_scope()
    with keras.SymbolicScope() as scope:
        assert in_symbolic_scope() and isinstance(scope, keras.SymbolicScope)
    assert not in_symbolic_scope()
