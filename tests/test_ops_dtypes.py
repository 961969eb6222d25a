"""dtypes of ops results follow Keras's (JAX's, x64 disabled) promotion rules.

The tables below were written from JAX's rules (jax.numpy with x64 disabled); the tests do not
call JAX."""
import autograd
import numpy as np
import pytest

import minikeras.ops.numpy as knp
from minikeras.engine import dtypes
from minikeras.ops.promotion import _args

ADD = {
    ("bool", "uint8"): "uint8",
    ("bool", "uint32"): "uint32",
    ("bool", "int8"): "int8",
    ("bool", "int16"): "int16",
    ("bool", "int32"): "int32",
    ("bool", "bfloat16"): "bfloat16",
    ("bool", "float16"): "float16",
    ("bool", "float32"): "float32",
    ("uint8", "uint32"): "uint32",
    ("uint8", "int8"): "int16",
    ("uint8", "int16"): "int16",
    ("uint8", "int32"): "int32",
    ("uint8", "bfloat16"): "bfloat16",
    ("uint8", "float16"): "float16",
    ("uint8", "float32"): "float32",
    ("uint32", "int8"): "int32",
    ("uint32", "int16"): "int32",
    ("uint32", "int32"): "int32",
    ("uint32", "bfloat16"): "bfloat16",
    ("uint32", "float16"): "float16",
    ("uint32", "float32"): "float32",
    ("int8", "int16"): "int16",
    ("int8", "int32"): "int32",
    ("int8", "bfloat16"): "bfloat16",
    ("int8", "float16"): "float16",
    ("int8", "float32"): "float32",
    ("int16", "int32"): "int32",
    ("int16", "bfloat16"): "bfloat16",
    ("int16", "float16"): "float16",
    ("int16", "float32"): "float32",
    ("int32", "bfloat16"): "bfloat16",
    ("int32", "float16"): "float16",
    ("int32", "float32"): "float32",
    ("bfloat16", "float16"): "float32",
    ("bfloat16", "float32"): "float32",
    ("float16", "float32"): "float32",
}


WEAK = {  # dtype: (x + 1, x + 1.0)
    "bool": ("int32", "float32"),
    "uint8": ("uint8", "float32"),
    "uint32": ("uint32", "float32"),
    "int8": ("int8", "float32"),
    "int16": ("int16", "float32"),
    "int32": ("int32", "float32"),
    "bfloat16": ("bfloat16", "bfloat16"),
    "float16": ("float16", "float16"),
    "float32": ("float32", "float32"),
}


UNARY = {  # dtype: (sqrt, sum, mean, divide(x, x), square)
    "bool": ("float32", "int32", "float32", "float32", "int32"),
    "uint8": ("float32", "uint32", "float32", "float32", "uint8"),
    "uint32": ("float32", "uint32", "float32", "float32", "uint32"),
    "int8": ("float32", "int32", "float32", "float32", "int8"),
    "int16": ("float32", "int32", "float32", "float32", "int16"),
    "int32": ("float32", "int32", "float32", "float32", "int32"),
    "bfloat16": ("bfloat16", "bfloat16", "bfloat16", "bfloat16", "bfloat16"),
    "float16": ("float16", "float16", "float16", "float16", "float16"),
    "float32": ("float32", "float32", "float32", "float32", "float32"),
}


def _ones(dtype):
    return np.ones((2, 2), dtype)


@pytest.mark.parametrize("pair", sorted(ADD))
def test_binary_promotion(pair):
    x1, x2 = _ones(pair[0]), _ones(pair[1])
    for op in (knp.add, knp.subtract, knp.multiply, knp.maximum):
        if op is knp.subtract and "bool" in pair and pair[0] == pair[1]:
            continue
        assert knp.add(x1, x2).dtype.name == ADD[pair]
        assert knp.add(x2, x1).dtype.name == ADD[pair]
    assert dtypes.result_type(*pair) == ADD[pair]


@pytest.mark.parametrize("dtype", sorted(WEAK))
def test_python_scalars_are_weak(dtype):
    x = _ones(dtype)
    assert (knp.add(x, 1).dtype.name, knp.add(x, 1.0).dtype.name) == WEAK[dtype]
    assert knp.multiply(2, x).dtype.name == WEAK[dtype][0]
    assert dtypes.result_type(dtype, int) == WEAK[dtype][0]


@pytest.mark.parametrize("dtype", sorted(UNARY))
def test_unary_and_reductions(dtype):
    x = _ones(dtype)
    got = (knp.sqrt(x), knp.sum(x), knp.mean(x), knp.divide(x, x), knp.square(x))
    assert tuple(np.asarray(g).dtype.name for g in got) == UNARY[dtype]


@pytest.mark.parametrize("ints", [("uint32", "int32"), ("uint16", "int32"), ("uint8", "int8")])
def test_unsigned_with_signed_stays_32_bit(ints):
    out = knp.floor_divide(_ones(ints[0]), _ones(ints[1]))
    assert out.dtype.name == ("int32" if ints[0] != "uint8" else "int16")


def test_float64_inputs_stay_float64():
    x = np.ones((2, 2))
    assert knp.add(x, np.ones((2, 2), "float32")).dtype == np.float64
    assert knp.add(x, 1.0).dtype == np.float64
    assert knp.mean(x).dtype == np.float64


def test_python_numbers_alone():
    assert [a.dtype.name for a in _args(1, 2)] == ["int32", "int32"]
    assert [a.dtype.name for a in _args(1, 2.0)] == ["float32", "float32"]
    assert [a.dtype.name for a in _args(True, 1)] == ["int32", "int32"]


def test_int8_products_accumulate_in_int32():
    x = np.full((2, 2), 100, "int8")
    assert knp.matmul(x, x).dtype == np.int32 and knp.matmul(x, x)[0, 0] == 20000
    assert knp.einsum("ij,jk->ik", x, x).dtype == np.int32
    assert knp.cumsum(x).dtype == np.int8  # as jnp.cumsum
    assert knp.prod(np.ones(3, bool)).dtype == np.int32


def test_float32_training_path_stays_float32():
    w = np.ones((3, 2), "float32")
    x = np.ones((4, 3), "float32")

    def loss(w):
        h = knp.add(knp.matmul(x, w), 1.0)
        return knp.mean(knp.square(knp.subtract(h, 0.5)))

    value, grad = autograd.value_and_grad(loss)(w)
    assert np.asarray(value).dtype == np.float32 and grad.dtype == np.float32
    assert knp.add(x, np.float64(2.0)).dtype == np.float32  # numpy scalars are weak too


@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, True), ((0, 2), False), (-1, False)])
def test_mean_values_and_gradient(axis, keepdims):
    from autograd.test_util import check_grads
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    np.testing.assert_allclose(knp.mean(x, axis, keepdims), np.mean(x, axis=axis, keepdims=keepdims))
    check_grads(lambda v: knp.mean(v, axis, keepdims), modes=["rev"], order=1)(x)


def test_half_floats_keep_their_dtype():
    for dtype in ("float16", "bfloat16"):
        x = _ones(dtype)
        for out in (knp.exp(x), knp.clip(x, 0, 1), knp.nan_to_num(x), knp.prod(x), knp.var(x),
                    knp.einsum("ij,jk->ik", x, x), knp.matmul(x, x), knp.add(x, 2.5)):
            assert out.dtype.name == dtype
    assert knp.max(np.ones(2, bool), initial=1).dtype == np.bool_
