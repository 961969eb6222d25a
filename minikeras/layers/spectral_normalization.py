"""SpectralNormalization (Keras 3's `keras.layers.SpectralNormalization`, Miyato et al. 2018):
a wrapper that divides the wrapped layer's kernel by its largest singular value."""
from autograd import numpy as anp

from minikeras import initializers, ops
from minikeras.engine.autodiff import untraced
from minikeras.layers.layer import InputSpec
from minikeras.layers.wrappers import Wrapper


class SpectralNormalization(Wrapper):
    """In training, W <- W / sigma(W) before the wrapped layer runs; sigma is estimated by power
    iteration on W reshaped to (-1, out):

        v = normalize(u @ W.T),  u = normalize(v @ W)   (`power_iterations` times)
        sigma = v @ W @ u.T      (u and v held constant for the gradient)

    As in Keras the normalized kernel is written back into the wrapped layer's `kernel` (or
    `embeddings`) and `u` into the non-trainable `vector_u` (1, out); inside `fit` the step's
    forward pass and gradient use W / sigma, and the optimizer updates the stored kernel.
    Outside training the layer calls the wrapped layer unchanged.

    Args:
        layer: a layer with a `kernel` (Dense, Conv2D, ...) or `embeddings` (Embedding).
        power_iterations: int > 0.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings'")
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            name="vector_u", dtype=self.kernel.dtype)
        self.built = True

    def call(self, inputs, training=False):
        # An all-zero kernel has no direction to normalize: Keras leaves it (and u) as they are.
        if training and untraced(ops.convert_to_numpy(self.kernel)).any():
            new_u, new_kernel = self.normalized_weights()
            # Assign through the Variables themselves (a plain attribute read gives the traced
            # value inside a step): in a stateless scope only the scope's values change.
            variable = lambda name: object.__getattribute__(self, name)
            variable("vector_u").assign(untraced(new_u))
            variable("kernel").assign(new_kernel)
        output = self.layer(inputs)
        return ops.cast(output, ops.dtype(inputs))

    def normalized_weights(self):
        """(u, W / sigma): the updated `vector_u` and the spectrally normalized kernel."""
        weights = anp.reshape(self.kernel, (-1, self.kernel_shape[-1]))
        u = ops.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            v = ops.normalize(anp.matmul(u, anp.transpose(weights)), axis=None)
            u = ops.normalize(anp.matmul(v, weights), axis=None)
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = anp.matmul(anp.matmul(v, weights), anp.transpose(u))
        kernel = anp.reshape(self.kernel / sigma, self.kernel_shape)
        return ops.cast(u, self.vector_u.dtype), ops.cast(kernel, self.kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
