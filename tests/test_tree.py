"""keras.tree (minikeras/tree): Keras's own expectations from keras/src/tree/tree_test.py."""
from collections import OrderedDict, defaultdict, deque, namedtuple

import numpy as np
import pytest

from minikeras import tree

Empty = namedtuple("Empty", [])
Point = namedtuple("Point", ["x", "y"])
OtherPoint = namedtuple("OtherPoint", ["x", "y"])


def _none():
    return None


def strict(a, b):
    assert a == b and type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            strict(a[k], b[k])
    elif isinstance(a, (list, tuple, deque)):
        for x, y in zip(a, b):
            strict(x, y)


@pytest.mark.parametrize("value,nested", [
    (1, False), ("1234", False), (b"1234", False), (bytearray(b"12"), False),
    (np.ones((4, 5)), False), ({1, 2}, False), (None, False), ((), True), ([1], True),
    (deque([1]), True), (Empty(), True), (Point(1, 2), True), ({}, True),
    (OrderedDict(a=1), True), (defaultdict(_none), True)])
def test_is_nested(value, nested):
    assert tree.is_nested(value) is nested


def test_flatten_and_paths():
    strict(tree.flatten(1), [1])
    strict(tree.flatten(None), [None])
    strict(tree.flatten({"b": 2, "a": 1}), [1, 2])
    strict(tree.flatten(OrderedDict([("b", 2), ("a", 1)])), [2, 1])
    strict(tree.flatten(defaultdict(_none, [("b", 2), ("a", 1)])), [1, 2])
    strict(tree.flatten(Point(y=2, x=1)), [1, 2])
    strict(tree.flatten({100: "world!", 6: "Hello"}), ["Hello", "world!"])
    strict(tree.flatten([[1, 2, 3], [4, [5], [[6]]]]), [1, 2, 3, 4, 5, 6])
    strict(tree.flatten_with_path(1), [((), 1)])
    strict(tree.flatten_with_path([{"foo": 42}]), [((0, "foo"), 42)])
    strict(tree.flatten_with_path(OrderedDict([("b", 2), ("a", 1)])), [(("b",), 2), (("a",), 1)])
    strict(tree.flatten_with_path(Point(y=2, x=1)), [((0,), 1), ((1,), 2)])


def test_pack_sequence_as():
    strict(tree.pack_sequence_as({"key3": "", "key1": "", "key2": ""}, ["v1", "v2", "v3"]),
           {"key3": "v3", "key1": "v1", "key2": "v2"})
    strict(tree.pack_sequence_as((("a", "b"), ("c", "d", "e"), "f"), [1, 2, 3, 4, 5, 6]),
           ((1, 2), (3, 4, 5), 6))
    strict(tree.pack_sequence_as({"key3": {"c": ("alpha", "beta"), "a": "gamma"},
                                  "key1": {"e": "val1", "d": "val2"}},
                                 ["val2", "val1", 3.0, 1.0, 2.0]),
           {"key3": {"c": (1.0, 2.0), "a": 3.0}, "key1": {"e": "val1", "d": "val2"}})
    d = tree.pack_sequence_as(defaultdict(_none, b=0, a=0), [1, 2])
    assert d.default_factory is _none and list(d.items()) == [("b", 2), ("a", 1)]
    assert tree.pack_sequence_as(deque([0, 0], maxlen=3), [5, 6]).maxlen == 3
    with pytest.raises(TypeError, match="[Ii]terable"):
        tree.pack_sequence_as([10, 20], 1)
    with pytest.raises(ValueError, match="leaves.*expected: 1"):
        tree.pack_sequence_as(10, [])
    with pytest.raises(ValueError, match="Too few leaves"):
        tree.pack_sequence_as([10, 20], [1])
    with pytest.raises(ValueError, match="Too many leaves"):
        tree.pack_sequence_as([10, 20], [1, 2, 3])


def test_map_structure():
    strict(tree.map_structure(lambda v: v ** 2, [[1], [2], [3]]), [[1], [4], [9]])
    strict(tree.map_structure(lambda v: v * 2, Point(a := 1, 2)), Point(2 * a, 4))
    strict(tree.map_structure(lambda x, y: x + y, OrderedDict([("b", 1), ("a", 2)]),
                              {"a": 10, "b": 20}), OrderedDict([("b", 21), ("a", 12)]))
    strict(tree.map_structure(lambda v: v + 1, [None, 1], none_is_leaf=False), [None, 2])
    with pytest.raises(TypeError, match="callable"):
        tree.map_structure("bad", [1, 2])
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(lambda v: v)
    f2 = lambda a, b: a  # noqa: E731
    for a, b, pattern in [((), [], "tuple"), ((), deque(), "tuple"), ((), Empty(), "tuple"),
                          ([], deque(), "list"), ([], Empty(), "list"), (deque(), Empty(), "deque"),
                          (Point(1, 2), OtherPoint(1, 2), "namedtuple"),
                          ((1, 2), (1,), "arity"), ([1, 2], [1], "arity"),
                          ({"a": 1, "b": 2}, {"a": 1}, "key"), (1, (1,), "same nested")]:
        with pytest.raises(ValueError, match=pattern):
            tree.map_structure(f2, a, b)


def test_map_structure_up_to():
    shallow = OtherPoint(x=2, y=3)
    deep = OtherPoint(x=Point(x=1, y=2), y=Point(x=2, y=3))
    out = tree.map_structure_up_to(shallow, lambda a, b: (a + b.x) * b.y, shallow, deep)
    assert (out.x, out.y) == (6, 15)
    names = ["evens", ["odds", "primes"]]
    data = [[2, 4, 6, 8], [[1, 3, 5, 7, 9], [3, 5, 7]]]
    assert tree.map_structure_up_to(names, lambda n, s: f"first_{len(s)}_{n}", names, data) == \
        ["first_4_evens", ["first_5_odds", "first_3_primes"]]


def test_assert_same_structure_and_paths():
    tree.assert_same_structure([(0, 1)], [(2, 3)])
    tree.assert_same_structure({"a": 1, "b": 2}, OrderedDict([("b", 3), ("a", 4)]))
    for a, b, pattern in [(1, (), "don't have the same nested"), ((), 1, "[Ee]xpected.*tuple"),
                          ({}, 1, "[Ee]xpected.*dict"), (Point(1, 2), OtherPoint(1, 2), "Point"),
                          ((1, 2), (1,), "[Aa]rity mismatch")]:
        with pytest.raises(ValueError, match=pattern):
            tree.assert_same_structure(a, b)
    with pytest.warns(DeprecationWarning):
        tree.assert_same_structure([1], [2], check_types=True)
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths(Point(0, 1), OtherPoint(2, 3))
    with pytest.raises(ValueError, match="don't have the same paths"):
        tree.assert_same_paths({"a": 1}, {"b": 1})


def test_traverse():
    seen = []
    out = tree.traverse(lambda x: seen.append(x), [(1, 2), [3], {"a": 4}], top_down=True)
    strict(out, [(1, 2), [3], {"a": 4}])
    assert seen == [[(1, 2), [3], {"a": 4}], (1, 2), 1, 2, [3], 3, {"a": 4}, 4]
    seen.clear()
    tree.traverse(lambda x: seen.append(x), [(1, 2), [3], {"a": 4}], top_down=False)
    assert seen == [1, 2, (1, 2), 3, [3], 4, {"a": 4}, [(1, 2), [3], {"a": 4}]]
    strict(tree.traverse(lambda x: tree.MAP_TO_NONE if x == (1, 2) else None, [(1, 2), 3]),
           [None, 3])
    strict(tree.traverse(lambda x: None if tree.is_nested(x) else x + 10, {"b": (1,), "a": 2},
                         top_down=False), {"b": (11,), "a": 12})


def test_lists_to_tuples_and_shapes():
    strict(tree.lists_to_tuples([[1], [2, 3]]), ((1,), (2, 3)))
    strict(tree.lists_to_tuples(({"b": [2, 3], "a": (1,)},)), ({"b": (2, 3), "a": (1,)},))
    visited = []

    def v(x):
        visited.append(x)
        return tuple(x) + (10,) if isinstance(x, (tuple, list)) else None
    strict(tree.map_shape_structure(v, {"a": [1, 2, None], "b": (5,), "c": "hi"}),
           {"a": (1, 2, None, 10), "b": (5, 10), "c": None})
    assert visited == [[1, 2, None], (5,), "hi"]


def test_registered_node_class():
    @tree.register_tree_node_class
    class Box:
        def __init__(self, items, tag):
            self.items, self.tag = items, tag

        def tree_flatten(self):
            return self.items, self.tag

        @classmethod
        def tree_unflatten(cls, tag, children):
            return cls(list(children), tag)

    box = tree.map_structure(lambda v: v + 1, {"k": Box([1, (2, 3)], "t")})
    assert box["k"].items == [2, (3, 4)] and box["k"].tag == "t"
    assert tree.flatten(Box([1, [2]], "t")) == [1, 2]
    with pytest.raises(ValueError, match="Mismatch custom node data"):
        tree.assert_same_structure(Box([1], "a"), Box([1], "b"))


def test_registered_node_with_path_entries_and_foreign_map_to_none():
    @tree.register_tree_node_class
    class Named:
        def __init__(self, d):
            self.d = d

        def tree_flatten(self):  # optree's three-tuple: the keys are the paths
            keys = sorted(self.d)
            return [self.d[k] for k in keys], keys, keys

        @classmethod
        def tree_unflatten(cls, keys, children):
            return cls(dict(zip(keys, children)))

    assert tree.flatten_with_path(Named({"b": 2, "a": 1})) == [(("a",), 1), (("b",), 2)]
    tree.assert_same_paths(Named({"b": 2, "a": 1}), {"a": 10, "b": 20})

    class MAP_TO_NONE:  # e.g. Keras's own: recognised by name, as Keras does
        pass
    assert tree.traverse(lambda x: MAP_TO_NONE if x == 1 else None, [1, [2]]) == [None, [2]]
