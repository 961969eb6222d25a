"""`{variable path: variable}` over everything a model saves (its layers, optimizer and
metrics), walked as the `.keras` writer walks them (Keras's `models/variable_mapping.py`)."""
from minikeras.saving import saving_lib


def _saveable(obj):
    from minikeras.metrics.metric import Metric
    return isinstance(obj, saving_lib._saveable_types() + (Metric,))


def map_saveable_variables(saveable, store, visited_saveables):
    """Adds the variables of `saveable` and of the objects under it to `store`; a path seen
    twice is a ValueError."""
    if id(saveable) in visited_saveables:
        return
    visited_saveables.add(id(saveable))
    from minikeras.layers.layer import Layer
    if isinstance(saveable, Layer):  # a layer: its own variables
        variables = saveable._trainable_variables + saveable._non_trainable_variables
    else:  # an optimizer or a metric
        variables = list(getattr(saveable, "variables", []))
    for v in variables:
        if v.path in store and store[v.path] is not v:
            raise ValueError(
                f"The model contains two variables with a duplicate path: path='{v.path}' "
                f"appears at least twice. This path is used for {v} and for {store[v.path]}. "
                "In order to get a variable map, make sure to use unique paths/names for each "
                "variable.")
        store[v.path] = v
    for _, child in saving_lib._walk(saveable):
        if _saveable(child):
            map_saveable_variables(child, store, visited_saveables)
        elif isinstance(child, (list, tuple, dict, set)):
            map_container_variables(child, store, visited_saveables)


def map_container_variables(container, store, visited_saveables):
    for item in (container.values() if isinstance(container, dict) else container):
        if _saveable(item):
            map_saveable_variables(item, store, visited_saveables)
