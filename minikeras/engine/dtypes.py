"""Keras's dtype promotion (`keras/src/backend/common/dtypes.py`): `result_type` walks a lattice
of dtypes, JAX's, in which Python `int` and `float` are "weak" types that take the precision of
the other operand (`result_type("float16", float)` is float16, not float32)."""

from minikeras.engine import config
from minikeras.engine.variable import standardize_dtype as _numpy_standardize

_PYTHON = {bool: "bool", int: "int32", float: "float32", str: "string", complex: "complex64",
           "int": "int32"}
_FLOAT8 = ("float8_e4m3fn", "float8_e5m2")
# Keras's dtype families (keras/src/backend/common/dtypes.py).
BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
WEAK_TYPES = ("int", "float")
COMPLEX_TYPES = ("complex64", "complex128")
FLOAT8_TYPES = _FLOAT8
ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8",
                  "int16", "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn",
                  "float8_e5m2", "complex64", "complex128")
PYTHON_DTYPES_MAP = dict(_PYTHON)
# Each dtype points at the dtypes just above it; "int" and "float" are the weak Python types.
_LATTICE = {
    "bool": ["int"], "int": ["uint8", "int8", "complex64"], "float": ["bfloat16", "float16"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["float"], "int8": ["int16"], "int16": ["int32"], "int32": ["int64"],
    "int64": ["float"], "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"],
    "complex64": ["complex128"], "complex128": [],
}
# On every backend but TensorFlow, Keras computes 64-bit results in 32 bits.
_TO_32 = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _above(node):
    seen, todo = {node}, [node]
    while todo:
        for up in _LATTICE[todo.pop()]:
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return seen


_UPPER = {node: _above(node) for node in _LATTICE}


def standardize_dtype(dtype):
    """The canonical dtype name, as Keras names it: `int` -> "int32", `float` -> "float32"."""
    if dtype is None:
        return config.floatx()
    if dtype in _PYTHON:
        return _PYTHON[dtype]
    name = getattr(dtype, "name", dtype) if not isinstance(dtype, str) else dtype
    if name in ("bfloat16",) + _FLOAT8:
        return name
    return _numpy_standardize(dtype)


def is_float_dtype(dtype):
    """Whether `dtype` is a floating-point dtype (bfloat16 included)."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer dtype (not bool)."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def _least_upper_bound(nodes):
    for node in nodes:
        if node not in _UPPER:
            raise ValueError(f"dtype='{node}' is not a valid dtype for Keras type promotion.")
    common = set.intersection(*(_UPPER[n] for n in nodes))
    least = [c for c in common if common <= _UPPER[c]]
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(nodes)} have no available implicit dtype promotion path. Try "
            "explicitly casting inputs to the desired output type.")
    return least[0]


def _weak(dtype):
    return "bool" if dtype == "bool" else "float" if "float" in dtype else "int"


def promote(names, weak):
    """The lattice's least upper bound of dtype `names` (weak ones read as "int" / "float"),
    without Keras's 64-to-32-bit step: "int" / "float" when only weak types meet."""
    return _least_upper_bound({_weak(n) if w else n for n, w in zip(names, weak)})


def result_type(*dtypes):
    """The dtype an operation on `dtypes` returns, by Keras's (JAX's) promotion rules.

    `None` stands for floatx; Python `int` / `float` are weak and defer to the other dtypes;
    no arguments gives floatx.
    """
    if not dtypes:
        return config.floatx()
    if any(isinstance(d, str) and d in _FLOAT8 for d in dtypes):
        raise ValueError("There is no implicit conversions from float8 dtypes to others. You "
                         f"must cast it internally. Received: {dtypes}")
    dtypes = [config.floatx() if d is None else d for d in dtypes]
    weak = [d is int or d is float for d in dtypes]
    names = [standardize_dtype(d) for d in dtypes]
    if len(names) == 1 or (len(set(names)) == 1 and not all(weak)):
        out, out_weak = names[0], weak[0] and len(names) == 1
    elif all(weak):
        out, out_weak = _least_upper_bound(set(names)), True
    else:
        out = _least_upper_bound({_weak(n) if w else n for n, w in zip(names, weak)})
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        kind = "float" if out[0] in "fb" else "uint" if out[0] == "u" else "int"
        out = kind + config.floatx()[-2:]
    return _TO_32.get(out, out)
