"""Ops called on KerasTensors build graph nodes instead of computing: `symbolic_dispatch(fn)`
wraps a public op so that any KerasTensor among its arguments turns the call into an `OpLayer`."""
import functools

from minikeras.engine.keras_tensor import KerasTensor

# Ops that answer from the static shape, or only wrap a Python function, are not recorded.
NOT_RECORDED = {"shape", "ndim", "dtype", "is_tensor", "convert_to_numpy", "custom_gradient"}


def _has_symbolic(args, kwargs):
    for a in (*args, *kwargs.values()):
        if type(a) is KerasTensor:
            return True
        if isinstance(a, (list, tuple)) and any(type(b) is KerasTensor for b in a):
            return True
        if isinstance(a, dict) and any(type(b) is KerasTensor for b in a.values()):
            return True
    return False


_recorder = None  # set by layers/op_layer.py (ops sit below layers and do not import them)


def set_recorder(record):
    """`record(fn, args, kwargs)` turns an op applied to KerasTensors into a graph node."""
    global _recorder
    _recorder = record


def apply_symbolic(fn, args, kwargs):
    if _recorder is None:  # KerasTensors come from minikeras.layers, whose import sets it
        raise RuntimeError(f"No recorder for symbolic calls of `{fn.__name__}`: import "
                           "minikeras.layers first.")
    return _recorder(fn, args, kwargs)


def symbolic_dispatch(fn):
    if getattr(fn, "_symbolic_dispatch", False):
        return fn

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _has_symbolic(args, kwargs):
            return apply_symbolic(fn, args, kwargs)
        return fn(*args, **kwargs)
    op._symbolic_dispatch = True
    return op


def wrap_namespace(namespace):
    """Replace every public op in `namespace` (a module's globals) by its dispatching wrapper."""
    for name, fn in list(namespace.items()):
        if name.startswith("_") or name in NOT_RECORDED or not callable(fn) or isinstance(fn, type):
            continue
        if getattr(fn, "__module__", "").startswith("minikeras.ops"):
            namespace[name] = symbolic_dispatch(fn)
