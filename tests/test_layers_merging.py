"""Merge layers: element-wise merges with broadcasting, Concatenate, Dot, functional forms."""
import numpy as np
import pytest
from layer_testing import check_layer_grads

from minikeras import layers

ELEMENTWISE = [
    (layers.Add, layers.add, lambda xs: xs[0] + xs[1] + xs[2]),
    (layers.Multiply, layers.multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (layers.Average, layers.average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (layers.Maximum, layers.maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (layers.Minimum, layers.minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
]


@pytest.mark.parametrize("cls, fn, reference", ELEMENTWISE)
def test_elementwise_three_inputs(cls, fn, reference, rng):
    xs = [rng.normal(size=(2, 3, 4)) for _ in range(3)]
    y = check_layer_grads(cls(dtype="float64"), xs)
    np.testing.assert_allclose(y, reference(xs))
    np.testing.assert_allclose(fn([x.astype("float32") for x in xs]), reference(xs), rtol=1e-6, atol=1e-6)
    assert cls().get_config().keys() == {"name", "trainable", "dtype"}


@pytest.mark.parametrize("cls, fn, reference", ELEMENTWISE)
def test_elementwise_broadcasting_and_rank_expansion(cls, fn, reference, rng):
    """(2, 3, 4) with (2, 1, 4) broadcasts; a rank-2 (2, 4) input is expanded to (2, 1, 4)."""
    xs = [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 1, 4)), rng.normal(size=(2, 4))]
    y = check_layer_grads(cls(dtype="float64"), xs)
    expected = reference([xs[0], xs[1], xs[2][:, None, :]])
    np.testing.assert_allclose(y, expected)
    out = cls()([layers.Input((3, 4)), layers.Input((1, 4)), layers.Input((4,))])
    assert out.shape == (None, 3, 4)


def test_subtract(rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    y = check_layer_grads(layers.Subtract(dtype="float64"), [a, b])
    np.testing.assert_allclose(y, a - b)
    np.testing.assert_allclose(layers.subtract([a, b]), a - b, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, b, a])


def test_single_tensor_is_rejected(rng):
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(rng.normal(size=(2, 3)))


@pytest.mark.parametrize("shapes", [[(2, 3), (2, 4)], [(2, 3, 4), (2, 5, 4)]])
def test_incompatible_elementwise_shapes(shapes):
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([np.zeros(s, "float32") for s in shapes])


def test_different_batch_sizes_are_rejected():
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add()([np.zeros((2, 3)), np.zeros((3, 3))])


@pytest.mark.parametrize("axis, shapes", [(-1, [(2, 3, 1), (2, 3, 4)]), (1, [(2, 1, 4), (2, 5, 4)]),
                                          (0, [(1, 3), (2, 3)])])
def test_concatenate(axis, shapes, rng):
    xs = [rng.normal(size=s) for s in shapes]
    y = check_layer_grads(layers.Concatenate(axis=axis, dtype="float64"), xs)
    np.testing.assert_array_equal(y, np.concatenate(xs, axis=axis))
    np.testing.assert_array_equal(layers.concatenate(xs, axis=axis, dtype="float64"),
                                  np.concatenate(xs, axis=axis))
    assert layers.Concatenate(axis=axis).get_config()["axis"] == axis


def test_concatenate_symbolic_and_mismatch():
    a, b = layers.Input((3, 4)), layers.Input((3, 5))
    assert layers.concatenate([a, b]).shape == (None, 3, 9)
    assert layers.concatenate([a, layers.Input((None, 4))], axis=1).shape == (None, None, 4)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=1)([a, b])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()([np.zeros((2, 3, 4)), np.zeros((2, 3))])


@pytest.mark.parametrize("axes, shapes", [
    (1, [(3, 4), (3, 4)]),                    # row-wise dot: (3, 1)
    (-1, [(3, 2, 4), (3, 5, 4)]),             # (3, 2, 5)
    ((2, 1), [(3, 2, 4), (3, 4, 5)]),         # batched matmul
    ((1, 2), [(3, 4, 2), (3, 5, 4)]),
    ((2, 1), [(3, 2, 4), (3, 4)]),            # matrix times vector: (3, 2)
])
def test_dot(axes, shapes, rng):
    x, y = (rng.normal(size=s) for s in shapes)
    out = check_layer_grads(layers.Dot(axes=axes, dtype="float64"), [x, y])
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    a0, a1 = a0 % x.ndim, a1 % y.ndim
    expected = np.stack([np.tensordot(x[i], y[i], axes=(a0 - 1, a1 - 1)) for i in range(3)])
    expected = expected.reshape(3, -1) if expected.ndim == 1 else expected
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    symbolic = layers.Dot(axes=axes)([layers.Input(shapes[0][1:]), layers.Input(shapes[1][1:])])
    assert symbolic.shape == (None,) + out.shape[1:]


def test_dot_normalize_gives_cosine_similarity(rng):
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    out = check_layer_grads(layers.Dot(axes=1, normalize=True, dtype="float64"), [x, y])
    cos = (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    np.testing.assert_allclose(out[:, 0], cos)
    np.testing.assert_allclose(layers.dot([x, y], axes=1, normalize=True)[:, 0], cos, rtol=1e-5)
    assert layers.Dot(axes=1, normalize=True).get_config()["normalize"] is True


def test_dot_errors():
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        layers.Dot(axes=1)([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)([np.zeros((2, 3))] * 3)
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="1")
    with pytest.raises(ValueError, match="two elements"):
        layers.Dot(axes=(1, 1, 1))
