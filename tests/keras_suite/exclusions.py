"""Keras tests that do not apply to minikeras, each with the reason. Every exclusion is counted
and shown in the report; the same exclusions apply to the real-Keras baseline.

Allowed reasons (issue 14): another backend's tensor types or compilation, distribution,
quantization, TensorFlow-only files, Keras-internal private methods.
"""
import re

# Whole files (paths relative to the Keras source root).
FILES = {
    "keras/src/callbacks/orbax_checkpoint_test.py": "Orbax checkpointing is a JAX-ecosystem library",
    "keras/src/callbacks/tensorboard_test.py": "TensorFlow-only: reads the event files back through "
    "TensorFlow's internal tf_record reader and summary protobufs (our TensorBoard callback is "
    "checked against real TensorFlow in tests/conformance/test_tensorboard_conformance.py)",
}

# Test names (regular expressions searched in the node id).
TESTS = [
    (r"quantiz|int4|gptq|awq", "quantization (int8/int4/float8/GPTQ/AWQ kernels)"),
    (r"distribut", "distribution across devices"),
    (r"(test_|_)sparse(?!max|_plus|_sigmoid|_categorical|_top_k)",
     "sparse tensors are another backend's tensor type (JAX BCOO, tf.SparseTensor)"),
    (r"::SparseTest::", "sparse tensors are another backend's tensor type (numpy_test.py's "
     "SparseTest class runs each op on JAX BCOO / tf.SparseTensor inputs)"),
    (r"ragged", "ragged tensors are TensorFlow's tensor type"),
    (r"test_analyze_einsum_string", "Keras-internal private function (_analyze_einsum_string)"),
    (r"test_attention_calculate_score_mask|test_compute_attention_combines_causal",
     "Keras-internal private methods (Attention._calculate_score_mask, "
     "MultiHeadAttention._compute_attention's arguments)"),
]


def reason_for(nodeid):
    """Why `nodeid` is excluded, or None."""
    path = nodeid.split("::", 1)[0]
    if path in FILES:
        return FILES[path]
    for pattern, reason in TESTS:
        if re.search(pattern, nodeid, re.IGNORECASE):
            return reason
    return None
