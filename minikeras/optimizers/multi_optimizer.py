"""MultiOptimizer: a different optimizer for different variables, chosen by path or function."""
import re
from collections.abc import MutableMapping

from minikeras.optimizers.base import Optimizer
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer


class OptimizerMap(MutableMapping):
    """Variable path patterns (matched with `re.fullmatch`) -> optimizer, with a default.

    Called on a variable, returns the optimizer of the one pattern its `path` matches (an exact
    key first), else `default_optimizer`; two matching patterns are an error.
    """

    _keras_module = "optimizers"

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        return self._optimizer_map[matching[0]] if matching else self.default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        from minikeras.optimizers import serialize
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.optimizers import deserialize
        optimizer_map = {k: deserialize(v, custom_objects)
                         for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(deserialize(config["default_optimizer"], custom_objects), optimizer_map)


class MultiOptimizer(Optimizer):
    """Routes each variable's gradient to its own optimizer.

    Args:
        optimizer_map: an `OptimizerMap`, or a function from a variable to its optimizer.
        loss_scale_factor: set on every inner optimizer.
        name: defaults to "multi_optimizer".

    `variables` are its own (iteration, learning_rate) followed by each inner optimizer's, in
    the order the optimizers were first met; `learning_rate` belongs to the inner optimizers.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            candidates.append(default)
        for opt in candidates:
            if not any(opt is o for o in self._inner_optimizers):
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)

    def build(self, var_list):
        if self.built:
            return
        self._var_to_optimizer_idx = {}
        self._trainable_variables_indices = {}
        for i, var in enumerate(var_list):
            opt = self._optimizer_map(var)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {var} is not an Optimizer instance.")
            if isinstance(opt, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if not any(opt is o for o in self._inner_optimizers):
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
            self._var_to_optimizer_idx[id(var)] = self._index_of(opt)
            self._trainable_variables_indices[id(var)] = i
        for opt, variables in zip(self._inner_optimizers, self._split(var_list)):
            if variables:
                opt.build(variables)
        super().build(var_list)

    def _index_of(self, opt):
        return next(i for i, o in enumerate(self._inner_optimizers) if o is opt)

    def _split(self, items, variables=None):
        """`items` (variables, or (gradient, variable) pairs) grouped per inner optimizer."""
        groups = [[] for _ in self._inner_optimizers]
        for item, var in zip(items, variables if variables is not None else items):
            groups[self._var_to_optimizer_idx[id(var)]].append(item)
        return groups

    @property
    def optimizers(self):
        return self._inner_optimizers

    @property
    def variables(self):
        return self._variables + [v for opt in self._inner_optimizers for v in opt.variables]

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on "
            "the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
            "individual sub-optimizers instead.")

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def iterations(self):
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
            self.built = True
        if len(grads) != len(self._trainable_variables_indices):
            raise ValueError(
                "Gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(self._trainable_variables_indices)} variables.")
        pairs = self._split(list(zip(grads, trainable_variables)), trainable_variables)
        for opt, group in zip(self._inner_optimizers, pairs):
            if group:
                sub_grads, sub_vars = zip(*group)
                opt.apply(list(sub_grads), list(sub_vars))
        self._iterations.assign(self._iterations.value + 1)

    def finalize_variable_values(self, var_list):
        for opt, variables in zip(self._inner_optimizers, self._split(var_list)):
            if variables:
                opt.finalize_variable_values(variables)

    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            variable.assign(weight)
        start = len(self._variables)
        for opt in self._inner_optimizers:
            n = len(opt.variables)
            if n:
                opt.set_weights(weights[start:start + n])
                start += n

    def get_config(self):
        from minikeras.saving.serialization_lib import serialize_keras_object
        from minikeras.utils.registry import class_config
        optimizer_map = self._optimizer_map
        serialized = (class_config(optimizer_map) if isinstance(optimizer_map, OptimizerMap)
                      else serialize_keras_object(optimizer_map))
        return {"optimizer_map": serialized, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer_map = config["optimizer_map"]
        if isinstance(optimizer_map, dict) and optimizer_map.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(optimizer_map["config"],
                                                               custom_objects)
        else:
            from minikeras.saving.serialization_lib import deserialize_keras_object
            config["optimizer_map"] = deserialize_keras_object(optimizer_map,
                                                               custom_objects=custom_objects)
        return cls(**config)
