"""minikeras.regularizers and minikeras.constraints: values, gradients, configs, registries."""
import autograd
import numpy as np
import pytest
from autograd.test_util import check_grads

from minikeras import constraints as C
from minikeras import regularizers as R
from minikeras.engine.variable import StatelessScope, Variable

W = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])


# --- regularizers -----------------------------------------------------------------------------
@pytest.mark.parametrize("reg, expected", [
    (R.L1(), np.float32(0.01) * 7.75),
    (R.L1(0.5), 0.5 * 7.75),
    (R.L2(), 0.01 * 15.3125),            # Keras 3: l2 * sum(x^2), no 1/2
    (R.L2(0.1), 0.1 * 15.3125),
    (R.L1L2(l1=0.1, l2=0.2), 0.1 * 7.75 + 0.2 * 15.3125),
    (R.L1L2(), 0.0),
    (R.l1_l2(l2=0.3), 0.3 * 15.3125),
])
def test_regularizer_values(reg, expected):
    np.testing.assert_allclose(reg(W), expected, rtol=1e-6)
    np.testing.assert_allclose(reg(W.astype("float32")), expected, rtol=1e-6)


def test_regularizers_keep_float32():
    for reg in (R.L1(), R.L2(), R.L1L2(0.1, 0.1), R.L1L2(), R.OrthogonalRegularizer()):
        assert np.asarray(reg(W.astype("float32"))).dtype == np.float32


@pytest.mark.parametrize("reg", [R.L1(0.3), R.L2(0.3), R.L1L2(0.1, 0.2),
                                 R.OrthogonalRegularizer(0.5, "rows"),
                                 R.OrthogonalRegularizer(0.5, "columns")])
def test_regularizer_gradients(reg):
    check_grads(reg, modes=["rev"], order=1)(W)


def test_l2_gradient_is_2_l2_x():
    np.testing.assert_allclose(autograd.grad(R.L2(0.1))(W), 0.2 * W)


def test_regularizer_reads_variable_value_inside_a_step():
    v = Variable(W.astype("float32"))
    np.testing.assert_allclose(R.L2(1.0)(v), 15.3125)

    def loss(w):
        with StatelessScope([(v, w)]):
            return R.L1L2(0.0, 1.0)(v)
    np.testing.assert_allclose(autograd.grad(loss)(W), 2 * W)


def test_orthogonal_regularizer_values():
    # rows [1, 0], [0, 1], [1, 1]/sqrt2: off-diagonal |cos| = 0, 1/sqrt2, 1/sqrt2 (each twice)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    expected = 0.1 * 0.5 * (4 / np.sqrt(2)) / 3.0
    np.testing.assert_allclose(R.OrthogonalRegularizer(0.1)(x), expected, rtol=1e-6)
    np.testing.assert_allclose(R.OrthogonalRegularizer(0.1, "columns")(np.eye(3)), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="must have rank 2"):
        R.OrthogonalRegularizer()(np.ones(3))
    with pytest.raises(ValueError, match="Received: mode=diag"):
        R.OrthogonalRegularizer(mode="diag")


@pytest.mark.parametrize("cls, arg", [(R.L1, "l1"), (R.L2, "l2"), (R.L1L2, "l1")])
@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_regularizer_validation(cls, arg, bad):
    with pytest.raises(ValueError, match=f"Invalid value for argument {arg}: expected a non-negative float"):
        cls(**{arg: bad})


@pytest.mark.parametrize("reg, config", [
    (R.L1(), {"l1": 0.009999999776482582}),   # Keras keeps l1 as float32
    (R.L2(), {"l2": 0.01}),
    (R.L1L2(0.1, 0.2), {"l1": 0.1, "l2": 0.2}),
    (R.OrthogonalRegularizer(), {"factor": 0.009999999776482582, "mode": "rows"}),
])
def test_regularizer_configs(reg, config):
    assert reg.get_config() == config
    back = R.deserialize(R.serialize(reg))
    assert type(back) is type(reg) and back.get_config() == config
    assert R.serialize(reg)["module"] == "keras.regularizers"


def test_regularizer_registry():
    assert isinstance(R.get("l1"), R.L1) and isinstance(R.get("l2"), R.L2)
    assert isinstance(R.get("l1_l2"), R.L1L2) and isinstance(R.get("l1l2"), R.L1L2)
    assert isinstance(R.get("L2"), R.L2) and isinstance(R.get("orthogonal_regularizer"), R.OrthogonalRegularizer)
    assert R.get(None) is None and isinstance(R.get(R.L1), R.L1)
    reg = R.L2(0.2)
    assert R.get(reg) is reg
    assert R.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    assert R.l1(0.3).l1 == pytest.approx(0.3) and R.l2(0.3).l2 == 0.3
    with pytest.raises(ValueError) as err:
        R.get("l3")
    assert "'l3'" in str(err.value) and "l1_l2" in str(err.value) and "L2" in str(err.value)
    with pytest.raises(NotImplementedError):
        R.Regularizer().get_config()


# --- constraints ------------------------------------------------------------------------------
K_EPS = 1e-7


def test_max_norm_rescales_only_large_columns():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])          # column norms 5 and 0.5
    out = C.MaxNorm(max_value=2)(w)
    np.testing.assert_allclose(out[:, 0], w[:, 0] * 2 / (5 + K_EPS))
    np.testing.assert_allclose(out[:, 1], w[:, 1] * 0.5 / (0.5 + K_EPS))
    rows = C.MaxNorm(max_value=1, axis=1)(w)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), [1.0, 1.0], rtol=1e-6)


def test_max_norm_conv_axes():
    w = np.random.default_rng(0).normal(size=(3, 3, 4, 5)) * 3
    out = C.MaxNorm(1.0, axis=[0, 1, 2])(w)
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=(0, 1, 2))), 1.0, rtol=1e-6)


def test_non_neg_unit_norm_min_max_norm():
    w = np.array([[3.0, -0.3], [-4.0, 0.4]])
    np.testing.assert_array_equal(C.NonNeg()(w), [[3.0, 0.0], [0.0, 0.4]])
    np.testing.assert_allclose(C.UnitNorm()(w), w / (np.linalg.norm(w, axis=0) + K_EPS))
    out = C.MinMaxNorm(min_value=1.0, max_value=2.0)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, 1.0], rtol=1e-6)
    half = C.MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5)(w)
    np.testing.assert_allclose(np.linalg.norm(half, axis=0), [3.5, 0.75], rtol=1e-6)


def test_constraints_keep_float32_and_accept_variables():
    w = np.array([[3.0, -0.3], [-4.0, 0.4]], dtype="float32")
    for c in (C.MaxNorm(), C.NonNeg(), C.UnitNorm(), C.MinMaxNorm()):
        assert c(w).dtype == np.float32
        np.testing.assert_allclose(c(Variable(w)), c(w))


@pytest.mark.parametrize("con, config", [
    (C.MaxNorm(), {"max_value": 2, "axis": 0}),
    (C.MaxNorm(3.0, axis=[0, 1, 2]), {"max_value": 3.0, "axis": [0, 1, 2]}),
    (C.NonNeg(), {}),
    (C.UnitNorm(axis=1), {"axis": 1}),
    (C.MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
])
def test_constraint_configs(con, config):
    assert con.get_config() == config
    back = C.deserialize(C.serialize(con))
    assert type(back) is type(con) and back.get_config() == config
    assert C.serialize(con)["module"] == "keras.constraints"


@pytest.mark.parametrize("name, cls", [("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm),
                                       ("non_neg", C.NonNeg), ("unit_norm", C.UnitNorm),
                                       ("min_max_norm", C.MinMaxNorm)])
def test_constraint_registry(name, cls):
    assert type(C.get(name)) is cls
    assert getattr(C, name) is cls


def test_constraint_get_other_identifiers():
    assert C.get(None) is None and isinstance(C.get(C.NonNeg), C.NonNeg)
    fn = lambda w: w  # noqa: E731
    assert C.get(fn) is fn
    assert C.get({"class_name": "MaxNorm", "config": {"max_value": 4, "axis": 1}}).max_value == 4
    with pytest.raises(ValueError) as err:
        C.get("maxnorm")
    assert "'maxnorm'" in str(err.value) and "max_norm" in str(err.value)


def test_none_serializes_to_none():
    for module in (R, C):
        assert module.serialize(None) is None and module.deserialize(None) is None
