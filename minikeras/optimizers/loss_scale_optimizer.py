"""LossScaleOptimizer: dynamic loss scaling around another optimizer (for float16 training)."""
import numpy as onp

from minikeras.optimizers.base import Optimizer

# The base arguments Keras once serialized for this class: accepted at their defaults only.
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Scales the loss by `dynamic_scale` and the gradients back before `inner_optimizer` steps.

    A step whose gradients are all finite is applied (with `g / scale`), and after
    `dynamic_growth_steps` such steps in a row the scale doubles; a step with an inf or NaN
    gradient is skipped and halves the scale.

    Args:
        inner_optimizer: the `Optimizer` that applies the unscaled gradients.
        initial_scale: the starting scale, 2**15.
        dynamic_growth_steps: finite steps between doublings, 2000.
        name: defaults to "loss_scale_optimizer".
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`.")
        for arg_name, default in _BASE_DEFAULTS.items():
            if arg_name in kwargs and kwargs.pop(arg_name) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg_name}`. Instead, "
                                 f"set `{arg_name}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # the inner optimizer must not unscale a second time
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list):
        self.step_counter = self.add_variable((), initializer="zeros", dtype="int64",
                                              name="step_counter")
        self.dynamic_scale = self.add_variable((), initializer=float(self.initial_scale),
                                               dtype="float32", name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        """Its own (iteration, learning_rate, step_counter, dynamic_scale), then the inner's."""
        return self._variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            self.build(trainable_variables)
            self.built = True
        if self.check_finite(grads):
            self._apply_finite(grads, trainable_variables)
        else:  # skip the step, halve the scale
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value * 0.5)

    def _apply_finite(self, grads, trainable_variables):
        scale = self.dynamic_scale.value
        variables = trainable_variables or self._trainable_variables
        unscaled = [g if g is None or getattr(v, "overwrite_with_gradient", False)
                    else onp.asarray(g) / scale for g, v in zip(grads, variables)]
        self.inner_optimizer.apply(unscaled, trainable_variables=trainable_variables)
        if int(self.step_counter.value) == self.dynamic_growth_steps - 1:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(scale * 2.0)
        else:
            self.step_counter.assign(self.step_counter.value + 1)

    def check_finite(self, grads):
        """Whether every (non-None) gradient is finite."""
        return all(bool(onp.all(onp.isfinite(onp.asarray(g)))) for g in grads if g is not None)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """`loss * dynamic_scale` (the initial scale before the optimizer is built)."""
        scale = self.dynamic_scale.value if self.built else self.initial_scale
        return loss * onp.asarray(scale, dtype="float32")

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        from minikeras.optimizers import serialize
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.optimizers import deserialize
        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
