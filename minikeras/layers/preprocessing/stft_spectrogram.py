"""STFTSpectrogram (Keras 3's `keras.layers.STFTSpectrogram`): a short-time Fourier transform
written as a strided 1-D convolution with fixed cosine / sine kernels, so it runs (and can be
fine-tuned) like any convolution layer."""
import math
import warnings

from autograd import numpy as anp

from minikeras import initializers, ops
from minikeras.engine.config import epsilon, standardize_data_format
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer

class STFTSpectrogram(Layer):
    """Spectrogram of (batch, time, channels) signals (channels first if so set), per channel:
    frames of `frame_length` every `frame_step` samples, windowed and Fourier transformed.

    Args:
        mode: "log" (log magnitude), "magnitude", "psd" (power, one-sided doubled), "real",
            "imag", "angle", or "stft" (real and imaginary parts concatenated).
        frame_length (256), frame_step (frame_length // 2), fft_length (next power of two).
        window: a window name ("hann", ...) or array; periodic: periodic window.
        scaling: "density", "spectrum" or None. padding: "valid" or "same".
        expand_dims: (batch, frames, bins, channels) instead of (batch, frames, channels * bins).
    Weights: real_kernel and imag_kernel (frame_length, 1, fft_length // 2 + 1), trainable,
    the DFT's cosines and sines (only those the mode uses).
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError("`frame_step` should be a positive integer not greater than "
                             f"`frame_length`. Received frame_step={frame_step}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError("`fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}")
        modes = ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]
        if mode not in modes:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(modes)}. "
                             f"Received: mode={mode}")
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        if padding not in ["valid", "same"]:
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        if isinstance(window, str):
            initializers.STFT(window=window)  # an unknown name fails here, as in Keras
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(name="real_kernel", shape=shape,
                                               initializer=initializers.STFT(
                                                   "real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(name="imag_kernel", shape=shape,
                                               initializer=initializers.STFT(
                                                   "imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _apply_conv(self, inputs, kernel):
        """Each channel convolved alone: (batch, channels, bins, frames)."""
        last = self.data_format == "channels_last"
        batch, channels, time = (inputs.shape[0], inputs.shape[2], inputs.shape[1]) if last else inputs.shape
        x = anp.reshape(anp.transpose(inputs, (0, 2, 1)), (-1, time, 1)) if last else \
            anp.reshape(inputs, (-1, 1, time))
        # In float64: every channel and frame then rounds to the same float32 whatever the
        # batch (BLAS blocks a float32 matmul differently by size), and float16 runs on BLAS.
        out = ops.conv(ops.cast(x, "float64"), ops.cast(kernel, "float64"), padding=self.padding,
                       strides=self._frame_step, data_format=self.data_format)
        if last:
            out = anp.transpose(out, (0, 2, 1))
        return anp.reshape(out, (-1, channels) + tuple(out.shape[1:]))

    def _adjust_shapes(self, outputs):
        """(batch, channels, bins, frames) -> the layer's output layout."""
        _, channels, bins, frames = outputs.shape
        if self.expand_dims:
            order = (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2)
            return anp.transpose(outputs, order)
        outputs = anp.reshape(outputs, (-1, channels * bins, frames))
        return anp.transpose(outputs, (0, 2, 1)) if self.data_format == "channels_last" else outputs

    def call(self, inputs):
        dtype = ops.dtype(inputs)
        if dtype not in {"float16", "float32", "float64"}:
            raise TypeError("Invalid input type. Expected `float16`, `float32` or `float64`. "
                            f"Received: input type={dtype}")
        return ops.cast(self._spectrogram(inputs), dtype)

    def _spectrogram(self, inputs):
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode in ("real", "imag"):
            return self._adjust_shapes(real if self.mode == "real" else imag)
        if self.mode == "angle":
            return self._adjust_shapes(anp.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(anp.concatenate([real, imag], axis=2))
        power = anp.square(real) + anp.square(imag)
        if self.mode == "psd":  # one-sided: every bin but DC and Nyquist counted twice
            edge = anp.zeros_like(power[:, :, :1, :])
            return self._adjust_shapes(power + anp.concatenate([edge, power[:, :, 1:-1], edge], axis=2))
        magnitude = self._adjust_shapes(anp.sqrt(anp.maximum(power, epsilon())))
        return magnitude if self.mode == "magnitude" else anp.log(anp.maximum(magnitude, epsilon()))

    def compute_output_shape(self, input_shape):
        last = self.data_format == "channels_last"
        batch, channels, time = (input_shape[0], input_shape[-1], input_shape[1]) if last else \
            (input_shape[0], input_shape[1], input_shape[2])
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = (time - 1) // self._frame_step + 1
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, bins, channels) if last else (batch, channels, frames, bins)
        return (batch, frames, bins * channels) if last else (batch, bins * channels, frames)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}
