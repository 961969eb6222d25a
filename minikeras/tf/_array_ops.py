"""`tf.reshape`, `tf.concat`, `tf.gather`, `tf.where`, ...: TensorFlow's shape and indexing ops on
top of `keras.ops`, so they are differentiable where TensorFlow's are.

Unlike TensorFlow, tensors of different dtypes are promoted as `keras.ops` promotes them (int32
with float32 gives float32) where TensorFlow raises.
"""
import builtins
import collections

import numpy as onp
from autograd import numpy as anp

from minikeras import ops
from minikeras.engine.autodiff import untraced
from minikeras.tf import dtypes
from minikeras.tf._core import axis_arg, check_axis, integer, numpy, op, read, shape_arg

Unique = collections.namedtuple("Unique", ["y", "idx"])


@op
def reshape(tensor, shape, name=None):
    """`tensor` with the same values in `shape` (one size may be -1: inferred)."""
    x, shape = read(tensor), shape_arg(shape)
    n, known = int(onp.prod(anp.shape(x))), int(onp.prod([d for d in shape if d != -1]))
    if shape.count(-1) > 1:
        raise ValueError(f"`shape`={shape} has more than one -1 (only one size can be inferred).")
    if (n != known) if -1 not in shape else (known == 0 or n % known):
        raise ValueError(f"`tensor` has {n} values (shape {anp.shape(x)}), which can't be "
                         f"reshaped to `shape`={shape}.")
    return ops.reshape(x, shape)


@op
def concat(values, axis, name="concat"):
    """The tensors `values` joined along `axis` (their other sizes must be equal)."""
    xs = [read(v) for v in values]
    check_axis(integer(axis, "axis"), anp.ndim(xs[0]))
    return ops.concatenate(xs, axis=integer(axis, "axis"))


@op
def stack(values, axis=0, name="stack"):
    """The same-shape tensors `values` stacked along a new `axis`."""
    return ops.stack([read(v) for v in values], axis=integer(axis, "axis"))


@op
def unstack(value, num=None, axis=0, name="unstack"):
    """The slices of `value` along `axis`, as a list."""
    x = read(value)
    check_axis(integer(axis, "axis"), anp.ndim(x))
    if num is not None and num != anp.shape(x)[axis]:
        raise ValueError(f"`num`={num} does not match the size {anp.shape(x)[axis]} of axis {axis}.")
    return ops.unstack(x, axis=axis)


@op
def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """`value` cut along `axis` into `num_or_size_splits` equal parts, or into parts of the given
    sizes (one size may be -1: the rest)."""
    x, axis = read(value), integer(axis, "axis")
    check_axis(axis, anp.ndim(x))
    length = anp.shape(x)[axis]
    if isinstance(num_or_size_splits, (int, onp.integer)) or onp.ndim(numpy(num_or_size_splits)) == 0:
        parts = integer(num_or_size_splits, "num_or_size_splits")
        if parts <= 0 or length % parts:
            raise ValueError(f"the size {length} of axis {axis} is not divisible by "
                             f"`num_or_size_splits`={parts}.")
        return list(ops.split(x, parts, axis=axis))  # a list, also of traced parts
    sizes = [int(s) for s in numpy(num_or_size_splits)]
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = length - (builtins.sum(sizes) + 1)
    if builtins.sum(sizes) != length or builtins.min(sizes) < 0:
        raise ValueError(f"`num_or_size_splits`={list(numpy(num_or_size_splits))} does not add up "
                         f"to the size {length} of axis {axis}.")
    return list(ops.split(x, list(onp.cumsum(sizes)[:-1]), axis=axis))


@op
def squeeze(input, axis=None, name=None):
    """`input` without its size-1 axes (only those in `axis` when given; they must be size 1)."""
    x, axis = read(input), axis_arg(axis)
    check_axis(axis, anp.ndim(x))
    for a in () if axis is None else (axis,) if isinstance(axis, int) else axis:
        if anp.shape(x)[a] != 1:
            raise ValueError(f"can't squeeze axis {a} of `input` (shape {anp.shape(x)}): its size "
                             "is not 1.")
    return ops.squeeze(x, axis=axis)


@op
def expand_dims(input, axis, name=None):
    """`input` with a new axis of size 1 at `axis` (in [-rank - 1, rank])."""
    x, axis = read(input), integer(axis, "axis")
    check_axis(axis, anp.ndim(x) + 1)
    return ops.expand_dims(x, axis)


@op
def transpose(a, perm=None, conjugate=False, name="transpose"):
    """`a` with its axes permuted by `perm` (reversed when None)."""
    x = read(a)
    if perm is not None:
        perm = [int(p) for p in numpy(perm)]
        if sorted(p % builtins.max(anp.ndim(x), 1) for p in perm) != list(builtins.range(anp.ndim(x))):
            raise ValueError(f"`perm`={perm} is not a permutation of the {anp.ndim(x)} axes of `a`.")
    out = ops.transpose(x, perm)
    return anp.conj(out) if conjugate else out


@op
def tile(input, multiples, name=None):
    """`input` repeated multiples[i] times along axis i."""
    x, reps = read(input), shape_arg(multiples, "multiples")
    if len(reps) != anp.ndim(x):
        raise ValueError(f"`multiples` has length {len(reps)} but `input` has rank {anp.ndim(x)}.")
    return ops.tile(x, reps)


@op
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """`tensor` with paddings[i] = [before, after] added on axis i: `constant_values`, or the
    values mirrored ("REFLECT": without the edge, "SYMMETRIC": with it)."""
    x, widths = read(tensor), numpy(paddings).astype(int)
    if widths.shape != (anp.ndim(x), 2):
        raise ValueError(f"`paddings` must have shape ({anp.ndim(x)}, 2) for a tensor of rank "
                         f"{anp.ndim(x)}. Received: paddings.shape={widths.shape}")
    mode = str(mode).upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"`mode` must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC'. Received: {mode!r}")
    if mode == "CONSTANT":
        return ops.pad(x, widths, constant_values=untraced(numpy(constant_values)).item())
    return ops.pad(x, widths, mode=mode.lower())


@op
def roll(input, shift, axis, name=None):
    """Elements shifted by `shift` along `axis`, wrapping round (lists roll several axes)."""
    return ops.roll(read(input), numpy(shift).astype(int), numpy(axis).astype(int))


@op
def reverse(tensor, axis, name=None):
    """`tensor` with the order of elements reversed along each axis in `axis` (a list)."""
    return ops.flip(read(tensor), axis=tuple(int(a) for a in onp.atleast_1d(numpy(axis))))


@op
def repeat(input, repeats, axis=None, name=None):
    """Each element repeated `repeats` times along `axis` (of the flattened input when None)."""
    reps = numpy(repeats)
    return ops.repeat(read(input), int(reps) if reps.ndim == 0 else reps, axis=axis_arg(axis))


@op
def slice(input_, begin, size, name=None):
    """The block of `input_` starting at `begin` with `size` (-1: up to the end) on each axis."""
    return ops.slice(read(input_), shape_arg(begin, "begin"), shape_arg(size, "size"))


@op
def broadcast_to(input, shape, name=None):
    """`input` broadcast to `shape`."""
    return ops.broadcast_to(read(input), shape_arg(shape))


@op
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """params[..., indices, ...] with `indices` on `axis` (0 by default); with batch_dims = b
    the first b axes of params and indices are matched instead of gathered over."""
    x, idx = read(params), numpy(indices).astype(onp.int64)
    b = integer(batch_dims, "batch_dims")
    axis = b if axis is None else integer(axis, "axis") % builtins.max(anp.ndim(x), 1)
    n = anp.shape(x)[axis]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
        raise ValueError(f"`indices` has the value {bad}, which is not in [0, {n}) (axis {axis} "
                         f"of `params`, shape {anp.shape(x)}).")
    if b == 0:
        return ops.take(x, idx, axis=axis)
    # gather over the b matched axes: move `axis` right after them, index, move the result back
    x = anp.moveaxis(x, axis, b)
    grids = [onp.arange(d).reshape((1,) * i + (-1,) + (1,) * (idx.ndim - i - 1))
             for i, d in enumerate(idx.shape[:b])]
    out = x[tuple(grids) + (idx,)]
    gathered = list(builtins.range(b, idx.ndim))
    return anp.moveaxis(out, gathered, [axis + g - b for g in gathered]) if axis != b else out


@op
def gather_nd(params, indices, batch_dims=0, name=None):
    """params[indices[..., 0], indices[..., 1], ...]: each innermost vector of `indices` picks an
    element (or a slice, when shorter than the rank of `params`)."""
    if batch_dims:
        raise NotImplementedError("tf.gather_nd: `batch_dims` other than 0 is not supported.")
    x, idx = read(params), numpy(indices).astype(onp.int64)
    return x[tuple(onp.moveaxis(idx, -1, 0))]


@op
def where(condition, x=None, y=None, name=None):
    """x where `condition`, else y (broadcast); with only `condition`, the (N, rank) int64
    coordinates of its true elements."""
    if x is None and y is None:
        return onp.argwhere(numpy(condition)).astype("int64")
    if x is None or y is None:
        raise ValueError("`x` and `y` must both be given, or neither.")
    return ops.where(numpy(condition).astype(bool), read(x), read(y))


@op
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices) of `tensor` where `mask` is true, flattened over the mask's axes."""
    x, m = read(tensor), numpy(mask).astype(bool)
    axis = 0 if axis is None else integer(axis, "axis")
    if anp.shape(x)[axis:axis + m.ndim] != m.shape:
        raise ValueError(f"`mask` of shape {m.shape} does not match `tensor` of shape "
                         f"{anp.shape(x)} at axis {axis}.")
    return x[(builtins.slice(None),) * axis + (m,)]


@op
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[..., j] = j < lengths[...]: True for the first lengths[i] steps of each row."""
    n = numpy(lengths)
    maxlen = int(n.max()) if maxlen is None else integer(maxlen, "maxlen")
    return (onp.arange(maxlen) < n[..., None]).astype(dtypes.as_dtype(dtype).dtype)


def _argsort(x, axis, direction):
    direction = str(direction).upper()
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"`direction` must be 'ASCENDING' or 'DESCENDING'. Received: {direction!r}")
    g = numpy(x)
    return onp.argsort(g if direction == "ASCENDING" else -g, axis=axis, kind="stable")


@op
def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis` (differentiable: a gather)."""
    x = read(values)
    return ops.take_along_axis(x, _argsort(x, integer(axis, "axis"), direction), axis=axis)


@op
def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis` (equal values keep their order)."""
    return _argsort(values, integer(axis, "axis"), direction).astype("int32")


@op
def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct elements of the 1-D `x` in order of first appearance, and for each
    element of `x` its position in y."""
    v = numpy(x)
    if v.ndim != 1:
        raise ValueError(f"`x` must be 1-D. Received: x.shape={v.shape}")
    _, first, inverse = onp.unique(v, return_index=True, return_inverse=True)
    order = onp.argsort(first)  # distinct values by first appearance
    rank = onp.empty_like(order)
    rank[order] = onp.arange(len(order))
    return Unique(v[onp.sort(first)], rank[inverse].astype(dtypes.as_dtype(out_idx).dtype))


@op
def scatter_nd(indices, updates, shape, name=None):
    """zeros(shape) with `updates` added at `indices` (repeated indices add up)."""
    return ops.scatter(numpy(indices), read(updates), shape_arg(shape))


@op
def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """`tensor` with the elements (or slices) at `indices` replaced by `updates`."""
    return ops.scatter_update(read(tensor), numpy(indices), read(updates))


@op
def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """`tensor` with `updates` added at `indices`."""
    return ops.scatter_update(read(tensor), numpy(indices), read(updates), reduction="add")


@op
def meshgrid(*args, **kwargs):
    """Coordinate tensors for the 1-D inputs (`indexing`: "xy" (default) or "ij")."""
    return ops.meshgrid(*[read(a) for a in args], indexing=kwargs.get("indexing", "xy"))


@op
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """`t` limited to [clip_value_min, clip_value_max]."""
    return ops.clip(read(t), read(clip_value_min), read(clip_value_max))


def _norm_clip(t, clip_norm, axes):
    x = read(t)
    squares = ops.sum(ops.square(x), axis=axis_arg(axes), keepdims=True)
    nonzero = untraced(squares) > 0  # the gradient of sqrt at 0 would be inf
    norm = anp.where(nonzero, anp.sqrt(anp.where(nonzero, squares, 1.0)), squares)
    return x * read(clip_norm) / ops.maximum(norm, read(clip_norm))


@op
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||, clip_norm): `t` scaled down to L2 norm at most `clip_norm`
    (the norm over `axes`, all axes by default)."""
    return _norm_clip(t, clip_norm, axes)


@op
def global_norm(t_list, name=None):
    """sqrt(sum of ||t||^2 over the tensors of `t_list`; None entries are skipped)."""
    return ops.sqrt(builtins.sum(ops.sum(ops.square(read(t))) for t in t_list if t is not None))


@op
def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(tensors scaled by clip_norm / max(global_norm, clip_norm), global_norm): all tensors
    scaled together so their joint L2 norm is at most `clip_norm` (None entries stay None)."""
    norm = global_norm(t_list) if use_norm is None else read(use_norm)
    clip = read(clip_norm)
    scale = clip / ops.maximum(norm, clip)
    return [None if t is None else read(t) * scale for t in t_list], norm
