"""Names Keras's `keras.src.backend` has that are not functions minikeras keeps elsewhere.

(The alias for `keras.src.backend` searches this module, then minikeras's engine modules; see
keras_alias.HOMES.)"""
def backend():
    """The backend name Keras's tests see: "minikeras", not "numpy". Keras's tests skip whole
    classes for Keras's own numpy backend ("Broken with NumPy backend"); minikeras is another
    implementation, so those tests run here and must pass or fail on their merits."""
    return "minikeras"


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


def compute_conv_transpose_padding_args_for_jax(input_shape, kernel_shape, strides, padding,
                                                output_padding, dilation_rate):
    """Keras's helper that its transposed-convolution tests use to build their numpy oracle: the
    (left, right) padding per spatial axis, which minikeras's `conv_transpose_pads` computes (that
    formula is checked against real Keras in tests/conformance/test_conv_conformance.py)."""
    from minikeras.ops.conv import conv_transpose_pads
    rank = len(input_shape) - 2

    def axis(value, i):
        return value if value is None or isinstance(value, int) else value[i]

    return [conv_transpose_pads(kernel_shape[i], axis(strides, i), axis(dilation_rate, i), padding,
                                axis(output_padding, i)) for i in range(rank)]
