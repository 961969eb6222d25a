"""minikeras.regularizers / constraints against real Keras 3: values, outputs and configs."""
import numpy as np
import pytest

from minikeras import constraints as C
from minikeras import regularizers as R

W = np.random.default_rng(0).normal(scale=2.0, size=(6, 4)).astype("float32")
CONV = np.random.default_rng(1).normal(scale=2.0, size=(3, 3, 2, 5)).astype("float32")

REGULARIZERS = [("L1", {}), ("L1", {"l1": 0.3}), ("L2", {}), ("L2", {"l2": 0.25}),
                ("L1L2", {}), ("L1L2", {"l1": 0.1, "l2": 0.2}), ("L1L2", {"l2": 0.05}),
                ("OrthogonalRegularizer", {}), ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"})]


@pytest.mark.parametrize("name, kwargs", REGULARIZERS)
def test_regularizer_values_and_configs(keras, name, kwargs):
    theirs = getattr(keras.regularizers, name)(**kwargs)
    ours = getattr(R, name)(**kwargs)
    # a tensor, as Keras passes its variables (Keras's numpy path of `normalize` differs)
    np.testing.assert_allclose(ours(W), np.asarray(theirs(keras.ops.convert_to_tensor(W))), rtol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert R.serialize(ours) == keras.regularizers.serialize(theirs)


@pytest.mark.parametrize("alias", ["l1", "l2", "l1l2", "orthogonal_regularizer", "L2"])
def test_regularizer_names(keras, alias):
    assert type(R.get(alias)).__name__ == type(keras.regularizers.get(alias)).__name__
    assert R.get(alias).get_config() == keras.regularizers.get(alias).get_config()


CONSTRAINTS = [("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}),
               ("MaxNorm", {"max_value": 3, "axis": [0, 1, 2]}), ("NonNeg", {}),
               ("UnitNorm", {}), ("UnitNorm", {"axis": -1}), ("MinMaxNorm", {}),
               ("MinMaxNorm", {"min_value": 2.0, "max_value": 4.0, "rate": 0.3}),
               ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.0, "axis": [0, 1, 2]})]


@pytest.mark.parametrize("name, kwargs", CONSTRAINTS)
def test_constraint_outputs_and_configs(keras, name, kwargs):
    w = CONV if isinstance(kwargs.get("axis"), list) else W
    theirs = getattr(keras.constraints, name)(**kwargs)
    ours = getattr(C, name)(**kwargs)
    np.testing.assert_allclose(ours(w), np.asarray(theirs(w)), rtol=1e-6, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    assert C.serialize(ours) == keras.constraints.serialize(theirs)


def test_every_keras_name_is_known(keras):
    from keras.src.constraints import ALL_OBJECTS_DICT as KC
    from keras.src.regularizers import ALL_OBJECTS_DICT as KR
    assert set(KC) <= set(C.ALL_OBJECTS_DICT)
    assert set(KR) <= set(R.ALL_OBJECTS_DICT)
