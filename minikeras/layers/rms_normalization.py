"""RMSNormalization (Keras 3's `keras.layers.RMSNormalization`, Zhang & Sennrich 2019)."""
import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras.layers.layer import Layer


def rms_normalize(x, scale, axes, epsilon):
    """x * rsqrt(mean(x**2 over `axes`) + epsilon) * scale, computed in at least float32 and
    returned in x's dtype (as Keras's `ops.rms_normalization`; integer inputs come back as
    integers). `scale` has the shape of the normalized axes."""
    dtype = ops.dtype(x)
    compute = onp.result_type(dtype, "float32").name
    x = ops.cast(x, compute)
    rrms = 1.0 / anp.sqrt(anp.mean(anp.square(x), axis=tuple(axes), keepdims=True) + epsilon)
    out = x * rrms
    if scale is not None:
        # Lay the scale along its axes (Keras multiplies it in trailing position only, which
        # fails for a non-trailing axis; for trailing axes both agree).
        ndim = anp.ndim(x)
        positions = [a % ndim for a in axes]
        order = sorted(range(len(positions)), key=lambda i: positions[i])
        scale = anp.transpose(ops.cast(scale, compute), order) if len(axes) > 1 else ops.cast(scale, compute)
        shape = [1] * ndim
        for a in positions:
            shape[a] = anp.shape(x)[a]
        out = out * anp.reshape(scale, shape)
    return ops.cast(out, dtype)


class RMSNormalization(Layer):
    """Root-mean-square normalization over `axis`: y = x * rsqrt(mean(x**2) + epsilon) * scale.

    Args:
        axis: int or list of ints, the axes normalized (and the shape of `scale`).
        epsilon: added to the mean square (1e-6).
    Weights: `scale`, the shape of the normalized axes, initialised to ones.
    Shapes: any input -> the same shape.
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)  # Keras sorts as written: [-1, -2] -> [-2, -1]
        else:
            self.axis = [self.axis]
        self._check_axes(input_shape)
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, x):
        return rms_normalize(x, self.scale, self.axis, self.epsilon)

    def _check_axes(self, input_shape):
        for axis in self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(f"Axis {axis} is out of bounds for input shape {input_shape}. "
                                 f"Received: axis={self.axis}")

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
