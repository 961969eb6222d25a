"""`keras.tree` against real Keras 3 (optree underneath) on a table of structures: the same
leaves, paths, rebuilt structures (types, key orders) and the same errors."""
import collections
from collections import OrderedDict, defaultdict, deque, namedtuple

import numpy as np
import pytest

import minikeras

Point = namedtuple("Point", ["x", "y"])
OtherPoint = namedtuple("OtherPoint", ["x", "y"])
Empty = namedtuple("Empty", [])


def _factory():
    return None


STRUCTURES = [
    1, None, "abc", b"xy", {1, 2}, np.arange(3), (), [], {}, deque(), Empty(),
    (1, 2), [1, [2, (3, None)]], Point(y=2, x=1), {"b": 2, "a": 1},
    {"key3": "", "key1": "", "key2": ""}, {100: "world!", 6: "Hello"},
    OrderedDict([("b", 2), ("a", 1)]), defaultdict(_factory, [("b", 2), ("a", [1, 3])]),
    deque([1, (2, 3)], maxlen=5),
    ({"b": [2, 3], "a": (1,)}, Point(y=9, x=8), np.array([10]), None, [None, ()]),
    {"x": {"z": [None, 1], "y": (2, {"q": 3})}, "w": OrderedDict([("k", 4), ("j", 5)])},
    [(1, 2), [3], {"a": 4}],
    {1: "a", "b": 2},  # keys that do not sort: insertion order
]
IDS = [f"s{i}" for i in range(len(STRUCTURES))]


def _same(a, b):
    """Equal values with the same types all the way down (and the same key order)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        if isinstance(a, defaultdict):
            assert a.default_factory is b.default_factory
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple, deque)):
        assert len(a) == len(b)
        if isinstance(a, deque):
            assert a.maxlen == b.maxlen
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


def _both(keras, fn):
    """`fn(tree)` for Keras's and minikeras's tree: both results, or both exceptions."""
    out = []
    for tree in (keras.tree, minikeras.tree):
        try:
            out.append(("ok", fn(tree)))
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            out.append(("error", e))
    (kk, kv), (mk, mv) = out
    assert kk == mk, (kv, mv)
    if kk == "error":
        assert type(mv) is type(kv)
        return None, None
    return kv, mv


@pytest.mark.parametrize("structure", STRUCTURES, ids=IDS)
def test_flatten_paths_nested_match_keras(keras, structure):
    for fn in [lambda t: t.flatten(structure), lambda t: t.flatten_with_path(structure),
               lambda t: t.is_nested(structure), lambda t: t.lists_to_tuples(structure),
               lambda t: t.map_structure(lambda v: (v, 0), structure),
               lambda t: t.map_structure(lambda v: v, structure, none_is_leaf=False),
               lambda t: t.map_shape_structure(lambda s: len(s), structure),
               lambda t: t.pack_sequence_as(structure, list(range(len(t.flatten(structure)))))]:
        k, m = _both(keras, fn)
        _same(k, m)


@pytest.mark.parametrize("top_down", [True, False])
@pytest.mark.parametrize("structure", STRUCTURES, ids=IDS)
def test_traverse_matches_keras(keras, structure, top_down):
    def run(tree):
        seen = []

        def visit(x):
            seen.append(x)
            if isinstance(x, tuple) and len(x) == 2 and not hasattr(x, "_fields"):
                return tree.MAP_TO_NONE
            if isinstance(x, list):
                return "a list"
            return None
        return tree.traverse(visit, structure, top_down=top_down), seen
    k, m = _both(keras, run)
    _same(k[0], m[0])
    assert len(k[1]) == len(m[1])
    for a, b in zip(k[1], m[1]):
        _same(a, b)


PAIRS = [
    ((1, 2), (3, 4)), ((), []), ((), deque()), ((), Empty()), ([], deque()), ([], Empty()),
    (deque(), Empty()), (Point(1, 2), OtherPoint(1, 2)), (Point(1, 2), (1, 2)),
    ((1, 2), Point(1, 2)), ((1, 2), (1,)), ([1, 2], [1]), (deque([1, 2]), deque([1])),
    ({"a": 1, "b": 2}, {"a": 1}), ({"a": 1}, {"b": 1}), ({"a": 1}, OrderedDict(a=5)),
    (OrderedDict([("b", 1), ("a", 2)]), {"a": 3, "b": 4}),
    (defaultdict(_factory, a=1), {"a": 2}), (1, ()), ((), 1), ({}, 1), (1, 2), (None, None),
    ([None], [(1,)]), ([1, [2, 3]], [4, [5, 6]]), ([1, [2, 3]], [4, 5]), ([1, 2], [4, [5, 6]]),
    ({"a": [1, (2,)]}, {"a": [3, (4,)]}), ([1, 2], (1, 2)),
]
PAIR_IDS = [f"p{i}" for i in range(len(PAIRS))]


@pytest.mark.parametrize("a,b", PAIRS, ids=PAIR_IDS)
def test_two_structures_match_keras(keras, a, b):
    """map_structure over two, assert_same_structure, assert_same_paths, map_structure_up_to:
    same results, same error types."""
    for fn in [lambda t: t.map_structure(lambda x, y: (x, y), a, b),
               lambda t: t.map_structure(lambda x, y: (x, y), a, b, none_is_leaf=False),
               lambda t: t.assert_same_structure(a, b),
               lambda t: t.assert_same_paths(a, b),
               lambda t: t.map_structure_up_to(a, lambda y: repr(y), b)]:
        k, m = _both(keras, fn)
        _same(k, m)


def test_error_messages_match_keras(keras):
    f2 = lambda a, b: a  # noqa: E731
    calls = [
        lambda t: t.map_structure(f2, (), []),
        lambda t: t.map_structure(f2, deque(), Empty()),
        lambda t: t.map_structure(f2, Point(1, 2), OtherPoint(1, 2)),
        lambda t: t.map_structure(f2, (1, 2), (1,)),
        lambda t: t.map_structure(f2, {"a": 1, "b": 2}, {"a": 1}),
        lambda t: t.assert_same_structure({"a": 1}, OrderedDict(b=1)),
        lambda t: t.assert_same_structure(1, ()),
        lambda t: t.assert_same_structure({}, 1),
        lambda t: t.assert_same_paths([1, 2], [1]),
        lambda t: t.assert_same_paths({"a": 1}, {"b": 2}),
        lambda t: t.pack_sequence_as(10, []),
        lambda t: t.pack_sequence_as([10, 20], [1]),
        lambda t: t.pack_sequence_as([10, 20], [1, 2, 3]),
        lambda t: t.map_structure(f2),
        lambda t: t.map_structure(f2, [None], [(1,)], none_is_leaf=False),
    ]
    for call in calls:
        messages = []
        for tree in (keras.tree, minikeras.tree):
            with pytest.raises(ValueError) as info:
                call(tree)
            messages.append(str(info.value))
        assert messages[1] == messages[0]


def test_register_tree_node_class_matches_keras(keras):
    def make(tree):
        class Pair:
            def __init__(self, a, b):
                self.a, self.b = a, b

            def tree_flatten(self):
                return (self.b, self.a), "meta"

            @classmethod
            def tree_unflatten(cls, aux, children):
                return cls(children[1], children[0])
        keras_register = getattr(keras.src.tree.tree_api, "register_tree_node_class")
        (keras_register if tree is keras.tree else tree.register_tree_node_class)(Pair)
        value = [Pair(1, {"z": 2, "y": 3}), 4]
        doubled = tree.map_structure(lambda v: v * 2, value)
        return tree.flatten(value), (doubled[0].a, doubled[0].b, doubled[1]), \
            tree.is_nested(Pair(1, 2))
    import keras.src.tree.tree_api  # noqa: F401
    k, m = make(keras.tree), make(minikeras.tree)
    assert k == m


def test_keras_tree_names(keras):
    public = {n for n in dir(keras.tree) if not n.startswith("_")}
    assert public <= set(dir(minikeras.tree))
    assert collections.Counter(minikeras.tree.__all__) == collections.Counter(sorted(public))
