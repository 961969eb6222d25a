"""Hinge metrics: the mean hinge, squared hinge and categorical hinge losses of classifiers with
labels in {-1, 1} or {0, 1} (Keras's `metrics/hinge_metrics.py`)."""
from minikeras.losses import categorical_hinge, hinge, squared_hinge
from minikeras.metrics.reduction_metrics import _Wrapped


class Hinge(_Wrapped):
    """The mean of `hinge` over all samples."""
    _fn_default = staticmethod(hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name, dtype, "down")


class SquaredHinge(_Wrapped):
    """The mean of `squared_hinge` over all samples."""
    _fn_default = staticmethod(squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name, dtype, "down")


class CategoricalHinge(_Wrapped):
    """The mean of `categorical_hinge` over all samples."""
    _fn_default = staticmethod(categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name, dtype, "down")
