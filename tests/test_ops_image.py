"""keras.ops.image: values against hand formulas and numpy loops, shapes of symbolic calls,
Keras's errors, and gradients (check_grads) where Keras-JAX's ops are differentiable."""
import numpy as onp
import pytest
from autograd import grad
from autograd.test_util import check_grads

from minikeras import Input
from minikeras.ops import image as kimage

RNG = onp.random.default_rng(0)


def rand(*shape, dtype="float64"):
    return RNG.random(shape).astype(dtype)


# --- resize / scale_and_translate ----------------------------------------------------------
def test_resize_bilinear_halving_averages_pairs():
    x = rand(1, 4, 6, 2, dtype="float32")
    out = kimage.resize(x, (2, 3))  # samples halfway between pixel pairs
    ref = x.reshape(1, 2, 2, 3, 2, 2).mean(axis=(2, 4))
    onp.testing.assert_allclose(out, ref, rtol=1e-5)
    assert out.dtype == onp.float32


def test_resize_bilinear_upsampling_interpolates_linearly():
    x = onp.arange(3, dtype="float32").reshape(3, 1, 1)  # a ramp along the height
    out = kimage.resize(x, (6, 1))[:, 0, 0]
    # output centres (i + 0.5) / 2 - 0.5, clamped to the edge pixels
    onp.testing.assert_allclose(out, [0, 0.25, 0.75, 1.25, 1.75, 2.0])


def test_resize_nearest_and_integers():
    x = onp.arange(16, dtype="uint8").reshape(4, 4, 1)
    assert kimage.resize(x, (2, 2), interpolation="nearest")[:, :, 0].tolist() == [[5, 7], [13, 15]]
    out = kimage.resize(onp.array([0, 255], "uint8").reshape(1, 2, 1), (1, 4), "bicubic")
    assert out.dtype == onp.uint8  # rounded and saturated back to uint8
    assert out[0, :, 0].tolist() == [0, 53, 202, 255]


def test_resize_area_averages_blocks():
    x = rand(6, 6, 1, dtype="float32")
    out = kimage.resize(x, (3, 2), interpolation="area")
    ref = x.reshape(3, 2, 2, 3, 1).mean(axis=(1, 3))
    onp.testing.assert_allclose(out, ref, rtol=1e-5)


def test_resize_crop_and_pad_to_aspect_ratio():
    x = rand(4, 8, 1, dtype="float32")
    onp.testing.assert_allclose(kimage.resize(x, (2, 2), crop_to_aspect_ratio=True),
                                kimage.resize(x[:, 2:6], (2, 2)))
    padded = kimage.resize(x, (8, 8), pad_to_aspect_ratio=True, fill_value=0.5,
                           interpolation="nearest")
    assert padded.shape == (8, 8, 1)
    onp.testing.assert_allclose(padded[:2], 0.5)
    onp.testing.assert_allclose(padded[2:6], x)


def test_resize_gradient():
    x = rand(1, 5, 4, 2)
    check_grads(lambda v: kimage.resize(v, (3, 7)), modes=["rev"], order=1)(x)
    check_grads(lambda v: kimage.resize(v, (2, 2), "bicubic", antialias=True), modes=["rev"],
                order=1)(x)


def test_scale_and_translate_identity_and_shift():
    x = rand(5, 7, 1, dtype="float32")
    same = kimage.scale_and_translate(x, (5, 7, 1), onp.ones(2, "float32"),
                                      onp.zeros(2, "float32"), (0, 1), "linear")
    onp.testing.assert_allclose(same, x, rtol=1e-6)
    shifted = kimage.scale_and_translate(x, (5, 7, 1), onp.ones(2, "float32"),
                                         onp.array([0, 1], "float32"), (0, 1), "linear")
    onp.testing.assert_allclose(shifted[:, 1:], x[:, :-1], rtol=1e-6)
    with pytest.raises(ValueError, match="Invalid value for argument `method`"):
        kimage.scale_and_translate(x, (5, 7, 1), [1, 1], [0, 0], (0, 1), "nearest")


def test_resize_errors():
    x = rand(4, 4, 3)
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        kimage.resize(x, (2, 2), interpolation="box")
    with pytest.raises(ValueError, match="`size` must have positive height and width"):
        kimage.resize(x, (0, 2))
    with pytest.raises(ValueError, match="Invalid images rank"):
        kimage.resize(rand(4, 4), (2, 2))
    with pytest.raises(ValueError, match="Only one of `pad_to_aspect_ratio`"):
        kimage.resize(x, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


# --- map_coordinates / affine / perspective ------------------------------------------------
def test_map_coordinates_linear_and_fill_modes():
    x = onp.array([1.0, 2.0, 4.0], "float32")
    coords = onp.array([[-1.0, 0.5, 1.25, 3.0]], "float32")
    onp.testing.assert_allclose(kimage.map_coordinates(x, coords, 1, "constant", 9.0),
                                [9.0, 1.5, 2.5, 9.0])  # both taps off the image: cval
    onp.testing.assert_allclose(kimage.map_coordinates(x, coords, 1, "nearest"), [1, 1.5, 2.5, 4])
    onp.testing.assert_allclose(kimage.map_coordinates(x, coords, 1, "wrap"), [4, 1.5, 2.5, 1])
    onp.testing.assert_allclose(kimage.map_coordinates(x, coords, 1, "mirror"), [2, 1.5, 2.5, 2])
    onp.testing.assert_allclose(kimage.map_coordinates(x, coords, 1, "reflect"), [1, 1.5, 2.5, 4])
    # order 0 rounds half away from zero
    onp.testing.assert_allclose(kimage.map_coordinates(x, [[0.5, 1.5]], 0), [2.0, 4.0])


def test_map_coordinates_2d_and_gradient():
    x = rand(4, 5)
    coords = onp.stack([rand(3, 2) * 3, rand(3, 2) * 4])
    out = kimage.map_coordinates(x, coords, 1)
    y, z = coords
    y0, z0 = onp.floor(y).astype(int), onp.floor(z).astype(int)
    wy, wz = y - y0, z - z0
    ref = ((1 - wy) * (1 - wz) * x[y0, z0] + (1 - wy) * wz * x[y0, z0 + 1]
           + wy * (1 - wz) * x[y0 + 1, z0] + wy * wz * x[y0 + 1, z0 + 1])
    onp.testing.assert_allclose(out, ref)
    check_grads(lambda v: kimage.map_coordinates(v, coords, 1, "reflect"), modes=["rev"],
                order=1)(x)
    inside = onp.stack([0.2 + rand(3, 2) * 2.5, 0.2 + rand(3, 2) * 3.5])  # no knot crossed
    check_grads(lambda c: kimage.map_coordinates(x, c, 1), modes=["rev"], order=1)(inside)


def test_map_coordinates_errors():
    with pytest.raises(ValueError, match="First dim of `coordinates`"):
        kimage.map_coordinates(rand(3, 3), rand(1, 4), 0)
    with pytest.raises(ValueError, match="Invalid value for argument `order`"):
        kimage.map_coordinates(rand(3, 3), rand(2, 4), 3)


def test_affine_transform_identity_shift_and_gradient():
    x = rand(2, 5, 6, 3)
    identity = onp.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
    onp.testing.assert_allclose(kimage.affine_transform(x, identity), x)
    shift = onp.array([1, 0, 1, 0, 1, 0, 0, 0], "float32")  # samples x + 1
    out = kimage.affine_transform(x, shift, "nearest", "constant", fill_value=7)
    onp.testing.assert_allclose(out[:, :, :-1], x[:, :, 1:])
    onp.testing.assert_allclose(out[:, :, -1], 7)
    half = onp.array([1, 0, 0.5, 0, 1, 0, 0, 0], "float32")
    check_grads(lambda v: kimage.affine_transform(v, half), modes=["rev"], order=1)(x)
    # a spatial transformer learns the transform: the warp is differentiable in it too
    loss = lambda t: (kimage.affine_transform(x, t) ** 2).sum()
    g = grad(loss)(half.astype("float64"))
    eps = onp.zeros(8)
    eps[2] = 1e-3
    numeric = (loss(half + eps) - loss(half - eps)) / 2e-3
    onp.testing.assert_allclose(g[2], numeric, rtol=1e-3)


def test_affine_transform_errors():
    with pytest.raises(ValueError, match="Invalid value for argument `fill_mode`"):
        kimage.affine_transform(rand(4, 4, 1), onp.zeros(8), fill_mode="edge")
    with pytest.raises(ValueError, match="Invalid transform rank"):
        kimage.affine_transform(rand(4, 4, 1), onp.zeros((1, 1, 8)))


def test_perspective_transform_identity():
    x = rand(6, 7, 2, dtype="float32")
    corners = onp.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32")
    onp.testing.assert_allclose(kimage.perspective_transform(x, corners, corners), x, atol=1e-5)
    with pytest.raises(ValueError, match="Invalid start_points shape"):
        kimage.perspective_transform(x, corners[:3], corners)


# --- filters --------------------------------------------------------------------------------
def test_gaussian_blur_matches_a_direct_correlation():
    x = rand(1, 6, 7, 2)
    out = kimage.gaussian_blur(x, (3, 5), (0.8, 1.3), data_format="channels_last")
    kx = onp.exp(-0.5 * (onp.arange(3) - 1) ** 2 / 0.8 ** 2)
    ky = onp.exp(-0.5 * (onp.arange(5) - 2) ** 2 / 1.3 ** 2)
    kernel = onp.outer(ky / ky.sum(), kx / kx.sum())  # rows: kernel_size[1]
    padded = onp.pad(x, [(0, 0), (2, 2), (1, 1), (0, 0)])
    ref = sum(kernel[i, j] * padded[:, i:i + 6, j:j + 7] for i in range(5) for j in range(3))
    onp.testing.assert_allclose(out, ref, rtol=1e-5)
    check_grads(lambda v: kimage.gaussian_blur(v), modes=["rev"], order=1)(x)


def test_sobel_edges_of_a_ramp():
    x = onp.tile(onp.arange(5, dtype="float32"), (1, 4, 1)).reshape(1, 4, 5, 1)
    edges = kimage.sobel_edges(x)
    assert edges.shape == (1, 4, 5, 1, 2)
    onp.testing.assert_allclose(edges[0, 1:-1, 1:-1, 0, 1], 8.0)  # d/dx of a unit ramp x 8
    onp.testing.assert_allclose(edges[0, 1:-1, 1:-1, 0, 0], 0.0)
    with pytest.raises(ValueError, match="expected rank 4"):
        kimage.sobel_edges(Input((4, 5, 1))[0])


def test_ssim():
    a = rand(2, 16, 16, 3, dtype="float32")
    onp.testing.assert_allclose(kimage.ssim(a, a), [1.0, 1.0], rtol=1e-5)
    assert float(kimage.ssim(a[0], a[0][::-1])) < 0.5


def test_elastic_transform_shape_dtype_and_seed():
    x = rand(8, 9, 2, dtype="float32")
    a = kimage.elastic_transform(x, seed=3)
    assert a.shape == x.shape and a.dtype == x.dtype
    onp.testing.assert_allclose(a, kimage.elastic_transform(x, seed=3))


# --- colour -------------------------------------------------------------------------------
def test_colour_conversions():
    x = rand(3, 4, 3, dtype="float32")
    gray = kimage.rgb_to_grayscale(x)
    onp.testing.assert_allclose(gray[..., 0], x @ onp.array([0.2989, 0.5870, 0.1140]), rtol=1e-5)
    hsv = kimage.rgb_to_hsv(x)
    onp.testing.assert_allclose(hsv[..., 2], x.max(-1))
    onp.testing.assert_allclose(kimage.hsv_to_rgb(hsv), x, atol=1e-5)
    with pytest.raises(ValueError, match="Invalid images dtype"):
        kimage.rgb_to_hsv(x.astype("int32"))
    with pytest.raises(ValueError, match="Invalid channel size"):
        kimage.rgb_to_grayscale(rand(3, 3, 4))


# --- patches, pad, crop -----------------------------------------------------------------
def loop_patches(x, size, stride, dilation):
    kh, kw = size
    oh = (x.shape[1] - (kh - 1) * dilation - 1) // stride + 1
    ow = (x.shape[2] - (kw - 1) * dilation - 1) // stride + 1
    out = onp.zeros((x.shape[0], oh, ow, kh * kw * x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + (kh - 1) * dilation + 1:dilation,
                      j * stride:j * stride + (kw - 1) * dilation + 1:dilation]
            out[:, i, j] = patch.reshape(x.shape[0], -1)
    return out


@pytest.mark.parametrize("size,stride,dilation", [((2, 3), 1, 1), ((3, 3), 2, 1), ((2, 2), 1, 2)])
def test_extract_patches_matches_loops(size, stride, dilation):
    x = rand(2, 7, 8, 3)
    out = kimage.extract_patches(x, size, (stride, stride), dilation)
    onp.testing.assert_allclose(out, loop_patches(x, size, stride, dilation))
    first = kimage.extract_patches(x.transpose(0, 3, 1, 2), size, (stride, stride), dilation,
                                   data_format="channels_first")
    onp.testing.assert_allclose(first, out.transpose(0, 3, 1, 2))


def test_extract_patches_same_padding_3d_and_gradient():
    x = rand(1, 5, 5, 2)
    assert kimage.extract_patches(x, 2, padding="same").shape == (1, 3, 3, 8)
    v = rand(2, 4, 5, 6, 1)
    assert kimage.extract_patches_3d(v, 2).shape == (2, 2, 2, 3, 8)
    assert kimage.extract_patches(v, (2, 2, 2)).shape == (2, 2, 2, 3, 8)
    check_grads(lambda t: kimage.extract_patches(t, (2, 3), (1, 2), padding="same"),
                modes=["rev"], order=1)(x)
    with pytest.raises(TypeError, match="Invalid `size` argument"):
        kimage.extract_patches(x, "3")


def test_pad_and_crop_images():
    x = rand(2, 4, 5, 3)
    padded = kimage.pad_images(x, 1, 2, target_height=7, target_width=9)
    assert padded.shape == (2, 7, 9, 3)
    onp.testing.assert_allclose(padded[:, 1:5, 2:7], x)
    onp.testing.assert_allclose(kimage.crop_images(padded, 1, 2, target_height=4, target_width=5), x)
    g = grad(lambda v: (kimage.crop_images(kimage.pad_images(v, 1, 1, 1, 1), 1, 1, 1, 1) ** 2).sum())(x)
    onp.testing.assert_allclose(g, 2 * x)
    with pytest.raises(ValueError, match="Must specify exactly two of top_padding"):
        kimage.pad_images(x, 1, 1, 1, target_height=5, target_width=7)
    with pytest.raises(ValueError, match="top_cropping must be >= 0"):
        kimage.crop_images(x, -1, 0, 1, 1)


def test_symbolic_shapes():
    x = Input((None, None, 3))
    assert kimage.resize(x, (4, 5)).shape == (None, 4, 5, 3)
    assert kimage.crop_images(x, 1, 2, target_height=3, target_width=4).shape == (None, 3, 4, 3)
    assert kimage.pad_images(x, 1, 2, 1, 2).shape == (None, None, None, 3)
    assert kimage.extract_patches(Input((8, 8, 3)), 2).shape == (None, 4, 4, 12)
    with pytest.raises(ValueError, match="When the height of the images is unknown"):
        kimage.crop_images(x, 1, 2, 1, target_width=3)
