"""MelSpectrogram (Keras 3's `keras.layers.MelSpectrogram`): audio -> power spectrogram on the
mel scale, in decibels by default."""
import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras.layers.layer import Layer
from minikeras.utils.windows import get_window

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(hertz):
    return _MEL_HIGH_FREQUENCY_Q * onp.log(1.0 + hertz / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype="float32"):
    """(num_spectrogram_bins, num_mel_bins) triangular filters, linear in mel between
    `lower_edge_hertz` and `upper_edge_hertz`; the DC bin gets no weight (HTK's convention)."""
    f = lambda v: onp.asarray(v, dtype)
    nyquist = f(sampling_rate) / f(2.0)
    linear = onp.linspace(f(0.0), nyquist, num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = onp.linspace(_hertz_to_mel(f(lower_edge_hertz)), _hertz_to_mel(f(upper_edge_hertz)),
                         num_mel_bins + 2, dtype=dtype)
    lower, center, upper = (edges[None, k:k + num_mel_bins] for k in range(3))
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = onp.maximum(f(0.0), onp.minimum(lower_slopes, upper_slopes))
    return onp.pad(weights, [(1, 0), (0, 0)]).astype(dtype)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """(real, imag), each (..., frames, fft_length // 2 + 1): the DFT of `fft_length`-sample
    frames every `sequence_stride` samples of x (reflect-padded by fft_length // 2 on both sides
    when `center`), times the (periodic) window of `sequence_length` zero-padded to fft_length.
    As `keras.ops.stft`."""
    if isinstance(window, str) and window not in {"hann", "hamming"}:
        raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                         f'`"hamming"`. Received: window={window}')
    length = x.shape[-1]
    index = onp.arange(length)
    if center:  # numpy's reflect padding, applied to the sample indices
        index = onp.pad(index, fft_length // 2, mode="reflect")
    frames = (len(index) - fft_length) // sequence_stride + 1
    starts = onp.arange(frames) * sequence_stride
    segments = x[..., index[starts[:, None] + onp.arange(fft_length)]]
    l_pad = (fft_length - sequence_length) // 2
    win = onp.ones(sequence_length) if window is None else get_window(window, sequence_length, True)
    win = onp.pad(win, (l_pad, fft_length - sequence_length - l_pad)).astype(x.dtype)
    spectrum = anp.fft.rfft(segments * win, n=fft_length, axis=-1)  # numpy computes in complex128
    return ops.cast(anp.real(spectrum), x.dtype), ops.cast(anp.imag(spectrum), x.dtype)


class MelSpectrogram(Layer):
    """Mel spectrogram of (batch, samples) or (samples,) audio: |STFT|^mag_exp projected on
    `num_mel_bins` mel filters, then (with `power_to_db`) 10 log10(max(p, min_power) / ref_power)
    clipped to `top_db` below the maximum (over the whole batch, as Keras).

    Shapes: (batch, samples) -> (batch, num_mel_bins, frames); (samples,) -> (num_mel_bins,
    frames), frames = samples // sequence_stride + 1. No weights.
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None,
                 power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0,
                 **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError("`fft_length` must be greater than or equal to   `sequence_length`. "
                             f"Received: `sequence_length`={self.sequence_length}, "
                             f"`fft_length`={self.fft_length}.")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db = power_to_db, top_db
        self.mag_exp, self.min_power, self.ref_power = mag_exp, min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") else "float32"
        x = ops.cast(inputs, dtype)
        real, imag = stft(x, self.sequence_length, self.sequence_stride, self.fft_length,
                          self.window)
        power = anp.sqrt(anp.square(real) + anp.square(imag)) ** self.mag_exp
        mel = anp.tensordot(power, linear_to_mel_weight_matrix(
            self.num_mel_bins, power.shape[-1], self.sampling_rate, self.min_freq,
            self.max_freq, dtype), axes=1)
        if self.power_to_db:
            mel = self._dbscale(mel)
        return ops.cast(anp.swapaxes(mel, -1, -2), self.compute_dtype)

    def _dbscale(self, power):
        log_spec = 10.0 * anp.log10(anp.maximum(power, self.min_power))
        log_spec = log_spec - 10.0 * float(onp.log10(max(abs(self.ref_power), self.min_power)))
        return anp.maximum(log_spec, anp.max(log_spec) - self.top_db)

    def compute_output_shape(self, input_shape):
        frames = lambda n: None if n is None else (n + self.sequence_stride + 1) // self.sequence_stride
        if len(input_shape) == 1:
            return (self.num_mel_bins, frames(input_shape[0]))
        return (input_shape[0], self.num_mel_bins, frames(input_shape[1]))

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride, "sequence_length": self.sequence_length,
                "window": self.window, "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins, "min_freq": self.min_freq,
                "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
