"""The 8x8 handwritten digits (1,797 images, UCI / Alpaydin & Kaynak, CC BY 4.0), shipped with
minikeras so the demo and tests run offline.

`load_data()` gives the original 8x8 images (values 0..16). `load_data(size=28)` gives them
MNIST-shaped: bilinearly upscaled to 28x28 and rescaled to uint8 0..255, so MNIST tutorial code
(`x[..., None] / 255.0` into `input_shape=(28, 28, 1)`) runs on them unchanged.
"""
import gzip
import os

import numpy as onp

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")


def bilinear_matrix(n_in, n_out):
    """(n_out, n_in) weights of 1-D bilinear resampling with half-pixel centres.

    Output pixel i samples the input at s = (i + 0.5) * n_in / n_out - 0.5, clamped to
    [0, n_in - 1], mixing pixels floor(s) and floor(s) + 1 with weights 1 - frac(s) and frac(s)
    (as `keras.ops.image.resize(..., "bilinear", antialias=False)` does when upscaling).
    """
    s = onp.clip((onp.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
    lo = onp.floor(s).astype(onp.int64)
    hi = onp.minimum(lo + 1, n_in - 1)
    frac = s - lo
    cols = onp.arange(n_in)
    return ((cols == lo[:, None]) * (1 - frac)[:, None] + (cols == hi[:, None]) * frac[:, None])


def resize_bilinear(images, size):
    """(n, h, w) images -> (n, size, size) float64: `M_h @ image @ M_w.T` per image."""
    m_h = bilinear_matrix(images.shape[1], size)
    m_w = bilinear_matrix(images.shape[2], size)
    return onp.einsum("oh,nhw,pw->nop", m_h, images.astype(onp.float64), m_w, optimize=True)


def _mnist_like(images, size):
    """8x8 images with values 0..16 -> uint8 (n, size, size) images with values 0..255."""
    scaled = resize_bilinear(images, size) * (255.0 / 16.0)
    return onp.clip(onp.rint(scaled), 0, 255).astype(onp.uint8)


def load_data(test_split=0.2, seed=113, size=None):
    """Loads the digits as `(x_train, y_train), (x_test, y_test)`.

    size=None: x is uint8 (n, 8, 8) with values 0..16. size=k (e.g. 28): x is uint8 (n, k, k)
    with values 0..255, the 8x8 images resized bilinearly (half-pixel centres) and scaled by
    255/16. y: uint8 labels 0..9. The split is a seeded shuffle, like Keras's
    `boston_housing.load_data(test_split, seed)`.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be between 0 and 1. Received: test_split={test_split}")
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, onp.integer))
                             or size < 1):
        raise ValueError(f"`size` must be None or a positive integer. Received: size={size}")
    with gzip.open(_PATH, "rt") as f:
        table = onp.loadtxt(f, delimiter=",", dtype=onp.float32)
    x = table[:, :64].reshape(-1, 8, 8).astype(onp.uint8)
    y = table[:, 64].astype(onp.uint8)
    if size is not None:
        x = _mnist_like(x, int(size))
    order = onp.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    n_train = int(len(y) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
