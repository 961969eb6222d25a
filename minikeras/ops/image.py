"""`keras.ops.image`: resizing, affine and colour-space transforms, patches, filters."""

from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace

__all__ = []

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
