"""The smaller public names against real Keras: dtype promotion, dtype kinds, name scopes,
source inputs of a functional graph, the random distributions' shapes and dtypes, and that the
names exist where Keras exports them."""
import itertools

import numpy as np
import pytest

import minikeras
from minikeras import backend as mk_backend

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "bfloat16", "float16", "float32", "float64", "complex64", "complex128", int, float,
          bool, None]


def _result(fn, args):
    try:
        return fn(*args)
    except ValueError:
        return "ValueError"


@pytest.mark.parametrize("n", [0, 1, 2])
def test_result_type_matches_keras_on_every_combination(keras, n):
    combos = list(itertools.product(DTYPES, repeat=n))
    ours = [_result(mk_backend.result_type, c) for c in combos]
    theirs = [_result(keras.backend.result_type, c) for c in combos]
    assert [(c, a) for c, a, b in zip(combos, ours, theirs) if a != b] == []


def test_result_type_matches_keras_on_triples(keras):
    combos = list(itertools.product(DTYPES[:-1], repeat=3))[::7]
    assert [c for c in combos if _result(mk_backend.result_type, c) !=
            _result(keras.backend.result_type, c)] == []


@pytest.mark.parametrize("dtype", DTYPES + ["string"])
def test_dtype_kinds_and_names_match_keras(keras, dtype):
    assert mk_backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype)
    assert mk_backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype)
    assert minikeras.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


def _scoped_paths(k):
    owner = object()
    with k.name_scope("outer"):
        paths = [k.Variable(1.0, name="v").path]
        with k.name_scope("inner"):
            paths.append(k.Variable(1.0, name="w").path)
        with k.name_scope("x", override_parent="a/b"):
            paths.append(k.Variable(1.0, name="u").path)
        with k.name_scope("blk", caller=owner), k.name_scope("blk", caller=owner):
            paths.append(k.Variable(1.0, name="d").path)
    paths.append(k.Variable(1.0, name="z").path)
    dense = k.layers.Dense(2, name="scoped_dense")
    with k.name_scope("model_scope"):
        dense.build((None, 3))        # a layer's weights take the scope open at build time
    paths += [w.path for w in dense.weights]
    return paths


def test_name_scope_paths_match_keras(keras):
    assert _scoped_paths(minikeras) == _scoped_paths(keras)


def _source_positions(k):
    a, b, c = k.Input((2,)), k.Input((2,)), k.Input((3,))
    h = k.layers.Dense(3)(a)
    out = k.layers.Add()([k.layers.Dense(3)(b), h, k.layers.Dense(3)(h), c])
    inputs = [a, b, c]
    positions = [[next(i for i, x in enumerate(inputs) if x is s)
                  for s in k.utils.get_source_inputs(t)] for t in (out, h, a)]
    return positions, k.utils.is_keras_tensor(out), k.utils.is_keras_tensor(np.ones(2))


def test_get_source_inputs_matches_keras(keras):
    assert _source_positions(minikeras) == _source_positions(keras)


RANDOM = [("gamma", ((4, 3), 2.0)), ("beta", ((4, 3), 2.0, 3.0)),
          ("binomial", ((4, 3), 5, 0.5)), ("categorical", (np.zeros((4, 3)), 6))]


@pytest.mark.parametrize("name, args, dtype", [
    (name, args, dtype) for name, args in RANDOM for dtype in (None, "float16")] + [
    ("categorical", (np.zeros((4, 3)), 6), "int16")])
def test_random_shapes_and_dtypes_match_keras(keras, name, args, dtype):
    kwargs = {} if dtype is None else {"dtype": dtype}
    ours = getattr(minikeras.random, name)(*args, seed=1, **kwargs)
    theirs = np.asarray(getattr(keras.random, name)(*args, seed=1, **kwargs))
    assert (ours.shape, str(ours.dtype)) == (theirs.shape, str(theirs.dtype))


def test_remat_scope_attributes_and_errors_match_keras(keras):
    for k in (minikeras, keras):
        scope = k.RematScope(mode="list_of_layers", layer_names=["d"])
        assert (scope.mode, scope.output_size_threshold, scope.layer_names) == \
            ("list_of_layers", 1024, ["d"])
    with pytest.raises(ValueError) as ours:
        minikeras.RematScope(mode="bad")
    with pytest.raises(ValueError) as theirs:
        keras.RematScope(mode="bad")
    assert str(ours.value) == str(theirs.value)


def test_clear_session_resets_names_as_keras_does(keras):
    names = []
    for k in (minikeras, keras):
        k.utils.clear_session()
        first = [k.layers.Dense(1).name for _ in range(2)] + [k.backend.get_uid("dense")]
        k.utils.clear_session()
        names.append(first + [k.layers.Dense(1).name, k.backend.get_uid("other")])
    assert names[0] == names[1]


@pytest.mark.parametrize("module, names", [
    ("random", ["beta", "binomial", "categorical", "gamma"]),
    ("backend", ["result_type", "is_int_dtype", "is_float_dtype", "get_uid", "standardize_dtype"]),
    ("utils", ["get_source_inputs", "is_keras_tensor", "clear_session", "standardize_dtype",
               "enable_interactive_logging", "disable_interactive_logging",
               "is_interactive_logging_enabled", "Config"]),
    ("", ["name_scope", "RematScope", "remat", "device", "Initializer", "Regularizer",
          "InputSpec", "SymbolicScope"]),
])
def test_names_exist_where_keras_exports_them(keras, module, names):
    theirs = getattr(keras, module) if module else keras
    ours = getattr(minikeras, module) if module else minikeras
    for name in names:
        assert hasattr(theirs, name) and hasattr(ours, name), name


def _config_story(k):
    config = k.utils.Config(b=1, a=2)
    config.c = 3
    config["d"] = 4
    story = [list(config), config.as_dict(), config.to_json(), repr(config), len(config),
             config.get("zz", 0), "c" in config]
    config.freeze()
    for change in (lambda: setattr(config, "a", 1), lambda: config.update(a=1)):
        try:
            change()
        except ValueError as e:
            story.append(str(e))
    try:
        config.aa
    except AttributeError as e:
        story.append(str(e))
    return story


def test_config_behaves_as_keras_does(keras):
    assert _config_story(minikeras) == _config_story(keras)
