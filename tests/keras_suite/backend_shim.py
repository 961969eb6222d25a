"""Names Keras's `keras.src.backend` has that are not functions minikeras keeps elsewhere.

(The alias for `keras.src.backend` searches this module, then minikeras's engine modules; see
keras_alias.HOMES.)"""
SUPPORTS_SPARSE_TENSORS = False  # minikeras arrays are dense numpy arrays
SUPPORTS_RAGGED_TENSORS = False


def convert_tf_tensor(outputs, dtype=None):
    """Keras's test-input helper (`utils.backend_utils`): a TensorFlow tensor as the backend's
    tensor; here, minikeras's tf stand-in tensors are already arrays."""
    from minikeras import ops
    return ops.convert_to_tensor(outputs, dtype=dtype)


def in_tf_graph():
    return False  # minikeras never runs inside a TensorFlow graph
SUPPORTS_COMPLEX_DTYPES = True  # numpy has complex64 / complex128 arrays (as Keras's numpy backend)
