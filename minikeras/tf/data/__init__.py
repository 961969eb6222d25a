"""`tf.data` on numpy: `Dataset` pipelines (from_tensor_slices, map, shuffle, batch, ...) that
yield `minikeras.engine.tensor.Tensor` values and feed `fit` / `evaluate` / `predict`.

dataset.py says how a pipeline runs. Elements, batch boundaries, padding and cardinality follow
TensorFlow (tests/conformance/test_tf_data_conformance.py checks them against it). What differs:
- everything runs eagerly, in order, in the calling thread: `map` / `filter` functions are called
  on each element (TensorFlow traces them once); `num_parallel_calls`, `deterministic`,
  `prefetch`, `Options` are accepted and change nothing;
- a shuffle has TensorFlow's buffer semantics and seed contract, not its random numbers;
- after `map` / `flat_map` / `interleave`, `element_spec` is read from the first element, so its
  shapes are concrete where TensorFlow's traced ones may say None;
- text stays `str` (TensorFlow yields utf-8 bytes); object arrays of text pass through;
- elements of `from_tensor_slices` / `from_tensors` are read-only views of the given arrays (as
  immutable as TensorFlow's tensors); `cache(filename)` caches in memory;
- shape errors TensorFlow finds from static shapes when building may surface while iterating.
Not provided: window, scan, unique, random, group_by_window, bucket_by_sequence_length,
rejection_resample, sample_from_datasets / choose_from_datasets, ragged / sparse batches,
save / load / snapshot, TFRecord / CSV readers.
"""
from minikeras.tf.data import experimental  # noqa: F401
from minikeras.tf.data.dataset import (  # noqa: F401
    AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, DatasetIterator, NumpyIterator)
from minikeras.tf.data.files import TextLineDataset  # noqa: F401
from minikeras.tf.data.options import Options, ThreadingOptions  # noqa: F401

Iterator = DatasetIterator
