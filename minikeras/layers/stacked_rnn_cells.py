"""`StackedRNNCells` (cells used as one cell) and the helpers `RNN` shares with it: calling,
building and (de)serializing a cell, and its zero initial states."""
import inspect

import numpy as onp

from minikeras.layers.layer import Layer


def is_nested(x):
    """Whether `x` is a list/tuple (of states), as Keras's `tree.is_nested`."""
    return isinstance(x, (list, tuple))


def output_size_of(cell):
    """`cell.output_size`, else its (first) state size."""
    if getattr(cell, "output_size", None) is not None:
        return cell.output_size
    return cell.state_size[0] if is_nested(cell.state_size) else cell.state_size


def zero_states(state_size, batch_size, dtype, keep_int=False):
    """Zero states (batch_size, d) for each size; a single array for an int if `keep_int`."""
    if keep_int and isinstance(state_size, int):
        return onp.zeros((batch_size, state_size), dtype=dtype)
    return [onp.zeros((batch_size, d), dtype=dtype) for d in state_size]


def serialize_cell(cell):
    """`{"module", "class_name", "config", "registered_name"[, "build_config"]}`, as Keras."""
    config = {"module": "keras.layers", "class_name": type(cell).__name__,
              "config": cell.get_config(), "registered_name": None}
    build_config = cell.get_build_config() if isinstance(cell, Layer) else None
    if build_config:
        config["build_config"] = build_config
    return config


def deserialize_cell(config, custom_objects=None):
    """A cell from `serialize_cell`'s dict: a minikeras layer class, or one in `custom_objects`."""
    if not isinstance(config, dict):
        return config
    from minikeras import layers
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or (custom_objects or {}).get(
        config.get("registered_name")) or getattr(layers, name, None)
    if cls is None:
        raise ValueError(f"Could not locate class '{name}'. Make sure custom classes are passed "
                         f"in `custom_objects`. Full object config: {config}")
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        cell = cls.from_config(config["config"], custom_objects=custom_objects)
    else:
        cell = cls.from_config(config["config"])
    if isinstance(cell, Layer) and config.get("build_config"):
        cell.build_from_config(config["build_config"])
    return cell


def plain_dtype(config):
    """The config with a serialized dtype policy replaced by its dtype name."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name")
    return config


def build_child(parent, child, input_shape):
    """Builds `child` (a cell) inside `parent`; its weights' paths get the parent's name, as
    Keras's name scopes give ("lstm/lstm_cell/kernel")."""
    if isinstance(child, Layer) and not child.built:
        child._maybe_build(input_shape)
        for v in child.weights:
            v.path = f"{parent.name}/{v.path}"


def call_cell(cell, inputs, states, training):
    """`cell(inputs, states)` as Keras calls it: `training` only if the cell's call takes it."""
    if isinstance(cell, Layer):
        return cell(inputs, states, training=training)
    params = inspect.signature(cell.call).parameters
    kwargs = {"training": training} if "training" in params else {}
    return cell.call(inputs, states, **kwargs)


class StackedRNNCells(Layer):
    """A stack of cells used as one cell: cell k's output is cell k+1's input.

    Args:
        cells: list of cells; `state_size` is the list of the cells' state sizes.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError("All cells must have a `call` method. "
                                 f"Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError("All cells must have a `state_size` attribute. "
                                 f"Received cell without a `state_size`: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return output_size_of(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        return [cell.get_initial_state(batch_size=batch_size) if hasattr(cell, "get_initial_state")
                else zero_states(cell.state_size, batch_size, self.compute_dtype, keep_int=True)
                for cell in self.cells]

    def build(self, input_shape):
        for cell in self.cells:
            build_child(self, cell, input_shape)
            input_shape = (input_shape[0], output_size_of(cell))

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            inputs, cell_states = call_cell(cell, inputs, cell_states, training)
            if len(cell_states) == 1 and not was_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, (new_states[0] if len(new_states) == 1 else new_states)

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_cell(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = plain_dtype(config)
        cells = [deserialize_cell(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
