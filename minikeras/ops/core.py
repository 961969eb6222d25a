"""`keras.ops` core functions: tensors and dtypes, control flow, slices and scatters
(operand conversion and dtype promotion: promotion.py)."""
import builtins
import functools

import ml_dtypes
import numpy as onp
from autograd import numpy as anp
from autograd.extend import defvjp, primitive

from autograd.tracer import getval, isbox

from minikeras import tree
from minikeras.engine.dtypes import standardize_dtype
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.tensor import as_tensor
from minikeras.engine.variable import Variable, read_value
from minikeras.ops.promotion import _args, _as_tensor, _cast, _to_array
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor (float32 for Python floats, int32 for Python ints), of the type layers return
    (`Tensor`: a numpy array with `.numpy()`), or the traced value itself."""
    x = _to_array(x, dtype)
    return x if isbox(x) else as_tensor(x)


# --- core ------------------------------------------------------------------------------
def convert_to_numpy(x): "`x` as a plain numpy array (a Variable's or traced value's current value)."; return onp.asarray(getval(read_value(x)))
def is_tensor(x): "Whether `x` is an array, a traced value or a Variable."; return isinstance(x, onp.ndarray) or isbox(x) or type(x) is Variable
def shape(x): "The shape of `x` as a tuple (None for unknown sizes of a KerasTensor)."; return x.shape if isinstance(x, KerasTensor) else tuple(anp.shape(read_value(x)))
def dtype(x): "The dtype name of `x` (float32, int32, ...)."; return x.dtype if isinstance(x, KerasTensor) else _as_tensor(x).dtype.name
def stop_gradient(variable): "The value of `variable` with no gradient flowing back through it."; return getval(read_value(variable))


def cast(x, dtype):
    """`x` converted to `dtype`."""
    return _cast(_as_tensor(x), dtype)


# --- control flow ----------------------------------------------------------------------
# Each takes Python callables. On KerasTensors it is one graph node whose output spec comes from
# calling the callables on KerasTensors (`<op>.output_spec`), as Keras's compute_output_spec does.
def _output_spec(op):
    def attach(spec):
        op.output_spec = spec
        return spec
    return attach


def _check_callable(name, value):
    if not callable(value):
        raise TypeError(f"`{name}` should be a callable. Received: {name}={value!r}")


def _spec_like(x, shape=None):
    """A KerasTensor with the dtype of `x` (a KerasTensor or a concrete tensor) and its shape."""
    return KerasTensor(tuple(anp.shape(x) if shape is None else shape), standardize_dtype(x.dtype))


def cond(pred, true_fn, false_fn):
    """true_fn() if `pred` else false_fn()."""
    return true_fn() if bool(convert_to_numpy(pred)) else false_fn()


@_output_spec(cond)
def _cond_spec(pred, true_fn, false_fn):
    true_spec, false_spec = true_fn(), false_fn()
    same = tree.is_nested(true_spec) == tree.is_nested(false_spec)
    if same:
        try:
            tree.assert_same_structure(true_spec, false_spec)
        except (ValueError, TypeError):
            same = False
    if same:
        same = builtins.all(shape(a) == shape(b) and dtype(a) == dtype(b)
                            for a, b in zip(tree.flatten(true_spec), tree.flatten(false_spec)))
    if not same:
        raise ValueError("`true_fn` and `false_fn` should return outputs of the same kind (struct, "
                         f"dtype and shape). Got {true_spec} and {false_spec} instead.")
    return tree.map_structure(_spec_like, true_spec)


def switch(index, branches, *operands):
    """branches[index](*operands), the index clipped to the valid range."""
    index = int(convert_to_numpy(index))
    return branches[builtins.min(builtins.max(index, 0), len(branches) - 1)](*operands)


@_output_spec(switch)
def _switch_spec(index, branches, *operands):
    return tree.map_structure(_spec_like, branches[0](*operands))


def _leading(xs):
    """The leading size shared by the tensors of structure `xs`."""
    sizes = {shape(x)[0] for x in tree.flatten(xs)}
    if len(sizes) != 1:
        raise ValueError(f"The tensors of `xs` must share their leading dimension; got {sizes}.")
    return sizes.pop()


def map(f, xs):
    """stack([f(x) for x in xs]) over the leading axis of `xs` (a structure of tensors)."""
    xs = tree.map_structure(_as_tensor, xs)
    outs = [f(tree.map_structure(lambda t: t[i], xs)) for i in range(_leading(xs))]
    return tree.map_structure(lambda *ys: anp.stack(_args(*ys)), *outs)


@_output_spec(map)
def _map_spec(f, xs):
    n = _leading(xs)
    ys = f(tree.map_structure(lambda t: _spec_like(t, shape(t)[1:]), xs))
    return tree.map_structure(lambda y: _spec_like(y, (n,) + tuple(shape(y))), ys)


def vectorized_map(function, elements):
    """stack([function(e) for e in elements]) over the leading axis (a loop, as `map`)."""
    return map(function, elements)


vectorized_map.output_spec = lambda function, elements: _map_spec(function, elements)


def fori_loop(lower, upper, body_fun, init_val):
    """body_fun(i, val) applied for i in range(lower, upper)."""
    val = init_val
    for i in range(int(convert_to_numpy(lower)), int(convert_to_numpy(upper))):
        val = body_fun(i, val)
    return val


@_output_spec(fori_loop)
def _fori_loop_spec(lower, upper, body_fun, init_val):
    return tree.map_structure(_spec_like, init_val)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Applies `body` to `loop_vars` while `cond(*loop_vars)` (at most `maximum_iterations` times).
    A tuple or list of loop variables is unpacked into the calls; any other structure is passed whole."""
    _check_callable("cond", cond)
    _check_callable("body", body)
    unpack = isinstance(loop_vars, (tuple, list))
    vs = tree.map_structure(_to_array, tuple(loop_vars) if unpack else loop_vars)
    i = 0
    while (maximum_iterations is None or i < maximum_iterations) and \
            bool(convert_to_numpy(cond(*vs) if unpack else cond(vs))):
        out = body(*vs) if unpack else body(vs)
        vs = tuple(out) if unpack else out
        i += 1
    return vs


@_output_spec(while_loop)
def _while_loop_spec(cond, body, loop_vars, maximum_iterations=None):
    return tree.map_structure(_spec_like, tuple(loop_vars) if isinstance(loop_vars, list) else loop_vars)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """carry, y = f(carry, x) over the leading axis of `xs` (a structure of tensors, or None with
    `length` steps); returns (final carry, the ys stacked)."""
    _check_callable("f", f)
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    if not isinstance(unroll, bool) and not (isinstance(unroll, int) and unroll >= 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: unroll={unroll}")
    xs = None if xs is None else tree.map_structure(_as_tensor, xs)
    n = int(length) if xs is None else _leading(xs)
    if length is not None and int(length) != n:
        raise ValueError(f"`length` ({length}) does not match the leading size of `xs` ({n}).")
    carry, ys = init, []
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        carry, y = f(carry, None if xs is None else tree.map_structure(lambda t: t[i], xs))
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    if not ys:
        return carry, None
    return carry, tree.map_structure(lambda *parts: anp.stack(_args(*parts)), *ys)


@_output_spec(scan)
def _scan_spec(f, init, xs=None, length=None, reverse=False, unroll=1):
    n = length if xs is None else _leading(xs)
    x = None if xs is None else tree.map_structure(lambda t: _spec_like(t, shape(t)[1:]), xs)
    carry, y = f(init, x)
    return (tree.map_structure(_spec_like, carry),
            tree.map_structure(lambda t: _spec_like(t, (n,) + tuple(shape(t))), y))


def associative_scan(f, elems, reverse=False, axis=0):
    """The running combination out[i] = f(out[i - 1], elems[i]) along `axis` for an associative
    `f` (jax.lax.associative_scan's result, computed left to right); `elems` may be a structure."""
    _check_callable("f", f)
    flat = [_as_tensor(e) for e in tree.flatten(elems)]
    lengths = {shape(e)[axis] for e in flat}
    if len(lengths) != 1:
        raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                         f"(saw: {[shape(e) for e in flat]})")
    n = lengths.pop()

    def step(i):  # the i-th slice of every element, keeping `axis` (size 1)
        return tree.pack_sequence_as(
            elems, [e[(builtins.slice(None),) * (axis % anp.ndim(e)) + (builtins.slice(i, i + 1),)]
                    for e in flat])
    order = range(n - 1, -1, -1) if reverse else range(n)
    out, running = [], None
    for i in order:
        running = step(i) if running is None else f(running, step(i))
        out.append(running)
    if reverse:
        out = out[::-1]
    return tree.map_structure(lambda *parts: anp.concatenate(_args(*parts), axis=axis), *out)


@_output_spec(associative_scan)
def _associative_scan_spec(f, elems, reverse=False, axis=0):
    flat = tree.flatten(elems)
    if len({shape(e)[axis] for e in flat}) != 1:
        raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                         f"(saw: {[shape(e) for e in flat]})")
    one = tree.pack_sequence_as(elems, [_spec_like(e, _with(shape(e), axis, 1)) for e in flat])
    y = f(one, one)
    return tree.map_structure(lambda t: _spec_like(t, shape(flat[0])), y)


def _with(shape_, axis, size):
    shape_ = list(shape_)
    shape_[axis] = size
    return tuple(shape_)


def custom_gradient(f):
    """Decorator: `f(*args)` returns `(output, grad_fn)`; the decorated function returns `output`
    and differentiates through `grad_fn(upstream)` (the gradients for each argument)."""
    @functools.wraps(f)
    def wrapper(*args):
        args = [read_value(a) for a in args]
        grad_fns = []

        @primitive
        def forward(*values):
            output, grad_fn = f(*values)
            grad_fns.append(grad_fn)
            return output

        def vjp_for(argnum):
            def make(ans, *values):
                def vjp(g):
                    grads = grad_fns[-1](g)
                    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
                    return grads[argnum]
                return vjp
            return make
        defvjp(forward, *[vjp_for(i) for i in range(len(args))])
        return forward(*args)
    return wrapper


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    x = _as_tensor(x)
    return [anp.squeeze(p, axis) for p in anp.split(x, anp.shape(x)[axis], axis=axis)]


@_output_spec(unstack)
def _unstack_spec(x, num=None, axis=0):
    rank = len(x.shape)
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {rank}")
    axis %= rank
    num = x.shape[axis] if num is None else num
    if num is None:
        raise ValueError(f"Cannot infer argument `num` from shape {x.shape}. Either provide a tensor "
                         "with a concrete shape in the `axis` dimension or explicitly pass the "
                         "`num` argument.")
    return [KerasTensor(x.shape[:axis] + x.shape[axis + 1:], x.dtype) for _ in range(num)]


def _check_slice(inputs, start_indices, shape):
    if len(shape) != len(inputs.shape):
        raise ValueError("The number of dimensions in `inputs` must match the number of dimensions in "
                         f"`shape`. Received inputs.shape={inputs.shape} and shape={shape}")
    if hasattr(start_indices, "__len__") and len(start_indices) != len(inputs.shape):
        raise ValueError("The number of dimensions in `start_indices` must match the number of "
                         f"dimensions in `inputs`. Received start_indices={start_indices} and "
                         f"inputs.shape={inputs.shape}")


def slice(inputs, start_indices, shape):
    """inputs[start : start + shape] on every axis (a size of -1 takes the rest)."""
    inputs = _as_tensor(inputs)
    _check_slice(inputs, start_indices, shape)
    starts = [int(s) for s in convert_to_numpy(start_indices).reshape(-1)]
    return inputs[tuple(builtins.slice(s, None if n == -1 else s + n) for s, n in zip(starts, shape))]


@_output_spec(slice)
def _slice_spec(inputs, start_indices, shape):
    _check_slice(inputs, start_indices, shape)
    known = not isinstance(start_indices, KerasTensor)
    dims = [n if n != -1 else (d - int(s) if known and d is not None else None)
            for n, d, s in zip(shape, inputs.shape, start_indices if known else shape)]
    return KerasTensor(tuple(dims), inputs.dtype)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates` (no in-place write)."""
    inputs, updates = _args(inputs, updates)
    starts = [int(s) for s in convert_to_numpy(start_indices).reshape(-1)]
    widths = [(s, n - s - u) for s, n, u in zip(starts, anp.shape(inputs), anp.shape(updates))]
    mask = onp.pad(onp.ones(anp.shape(updates), bool), widths)
    return anp.where(mask, anp.pad(updates, widths, mode="constant"), inputs)


slice_update.output_spec = lambda inputs, start_indices, updates: _spec_like(inputs)


def scatter(indices, values, shape):
    """zeros(shape) with `values` added at `indices` (N x k), as one matmul with a 0/1 matrix."""
    idx = convert_to_numpy(indices).astype(int)
    values = _as_tensor(values)
    rows = onp.prod(shape[:idx.shape[-1]], dtype=int)
    flat = onp.ravel_multi_index(tuple(idx.reshape(-1, idx.shape[-1]).T), shape[:idx.shape[-1]])
    hits = (onp.arange(rows)[:, None] == flat).astype(values.dtype)
    return anp.reshape(anp.dot(hits, anp.reshape(values, (len(flat), -1))), shape)
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (N x k); with a `reduction` ("add", "max",
    "min", "mul") each update is combined with the value already there instead."""
    if reduction is not None:
        reduction = reduction.lower()
        if reduction not in ("add", "max", "min", "mul"):
            raise ValueError(f"Invalid reduction: {reduction}. Supported values are: None, 'add', "
                             "'max', 'min', 'mul'.")
    inputs, updates = _args(inputs, updates)
    target = anp.shape(inputs)
    if reduction == "add":
        return inputs + scatter(indices, updates, target)
    if reduction is None:
        hit = scatter(indices, onp.ones(anp.shape(updates), bool), target) > 0
        return anp.where(hit, scatter(indices, updates, target), inputs)
    combine = {"max": anp.maximum, "min": anp.minimum, "mul": anp.multiply}[reduction]
    idx = convert_to_numpy(indices).astype(int)
    rows = anp.reshape(updates, (-1,) + tuple(anp.shape(updates)[idx.ndim - 1:]))
    idx = idx.reshape(-1, idx.shape[-1])
    out = inputs
    for i in range(len(idx)):  # one update at a time: repeated indices combine in turn
        hit = scatter(idx[i:i + 1], onp.ones((1,) + anp.shape(rows)[1:], bool), target) > 0
        out = anp.where(hit, combine(out, scatter(idx[i:i + 1], rows[i:i + 1], target)), out)
    return out


scatter_update.output_spec = lambda inputs, indices, updates, reduction=None: _spec_like(inputs)


def _limits(dtype):
    if dtype == "bool":
        return 0, 1
    info = ml_dtypes.iinfo(dtype) if "int" in dtype else ml_dtypes.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype):
    """`x` cast to `dtype` with values first clipped to the range `dtype` can hold (so an
    overflowing value saturates instead of wrapping around)."""
    x = _as_tensor(x)
    dtype, in_dtype = standardize_dtype(dtype), standardize_dtype(x.dtype)
    (in_min, in_max), (out_min, out_max) = _limits(in_dtype), _limits(dtype)
    # The target's limits may not be representable in the input dtype (float32 -> uint32):
    # nudge them inside the target's range, as Keras does.
    low = onp.asarray(onp.maximum(in_min, out_min)).astype(in_dtype)
    if low < out_min:
        low = onp.nextafter(low, onp.zeros((), in_dtype))
    high = onp.asarray(onp.minimum(in_max, out_max)).astype(in_dtype)
    if high > out_max:
        high = onp.nextafter(high, onp.zeros((), in_dtype))
    return cast(anp.clip(x, low, high), dtype)


saturate_cast.output_spec = lambda x, dtype: KerasTensor(x.shape, standardize_dtype(dtype))


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]

_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
