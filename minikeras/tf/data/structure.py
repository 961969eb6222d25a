"""Elements of a tf.data pipeline: nested tuples / dicts of `Tensor`s, and how values become them.

TensorFlow's rules decide what a pipeline yields, so we follow them:
- tuples (namedtuples too) and dicts are structure; anything else is one tensor. A *list* is a
  tensor ("autopacking"): `from_tensor_slices([a, b])` stacks `a` and `b`. Only a list returned
  at the top of a `map` function is read as a tuple.
- dicts are flattened and rebuilt in sorted-key order, as `tf.nest` does.
- Python numbers take TensorFlow's default dtypes (float -> float32, int -> int32, or int64 when
  the value does not fit, bool -> bool); numpy values keep theirs.
- strings stay what they are: numpy `str` / `bytes` arrays, or object arrays of text such as
  minikeras.tf's string functions return (TensorFlow turns `str` into utf-8 bytes).
"""
import numpy as onp

from minikeras.engine.tensor import Tensor, as_tensor
from minikeras.tf import dtypes

_INT32 = onp.iinfo(onp.int32)


def is_nested(x):
    return isinstance(x, (tuple, dict))


def flatten(structure):
    """The leaves of a structure, dicts in sorted-key order."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, tuple):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def _rebuild(template, items):
    if isinstance(template, dict):
        return dict(zip(sorted(template), items))
    if hasattr(template, "_fields"):
        return type(template)(*items)
    return tuple(items)


def _children(structure):
    return [structure[k] for k in sorted(structure)] if isinstance(structure, dict) else structure


def map_structure(fn, *structures):
    """`fn` applied leaf by leaf to structures of the same shape."""
    first = structures[0]
    if not is_nested(first):
        return fn(*structures)
    parts = zip(*(_children(s) for s in structures))
    return _rebuild(first, [map_structure(fn, *items) for items in parts])


def pack_as(template, leaves):
    """The inverse of `flatten`: `leaves` arranged as `template` is."""
    leaves = iter(leaves)

    def take(_):
        return next(leaves)
    return map_structure(take, template)


def flatten_up_to(template, value):
    """The parts of `value` where `template` has leaves (a list in `value` may stand for a
    tuple); a TypeError when `value` lacks the structure."""
    if isinstance(template, dict):
        return [leaf for k in sorted(template) for leaf in flatten_up_to(template[k], value[k])]
    if isinstance(template, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(template):
            raise TypeError(f"The two structures don't have the same nested structure: "
                            f"{template} and {value}.")
        return [leaf for t, v in zip(template, value) for leaf in flatten_up_to(t, v)]
    return [value]


def packer(template):
    """A function rebuilding `template`'s structure from a flat sequence of leaves: `pack_as`,
    made once per pipeline stage instead of once per element (the common cases are direct)."""
    if not is_nested(template):
        return lambda leaves: leaves[0]
    if type(template) is tuple and not any(is_nested(c) for c in template):
        return tuple
    return lambda leaves: pack_as(template, leaves)


def flattener(template):
    """A function giving the leaves of elements structured like `template` (see `packer`)."""
    if not is_nested(template):
        return lambda element: (element,)
    if type(template) is tuple and not any(is_nested(c) for c in template):
        return lambda element: element
    return flatten


def same_structure(a, b):
    """Whether `a` and `b` nest the same containers with the same keys / lengths."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b) and all(
            same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(same_structure(x, y) for x, y in zip(a, b)))
    return True


# --- values -> Tensors ------------------------------------------------------------------------
def _python_leaves(value):
    """Whether a (nested) list holds only Python scalars, so TensorFlow's defaults apply."""
    if isinstance(value, (list, tuple)):
        return all(_python_leaves(v) for v in value)
    return isinstance(value, (bool, int, float, str, bytes))


def _check_strings(arr):
    """An object array is accepted when it holds text (as `tf.string` tensors of minikeras.tf
    do: object arrays of bytes); anything else in it is a ragged or mixed value."""
    if not all(isinstance(s, (str, bytes)) for s in arr.ravel().tolist()):
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.")
    return arr


def is_string(dtype):
    """Whether a dtype (a DType, numpy dtype or name) is `tf.string`."""
    return dtypes.as_dtype(dtype) == dtypes.string


def to_tensor(value, dtype=None):
    """One leaf as a `Tensor`, with TensorFlow's dtype for Python values (see the module)."""
    if type(value) is Tensor and dtype is None:
        return value
    if isinstance(value, (onp.ndarray, onp.generic)):
        arr = onp.asarray(value)
    elif hasattr(value, "numpy") and callable(value.numpy):  # variables, other eager tensors
        arr = onp.asarray(value.numpy())
    elif value is None:
        raise TypeError("Attempt to convert a value (None) with an unsupported type "
                        "(<class 'NoneType'>) to a Tensor.")
    else:
        try:
            arr = onp.asarray(value)
        except ValueError:  # numpy refuses ragged nested lists
            raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
        if _python_leaves(value) and dtype is None:
            if arr.dtype == onp.float64:
                arr = arr.astype(onp.float32)
            elif arr.dtype == onp.int64 and (arr.size == 0 or (
                    _INT32.min <= arr.min() and arr.max() <= _INT32.max)):
                arr = arr.astype(onp.int32)
    if arr.dtype == object:
        arr = _check_strings(arr)
    if dtype is not None and not is_string(dtype):
        arr = arr.astype(dtypes.as_dtype(dtype).dtype, copy=False)
    return as_tensor(arr)


def normalize(element):
    """A structure of values (tuples, dicts, leaves) as the same structure of Tensors."""
    return map_structure(to_tensor, element)


def normalize_function_output(value):
    """What a `map` (or generator) function returned, as an element: a top-level list is a tuple."""
    if isinstance(value, list):
        value = tuple(value)
    # TensorFlow keeps None components of a function's output (NoneTensorSpec): Keras's
    # augmentation layers return transformations with None entries from `map`.
    return map_structure(lambda v: v if v is None else to_tensor(v), value)


def call_with_element(fn, element):
    """`fn(*element)` for a tuple element (its components as separate arguments, as tf.data
    does; a namedtuple is one argument), else `fn(element)`."""
    if type(element) is tuple:
        return fn(*element)
    return fn(element)


def to_numpy(element):
    """An element with each Tensor as its numpy value (0-d as numpy scalars), as
    `as_numpy_iterator` gives them."""
    return map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else t, element)
