"""Optimizers that divide by a running root-mean-square: RMSprop, Adagrad, Adadelta."""
import numpy as onp

from minikeras.optimizers.base import Optimizer


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

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
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

    def _prepare_step(self, learning_rate):
        self._c = self._consts(learning_rate, self.rho, 1 - self.rho, self.epsilon, self.momentum)

    def update_step(self, gradient, variable, learning_rate):
        rho, one_rho, eps, momentum = self._c
        i = self._get_variable_index(variable)
        velocity = self._velocities[i].value  # the slots are updated in place: they are ours
        _decay_add(velocity, rho, one_rho * onp.square(gradient))
        if self.centered:
            avg = self._average_gradients[i].value
            _decay_add(avg, rho, one_rho * gradient)
            denominator = velocity - onp.square(avg)
            denominator += eps
        else:
            denominator = velocity + eps
        increment = learning_rate * gradient
        increment /= onp.sqrt(denominator, out=denominator)
        if self.momentum > 0:
            increment = _decay_add(self._momentums[i].value, momentum, increment)
        variable._adopt(variable.value - increment)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config


class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates from the sum of past squared gradients.

        acc <- acc + g^2;   w <- w - lr * g / sqrt(acc + epsilon)

    Args:
        learning_rate: defaults to 0.001.  initial_accumulator_value: 0.1.  epsilon: 1e-7.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def _prepare_step(self, learning_rate):
        (self._eps,) = self._consts(learning_rate, self.epsilon)

    def update_step(self, gradient, variable, learning_rate):
        acc = self._accumulators[self._get_variable_index(variable)]
        acc.assign(acc.value + onp.square(gradient))
        variable.assign(variable.value
                        - (learning_rate * gradient) / onp.sqrt(acc.value + self._eps))

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """Adadelta.

        a_g <- rho * a_g + (1 - rho) * g^2
        delta = -sqrt(a_d + epsilon) * g / sqrt(a_g + epsilon)
        a_d <- rho * a_d + (1 - rho) * delta^2
        w <- w + lr * delta

    Args:
        learning_rate: defaults to 0.001.  rho: 0.95.  epsilon: 1e-7.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def _prepare_step(self, learning_rate):
        self._c = self._consts(learning_rate, self.rho, 1 - self.rho, self.epsilon)

    def update_step(self, grad, variable, learning_rate):
        rho, one_rho, eps = self._c
        i = self._get_variable_index(variable)
        acc_g, acc_d = self._accumulated_grads[i], self._accumulated_delta_vars[i]
        acc_g.assign(rho * acc_g.value + one_rho * onp.square(grad))
        delta = -((onp.sqrt(acc_d.value + eps) * grad) / onp.sqrt(acc_g.value + eps))
        acc_d.assign(rho * acc_d.value + one_rho * onp.square(delta))
        variable.assign(variable.value + learning_rate * delta)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
