"""Layers against real Keras 3: same weights (names, order, shapes), outputs, configs, counts.

Each case is built from the `layers` / `ops` namespace it is given, so the same line makes the
Keras layer and ours. Keras's weights are copied into ours with `set_weights`, so any mismatch
in weight order or shape fails here.
"""
import numpy as np
import pytest

import minikeras
from minikeras import layers as mk_layers
from minikeras import ops as mk_ops
from conformance_helpers import plain

# Keras's own Variable.__array__ predates numpy 2's `copy` keyword; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def scaled(x, factor=2.0):
    return x * factor


CASES = {
    # name: (factory(layers, ops) -> layer, input shapes (a list means a list input), call kwargs)
    "dense": (lambda L, O: L.Dense(3), (4, 5), {}),
    "dense_relu": (lambda L, O: L.Dense(6, activation="relu", bias_initializer="random_normal"), (4, 5), {}),
    "dense_softmax_nobias": (lambda L, O: L.Dense(4, activation="softmax", use_bias=False), (3, 5), {}),
    "dense_tanh_rank3": (lambda L, O: L.Dense(2, activation="tanh"), (2, 3, 4), {}),
    "dense_gelu": (lambda L, O: L.Dense(3, activation="gelu", bias_initializer="ones"), (4, 5), {}),
    "dense_sigmoid_reg": (lambda L, O: L.Dense(3, activation="sigmoid", kernel_regularizer="l2",
                                               bias_regularizer="l1", kernel_constraint="non_neg"),
                          (4, 5), {}),
    "flatten": (lambda L, O: L.Flatten(), (2, 3, 4), {}),
    "flatten_channels_first": (lambda L, O: L.Flatten(data_format="channels_first"), (2, 3, 4), {}),
    "dropout": (lambda L, O: L.Dropout(0.3, seed=1), (4, 5), {"training": False}),
    "activation_relu": (lambda L, O: L.Activation("relu"), (4, 5), {}),
    "activation_softplus": (lambda L, O: L.Activation("softplus"), (4, 5), {}),
    "activation_gelu": (lambda L, O: L.Activation("gelu"), (4, 5), {}),
    "relu": (lambda L, O: L.ReLU(), (4, 5), {}),
    "relu_all_args": (lambda L, O: L.ReLU(max_value=0.6, negative_slope=0.1, threshold=0.2), (4, 5), {}),
    "relu_max": (lambda L, O: L.ReLU(max_value=0.5), (4, 5), {}),
    "leaky_relu": (lambda L, O: L.LeakyReLU(), (4, 5), {}),
    "leaky_relu_slope": (lambda L, O: L.LeakyReLU(negative_slope=0.05), (4, 5), {}),
    "prelu": (lambda L, O: L.PReLU(alpha_initializer="random_uniform"), (2, 3, 4), {}),
    "prelu_shared": (lambda L, O: L.PReLU(alpha_initializer="random_uniform", shared_axes=[1, 2]),
                     (2, 3, 4, 5), {}),
    "elu": (lambda L, O: L.ELU(alpha=0.5), (4, 5), {}),
    "softmax": (lambda L, O: L.Softmax(), (4, 5), {}),
    "softmax_axis1": (lambda L, O: L.Softmax(axis=1), (2, 3, 4), {}),
    "softmax_two_axes": (lambda L, O: L.Softmax(axis=[1, 2]), (2, 3, 4), {}),
    "softmax_mask": (lambda L, O: L.Softmax(), (2, 5),
                     {"mask": np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], dtype=bool)}),
    "add": (lambda L, O: L.Add(), [(2, 3, 4), (2, 3, 4), (2, 3, 4)], {}),
    "add_broadcast": (lambda L, O: L.Add(), [(2, 3, 4), (2, 1, 4)], {}),
    "add_rank_expansion": (lambda L, O: L.Add(), [(2, 3, 4), (2, 4)], {}),
    "subtract": (lambda L, O: L.Subtract(), [(2, 5), (2, 5)], {}),
    "multiply": (lambda L, O: L.Multiply(), [(2, 5), (2, 5), (2, 1)], {}),
    "average": (lambda L, O: L.Average(), [(2, 3, 4), (2, 3, 4)], {}),
    "maximum": (lambda L, O: L.Maximum(), [(2, 5), (2, 5), (2, 5)], {}),
    "minimum": (lambda L, O: L.Minimum(), [(2, 5), (2, 5)], {}),
    "concatenate": (lambda L, O: L.Concatenate(), [(2, 3, 4), (2, 3, 2)], {}),
    "concatenate_axis1": (lambda L, O: L.Concatenate(axis=1), [(2, 3, 4), (2, 1, 4)], {}),
    "dot": (lambda L, O: L.Dot(axes=1), [(3, 4), (3, 4)], {}),
    "dot_normalize": (lambda L, O: L.Dot(axes=-1, normalize=True), [(3, 2, 4), (3, 5, 4)], {}),
    "dot_pair": (lambda L, O: L.Dot(axes=(2, 1)), [(3, 2, 4), (3, 4, 5)], {}),
    "dot_matvec": (lambda L, O: L.Dot(axes=(2, 1)), [(3, 2, 4), (3, 4)], {}),
    "dot_rank4": (lambda L, O: L.Dot(axes=(1, 3)), [(2, 3, 4, 5), (2, 6, 7, 3)], {}),
    "reshape": (lambda L, O: L.Reshape((3, 4)), (2, 12), {}),
    "reshape_minus_one": (lambda L, O: L.Reshape((-1, 2)), (2, 3, 4), {}),
    "permute": (lambda L, O: L.Permute((2, 1)), (2, 3, 4), {}),
    "permute3": (lambda L, O: L.Permute((3, 1, 2)), (2, 3, 4, 5), {}),
    "repeat_vector": (lambda L, O: L.RepeatVector(3), (2, 4), {}),
    "lambda_ops": (lambda L, O: L.Lambda(lambda x: O.square(x) + 1.0), (2, 4), {}),
    "lambda_named": (lambda L, O: L.Lambda(scaled, output_shape=(4,), arguments={"factor": 3.0}),
                     (2, 4), {}),
}

# config values that legitimately differ between two layers: names, and serialized functions
# (Keras labels every named function's module "builtins")
_SKIP_VALUES = {"name", "function"}


def _inputs(shapes, seed):
    rng = np.random.default_rng(seed)
    if isinstance(shapes, list):
        return [rng.normal(size=s).astype("float32") for s in shapes]
    return rng.normal(size=shapes).astype("float32")


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_matches_keras(keras, case):
    factory, shapes, call_kwargs = CASES[case]
    x = _inputs(shapes, seed=len(case))
    theirs = factory(keras.layers, keras.ops)
    ours = factory(mk_layers, mk_ops)
    expected = np.asarray(theirs(x, **call_kwargs))

    ours(x, **call_kwargs)  # builds
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert [w.name for w in ours.trainable_weights] == [w.name for w in theirs.trainable_weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    got = np.asarray(ours(x, **call_kwargs))
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)

    assert ours.count_params() == theirs.count_params()
    our_config, their_config = ours.get_config(), theirs.get_config()
    assert sorted(our_config) == sorted(their_config)
    for key in their_config.keys() - _SKIP_VALUES:
        assert plain(our_config[key]) == plain(their_config[key]), key


# a concrete mask cannot go with a symbolic input, so masked cases are left out
@pytest.mark.parametrize("case", sorted(c for c in CASES if "mask" not in CASES[c][2]))
def test_symbolic_output_shape_matches_keras(keras, case):
    factory, shapes, _ = CASES[case]

    def symbolic(L, O):
        if isinstance(shapes, list):
            inputs = [L.Input(s[1:]) for s in shapes]
        else:
            inputs = L.Input(shapes[1:])
        return tuple(factory(L, O)(inputs).shape)
    assert symbolic(mk_layers, mk_ops) == symbolic(keras.layers, keras.ops)


def test_leaky_relu_legacy_alpha_matches_keras(keras):
    with pytest.warns(UserWarning):
        theirs = keras.layers.LeakyReLU(alpha=0.2)
    with pytest.warns(UserWarning):
        ours = mk_layers.LeakyReLU(alpha=0.2)
    x = _inputs((3, 4), 0)
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-6)
    assert ours.get_config()["negative_slope"] == theirs.get_config()["negative_slope"]


def test_functional_merge_forms_match_keras(keras):
    xs = _inputs([(2, 3), (2, 3)], 1)
    for name in ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]:
        expected = np.asarray(getattr(keras.layers, name)(xs))
        np.testing.assert_allclose(getattr(mk_layers, name)(xs), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mk_layers.dot(xs, axes=1), np.asarray(keras.layers.dot(xs, axes=1)),
                               rtol=1e-5, atol=1e-6)


def test_public_names_exist():
    for name in ["Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Add", "Subtract",
                 "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "Reshape",
                 "Permute", "RepeatVector", "Lambda"]:
        assert hasattr(minikeras.layers, name), name
