"""Names Keras's `keras.src.backend` has that are not functions minikeras keeps elsewhere.

(The alias for `keras.src.backend` searches this module, then minikeras's engine modules; see
keras_alias.HOMES.)"""
SUPPORTS_SPARSE_TENSORS = False  # minikeras arrays are dense numpy arrays
SUPPORTS_RAGGED_TENSORS = False
