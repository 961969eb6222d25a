"""`tf.strings`: the string functions text tutorials use (in `TextVectorization`'s
`standardize` / `split` callables and in `tf.data` maps).

String tensors are object arrays of `bytes`, as TensorFlow's `.numpy()` gives them; numpy str
arrays are accepted too. `lower` / `upper` change ASCII letters only (TensorFlow's default).
Where TensorFlow returns a RaggedTensor (`split` / `unicode_split` of more than one string) this
returns a Python list of 1-D string tensors, one per input string.
"""
import re

import numpy as onp

from minikeras._install import missing_attribute as _missing_attribute
from minikeras.tf import dtypes
from minikeras.tf._core import (
    axis_arg as _axis_arg, integer as _integer, numpy as _numpy, op as _op)

_to_bytes = onp.frompyfunc(lambda s: s if isinstance(s, bytes) else str(s).encode("utf-8"), 1, 1)


def _strings(input):
    """`input` as an object array of bytes."""
    v = _numpy(input)
    out = onp.empty(v.shape, dtype=object)
    out[...] = _to_bytes(v) if v.size else v
    return out


def _map(fn, input):
    """fn applied to each string (bytes) of `input`; an object array of the results."""
    x = _strings(input)
    out = onp.empty(x.shape, dtype=object)
    out[...] = onp.frompyfunc(fn, 1, 1)(x) if x.size else x
    return out


def _pattern(pattern):
    p = _numpy(pattern)
    p = p.item() if p.ndim == 0 else p
    return re.compile(p if isinstance(p, bytes) else str(p).encode("utf-8"))


def _text(value):
    v = _numpy(value)
    v = v.item() if v.ndim == 0 else v
    return v if isinstance(v, bytes) else str(v).encode("utf-8")


@_op
def lower(input, encoding="", name=None): "Each string with ASCII letters lower-cased."; return _map(bytes.lower, input)
@_op
def upper(input, encoding="", name=None): "Each string with ASCII letters upper-cased."; return _map(bytes.upper, input)
@_op
def strip(input, name=None): "Each string without leading and trailing whitespace."; return _map(bytes.strip, input)


@_op
def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Each string with the matches of `pattern` replaced by `rewrite` (\\1 refers to a group);
    only the first match unless `replace_global`."""
    regex, rewrite = _pattern(pattern), _text(rewrite)
    return _map(lambda s: regex.sub(rewrite, s, count=0 if replace_global else 1), input)


@_op
def regex_full_match(input, pattern, name=None):
    """Whether each whole string matches `pattern` (bool)."""
    regex = _pattern(pattern)
    return _map(lambda s: regex.fullmatch(s) is not None, input).astype(bool)


@_op
def length(input, unit="BYTE", name=None):
    """The length of each string in bytes ("BYTE") or in characters ("UTF8_CHAR"), int32."""
    count = len if unit == "BYTE" else (lambda s: len(s.decode("utf-8")))
    return _map(count, input).astype("int32")


@_op
def substr(input, pos, len, unit="BYTE", name=None):
    """The `len` bytes (or UTF-8 characters) of each string starting at `pos`."""
    start, size = _integer(pos, "pos"), _integer(len, "len")
    if unit == "BYTE":
        return _map(lambda s: s[start:start + size], input)
    return _map(lambda s: s.decode("utf-8")[start:start + size].encode("utf-8"), input)


@_op
def join(inputs, separator="", name=None):
    """The strings of the same-shape tensors `inputs` joined elementwise with `separator`."""
    sep, parts = _text(separator), onp.broadcast_arrays(*[_strings(t) for t in inputs])
    out = onp.empty(parts[0].shape, dtype=object)
    out[...] = onp.frompyfunc(lambda *p: sep.join(p), len(parts), 1)(*parts) if out.size else out
    return out


@_op
def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """The strings joined with `separator` along `axis` (all of them when None)."""
    x, sep, axis = _strings(inputs), _text(separator), _axis_arg(axis)
    if axis is None:
        x, axis = x.reshape(-1), 0
    moved = onp.moveaxis(x, axis, -1)
    out = onp.empty(moved.shape[:-1], dtype=object)
    for index in onp.ndindex(out.shape):
        out[index] = sep.join(moved[index])
    return onp.expand_dims(out, axis) if keepdims else out


def _split_one(s, sep, maxsplit):
    parts = s.split(sep, maxsplit) if sep else s.split(None, maxsplit)
    out = onp.empty(len(parts), dtype=object)
    out[:] = parts
    return out


@_op
def split(input, sep=None, maxsplit=-1, name="split"):
    """The tokens of a string split on `sep` (runs of whitespace when None): a 1-D tensor for a
    scalar string, a list of 1-D tensors for a 1-D tensor of strings."""
    x, sep = _strings(input), None if sep is None else _text(sep)
    if x.ndim == 0:
        return _split_one(x.item(), sep, maxsplit)
    if x.ndim != 1:
        raise ValueError(f"`input` must be a scalar or 1-D. Received: shape {x.shape}")
    return [_split_one(s, sep, maxsplit) for s in x]


@_op
def unicode_split(input, input_encoding, errors="replace", replacement_char=65533, name=None):
    """The UTF-8 characters of a string (as bytes): 1-D for a scalar, a list for 1-D input."""
    def chars(s):
        out = onp.empty(len(s.decode("utf-8", errors)), dtype=object)
        out[:] = [c.encode("utf-8") for c in s.decode("utf-8", errors)]
        return out
    x = _strings(input)
    return chars(x.item()) if x.ndim == 0 else [chars(s) for s in x.ravel()]


@_op
def to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Each string parsed as a number of `out_type` (float32 by default)."""
    dtype = dtypes.as_dtype(out_type)
    parse = int if dtype.is_integer else float

    def number(s):
        try:
            return parse(s)
        except ValueError:
            raise ValueError(f"StringToNumberOp could not correctly convert string: "
                             f"{s.decode('utf-8', 'replace')}") from None
    return _map(number, string_tensor).astype(dtype.dtype)


@_op
def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):
    """Each number as a string: floats with 6 decimals unless `precision` ("%f" / "%e"), ints as
    digits, bools as "true" / "false"."""
    x = _numpy(input)
    if x.dtype == bool:
        fmt = lambda v: b"true" if v else b"false"  # noqa: E731
    elif x.dtype.kind in "iu":
        fmt = lambda v: b"%d" % v  # noqa: E731
    else:
        spec = ("%" + (f".{precision}" if precision >= 0 else "") + ("e" if scientific else "g" if shortest else "f")).encode()
        fmt = lambda v: spec % v  # noqa: E731
    out = onp.empty(x.shape, dtype=object)
    out[...] = onp.frompyfunc(fmt, 1, 1)(x) if x.size else out
    return out

__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
