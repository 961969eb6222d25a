"""`keras.tree`: flatten, map and check nested structures of lists, tuples, dicts, ..."""
from minikeras.tree.tree_api import (MAP_TO_NONE, assert_same_paths, assert_same_structure,
                                     flatten, flatten_with_path, is_nested, lists_to_tuples,
                                     map_shape_structure, map_structure, map_structure_up_to,
                                     pack_sequence_as, traverse)
# not in Keras's public `keras.tree`, but Keras code registers node classes with it
from minikeras.tree.tree_api import register_tree_node_class as register_tree_node_class

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]
