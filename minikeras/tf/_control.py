"""Running code the TensorFlow way, eagerly: `tf.function`, `tf.cond`, `tf.while_loop`,
`tf.map_fn`, `tf.py_function`, `tf.print`, `tf.device`, ...

There is no graph: `tf.function` runs the Python function as it is (every argument accepted,
`jit_compile` included), `tf.cond` / `tf.while_loop` are Python `if` / `while`, `tf.device` and
`tf.control_dependencies` change nothing.
"""
import contextlib
import functools
import logging
import sys
import types

import numpy as onp

from minikeras import ops
from minikeras.engine.autodiff import untraced
from minikeras.engine.keras_tensor import flatten, map_structure
from minikeras.engine.variable import read_value
from minikeras.tf import dtypes
from minikeras.tf._core import numpy, op, read, tensor


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """`@tf.function` / `@tf.function(jit_compile=True, ...)`: the function itself, run eagerly
    (it also works on methods). `.python_function` is the undecorated function."""
    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            return fn(*args, **kwargs)
        run.python_function = fn
        run.input_signature = input_signature
        run.get_concrete_function = lambda *args, **kwargs: run
        return run
    return decorate if func is None else decorate(func)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """true_fn() if `pred` else false_fn() (a Python `if`)."""
    return true_fn() if bool(numpy(pred)) else false_fn()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """loop_vars = body(*loop_vars) while cond(*loop_vars) (at most `maximum_iterations` times);
    returns the final loop_vars in the structure given."""
    single = not isinstance(loop_vars, (list, tuple))
    values = [loop_vars] if single else list(loop_vars)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(numpy(cond(*values))):
        out = body(*values)
        values = [out] if single else list(out)
        steps += 1
    return values[0] if single else type(loop_vars)(values)


def _stack_like(results):
    """A list of fn outputs (tensors or same-structure tuples) stacked along a new first axis."""
    first = results[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_stack_like([r[i] for r in results]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack_like([r[k] for r in results]) for k in first}
    return tensor(ops.stack([read(r) for r in results]))


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """stack([fn(e) for e in elems]) over the first axis (elems may be a tuple of tensors,
    unpacked together: fn receives a tuple)."""
    if isinstance(elems, (list, tuple)):
        items = [tensor(ops.unstack(read(e))) for e in elems]
        rows = [type(elems)(parts) for parts in zip(*items)]
    else:
        rows = tensor(ops.unstack(read(elems)))
    results = [fn(row) for row in rows]
    if fn_output_signature is not None or dtype is not None:
        wanted = fn_output_signature if fn_output_signature is not None else dtype
        target = getattr(wanted, "dtype", wanted)
        results = [tensor(ops.cast(read(r), dtypes.as_dtype(target).dtype)) for r in results]
    return _stack_like(results)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """map_fn(fn, elems): a loop over the first axis."""
    return map_fn(fn, elems)


def _outputs(result, Tout):
    """Function results converted to the dtypes `Tout` lists (one dtype or a list)."""
    if isinstance(Tout, (list, tuple)):
        result = result if isinstance(result, (list, tuple)) else [result]
        return [tensor(onp.asarray(untraced(read_value(r)), dtypes.as_dtype(t).dtype))
                for r, t in zip(result, Tout)]
    if Tout is None:
        return None
    return tensor(onp.asarray(untraced(read_value(result)), dtypes.as_dtype(Tout).dtype))


def py_function(func, inp, Tout, name=None):
    """func(*inp) called with tensors, its results converted to `Tout`."""
    return _outputs(func(*[tensor(numpy(x)) for x in inp]), Tout)


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """func(*inp) called with numpy arrays, its results converted to `Tout`."""
    return _outputs(func(*[numpy(x) for x in inp]), Tout)


def _scalar_text(x, dtype):
    """One element as tf.print writes it: bools 1 / 0, strings in double quotes, floats with 6
    significant digits when that reads back as the same number, else 9 (15, else 17, for
    float64), as TensorFlow's FloatToBuffer does."""
    if dtype.kind == "b":
        return "1" if x else "0"
    if dtype.kind == "f":
        short, full, kind = (15, 17, onp.float64) if dtype == onp.float64 else (6, 9, onp.float32)
        text = "%.*g" % (short, x)
        return text if onp.isnan(x) or kind(text) == kind(x) else "%.*g" % (full, x)
    if dtype == object:
        return '"' + (x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)) + '"'
    return str(x)


def _array_text(v, summarize, indent=1):
    """`v` as tf.print writes it: nested brackets, rows on their own lines, and "..." for all but
    `summarize` entries at each end of a longer axis."""
    if v.ndim == 0:
        return _scalar_text(v.item(), v.dtype)
    n = v.shape[0]
    rows = range(n) if summarize < 0 or n <= 2 * summarize else \
        [*range(summarize), None, *range(n - summarize, n)]
    parts = ["..." if i is None else _array_text(onp.asarray(v[i], v.dtype), summarize, indent + 1)
             for i in rows]
    sep = " " if v.ndim == 1 else "\n" * (v.ndim - 1) + " " * indent
    return "[" + sep.join(parts) + "]"


def _format(x, summarize):
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_format(v, summarize)}" for k, v in x.items()) + "}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_format(v, summarize) for v in x) + "]"
    if hasattr(x, "shape") and hasattr(x, "dtype") or hasattr(x, "assign"):
        return _array_text(numpy(x), 3 if summarize is None else summarize)
    return str(x)


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints tensors as TensorFlow formats them (at most `summarize` entries at each end of an
    axis; -1: all) and other values to `output_stream` (stderr by default, as TensorFlow; a file
    object or "file://path")."""
    text = sep.join(_format(x, summarize) for x in inputs) + end
    if isinstance(output_stream, str):
        if not output_stream.startswith("file://"):
            raise ValueError(f"`output_stream` must be a file object or 'file://path'. "
                             f"Received: {output_stream!r}")
        with open(output_stream[len("file://"):], "a") as f:
            f.write(text)
        return
    (sys.stderr if output_stream is None else output_stream).write(text)


@contextlib.contextmanager
def device(device_name):
    """`with tf.device("/CPU:0"):` places nothing: everything runs on the CPU in numpy."""
    yield


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """A no-op block: eager code runs in order anyway."""
    yield


def executing_eagerly():
    """True: the stand-in always runs eagerly."""
    return True


def no_op(name=None):
    """Does nothing."""


def group(*inputs, **kwargs):
    """Does nothing (the inputs already ran)."""


def get_logger():
    """The "tensorflow" logger of Python's `logging`."""
    return logging.getLogger("tensorflow")


@op
def ensure_shape(x, shape, name=None):
    """`x`, after checking it has `shape` (None entries match any size)."""
    from minikeras.tf._tensors import TensorShape
    v = read(x)
    if not TensorShape(shape).is_compatible_with(onp.shape(untraced(v))):
        raise ValueError(f"Shape of tensor x {onp.shape(untraced(v))} is not compatible with "
                         f"expected shape {TensorShape(shape)}.")
    return v


def get_static_value(tensor, partial=False):
    """The numpy value of a tensor (always known here)."""
    return numpy(tensor)


def _do_not_convert(func=None):
    return func if func is not None else (lambda f: f)


autograph = types.SimpleNamespace(
    set_verbosity=lambda level, alsologtostdout=False: None,
    to_graph=lambda entity, recursive=True, experimental_optional_features=None: entity,
    experimental=types.SimpleNamespace(do_not_convert=_do_not_convert),
)
autograph.__doc__ = "`tf.autograph`: nothing to convert (functions run as Python)."

# flatten / map_structure: tf.nest's core, kept here for __init__'s tf.nest namespace
nest = types.SimpleNamespace(flatten=flatten, map_structure=map_structure)
nest.__doc__ = "`tf.nest`: flatten and map_structure over lists, tuples and dicts."
