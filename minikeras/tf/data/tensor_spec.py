"""Element specs: a dataset's `element_spec` is made of `tf.TensorSpec`s (minikeras.tf), the same
class `from_generator(output_signature=...)` takes. What tf.data adds to it lives here."""
from minikeras.tf._tensors import TensorShape, TensorSpec

__all__ = ["TensorShape", "TensorSpec", "relaxed", "spec_of"]


def spec_of(tensor):
    """The spec of one concrete value."""
    return TensorSpec.from_tensor(tensor)


def relaxed(a, b):
    """The spec both `a` and `b` fit: the dimensions they agree on, None elsewhere (the spec
    `concatenate` gives)."""
    if a.shape.rank is None or b.shape.rank is None or a.shape.rank != b.shape.rank:
        return TensorSpec(None, a.dtype)
    return TensorSpec([x if x == y else None for x, y in zip(a.shape, b.shape)], a.dtype)
