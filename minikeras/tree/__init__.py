"""`minikeras.tree`: Keras's `keras.tree`, utilities for nested lists / tuples / dicts.

    from minikeras import tree
    tree.flatten({"b": [1, 2], "a": 3})                          # [3, 1, 2]: dicts by sorted key
    tree.map_structure(lambda v: v * 10, {"b": [1, 2], "a": 3})  # {"b": [10, 20], "a": 30}

This package sits at the bottom of minikeras (it imports nothing from it), so every other
package walks nested data through it and all of them agree on the order of the leaves.
"""
from minikeras.tree.tree_api import (MAP_TO_NONE, assert_same_paths, assert_same_structure,
                                     flatten, flatten_with_path, is_nested, is_shape_tuple,
                                     lists_to_tuples, map_shape_structure, map_structure,
                                     map_structure_up_to, pack_sequence_as,
                                     structure_of_shapes, traverse)

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested",
           "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to",
           "pack_sequence_as", "traverse"]
