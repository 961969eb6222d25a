"""`keras.ops.image` warps and filters the augmentation layers need, as on Keras-JAX:
perspective_transform, compute_homography_matrix, gaussian_blur, elastic_transform.

Sampling reuses image_ops (`jax.scipy.ndimage.map_coordinates` semantics: taps off the image
follow the fill mode). Written with autograd.numpy on the image so a traced image keeps its
gradient; coordinates and kernels are plain numpy.
"""
import numpy as onp
from autograd import numpy as anp

from minikeras.layers.preprocessing.image_ops import _sample
from minikeras.ops.image import _to_nhwc  # (batched NHWC images, function undoing it)

_ORDERS = {"nearest": 0, "bilinear": 1}


def compute_homography_matrix(start_points, end_points):
    """(N, 8) projective maps sending each end point (x, y) to its start point:
    x_s = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), y_s = (h3 x + h4 y + h5) / (same)."""
    start, end = onp.asarray(start_points, "float32"), onp.asarray(end_points, "float32")
    sx, sy, ex, ey = start[..., 0], start[..., 1], end[..., 0], end[..., 1]
    zeros, ones = onp.zeros_like(ex), onp.ones_like(ex)
    x_rows = onp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = onp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    a = onp.concatenate([x_rows, y_rows], axis=1)
    b = onp.concatenate([sx, sy], axis=-1)[..., None]
    return onp.linalg.solve(a, b)[..., 0].astype("float32")


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format="channels_last"):
    """Warps images so that `start_points` (4 corners (x, y)) move to `end_points`."""
    x, undo = _to_nhwc(images, data_format)
    start = onp.asarray(start_points, "float32").reshape(-1, 4, 2)
    end = onp.asarray(end_points, "float32").reshape(-1, 4, 2)
    h = compute_homography_matrix(start, end)
    n, height, width, _ = x.shape
    h = onp.broadcast_to(h, (n, 8))[:, :, None, None, None]
    gx = onp.arange(width, dtype="float32")[None, None, :, None]
    gy = onp.arange(height, dtype="float32")[None, :, None, None]
    denom = h[:, 6] * gx + h[:, 7] * gy + 1.0
    xx = (h[:, 0] * gx + h[:, 1] * gy + h[:, 2]) / denom
    yy = (h[:, 3] * gx + h[:, 4] * gy + h[:, 5]) / denom
    return undo(_sample(x, yy, xx, _ORDERS[interpolation], "constant", fill_value))


def gaussian_kernel_1d(size, sigma, dtype="float32"):
    x = onp.arange(size, dtype=dtype) - onp.asarray((size - 1) / 2, dtype=dtype)
    k = onp.exp(onp.asarray(-0.5, dtype) * (x / onp.asarray(sigma, dtype)) ** 2)
    return (k / k.sum()).astype(dtype)


def _filter_axis(x, kernel, axis):
    """x (N, H, W, C) correlated with a 1-D kernel along axis 1 or 2, zero "same" padding."""
    size, length = len(kernel), x.shape[axis]
    before = (size - 1) // 2
    pad = [(0, 0)] * 4
    pad[axis] = (before, size - 1 - before)
    padded = anp.pad(x, pad, mode="constant")  # autograd's VJP needs the mode spelled out
    out = 0
    for i, w in enumerate(kernel):
        index = [slice(None)] * 4
        index[axis] = slice(i, i + length)
        out = out + w * padded[tuple(index)]
    return out


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format="channels_last"):
    """Per-channel Gaussian filter: kernel_size / sigma are (x, y); zero padding, same size."""
    x, undo = _to_nhwc(images, data_format)
    dtype = x.dtype
    kx = gaussian_kernel_1d(int(kernel_size[0]), float(sigma[0]), dtype)
    ky = gaussian_kernel_1d(int(kernel_size[1]), float(sigma[1]), dtype)
    return undo(_filter_axis(_filter_axis(x, kx, 2), ky, 1).astype(dtype))


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, rng=None,
                      data_format="channels_last"):
    """Samples each image at (x + alpha * d, y + alpha * d), d a Gaussian-blurred field of
    N(0, sigma^2) noise per image. Keras-JAX draws the x and y fields from the same key, so
    they are equal: so are they here."""
    x, undo = _to_nhwc(images, data_format)
    n, height, width, _ = x.shape
    rng = rng if rng is not None else onp.random.default_rng()
    size = int(6 * float(sigma)) | 1
    d = rng.standard_normal((n, height, width, 1)).astype(x.dtype) * x.dtype.type(sigma)
    d = gaussian_blur(d, (size, size), (sigma, sigma))
    gx = onp.arange(width, dtype=x.dtype)[None, None, :, None]
    gy = onp.arange(height, dtype=x.dtype)[None, :, None, None]
    shift = x.dtype.type(alpha) * d
    out = _sample(x, gy + shift, gx + shift, _ORDERS[interpolation], fill_mode, fill_value)
    return undo(out.astype(x.dtype))
