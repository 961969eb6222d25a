"""`keras.tree`: nested structures (pytrees) of lists, tuples, namedtuples, deques and dicts.

The semantics are Keras 3's (which uses optree): `None` is a leaf (except in `map_structure`
with `none_is_leaf=False`, where it is an empty node); a dict's children are in sorted key order
(insertion order when the keys do not sort) while rebuilt dicts keep their own key order; an
`OrderedDict` keeps its order; strings, arrays and sets are leaves. `dict`, `OrderedDict` and
`defaultdict` match one another; `list`, `tuple`, `deque` and each namedtuple type do not.
"""
import collections
import warnings

from minikeras.utils.tracking import TrackedDict, TrackedList

_REGISTERED = {}  # class -> True, for `register_tree_node_class`


def register_tree_node_class(cls):
    """Makes `cls` a node: `obj.tree_flatten()` returns `(children, aux_data)` (or, as in optree,
    `(children, aux_data, path_entries)`) and `cls.tree_unflatten(aux_data, children)` rebuilds
    it. Returns `cls` (a decorator)."""
    _REGISTERED[cls] = True
    return cls


class MAP_TO_NONE:
    """Returned by a `traverse` function to put `None` in place of a sub-structure."""


# --- nodes -----------------------------------------------------------------------------------
def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_mapping(x):
    return type(x) in (dict, collections.OrderedDict, collections.defaultdict, TrackedDict)


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:  # keys that do not sort keep their insertion order, as in optree
        return list(mapping)


class _Node:
    """One level of a structure: its kind, keys (paths) and children, and how to rebuild it."""

    def __init__(self, value, kind, keys, children, rebuild):
        self.value, self.kind, self.keys = value, kind, keys
        self.children, self.rebuild = children, rebuild

    def children_of(self, other, none_is_leaf=True):
        """`other`'s children in this node's order; ValueError (optree's words) when `other`
        is not the same kind of node."""
        kind = self.kind
        if kind == "None":
            if other is not None:
                raise ValueError(f"Expected None, got {other!r}.")
            return []
        if kind == "mapping":
            if not _is_mapping(other):
                raise ValueError("Expected an instance of dict, collections.OrderedDict, or "
                                 f"collections.defaultdict, got {other!r}.")
            _check_keys(self.keys, other)
            return [other[k] for k in self.keys]
        if kind == "namedtuple":
            if not _is_namedtuple(other):
                raise ValueError(f"Expected an instance of collections.namedtuple, got {other!r}.")
            if type(other) is not type(self.value):
                raise ValueError(
                    f"namedtuple type mismatch; expected type: {type(self.value)}, got type: "
                    f"{type(other)}; tuple: {other!r}.")
            return list(other)
        if kind == "custom":
            if type(other) is not type(self.value):
                raise ValueError(f"Expected an instance of {type(self.value).__qualname__}, "
                                 f"got {other!r}.")
            children, aux = other.tree_flatten()[:2]
            if aux != self.aux:
                raise ValueError(f"Mismatch custom node data; expected: {self.aux!r}, got: "
                                 f"{aux!r}; value: {other!r}.")
            return _check_arity(type(other).__qualname__, self.children, list(children), other)
        expected = {"tuple": tuple, "list": (list, TrackedList), "deque": collections.deque}
        if not isinstance(other, expected[kind]) or (kind == "tuple" and type(other) is not tuple) \
                or (kind == "list" and type(other) not in (list, TrackedList)):
            name = "collections.deque" if kind == "deque" else kind
            raise ValueError(f"Expected an instance of {name}, got {other!r}.")
        return _check_arity(kind, self.children, list(other), other)


def _check_arity(kind, children, others, other):
    if len(children) != len(others):
        raise ValueError(f"{kind} arity mismatch; expected: {len(children)}, got: "
                         f"{len(others)}; {kind}: {other!r}.")
    return others


def _check_keys(keys, other):
    if set(keys) == set(other):
        return
    expected, got = _sorted_keys(keys), _sorted_keys(other)
    missing = [k for k in expected if k not in other]
    extra = [k for k in got if k not in set(keys)]
    message = f"dictionary key mismatch; expected key(s): {expected}, got key(s): {got}"
    if missing:
        message += f", missing key(s): {missing}"
    if extra:
        message += f", extra key(s): {extra}"
    raise ValueError(f"{message}; dict: {other!r}.")


def _node(x, none_is_leaf=True, is_leaf=None):
    """The `_Node` of `x`, or None when `x` is a leaf."""
    if is_leaf is not None and is_leaf(x):
        return None
    t = type(x)
    if x is None:
        return None if none_is_leaf else _Node(x, "None", [], [], lambda children: None)
    if t is tuple:
        return _Node(x, "tuple", list(range(len(x))), list(x), tuple)
    if t is list or t is TrackedList:
        return _Node(x, "list", list(range(len(x))), list(x), list)
    if _is_namedtuple(x):
        return _Node(x, "namedtuple", list(range(len(x))), list(x), lambda c: t(*c))
    if t is collections.deque:
        return _Node(x, "deque", list(range(len(x))), list(x),
                     lambda c: collections.deque(c, maxlen=x.maxlen))
    if _is_mapping(x):
        keys = list(x) if t is collections.OrderedDict else _sorted_keys(x)
        return _Node(x, "mapping", keys, [x[k] for k in keys],
                     lambda c: _rebuild_mapping(x, keys, c))
    if t in _REGISTERED:
        flat = x.tree_flatten()  # (children, aux_data) or (children, aux_data, path entries)
        children, aux = list(flat[0]), flat[1]
        keys = list(flat[2]) if len(flat) > 2 and flat[2] is not None else None
        node = _Node(x, "custom", keys or list(range(len(children))), children,
                     lambda c: t.tree_unflatten(aux, c))
        node.aux = aux
        return node
    return None


def _rebuild_mapping(original, keys, children):
    """A mapping of `original`'s type and key order with the children (given in `keys` order)."""
    by_key = dict(zip(keys, children))
    items = [(k, by_key[k]) for k in original]
    t = type(original)
    if t is collections.defaultdict:
        return collections.defaultdict(original.default_factory, items)
    if t is collections.OrderedDict:
        return collections.OrderedDict(items)
    return dict(items)


def _leaves_with_paths(structure, path=(), none_is_leaf=True):
    node = _node(structure, none_is_leaf)
    if node is None:
        yield path, structure
        return
    for key, child in zip(node.keys, node.children):
        yield from _leaves_with_paths(child, path + (key,), none_is_leaf)


def _map(func, first, others, none_is_leaf=True, is_leaf=None):
    """`func` on the leaves of `first` and the matching sub-structures of `others`."""
    node = _node(first, none_is_leaf, is_leaf)
    if node is None:
        return func(first, *others)
    others_children = [node.children_of(o) for o in others]
    return node.rebuild([
        _map(func, child, [oc[i] for oc in others_children], none_is_leaf, is_leaf)
        for i, child in enumerate(node.children)])


# --- the API ----------------------------------------------------------------------------------
def is_nested(structure):
    """Whether `structure` is a list, tuple, namedtuple, deque, dict or registered node."""
    return _node(structure) is not None


def traverse(func, structure, top_down=True):
    """Applies `func` to every sub-structure, depth first. Top down, a non-None result replaces
    the sub-structure and stops the descent; bottom up, it replaces the rebuilt sub-structure.
    Return `MAP_TO_NONE` to put `None` in its place."""
    def traverse_children():
        node = _node(structure)
        if node is None:
            return structure
        return node.rebuild([traverse(func, c, top_down=top_down) for c in node.children])

    if top_down:
        ret = func(structure)
        if ret is None:
            return traverse_children()
    else:
        traversed = traverse_children()
        ret = func(traversed)
        if ret is None:
            return traversed
    # by name, as Keras does, so that any `MAP_TO_NONE` class (Keras's own too) is recognised
    if isinstance(ret, type) and ret.__name__ == "MAP_TO_NONE":
        return None
    return ret


def flatten(structure):
    """The leaves of `structure` in order (dicts by sorted key), as a list."""
    return [leaf for _, leaf in _leaves_with_paths(structure)]


def flatten_with_path(structure):
    """`[(path, leaf), ...]`, a path being the tuple of indices and keys leading to the leaf."""
    return list(_leaves_with_paths(structure))


def map_structure(func, *structures, none_is_leaf=True):
    """`func` applied leaf-wise to structures of the same layout; the result has the first
    structure's layout. With `none_is_leaf=False`, `None`s are kept as they are."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    if not callable(func):
        raise TypeError(f"'{type(func).__name__}' object is not callable")

    def func_with_check(*args):
        if any(_node(a, none_is_leaf) is not None for a in args):
            raise ValueError("Structures don't have the same nested structure.")
        return func(*args)

    mapped = func_with_check if len(structures) > 1 else func
    return _map(mapped, structures[0], structures[1:], none_is_leaf=none_is_leaf)


def map_structure_up_to(shallow_structure, func, *structures):
    """`func` on the sub-structures of `structures` found at the leaves of
    `shallow_structure`; deeper levels are passed whole."""
    if not structures:
        raise ValueError("Must provide at least one structure")

    def func_without_shallow(shallow, *args):
        # Keras 3.15 checks the shallow leaf with optree's default none_is_leaf=False, so a
        # `None` there (the docstring's own example) is refused: kept as Keras does
        if shallow is None:
            raise ValueError("Structures don't have the same nested structure.")
        return func(*args)

    return _map(func_without_shallow, shallow_structure, structures)


def assert_same_structure(a, b, check_types=None):
    """ValueError unless `a` and `b` are nested the same way (same node types and keys)."""
    if check_types is not None:
        if check_types:
            message = ("The `check_types` argument is deprecated and no longer has any effect, "
                       "please remove.")
        else:
            message = ("The `check_types` argument is deprecated and no longer has any effect. "
                       "For a looser check, use `keras.tree.assert_same_paths()`, which "
                       "considers `list`, `tuple`, `namedtuple` and `deque` as matching")
        warnings.warn(message, DeprecationWarning, stacklevel=2)

    def check(a_leaf, b_leaf):
        if _node(a_leaf) is not None or _node(b_leaf) is not None:
            raise ValueError("Structures don't have the same nested structure.")

    _map(check, a, [b])


def assert_same_paths(a, b):
    """ValueError unless `a` and `b` have the same set of paths (node types may differ)."""
    a_paths = {p for p, _ in _leaves_with_paths(a)}
    b_paths = {p for p, _ in _leaves_with_paths(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def pack_sequence_as(structure, flat_sequence):
    """The leaves of `flat_sequence` put into `structure`'s layout (the inverse of
    `flatten`)."""
    try:
        leaves = list(flat_sequence)
    except TypeError:
        raise TypeError(f"`flat_sequence` must be an iterable. Received: {flat_sequence!r}")
    expected = sum(1 for _ in _leaves_with_paths(structure))
    if len(leaves) < expected:
        raise ValueError(f"Too few leaves for PyTreeSpec; expected: {expected}, got: "
                         f"{len(leaves)}.")
    if len(leaves) > expected:
        raise ValueError(f"Too many leaves for PyTreeSpec; expected: {expected}.")
    it = iter(leaves)
    return _map(lambda _: next(it), structure, [])


def lists_to_tuples(structure):
    """The structure with every list turned into a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


def map_shape_structure(func, structure):
    """`map_structure` where lists and tuples of ints and Nones (shapes) are leaves."""
    def is_shape(x):
        return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)

    return _map(func, structure, [], is_leaf=is_shape)
