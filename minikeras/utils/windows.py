"""Signal windows by name, as `scipy.signal.get_window` computes them (without SciPy): the
windows of Keras's STFT initializer and spectrogram layers."""
import numpy as onp

# SciPy's cosine-sum windows (`scipy.signal.get_window`), without SciPy: name -> coefficients a_k
# of w[n] = sum_k (-1)^k a_k cos(2 pi k n / (M - 1)).
_COSINE_WINDOWS = {"hann": [0.5, 0.5], "hanning": [0.5, 0.5], "hamming": [0.54, 0.46],
                   "blackman": [0.42, 0.50, 0.08], "boxcar": [1.0], "rectangular": [1.0],
                   "rect": [1.0], "ones": [1.0]}
_WINDOWS = sorted(_COSINE_WINDOWS) + ["bartlett", "triang", "tukey"]


def _tukey(m, alpha=0.5):
    """Flat top with cosine tapers over alpha / 2 of the length at each end (scipy's tukey)."""
    n = onp.arange(m)
    width = int(onp.floor(alpha * (m - 1) / 2.0))
    taper = 0.5 * (1 + onp.cos(onp.pi * (-1 + 2.0 * n / alpha / (m - 1))))
    tail = 0.5 * (1 + onp.cos(onp.pi * (-2.0 / alpha + 1 + 2.0 * n / alpha / (m - 1))))
    return onp.where(n <= width, taper, onp.where(n >= m - width - 1, tail, 1.0))


def get_window(window, length, periodic=False):
    """The window of `length` samples named `window`, as `scipy.signal.get_window(window, length,
    fftbins=periodic)` (a periodic window is the symmetric one of length + 1, cut); an array
    of values is returned as it is."""
    if not isinstance(window, str):
        return onp.asarray(window, dtype="float64")
    name = window.lower()
    if name not in _WINDOWS:
        raise ValueError(f"Unknown window type. Received: window={window!r}; minikeras knows "
                         f"{', '.join(_WINDOWS)}")
    if length == 1:
        return onp.ones(1)
    m = length + 1 if periodic else length
    n = onp.arange(m)
    if name == "bartlett":
        w = 1.0 - onp.abs(2.0 * n / (m - 1) - 1.0)
    elif name == "tukey":
        w = _tukey(m)
    elif name == "triang":
        half = onp.arange(1, (m + 1) // 2 + 1)
        w = (2 * half - 1.0) / m if m % 2 == 0 else 2 * half / (m + 1.0)
        w = onp.concatenate([w, w[-2::-1]] if m % 2 else [w, w[::-1]])
    else:
        w = sum((-1) ** k * a * onp.cos(2 * onp.pi * k * n / (m - 1))
                for k, a in enumerate(_COSINE_WINDOWS[name]))
    return w[:length]
