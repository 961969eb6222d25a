"""Symbolic tensors for the functional API: `KerasTensor` and the `Node` that made it."""
import numpy as onp


def flatten(structure):
    """The leaves of nested lists / tuples / dicts, in order."""
    if isinstance(structure, dict):
        return [leaf for k in structure for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in flatten(s)]
    return [structure]


def map_structure(fn, *structures, is_leaf=None):
    """`fn` applied leaf-wise to one or more structures of the same shape."""
    first = structures[0]
    if is_leaf is not None and is_leaf(first):
        return fn(*structures)
    if isinstance(first, dict):
        return {k: map_structure(fn, *(s[k] for s in structures), is_leaf=is_leaf) for k in first}
    if isinstance(first, (list, tuple)) and not hasattr(first, "_fields"):
        out = [map_structure(fn, *items, is_leaf=is_leaf) for items in zip(*structures)]
        return type(first)(out) if isinstance(first, tuple) else out
    return fn(*structures)


def any_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


class KerasTensor:
    """A placeholder with a shape (None for unknown sizes) and a dtype, made by `keras.Input`
    or by calling a layer on other KerasTensors."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None, record_history=True):
        if shape is None:
            raise ValueError("Undefined shapes are not supported.")
        if not hasattr(shape, "__iter__"):
            raise ValueError(f"Cannot convert '{shape}' to a shape.")
        self.shape = tuple(None if d is None else int(d) for d in shape)
        # Keras's "string" tensors are numpy object / str arrays here.
        self.dtype = "string" if dtype in ("string", str, object) or str(dtype) == "object" \
            else onp.dtype(dtype).name
        self.sparse = sparse
        self.name = name
        self._keras_history = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise ValueError(
            "A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. It doesn't "
            "have any actual numerical value. You cannot convert it to a NumPy array.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool.")

    def __hash__(self):
        return id(self)

    # Operators record graph nodes (see minikeras/ops/symbolic.py); == and != stay identity.
    def _op(name, swap=False):
        def method(self, *other):
            from minikeras import ops
            fn = getattr(ops, name)
            return fn(*other, self) if swap else fn(self, *other)
        method.__name__ = f"__{name}__"
        return method

    __add__, __radd__ = _op("add"), _op("add", True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", True)
    __truediv__, __rtruediv__ = _op("divide"), _op("divide", True)
    __floordiv__, __rfloordiv__ = _op("floor_divide"), _op("floor_divide", True)
    __mod__, __rmod__ = _op("mod"), _op("mod", True)
    __pow__, __rpow__ = _op("power"), _op("power", True)
    __matmul__, __rmatmul__ = _op("matmul"), _op("matmul", True)
    __lt__, __le__, __gt__, __ge__ = _op("less"), _op("less_equal"), _op("greater"), _op("greater_equal")
    __and__, __rand__ = _op("logical_and"), _op("logical_and", True)
    __or__, __ror__ = _op("logical_or"), _op("logical_or", True)
    __xor__, __rxor__ = _op("logical_xor"), _op("logical_xor", True)
    __neg__, __abs__, __invert__ = _op("negative"), _op("absolute"), _op("logical_not")
    del _op

    def __getitem__(self, key):
        from minikeras.ops.symbolic import apply_symbolic
        return apply_symbolic(get_item, (self, key), {})

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated over: its values are unknown.")


def get_item(x, key):
    return x[key]


class Node:
    """One call of a layer on symbolic inputs: records inputs, arguments and outputs."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((call_args, call_kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = flatten(outputs)
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)

    @property
    def parent_nodes(self):
        out = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            out.append(layer._inbound_nodes[node_index])
        return out

    def unflat_inputs(self):
        args = self.call_args
        return args[0] if len(args) == 1 and not self.call_kwargs else args


def is_keras_tensor(x):
    """Whether `x` is a symbolic KerasTensor (made by `keras.Input` or a layer on one)."""
    return isinstance(x, KerasTensor)
