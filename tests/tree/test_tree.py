"""minikeras.tree: Keras's nested-structure API (dicts walked by sorted key, None a leaf)."""
import collections

import numpy as np
import pytest

from minikeras import tree

Point = collections.namedtuple("Point", ["x", "y"])


def test_flatten_orders_dicts_by_sorted_key_and_keeps_none_as_leaf():
    structure = {"b": [1, (2, None)], "a": 3, "c": {"z": 4, "y": 5}}
    assert tree.flatten(structure) == [3, 1, 2, None, 5, 4]
    assert tree.flatten(7) == [7]
    assert tree.flatten(None) == [None]
    assert tree.flatten([]) == []
    assert tree.flatten(Point(1, [2, 3])) == [1, 2, 3]


def test_flatten_keeps_arrays_whole():
    a = np.zeros((2, 3))
    assert tree.flatten([a, {"k": a}])[1] is a


def test_is_nested():
    for nested in ([], (), {}, [1], Point(1, 2), collections.OrderedDict(a=1)):
        assert tree.is_nested(nested)
    for leaf in (1, None, "ab", np.zeros(3)):
        assert not tree.is_nested(leaf)


def test_map_structure_keeps_each_dicts_own_key_order_and_namedtuples():
    result = tree.map_structure(lambda v: v * 10, {"b": [1, 2], "a": Point(3, 4)})
    assert list(result) == ["b", "a"]
    assert result == {"b": [10, 20], "a": Point(30, 40)}
    assert type(result["a"]) is Point
    assert tree.map_structure(lambda v: v, (1, [2])) == (1, [2])


def test_map_structure_over_several_structures_checks_they_match():
    assert tree.map_structure(lambda a, b: a + b, [1, {"k": 2}], [10, {"k": 20}]) == [11, {"k": 22}]
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure(lambda a, b: a, [1, 2], [1, [2]])
    with pytest.raises(ValueError, match="length"):
        tree.map_structure(lambda a, b: a, [1, 2], [1])
    with pytest.raises(ValueError, match="at least one"):
        tree.map_structure(lambda a: a)


def test_map_structure_none_is_leaf_switch():
    seen = []
    tree.map_structure(lambda v: seen.append(v), [1, None])
    assert seen == [1, None]
    assert tree.map_structure(lambda v: v + 1, [1, None], none_is_leaf=False) == [2, None]
    assert tree.map_structure(lambda v: v + 1, None, none_is_leaf=False) is None


def test_pack_sequence_as_is_flattens_inverse():
    structure = {"b": [0, (0, 0)], "a": 0}
    flat = tree.flatten(tree.map_structure(lambda _: object(), structure))
    packed = tree.pack_sequence_as(structure, flat)
    assert tree.flatten(packed) == flat
    assert list(packed) == ["b", "a"] and isinstance(packed["b"][1], tuple)
    assert tree.pack_sequence_as(Point(0, 0), [5, 6]) == Point(5, 6)
    with pytest.raises(ValueError, match="Cannot pack a sequence of 2 values"):
        tree.pack_sequence_as([0, 0, 0], [1, 2])
    as_lists = tree.pack_sequence_as((0, (0, 0)), [1, 2, 3], sequence_fn=lambda t, items: list(items))
    assert as_lists == [1, [2, 3]]


def test_flatten_with_path():
    assert tree.flatten_with_path({"b": [5, 6], "a": 7}) == [(("a",), 7), (("b", 0), 5),
                                                               (("b", 1), 6)]
    assert tree.flatten_with_path(3) == [((), 3)]


def test_assert_same_structure():
    tree.assert_same_structure([1, {"a": 2}], ["x", {"a": "y"}])
    with pytest.raises(ValueError, match="sequence type"):
        tree.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError, match="keys"):
        tree.assert_same_structure({"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="same nested structure"):
        tree.assert_same_structure(1, [1])


def test_map_structure_up_to_hands_over_deeper_parts_whole():
    shallow = {"a": None, "b": [None, None]}
    deep = {"a": [1, 2], "b": [3, {"c": 4}]}
    assert tree.map_structure_up_to(shallow, lambda v: repr(v), deep) == \
        {"a": "[1, 2]", "b": ["3", "{'c': 4}"]}
    assert tree.map_structure_up_to([0, 0], lambda a, b: a + b, [1, 2], [10, 20]) == [11, 22]
    with pytest.raises(ValueError, match="deeper"):
        tree.map_structure_up_to([[0]], lambda v: v, [1])
    with pytest.raises(ValueError, match="2 items"):
        tree.map_structure_up_to([0, 0], lambda v: v, [1, 2, 3])


def test_traverse_top_down_and_bottom_up():
    structure = [1, [2, 3], {"k": 4}]
    # top down: returning a value replaces the subtree without looking inside
    replaced = tree.traverse(lambda s: "list" if isinstance(s, list) and len(s) == 2 else None,
                             structure)
    assert replaced == [1, "list", {"k": 4}]
    assert tree.traverse(lambda s: tree.MAP_TO_NONE if s == 4 else None, structure) == \
        [1, [2, 3], {"k": None}]
    visited = []
    tree.traverse(lambda s: visited.append(s), [1, [2]])
    assert visited == [[1, [2]], 1, [2], 2]
    # bottom up: children first, func sees the rebuilt container
    doubled = tree.traverse(lambda s: s * 2 if isinstance(s, int) else None, structure,
                            top_down=False)
    assert doubled == [2, [4, 6], {"k": 8}]
    visited = []
    tree.traverse(lambda s: visited.append(s), [1, [2]], top_down=False)
    assert visited == [1, 2, [2], [1, [2]]]


def test_lists_to_tuples():
    result = tree.lists_to_tuples({"a": [1, [2, 3]], "b": Point([1], 2)})
    assert result == {"a": (1, (2, 3)), "b": Point((1,), 2)}
    hash(result["a"])


def test_map_shape_structure_treats_shapes_as_leaves():
    shapes = {"x": (None, 3), "y": [(None, 2), [4, 5]]}
    result = tree.map_shape_structure(lambda s: s[1:], shapes)
    assert result == {"x": (3,), "y": [(2,), (5,)]}
    with pytest.raises(ValueError, match="structure of shapes"):
        tree.map_shape_structure(lambda s: s, {"x": "nope"})


def test_every_nested_walk_agrees_with_tree_order():
    """The data adapters and the graph's nodes flatten in tree's order (dicts by sorted key)."""
    from minikeras import layers
    from minikeras.ops.node import Node
    from minikeras.trainers.data_adapters import flatten_arrays

    data = {"b": np.ones(2), "a": np.zeros(2)}
    assert [a.sum() for a in flatten_arrays(data)] == [0.0, 2.0]
    assert flatten_arrays([data["a"], None]) == [data["a"]]
    a, b = layers.Input((2,), name="a"), layers.Input((2,), name="b")
    node = Node(layers.Identity(), ({"b": b, "a": a},), {}, a)
    assert node.input_tensors == [a, b]


def test_map_shape_structure_takes_structures_that_go_along():
    shapes = {"x": (None, 3), "y": [(None, 2)]}
    dtypes = {"x": "float32", "y": ["int32"]}
    assert tree.map_shape_structure(lambda s, d: (s[1], d), shapes, dtypes) == \
        {"x": (3, "float32"), "y": [(2, "int32")]}
    assert tree.map_shape_structure(lambda s: s, (np.int64(2), None)) == (2, None)


def test_structure_of_shapes_makes_tuple_containers_lists():
    a, b = np.zeros((2, 3)), np.zeros((2, 5), dtype="int32")
    assert tree.structure_of_shapes((a, {"k": b})) == [(2, 3), {"k": (2, 5)}]
    assert tree.structure_of_shapes(a) == (2, 3)
    assert tree.structure_of_shapes([a, b], lambda x: x.dtype) == [np.dtype("float64"),
                                                                    np.dtype("int32")]


# -- assert_same_paths (Keras 3.15's messages, from the reference venv) ----------------------------
def test_assert_same_paths_ignores_container_types():
    tree.assert_same_paths([0, 1], (2, 3))
    point1 = collections.namedtuple("Point1", ["x", "y"])
    point2 = collections.namedtuple("Point2", ["x", "y"])
    tree.assert_same_paths(point1(0, 1), point2(2, 3))
    tree.assert_same_paths({"a": [1, None]}, {"a": (None, 2)})
    tree.assert_same_paths([[]], [()])
    tree.assert_same_paths(1, 2)


def test_assert_same_paths_names_the_differences():
    with pytest.raises(ValueError) as error:
        tree.assert_same_paths([0, 1], {"a": 1})
    assert str(error.value) == ("`a` and `b` don't have the same paths.\nPaths in `a` missing "
                                "in `b`:\n{(0,), (1,)}\nPaths in `b` missing in `a`:\n{('a',)}")
    with pytest.raises(ValueError, match=r"Paths in `b` missing in `a`:\n\{\(0, 0\)\}"):
        tree.assert_same_paths([1], [[1]])
