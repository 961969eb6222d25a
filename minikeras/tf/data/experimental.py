"""`tf.data.experimental`: the constants and helpers tutorials still reach for there."""
from minikeras.tf.data.dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY  # noqa: F401
from minikeras.tf.data.options import (  # noqa: F401
    AutoShardPolicy, AutotuneAlgorithm, AutotuneOptions, DistributeOptions, ExternalStatePolicy,
    OptimizationOptions, ThreadingOptions)


def cardinality(dataset):
    """`dataset.cardinality()`: a 0-d int64 Tensor, -1 infinite, -2 unknown."""
    return dataset.cardinality()


def enable_debug_mode():
    """Accepted: minikeras's pipelines already run eagerly, element by element."""


def get_single_element(dataset):
    return dataset.get_single_element()


def unbatch():
    """For `dataset.apply(tf.data.experimental.unbatch())`."""
    return lambda dataset: dataset.unbatch()


def take_while(predicate):
    return lambda dataset: dataset.take_while(predicate)
