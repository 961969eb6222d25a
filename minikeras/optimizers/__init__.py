"""`keras.optimizers`: the optimizers, learning rate schedules, get/serialize/deserialize."""
from minikeras.optimizers import legacy, schedules
from minikeras.optimizers.adafactor import Adafactor
from minikeras.optimizers.adam import Adam, Adamax, AdamW, Nadam
from minikeras.optimizers.base import Optimizer
from minikeras.optimizers.ftrl import Ftrl
from minikeras.optimizers.lamb import Lamb
from minikeras.optimizers.lion import Lion
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from minikeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from minikeras.optimizers.muon import Muon
from minikeras.optimizers.rmsprop import Adadelta, Adagrad, RMSprop
from minikeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from minikeras.optimizers.sgd import SGD
from minikeras.utils.registry import class_config, lookup

ALL_OBJECTS = (Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Nadam, Ftrl,
               Lion, Adafactor, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer,
               OptimizerMap)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}
_NAMES = {k: v for k, v in ALL_OBJECTS_DICT.items() if k != "optimizer"}
# Public but left out of Keras's name table (`get("lamb")` is refused, as in Keras); a
# serialized config, which names the module "keras.optimizers", still loads.
_CONFIG_ONLY = {"Lamb": Lamb}

__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["Lamb", "legacy", "schedules", "get",
                                                   "serialize", "deserialize"]


def serialize(optimizer):
    """`{"module": "keras.optimizers", "class_name", "config", "registered_name"}`."""
    return class_config(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from `serialize`'s dict; built-in class names match case-insensitively."""
    custom_objects = custom_objects or {}
    name = config["class_name"]
    if name in custom_objects:
        cls = custom_objects[name]
    elif config.get("registered_name") in custom_objects:
        cls = custom_objects[config["registered_name"]]
    elif name in _CONFIG_ONLY and config.get("module") == "keras.optimizers":
        cls = _CONFIG_ONLY[name]
    else:
        key = name.lower() if name.lower() in _NAMES else name
        cls = lookup("optimizer", key, _NAMES)
    inner = dict(config.get("config", {}))
    if isinstance(inner.get("learning_rate"), dict):
        inner["learning_rate"] = schedules.deserialize(inner["learning_rate"], custom_objects)
    if cls in (LossScaleOptimizer, MultiOptimizer, OptimizerMap):  # they hold optimizers
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """An optimizer from a name ("adam"), a config dict, or an instance (returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
