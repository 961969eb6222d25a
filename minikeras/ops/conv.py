"""`keras.ops` convolutions: conv, depthwise_conv, separable_conv, conv_transpose.

A convolution is one matrix product between patches of the input and the kernel:

    y[n, j, o] = sum_{t, c} x_pad[n, j*s + t*d, c] * kernel[t, c, o]     (j, t: spatial tuples)

`_im2col` gathers the patches x_pad[n, j*s + t*d, c] into an (N, L..., K..., C) array (one
copy of a strided window view; one copy per kernel tap when C = 1); `_col2im` scatter-adds
such an array back into an (N, S..., C) array with one sliced `+=` per kernel tap. Each is the
other's vector-Jacobian product, so autograd's slice gradient (np.add.at) stays out of the
training step. With one group the product is `_patch_product`, whose input gradient adds one
GEMM per kernel tap straight into the image, so the patch gradient is never built. A transposed
convolution is the matmul of the input with the kernel followed by `_col2im`. Padding "same" is split as XLA splits it: floor(total / 2) before, the rest after.
Everything is computed channels_last; channels_first inputs are transposed.
"""
import functools
import inspect
import math

import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import getval, isbox
from numpy.lib.stride_tricks import sliding_window_view

from minikeras.engine import config
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.variable import read_value
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace



# --- bfloat16 ---------------------------------------------------------------------------
_BFLOAT16 = onp.dtype("bfloat16")  # compare dtypes: `dtype.name` costs microseconds a call


def _bfloat16_via_float32(fn):
    """An op on a bfloat16 `x` computed in float32 and returned in bfloat16 (as XLA computes
    bfloat16 on CPU): numpy would widen it on the way (ml_dtypes' `clip` returns float32) and
    its bfloat16 matmuls are slow. bfloat16 tensor arguments go to float32 too; a float32 (or
    other float) tensor argument keeps the float32 result, as promotion would."""
    first = next(iter(inspect.signature(fn).parameters))  # graph nodes may call by keyword

    @functools.wraps(fn)
    def op(*args, **kwargs):
        x = read_value(args[0] if args else kwargs.get(first))
        if getattr(x, "dtype", None) != _BFLOAT16:
            return fn(*args, **kwargs)
        widened = [False]

        def up(a):
            a = read_value(a)
            if getattr(a, "dtype", None) == _BFLOAT16:
                return a.astype("float32")
            if hasattr(a, "dtype") and onp.dtype(a.dtype).kind in "fc":
                widened[0] = True  # float32 / float16 meeting bfloat16 promotes to float32
            return a
        out = fn(*[up(a) for a in args], **{k: up(v) for k, v in kwargs.items()})
        return out if widened[0] else out.astype(_BFLOAT16)
    return op

# --- the two primitives ------------------------------------------------------------------
def _geometry(spatial, ksize, strides, dilation, pads):
    """Per axis (out_size, buffer_size, input_offset, tap_origin) of the zero-padded buffer.

    Padded position p = input index + lo; patches read p = j*s + t*d for j < out_size.
    A negative `hi` crops the input (used by conv_transpose); the buffer holds both ranges.
    """
    geo = []
    for size, k, s, d, (lo, hi) in zip(spatial, ksize, strides, dilation, pads):
        span = (k - 1) * d + 1
        out = (size + lo + hi - span) // s + 1
        start = min(0, lo)
        end = max((out - 1) * s + span, lo + size)
        geo.append((out, end - start, lo - start, -start))
    return geo


def _tap_window(taps, geo, strides, dilation):
    """The buffer slice that kernel tap `taps` reads for every output position."""
    return (slice(None),) + tuple(
        slice(origin + t * d, origin + t * d + (out - 1) * s + 1, s)
        for t, (out, _, _, origin), s, d in zip(taps, geo, strides, dilation)) + (slice(None),)


def _input_window(spatial, geo):
    return (slice(None),) + tuple(slice(off, off + n) for n, (_, _, off, _) in zip(spatial, geo)) \
        + (slice(None),)


def _window_view(buf, geo, ksize, strides, dilation):
    """The patches of `buf` as a (N, L..., K..., C) view, without copying."""
    nd = len(ksize)
    spans = tuple((k - 1) * d + 1 for k, d in zip(ksize, dilation))
    view = sliding_window_view(buf, spans, axis=tuple(range(1, nd + 1)))  # (N, W..., C, span...)
    view = view[(slice(None),)
                + tuple(slice(origin, origin + (out - 1) * s + 1, s)
                        for (out, _, _, origin), s in zip(geo, strides))
                + (slice(None),) + tuple(slice(None, None, d) for d in dilation)]
    return view.transpose((0,) + tuple(range(1, nd + 1)) + tuple(range(nd + 2, 2 * nd + 2))
                          + (nd + 1,))


def _is_plain(spatial, geo):
    return all(size == n and off == 0 for n, (_, size, off, _) in zip(spatial, geo))


@primitive
def _im2col(x, ksize, strides, dilation, pads):
    """(N, S..., C) -> patches (N, L..., K..., C): cols[n, j, t, c] = x_pad[n, j*s + t*d, c]."""
    spatial = x.shape[1:-1]
    geo = _geometry(spatial, ksize, strides, dilation, pads)
    if _is_plain(spatial, geo):
        buf = x
    else:
        buf = onp.zeros((x.shape[0],) + tuple(g[1] for g in geo) + x.shape[-1:], x.dtype)
        buf[_input_window(spatial, geo)] = x
    if x.shape[-1] > 1:  # one copy of a strided window view writes `cols` in order: fastest
        return onp.ascontiguousarray(_window_view(buf, geo, ksize, strides, dilation))
    cols = onp.empty((x.shape[0],) + tuple(g[0] for g in geo) + tuple(ksize) + x.shape[-1:],
                     x.dtype)
    lead = (slice(None),) * (len(spatial) + 1)
    for taps in onp.ndindex(*ksize):
        cols[lead + taps] = buf[_tap_window(taps, geo, strides, dilation)]
    return cols


@primitive
def _col2im(cols, spatial, strides, dilation, pads):
    """Adjoint of `_im2col`: x[n, i, c] = sum of cols[n, j, t, c] over j*s + t*d = i + lo."""
    nd = len(spatial)
    ksize = cols.shape[1 + nd:1 + 2 * nd]
    geo = _geometry(spatial, ksize, strides, dilation, pads)
    buf = onp.zeros((cols.shape[0],) + tuple(g[1] for g in geo) + cols.shape[-1:], cols.dtype)
    lead = (slice(None),) * (nd + 1)
    for taps in onp.ndindex(*ksize):
        buf[_tap_window(taps, geo, strides, dilation)] += cols[lead + taps]
    return buf if _is_plain(spatial, geo) else buf[_input_window(spatial, geo)]


@primitive
def _keep_dtype(y):
    """Identity whose gradient is cast to y's dtype: a float64 cotangent from upstream
    (autograd's `where` gradient makes one) would otherwise turn the conv's matmuls into
    slow mixed float32 x float64 products."""
    return y


defvjp(_keep_dtype, lambda ans, y: lambda g: g if g.dtype == ans.dtype else g.astype(ans.dtype))
defvjp(_im2col, lambda ans, x, ksize, strides, dilation, pads:
       lambda g: _col2im(g, x.shape[1:-1], strides, dilation, pads))
defvjp(_col2im, lambda ans, cols, spatial, strides, dilation, pads:
       lambda g: _im2col(g, cols.shape[1 + len(spatial):1 + 2 * len(spatial)], strides,
                         dilation, pads))


@primitive
def _patch_product(x, cols, kernel, strides, dilation, pads):
    """y = cols @ kernel, with cols = _im2col(x) computed by the caller (untraced) and x given
    only so that the gradient can flow to it: d x adds g @ kernel[t].T into each tap t's window,
    one GEMM per tap, so the (M, K*C) patch gradient of the plain composition (and its strided
    scatter-add, `_col2im`) is never built."""
    return onp.matmul(cols.reshape(cols.shape[0], -1), kernel.reshape(-1, kernel.shape[-1]))


def _patch_product_grad_x(g, x, kernel, strides, dilation, pads):
    spatial, ksize = x.shape[1:-1], kernel.shape[:-2]
    geo = _geometry(spatial, ksize, strides, dilation, pads)
    if isbox(g) or isbox(kernel):  # a higher-order derivative: the traceable composition
        cols = anp.matmul(g, anp.transpose(anp.reshape(kernel, (-1, kernel.shape[-1]))))
        return _col2im(anp.reshape(cols, (x.shape[0],) + tuple(o for o, *_ in geo) + ksize
                                   + x.shape[-1:]), spatial, strides, dilation, pads)
    buf = onp.zeros((x.shape[0],) + tuple(b for _, b, _, _ in geo) + x.shape[-1:], g.dtype)
    window = (x.shape[0],) + tuple(o for o, *_ in geo) + x.shape[-1:]
    for taps in onp.ndindex(*ksize):
        buf[_tap_window(taps, geo, strides, dilation)] += (g @ kernel[taps].T).reshape(window)
    return buf if _is_plain(spatial, geo) else buf[_input_window(spatial, geo)]


defvjp(_patch_product,
       lambda ans, x, cols, kernel, strides, dilation, pads: lambda g: _patch_product_grad_x(
           g, x, kernel, strides, dilation, pads),
       None,
       lambda ans, x, cols, kernel, strides, dilation, pads: lambda g: anp.reshape(
           anp.matmul(anp.transpose(anp.reshape(cols, (cols.shape[0], -1))), g), kernel.shape))


# --- argument handling -------------------------------------------------------------------
def _tuple(value, nd, name):
    if isinstance(value, (int, onp.integer)):
        return (int(value),) * nd
    value = tuple(int(v) for v in value)
    if len(value) != nd:
        raise ValueError(f"The `{name}` argument must be an int or a tuple of {nd} integers. "
                         f"Received: {name}={value}")
    return value


def _same_pads(spatial, ksize, strides, dilation):
    """XLA's "SAME": out = ceil(S / s), total = max((out - 1) s + (k - 1) d + 1 - S, 0)."""
    pads = []
    for size, k, s, d in zip(spatial, ksize, strides, dilation):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _resolve_pads(padding, spatial, ksize, strides, dilation):
    if not isinstance(padding, str):  # explicit ((lo, hi), ...) pairs, e.g. causal padding
        return tuple((int(lo), int(hi)) for lo, hi in padding)
    padding = padding.lower()
    if padding == "valid":
        return ((0, 0),) * len(spatial)
    if padding == "same":
        return _same_pads(spatial, ksize, strides, dilation)
    raise ValueError(f"`padding` must be either `'valid'` or `'same'`. Received {padding}.")


def _to_last(x, data_format):
    if data_format == "channels_first":
        return anp.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))
    return x


def _from_last(y, data_format):
    if data_format == "channels_first":
        return anp.transpose(y, (0, y.ndim - 1) + tuple(range(1, y.ndim - 1)))
    return y


def _prepare(inputs, kernel, data_format):
    x, kernel = read_value(inputs), read_value(kernel)
    if not hasattr(x, "ndim"):
        x = onp.asarray(x)
    if not hasattr(kernel, "ndim"):
        kernel = onp.asarray(kernel)
    if not isbox(x) and x.dtype != getval(kernel).dtype:
        x = onp.asarray(x, dtype=getval(kernel).dtype)
    if x.ndim != kernel.ndim or x.ndim < 3:
        raise ValueError(
            "Kernel shape must have the same length as input, but received kernel of shape "
            f"{tuple(kernel.shape)} and input of shape {tuple(x.shape)}.")
    data_format = config.standardize_data_format(data_format)
    return _to_last(x, data_format), kernel, data_format


def _check_channels(channels, kernel_channels, data_format):
    if channels != kernel_channels:
        raise ValueError(
            "The number of input channels must match the kernel's input channels. Received: "
            f"input channels={channels}, kernel input channels={kernel_channels}, "
            f"data_format='{data_format}'.")


# --- the convolutions (channels_last cores) -----------------------------------------------
def _grouped_matmul(cols, kernel, groups):
    """(M, K..., C) patches times (K..., C/G, O) kernel, group g seeing channels g*C/G.. ."""
    m, filters = cols.shape[0], kernel.shape[-1]
    if groups == 1:
        return anp.matmul(anp.reshape(cols, (m, -1)), anp.reshape(kernel, (-1, filters)))
    kk, cg = math.prod(kernel.shape[:-2]), kernel.shape[-2]
    cols = anp.transpose(anp.reshape(cols, (m, kk, groups, cg)), (2, 0, 1, 3))
    kernel = anp.transpose(anp.reshape(kernel, (kk, cg, groups, filters // groups)), (2, 0, 1, 3))
    y = anp.matmul(anp.reshape(cols, (groups, m, kk * cg)),
                   anp.reshape(kernel, (groups, kk * cg, filters // groups)))
    return anp.reshape(anp.transpose(y, (1, 0, 2)), (m, filters))


def _conv_last(x, kernel, strides, padding, dilation, groups):
    """Channels-last N-d convolution, y = im2col(x) @ kernel, one matmul (per group)."""
    nd = x.ndim - 2
    ksize = tuple(kernel.shape[:-2])
    strides, dilation = _tuple(strides, nd, "strides"), _tuple(dilation, nd, "dilation_rate")
    spatial = tuple(x.shape[1:-1])
    pads = _resolve_pads(padding, spatial, ksize, strides, dilation)
    out = tuple(g[0] for g in _geometry(spatial, ksize, strides, dilation, pads))
    if min(out) <= 0:
        raise ValueError(
            "The convolution operation resulted in an empty output. This can happen if the "
            "input is too small for the given kernel size, strides, dilation rate, and padding "
            f"mode. Please check the input shape and convolution parameters. Received: input "
            f"shape={tuple(x.shape)}, kernel shape={tuple(kernel.shape)}, strides={strides}, "
            f"padding={padding}, dilation_rate={dilation}.")
    if set(ksize) == {1} and set(strides) == {1} and set(sum(pads, ())) == {0}:
        cols = x  # a 1x1 convolution needs no patches
    elif groups == 1:
        cols = _im2col(getval(x), ksize, strides, dilation, pads)
        y = _patch_product(x, anp.reshape(cols, (-1,) + ksize + (x.shape[-1],)), kernel, strides,
                           dilation, pads)
        return _keep_dtype(anp.reshape(y, (x.shape[0],) + out + (kernel.shape[-1],)))
    else:
        cols = _im2col(x, ksize, strides, dilation, pads)
    y = _grouped_matmul(anp.reshape(cols, (-1,) + ksize + (x.shape[-1],)), kernel, groups)
    return _keep_dtype(anp.reshape(y, (x.shape[0],) + out + (kernel.shape[-1],)))


@_bfloat16_via_float32
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d cross-correlation, as keras.ops.conv (groups = input channels / kernel.shape[-2]).

    Args:
        inputs: (batch, spatial..., channels) or, channels_first, (batch, channels, spatial...).
        kernel: (k..., in_channels / groups, out_channels).
        strides, dilation_rate: int or tuple per spatial axis.
        padding: "valid" or "same" (or explicit ((lo, hi), ...) pairs).
    """
    x, kernel, data_format = _prepare(inputs, kernel, data_format)
    channels, kernel_channels = x.shape[-1], kernel.shape[-2]
    if channels % kernel_channels:
        raise ValueError(
            "The number of input channels must be evenly divisible by kernel's in_channels. "
            f"Received input channels {channels} and kernel in_channels {kernel_channels}. ")
    y = _conv_last(x, kernel, strides, padding, dilation_rate, channels // kernel_channels)
    return _from_last(y, data_format)


@_bfloat16_via_float32
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel c convolved with its own kernel[..., c, :]; output channel c*m + i.

    kernel: (k..., in_channels, depth_multiplier).
    """
    x, kernel, data_format = _prepare(inputs, kernel, data_format)
    channels, mult = kernel.shape[-2:]
    _check_channels(x.shape[-1], channels, data_format)
    kernel = anp.reshape(kernel, tuple(kernel.shape[:-2]) + (1, channels * mult))
    return _from_last(_conv_last(x, kernel, strides, padding, dilation_rate, channels), data_format)


@_bfloat16_via_float32
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """depthwise_conv with depthwise_kernel (k..., C, m), then a 1x1 conv with pointwise_kernel
    (1..., C*m, filters)."""
    data_format = config.standardize_data_format(data_format)
    _check_channels(
        onp.shape(getval(read_value(inputs)))[-1 if data_format == "channels_last" else 1],
        onp.shape(getval(read_value(depthwise_kernel)))[-2], data_format)
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, dilation_rate)


def conv_transpose_pads(kernel_size, stride, dilation, padding, output_padding):
    """Keras's (JAX's) (left, right) padding of the stride-dilated input, for one axis."""
    span = (kernel_size - 1) * dilation + 1
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError("The `padding` argument must be one of 'valid', 'same'. "
                         f"Received: padding={padding}")
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, span - 1)
    return left, total - left


def conv_transpose_output_size(size, kernel_size, stride, dilation, padding, output_padding):
    """(size - 1) * s + span - (span - 1 - left) - (span - 1 - right), None when size is."""
    if size is None:
        return None
    left, right = conv_transpose_pads(kernel_size, stride, dilation, padding, output_padding)
    return (size - 1) * stride + left + right - (kernel_size - 1) * dilation + 1


def compute_conv_transpose_output_shape(input_shape, kernel_size, filters, strides, padding,
                                        output_padding=None, data_format="channels_last",
                                        dilation_rate=1):
    """The output shape of a transposed convolution (Keras's `backend_utils` helper of the same
    name): `conv_transpose_output_size` per spatial axis, then batch and `filters` around it."""
    rank = len(input_shape) - 2

    def per_axis(value):
        return (value,) * rank if isinstance(value, int) or value is None else tuple(value)

    first = data_format == "channels_first"
    spatial = input_shape[2:] if first else input_shape[1:-1]
    sizes = [conv_transpose_output_size(n, k, s, d, padding, p) for n, k, s, d, p in zip(
        spatial, kernel_size, per_axis(strides), per_axis(dilation_rate), per_axis(output_padding))]
    if first:
        return [input_shape[0], filters] + sizes
    return [input_shape[0]] + sizes + [filters]


@_bfloat16_via_float32
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the input-gradient of `conv`), as keras.ops.conv_transpose.

        y[n, i*s + t*d - crop, f] += sum_c x[n, i, c] * kernel[t, f, c]

    kernel: (k..., out_channels, in_channels); output size per axis as Keras computes it.
    """
    x, kernel, data_format = _prepare(inputs, kernel, data_format)
    nd = x.ndim - 2
    ksize, filters, channels = tuple(kernel.shape[:-2]), kernel.shape[-2], kernel.shape[-1]
    _check_channels(x.shape[-1], channels, data_format)
    strides, dilation = _tuple(strides, nd, "strides"), _tuple(dilation_rate, nd, "dilation_rate")
    output_padding = (None,) * nd if output_padding is None else \
        _tuple(output_padding, nd, "output_padding")
    pads, spatial = [], []
    for size, k, s, d, op in zip(x.shape[1:-1], ksize, strides, dilation, output_padding):
        left, right = conv_transpose_pads(k, s, d, padding, op)
        span = (k - 1) * d + 1
        pads.append((span - 1 - left, span - 1 - right))  # as im2col pads on the output
        spatial.append(conv_transpose_output_size(size, k, s, d, padding, op))
    kmat = anp.reshape(anp.transpose(kernel, (nd + 1,) + tuple(range(nd)) + (nd,)),
                       (channels, -1))
    cols = anp.matmul(anp.reshape(x, (-1, channels)), kmat)
    cols = anp.reshape(cols, tuple(x.shape[:-1]) + ksize + (filters,))
    y = _keep_dtype(_col2im(cols, tuple(spatial), strides, dilation, tuple(pads)))
    return _from_last(y, data_format)


# --- output specs on KerasTensors (unknown spatial sizes stay None, as in Keras) -----------
def _channels_axis(data_format):
    return -1 if config.standardize_data_format(data_format) == "channels_last" else 1


def _spec_check_channels(inputs, kernel_channels, data_format):
    channels = inputs.shape[_channels_axis(data_format)]
    if channels is not None and kernel_channels is not None and channels != kernel_channels:
        _check_channels(channels, kernel_channels, config.standardize_data_format(data_format))


def _conv_spec_shape(shape, filters, ksize, strides, padding, data_format, dilation):
    """Keras's `compute_conv_output_shape`: per spatial axis (n - span) // s + 1 ("valid") or
    (n - 1) // s + 1 ("same"); None stays None."""
    first = config.standardize_data_format(data_format) == "channels_first"
    spatial = shape[2:] if first else shape[1:-1]
    nd = len(spatial)
    strides, dilation = _tuple(strides, nd, "strides"), _tuple(dilation, nd, "dilation_rate")
    out = []
    for n, k, st, d in zip(spatial, ksize, strides, dilation):
        if n is None:
            out.append(None)
        elif padding.lower() == "same":
            out.append((n - 1) // st + 1)
        else:
            out.append((n - (k - 1) * d - 1) // st + 1)
    if any(o is not None and o <= 0 for o in out):
        raise ValueError("Computed output size would be negative. Received `inputs shape="
                         f"{shape}`, `kernel shape={tuple(ksize)}`, `dilation_rate={dilation}`.")
    return (shape[0], filters, *out) if first else (shape[0], *out, filters)


def _conv_spec(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    _spec_check_channels(inputs, kernel.shape[-2], data_format)
    return KerasTensor(_conv_spec_shape(inputs.shape, kernel.shape[-1], kernel.shape[:-2], strides,
                                        padding, data_format, dilation_rate), dtype=inputs.dtype)


def _depthwise_spec(inputs, kernel, strides=1, padding="valid", data_format=None,
                    dilation_rate=1):
    _spec_check_channels(inputs, kernel.shape[-2], data_format)
    filters = None if None in kernel.shape[-2:] else kernel.shape[-2] * kernel.shape[-1]
    return KerasTensor(_conv_spec_shape(inputs.shape, filters, kernel.shape[:-2], strides,
                                        padding, data_format, dilation_rate), dtype=inputs.dtype)


def _separable_spec(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                    data_format=None, dilation_rate=1):
    _spec_check_channels(inputs, depthwise_kernel.shape[-2], data_format)
    return KerasTensor(_conv_spec_shape(inputs.shape, pointwise_kernel.shape[-1],
                                        depthwise_kernel.shape[:-2], strides, padding,
                                        data_format, dilation_rate), dtype=inputs.dtype)


def _conv_transpose_spec(inputs, kernel, strides=1, padding="valid", output_padding=None,
                         data_format=None, dilation_rate=1):
    _spec_check_channels(inputs, kernel.shape[-1], data_format)
    shape = compute_conv_transpose_output_shape(
        inputs.shape, kernel.shape[:-2], kernel.shape[-2], strides, padding, output_padding,
        config.standardize_data_format(data_format), dilation_rate)
    return KerasTensor(shape, dtype=inputs.dtype)


conv.output_spec, depthwise_conv.output_spec = _conv_spec, _depthwise_spec
separable_conv.output_spec, conv_transpose.output_spec = _separable_spec, _conv_transpose_spec


# --- patches: unfold (im2col) and fold (col2im) on NCHW, as torch.nn.functional -----------
def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a (N, C, H, W) image as (N, C * kH * kW, L) columns (im2col), L the
    number of blocks; row c * kH * kW + i * kW + j holds x_pad[n, c, y*s + i*d, x*s + j*d]."""
    x = read_value(x)
    if len(onp.shape(getval(x))) != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={onp.shape(getval(x))}")
    (ph, pw), k = _pair(padding), _pair(kernel_size)
    n, c = onp.shape(getval(x))[:2]
    cols = _im2col(anp.transpose(x, (0, 2, 3, 1)), k, _pair(stride), _pair(dilation),
                   ((ph, ph), (pw, pw)))                               # (N, oH, oW, kH, kW, C)
    cols = anp.transpose(cols, (0, 5, 3, 4, 1, 2))                       # (N, C, kH, kW, oH, oW)
    return anp.reshape(cols, (n, c * k[0] * k[1], -1))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of `unfold` (col2im): (N, C * kH * kW, L) blocks summed into a
    (N, C, oH, oW) image, overlapping entries added."""
    x = read_value(x)
    if len(onp.shape(getval(x))) != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={onp.shape(getval(x))}")
    (oh, ow), k, d, (ph, pw), st = (_pair(output_size), _pair(kernel_size), _pair(dilation),
                                    _pair(padding), _pair(stride))
    n, ckk, _ = onp.shape(getval(x))
    blocks = [(size + 2 * p - dd * (kk - 1) - 1) // ss + 1
              for size, p, dd, kk, ss in zip((oh, ow), (ph, pw), d, k, st)]
    cols = anp.reshape(x, (n, ckk // (k[0] * k[1]), k[0], k[1], *blocks))
    cols = anp.transpose(cols, (0, 4, 5, 2, 3, 1))                       # (N, nH, nW, kH, kW, C)
    y = _col2im(cols, (oh, ow), st, d, ((ph, ph), (pw, pw)))
    return anp.transpose(y, (0, 3, 1, 2))


# --- depth <-> space (pixel shuffle) ------------------------------------------------------
def _check_block_size(block_size):
    if block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")


def depth_to_space(x, block_size, data_format="channels_last"):
    """(N, H, W, C r^2) -> (N, H r, W r, C), r = block_size (pixel shuffle); channel
    (i r + j) C + c moves to pixel (y r + i, x r + j). channels_first: (N, C r^2, H, W) with
    channel c r^2 + i r + j."""
    data_format = config.standardize_data_format(data_format)
    _check_block_size(block_size)
    x, r = read_value(x), block_size
    if data_format == "channels_last":
        n, h, w, c = onp.shape(getval(x))
        x = anp.transpose(anp.reshape(x, (n, h, w, r, r, c // r ** 2)), (0, 1, 3, 2, 4, 5))
        return anp.reshape(x, (n, h * r, w * r, c // r ** 2))
    n, c, h, w = onp.shape(getval(x))
    x = anp.transpose(anp.reshape(x, (n, c // r ** 2, r, r, h, w)), (0, 1, 4, 2, 5, 3))
    return anp.reshape(x, (n, c // r ** 2, h * r, w * r))


def space_to_depth(x, block_size, data_format="channels_last"):
    """The inverse of `depth_to_space`: (N, H r, W r, C) -> (N, H, W, C r^2)."""
    data_format = config.standardize_data_format(data_format)
    _check_block_size(block_size)
    x, r = read_value(x), block_size
    if data_format == "channels_last":
        n, h, w, c = onp.shape(getval(x))
        x = anp.transpose(anp.reshape(x, (n, h // r, r, w // r, r, c)), (0, 1, 3, 2, 4, 5))
        return anp.reshape(x, (n, h // r, w // r, c * r * r))
    n, c, h, w = onp.shape(getval(x))
    x = anp.transpose(anp.reshape(x, (n, c, h // r, r, w // r, r)), (0, 1, 3, 5, 2, 4))
    return anp.reshape(x, (n, c * r * r, h // r, w // r))


def _depth_space_spec(to_space):
    def spec(x, block_size, data_format="channels_last"):
        name = "depth_to_space" if to_space else "space_to_depth"
        if len(x.shape) != 4:
            raise ValueError(f"`{name}` requires a 4D input tensor. Received: x.shape={x.shape}")
        first = config.standardize_data_format(data_format) == "channels_first"
        b, c, h, w = x.shape if first else (x.shape[0], x.shape[3], x.shape[1], x.shape[2])
        r = block_size
        if to_space and c is not None and c % r ** 2:
            raise ValueError(f"The number of channels ({c}) must be divisible by "
                             f"block_size**2 ({r ** 2}).")
        for label, v in (("Height", h), ("Width", w)):
            if not to_space and v is not None and v % r:
                raise ValueError(f"{label} ({v}) must be divisible by block_size ({r}).")
        scale = (lambda v, f: None if v is None else f(v))
        c = scale(c, (lambda v: v // r ** 2) if to_space else (lambda v: v * r * r))
        h, w = (scale(v, (lambda v: v * r) if to_space else (lambda v: v // r)) for v in (h, w))
        return KerasTensor((b, c, h, w) if first else (b, h, w, c), dtype=x.dtype)
    return spec


depth_to_space.output_spec, space_to_depth.output_spec = (_depth_space_spec(True),
                                                          _depth_space_spec(False))


_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
