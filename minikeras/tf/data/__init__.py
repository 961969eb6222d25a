"""`tf.data` on numpy: `Dataset` pipelines (from_tensor_slices, map, shuffle, batch, ...) that
yield `minikeras.engine.tensor.Tensor` values and feed `fit` / `evaluate` / `predict`.

See dataset.py for how a pipeline runs and docs/ for what differs from TensorFlow.
"""
from minikeras.tf.data import experimental  # noqa: F401
from minikeras.tf.data.dataset import (  # noqa: F401
    AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, DatasetIterator, NumpyIterator)
from minikeras.tf.data.files import TextLineDataset  # noqa: F401
from minikeras.tf.data.options import Options, ThreadingOptions  # noqa: F401

Iterator = DatasetIterator
