"""Stochastic gradient descent, with optional (Nesterov) momentum."""
import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments, scratch, uses_step_constants


class SGD(Optimizer):
    """Gradient descent (with momentum).

        momentum == 0:  w <- w - lr * g
        otherwise:      v <- momentum * v - lr * g;  w <- w + v
        nesterov:       v <- momentum * v - lr * g;  w <- w + momentum * v - lr * g

    Args:
        learning_rate: float, schedule or callable; defaults to 0.01.
        momentum: float in [0, 1]; defaults to 0.0.
        nesterov: whether to apply Nesterov momentum.
        **kwargs: the base `Optimizer` arguments (clipnorm, weight_decay, name, ...).
    """

    _config_keys = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _step_constants(self, learning_rate):
        return self._constants(learning_rate, momentum=self.momentum)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, momentum):
        step = gradient * learning_rate
        if self.momentum == 0:
            variable._adopt(variable.value - step)
            return
        v = self.momentums[self._get_variable_index(variable)].value
        v *= momentum
        v -= step
        if self.nesterov:
            step = onp.subtract(v * momentum, step, out=scratch(step))
            variable._adopt(variable.value + step)
        else:
            variable._adopt(variable.value + v)
