"""minikeras.ops against real keras.ops (JAX backend) on identical float32 / int32 inputs.

Every public function of minikeras.ops that keras.ops also has is in CASES (names Keras lacks are
simply not listed), except the convolution and pooling kernels, which
test_conv_conformance.py and test_pooling_conformance.py cover. Outputs must agree in value
(rtol 1e-5, atol 1e-6), shape and dtype name.
"""
import numpy as np
import pytest

from minikeras import ops

RTOL, ATOL = 1e-5, 1e-6

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(3, 4)).astype("float32")
ROW = rng.normal(size=(4,)).astype("float32")
COL = rng.normal(size=(3, 1)).astype("float32")
POS = rng.uniform(0.5, 2.0, size=(3, 4)).astype("float32")
UNIT = rng.uniform(-0.9, 0.9, size=(3, 4)).astype("float32")
T3 = rng.normal(size=(2, 3, 4)).astype("float32")
SQ = rng.normal(size=(4, 4)).astype("float32")
I = rng.integers(-5, 6, size=(3, 4)).astype("int32")
IP = rng.integers(1, 6, size=(3, 4)).astype("int32")
LABELS = np.array([0, 3, 1], dtype="int32")
BOOL, BOOL2 = A > 0, B > 0
SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, -1.5], dtype="float32")
PROBS = np.exp(A) / np.exp(A).sum(-1, keepdims=True)
ONEHOT = np.eye(4, dtype="float32")[LABELS]
TARGET01 = (B > 0).astype("float32")
SIG = 1 / (1 + np.exp(-A))
# one dominant logit per row: Keras 3.15's sparsemax is only right when one logit is in the
# support (keras-team/keras#23425), see test_activations_conformance.py
SPARSE_LOGITS = (A + 6.0 * np.eye(3, 4, dtype="float32")).astype("float32")


def C(name, *args, id="", **kwargs):
    label = "-".join([name] + ([id] if id else []) + [f"{k}={v}" for k, v in kwargs.items()])
    return pytest.param(name, args, kwargs, id=label)


UNARY_FLOAT = ["abs", "absolute", "negative", "exp", "expm1", "square", "sign", "sin", "cos",
               "tanh", "sinh", "cosh", "arctan", "arcsinh", "floor", "ceil", "round", "trunc",
               "erf", "erfc", "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish",
               "log_sigmoid", "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu",
               "selu", "celu", "gelu", "hard_tanh", "tanh_shrink", "soft_shrink", "hard_shrink",
               "sparse_plus", "sparse_sigmoid", "squareplus", "softmax", "log_softmax",
               "normalize", "stop_gradient", "ravel", "transpose", "flip", "sort", "argsort",
               "cumsum", "cumprod", "copy", "isnan", "isinf", "isfinite", "zeros_like",
               "ones_like", "nonzero", "count_nonzero", "argmax", "argmin"]
UNARY_POSITIVE = ["log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal"]
UNARY_UNIT = ["tan", "arcsin", "arccos", "arctanh"]
# int32 in: Keras casts to float32 for the transcendental functions, keeps int32 for the rest
UNARY_INT = ["abs", "negative", "square", "sign", "exp", "sin", "arctan", "floor", "ceil",
             "round", "trunc", "relu", "relu6", "leaky_relu", "softmax", "sum", "mean", "var", "std", "max",
             "min", "prod", "cumsum", "cumprod", "argmax", "argsort", "sort", "count_nonzero",
             "norm", "logsumexp", "copy", "flip", "ravel", "transpose", "zeros_like"]
UNARY_POSITIVE_INT = ["log", "log1p", "sqrt", "reciprocal"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum",
          "logaddexp", "arctan2", "equal", "not_equal", "greater", "greater_equal", "less",
          "less_equal", "hypot", "divide_no_nan"]

CASES = (
    [C(n, A) for n in UNARY_FLOAT]
    + [C(n, POS) for n in UNARY_POSITIVE]
    + [C(n, UNIT) for n in UNARY_UNIT]
    + [C(n, I, id="int") for n in UNARY_INT]
    + [C(n, IP, id="int") for n in UNARY_POSITIVE_INT]
    + [C("arccosh", POS + 1.0), C("cbrt", A), C("cbrt", I, id="int")]
    + [C(n, A, B) for n in BINARY]
    + [C(n, A, ROW, id="bcast_row") for n in BINARY]
    + [C(n, COL, A, id="bcast_col") for n in BINARY]
    + [C(n, A, 0.5, id="pyfloat") for n in BINARY]
    + [C(n, I, IP, id="int") for n in ["add", "subtract", "multiply", "maximum", "minimum",
                                       "equal", "greater", "divide", "divide_no_nan",
                                       "floor_divide", "mod", "power"]]
    + [C(n, I, A, id="int_float") for n in ["add", "subtract", "multiply", "divide", "maximum",
                                             "minimum"]]
    + [C("add", I, 2, id="int_pyint"), C("add", I, 2.5, id="int_pyfloat"),
       C("multiply", 2.0, I, id="pyfloat_int"), C("add", [1.0, 2.0], [3.0, 4.0], id="lists"),
       C("add", [1, 2], [3, 4], id="intlists"), C("add", 1.5, 2, id="scalars"),
       C("multiply", A, I, id="float_int")]
    + [C("floor_divide", A, POS), C("mod", A, POS), C("mod", I, 3, id="int_pyint"),
       C("power", POS, B), C("power", POS, 2, id="pyint"), C("power", POS, 0.5, id="pyfloat"),
       C("power", I, 2, id="int_pyint"), C("logical_and", BOOL, BOOL2),
       C("logical_or", BOOL, BOOL2), C("logical_xor", BOOL, BOOL2), C("logical_not", BOOL),
       C("equal", I, 0, id="int_pyint"), C("greater", A, 0.0, id="pyfloat")]
    + [C("isnan", SPECIAL), C("isinf", SPECIAL), C("isfinite", SPECIAL),
       C("nan_to_num", SPECIAL), C("nan_to_num", SPECIAL, nan=1.0, posinf=9.0, neginf=-9.0)]
    + [C("clip", A, -0.5, 0.5), C("clip", I, -2, 2, id="int"), C("clip", A, ROW, 1.0, id="arr"),
       C("where", BOOL, A, B), C("where", BOOL, A, 0.0, id="pyfloat"),
       C("where", BOOL, I, IP, id="int"), C("where", BOOL), C("round", A * 10, decimals=-1),
       C("round", A, decimals=2), C("leaky_relu", A, negative_slope=0.1), C("elu", A, alpha=0.5),
       C("celu", A, alpha=2.0), C("gelu", A, approximate=False), C("glu", A), C("glu", T3, axis=0),
       C("soft_shrink", A, threshold=1.0), C("hard_shrink", A, threshold=1.0),
       C("threshold", A, 0.5, -1.0), C("squareplus", A, b=1), C("sparsemax", SPARSE_LOGITS),
       C("softmax", A, axis=0), C("softmax", T3, axis=1), C("log_softmax", T3, axis=0),
       C("normalize", A, axis=0), C("normalize", A, order=1), C("normalize", T3, axis=1)]
)

REDUCE_AXES = [{}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": -1}]
CASES += (
    [C(n, A, **kw) for n in ["sum", "mean", "max", "min", "amax", "amin", "var", "std",
                             "logsumexp", "any", "all", "argmax", "argmin"] for kw in REDUCE_AXES]
    + [C(n, T3, axis=(0, 2)) for n in ["sum", "mean", "max", "min", "var", "std", "logsumexp",
                                      "prod"]]
    + [C(n, T3, axis=(0, 2), keepdims=True) for n in ["sum", "mean", "var", "logsumexp"]]
    + [C(n, I, axis=0, id="int") for n in ["sum", "mean", "max", "prod", "cumsum", "argmax",
                                           "count_nonzero"]]
    + [C("any", BOOL, axis=1), C("all", BOOL, axis=0, keepdims=True), C("sum", BOOL, id="bool"),
       C("prod", POS, axis=1), C("cumsum", A, axis=1), C("cumprod", POS, axis=0),
       C("cumsum", I, axis=1, dtype="float32"), C("argsort", A, axis=0), C("sort", A, axis=0),
       C("count_nonzero", BOOL, axis=1), C("max", A, axis=1, initial=0.5),
       C("moments", T3, [0, 1]), C("moments", T3, [2], keepdims=True), C("moments", I, [0], id="int"),
       C("norm", A), C("norm", A, axis=1), C("norm", A, ord=1, axis=0), C("norm", A, ord="fro"),
       C("norm", A, ord=2), C("norm", A, ord=np.inf, axis=1), C("norm", A, axis=1, keepdims=True),
       C("norm", ROW, ord=3), C("norm", T3, axis=(1, 2)), C("norm", A, ord="nuc"),
       C("average", A), C("average", A, axis=1, weights=ROW), C("average", I, axis=0, id="int")]
)
CASES += [
    C("matmul", A, SQ), C("matmul", T3, SQ), C("matmul", ROW, SQ), C("matmul", I, I.T, id="int"),
    C("matmul", I, SQ, id="int_float"), C("dot", A, SQ), C("dot", ROW, ROW), C("dot", A, 2.0),
    C("tensordot", T3, SQ, axes=1), C("tensordot", A, B, axes=[[0], [0]]), C("tensordot", A, B),
    C("einsum", "ij,jk->ik", A, SQ), C("einsum", "bij->bji", T3), C("einsum", "ij,ij->", A, B),
    C("outer", ROW, COL[:, 0]), C("trace", SQ), C("trace", T3, axis1=1, axis2=2),
    C("trace", SQ, offset=1), C("diagonal", SQ), C("diagonal", T3, 1, 1, 2), C("diag", ROW),
    C("diag", SQ, k=1), C("tril", SQ), C("tril", SQ, -1), C("triu", SQ, 1), C("tri", 3, 4),
    C("tri", 3, k=-1, dtype="int32"),
]
CASES += [
    C("reshape", A, (4, 3)), C("reshape", A, (-1,)), C("reshape", A, (2, -1)),
    C("reshape", T3, [6, -1]), C("transpose", T3, (2, 0, 1)), C("expand_dims", A, 0),
    C("expand_dims", A, -1), C("expand_dims", A, (0, 3)), C("squeeze", COL), C("squeeze", COL, 1),
    C("concatenate", [A, B]), C("concatenate", [A, B], axis=1), C("concatenate", [A, I], id="mixed"),
    C("stack", [A, B]), C("stack", [A, B], axis=-1), C("hstack", [A, B]), C("vstack", [A, B]),
    C("swapaxes", T3, 0, 2), C("moveaxis", T3, 0, -1), C("moveaxis", T3, [0, 1], [2, 0]),
    C("tile", A, (2, 1)), C("tile", ROW, 3), C("repeat", A, 2), C("repeat", A, 2, axis=0),
    C("repeat", A, np.array([1, 0, 2]), axis=0), C("broadcast_to", ROW, (3, 4)), C("flip", A, axis=0),
    C("flip", T3, axis=(0, 2)), C("roll", A, 1), C("roll", A, -1, axis=1),
    C("roll", T3, (1, 2), axis=(0, 2)), C("split", A, 2, axis=1), C("split", A, [1], axis=0),
    C("unstack", T3), C("unstack", T3, axis=2), C("pad", A, ((1, 0), (0, 2))),
    C("pad", A, ((1, 1), (1, 1)), constant_values=3.0), C("pad", A, ((1, 1), (2, 2)), mode="reflect"),
    C("pad", A, ((1, 1), (2, 2)), mode="symmetric"), C("pad", I, 1, id="int"),
    C("take", A, [0, 2], axis=1), C("take", A, np.array([[0, 1], [5, 11]])), C("take", A, 2, axis=0),
    C("take", A, [-1, 0], axis=1), C("take_along_axis", A, np.argsort(A, axis=1), axis=1),
    C("take_along_axis", A, np.argsort(A, axis=0)[:2], axis=0), C("diff", A), C("diff", A, 2, 0),
    C("meshgrid", ROW[:3], COL[:, 0]), C("meshgrid", ROW[:3], COL[:, 0], indexing="ij"),
    C("select", [A < -0.5, A > 0.5], [A, B]), C("select", [BOOL], [I], -1, id="int"),
    C("isclose", A, A + 1e-7), C("isclose", A, B, atol=1.0),
    C("slice", A, (1, 0), (2, 3)), C("slice", T3, (0, 1, 1), (2, -1, 2)),
    C("slice_update", A, (1, 2), np.ones((2, 2), "float32")),
    C("scatter", np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"), (3, 4)),
    C("scatter_update", A, [[0, 1], [2, 3]], np.array([5.0, 6.0], "float32")),
    C("segment_sum", A, np.array([0, 0, 1]), num_segments=3),
    C("segment_max", A, np.array([1, 0, 1]), num_segments=2),
]
CASES += [
    C("zeros", (2, 3)), C("zeros", (2,), dtype="int32"), C("ones", (2, 3)), C("ones", 3),
    C("full", (2, 3), 7.0), C("full", (2,), 3, dtype="int32"), C("zeros_like", I, id="int"),
    C("ones_like", I), C("ones_like", A, dtype="int32"), C("full_like", A, 2.5),
    C("full_like", I, 2), C("eye", 3), C("eye", 3, 4, k=1), C("eye", 3, dtype="int32"),
    C("identity", 3), C("linspace", 0, 1, 5), C("linspace", 0, 1, 5, endpoint=False),
    C("linspace", 0.0, 10.0, 7, dtype="float32"), C("linspace", ROW, ROW + 1, 3, axis=1),
    C("arange", 5), C("arange", 1, 7, 2), C("arange", 0.0, 1.0, 0.25), C("arange", 5, dtype="float32"),
    C("arange", 3.0), C("one_hot", LABELS, 4), C("one_hot", LABELS, 4, axis=0),
    C("one_hot", [[0, 1], [2, -1]], 3), C("one_hot", LABELS, 4, dtype="int32"),
    C("multi_hot", [[0, 2], [1, 1]], 4), C("multi_hot", [0, 2], 3),
    C("top_k", A, 2), C("top_k", ROW, 3), C("in_top_k", LABELS, A, 2), C("in_top_k", LABELS, A, 1),
    C("cast", A, "int32"), C("cast", I, "float32"), C("cast", A, "float16"), C("cast", BOOL, "float32"),
    C("convert_to_tensor", [1.0, 2.0]), C("convert_to_tensor", [1, 2]), C("convert_to_tensor", 3.0),
    C("convert_to_tensor", A, "float16"), C("convert_to_tensor", [[True, False]]),
    C("convert_to_numpy", A), C("shape", T3), C("ndim", T3), C("size", T3), C("dtype", I),
    C("array", [1.0, 2.0]), C("array", A, dtype="int32"),
    C("binary_crossentropy", TARGET01, SIG), C("binary_crossentropy", TARGET01, A, from_logits=True),
    C("categorical_crossentropy", ONEHOT, PROBS), C("categorical_crossentropy", ONEHOT, A, from_logits=True),
    C("categorical_crossentropy", ONEHOT.T, PROBS.T, axis=0),
    C("sparse_categorical_crossentropy", LABELS, PROBS),
    C("sparse_categorical_crossentropy", LABELS, A, from_logits=True),
    C("sparse_categorical_crossentropy", LABELS[:, None], A, from_logits=True),
    C("batch_normalization", T3, ROW, POS[0], -1),
    C("batch_normalization", T3, ROW[:3], POS[0, :3], 1, ROW[:3], POS[1, :3], epsilon=1e-2),
    C("layer_normalization", T3), C("layer_normalization", T3, ROW, POS[0], epsilon=1e-3),
    C("layer_normalization", T3 * 5 + 3, ROW, None, axis=-1),
    C("layer_normalization", T3, POS, A, axis=[1, 2]),
    C("layer_normalization", T3, ROW[:3], ROW[:3] * 2, axis=1),
]

# convolution / pooling kernels have their own conformance files; ctc_loss / ctc_decode are
# checked against Keras in test_losses_more_conformance.py
COVERED_ELSEWHERE = {"conv", "conv_transpose", "depthwise_conv", "separable_conv", "average_pool",
                     "max_pool", "ctc_loss", "ctc_decode"}
# called with Python functions, tested below
CONTROL_FLOW = {"cond", "fori_loop", "while_loop", "map", "vectorized_map", "switch", "scan",
                "is_tensor"}


def _check(ours, theirs, keras):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (ours, theirs)
        for o, t in zip(ours, theirs):
            _check(o, t, keras)
        return
    if isinstance(theirs, (str, int)):
        assert ours == theirs
        return
    expected = keras.ops.convert_to_numpy(theirs)
    got = np.asarray(ours)
    assert got.shape == expected.shape
    assert got.dtype.name == expected.dtype.name
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


# Integer ops where our dtype deliberately differs from Keras's (JAX backend):
# JAX's `jnp.floor`/`ceil`/`round`/`trunc`/`sign`/`abs` keep int32 for an int32 input in Keras
# only for some; the ones listed here return what numpy returns, and we assert that explicitly.
DTYPE_DIFFERENCES = {}


@pytest.mark.parametrize("name, args, kwargs", CASES)
def test_matches_keras(keras, name, args, kwargs):
    expected = getattr(keras.ops, name)(*args, **kwargs)
    ours = getattr(ops, name)(*args, **kwargs)
    key = (name, tuple(np.asarray(a).dtype.name for a in args if not isinstance(a, (str, list))))
    if key in DTYPE_DIFFERENCES:
        assert np.asarray(ours).dtype.name == DTYPE_DIFFERENCES[key]
        expected = keras.ops.cast(expected, DTYPE_DIFFERENCES[key])
    _check(ours, expected, keras)


def test_table_covers_every_shared_public_function(keras):
    import inspect
    public = {n for n in dir(ops) if not n.startswith("_") and inspect.isfunction(getattr(ops, n))}
    shared = {n for n in public if hasattr(keras.ops, n)}
    tested = {p.values[0] for p in CASES} | COVERED_ELSEWHERE | CONTROL_FLOW
    assert shared - tested == set()


def test_is_tensor(keras):
    for x in ([1.0], 1.0):
        assert ops.is_tensor(x) == keras.ops.is_tensor(x) == False  # noqa: E712
    assert ops.is_tensor(ops.convert_to_tensor(A)) == keras.ops.is_tensor(keras.ops.convert_to_tensor(A))


def test_control_flow(keras):
    cases = [
        ("cond", (True, lambda: A * 2.0, lambda: A - 1.0)),
        ("cond", (False, lambda: A * 2.0, lambda: A - 1.0)),
        ("fori_loop", (0, 4, lambda i, v: v * 0.5 + i, A)),
        ("while_loop", (lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0), (0, A))),
        ("while_loop", (lambda v: True, lambda v: v + 1.0, A), {"maximum_iterations": 4}),
        ("map", (lambda r: r * r, A)),
        ("vectorized_map", (lambda r: r[0] + r[-1], A)),
        ("switch", (1, [lambda x: x + 1.0, lambda x: x * 3.0], A)),
        ("scan", (lambda c, x: (c + x, c * x), ROW, A)),
    ]
    for name, args, *kw in cases:
        kw = kw[0] if kw else {}
        _check(getattr(ops, name)(*args, **kw), getattr(keras.ops, name)(*args, **kw), keras)
