"""Optimizers that divide by a running root-mean-square: RMSprop, Adagrad, Adadelta.

All three update their accumulators in place and let the variable adopt its new array (the
write style of `Optimizer`); RMSprop, the most used, also reuses its temporaries in place.
"""
import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments, scratch, uses_step_constants


def _decay_add(slot, decay, x):
    """slot <- decay * slot + x, in place; returns slot."""
    slot *= decay
    slot += x
    return slot


class RMSprop(Optimizer):
    """RMSprop.

        v <- rho * v + (1 - rho) * g^2
        centered:  a <- rho * a + (1 - rho) * g;  d = v - a^2 + epsilon   (else d = v + epsilon)
        inc = lr * g / sqrt(d)
        momentum > 0:  mom <- momentum * mom + inc;  w <- w - mom      (else w <- w - inc)

    Args:
        learning_rate: defaults to 0.001.  rho: 0.9.  momentum: 0.0.  epsilon: 1e-7.
        centered: normalise by the estimated variance instead of the second moment.
    """

    _config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _step_constants(self, learning_rate):
        return self._constants(learning_rate, rho=self.rho, one_minus_rho=1 - self.rho,
                               epsilon=self.epsilon, momentum=self.momentum)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, rho, one_minus_rho, epsilon,
                    momentum):
        i = self._get_variable_index(variable)
        velocity = self._velocities[i].value
        _decay_add(velocity, rho, one_minus_rho * onp.square(gradient))
        if self.centered:
            average_gradient = self._average_gradients[i].value
            _decay_add(average_gradient, rho, one_minus_rho * gradient)
            denominator = velocity - onp.square(average_gradient)
            denominator += epsilon
        else:
            denominator = velocity + epsilon
        increment = learning_rate * gradient
        increment /= onp.sqrt(denominator, out=scratch(denominator))
        if self.momentum > 0:
            increment = _decay_add(self._momentums[i].value, momentum, increment)
        variable._adopt(variable.value - increment)


class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates from the sum of past squared gradients.

        acc <- acc + g^2;   w <- w - lr * g / sqrt(acc + epsilon)

    Args:
        learning_rate: defaults to 0.001.  initial_accumulator_value: 0.1.  epsilon: 1e-7.
    """

    _config_keys = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def _step_constants(self, learning_rate):
        return self._constants(learning_rate, epsilon=self.epsilon)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, epsilon):
        accumulator = self._accumulators[self._get_variable_index(variable)].value
        accumulator += onp.square(gradient)
        variable._adopt(variable.value - learning_rate * gradient / onp.sqrt(accumulator + epsilon))


class Adadelta(Optimizer):
    """Adadelta.

        a_g <- rho * a_g + (1 - rho) * g^2
        delta = -sqrt(a_d + epsilon) * g / sqrt(a_g + epsilon)
        a_d <- rho * a_d + (1 - rho) * delta^2
        w <- w + lr * delta

    Args:
        learning_rate: defaults to 0.001.  rho: 0.95.  epsilon: 1e-7.
    """

    _config_keys = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def _step_constants(self, learning_rate):
        return self._constants(learning_rate, rho=self.rho, one_minus_rho=1 - self.rho,
                               epsilon=self.epsilon)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, rho, one_minus_rho, epsilon):
        i = self._get_variable_index(variable)
        a_g, a_d = self._accumulated_grads[i].value, self._accumulated_delta_vars[i].value
        onp.add(rho * a_g, one_minus_rho * onp.square(gradient), out=a_g)
        delta = -(onp.sqrt(a_d + epsilon) * gradient / onp.sqrt(a_g + epsilon))
        onp.add(rho * a_d, one_minus_rho * onp.square(delta), out=a_d)
        variable._adopt(variable.value + learning_rate * delta)
