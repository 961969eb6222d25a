"""FTRL-Proximal ("Follow The Regularized Leader")."""
import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments, uses_step_constants


class Ftrl(Optimizer):
    """FTRL-Proximal with L1, L2 and L2-shrinkage regularisation.

        g' = g + 2 * l2_shrinkage * w;          n' = n + g^2
        z <- z + g' - (n'^(-p) - n^(-p)) / lr * w          (p = learning_rate_power)
        w <- (clip(z, -l1, l1) - z) / (n'^(-p) / lr + 2 * (l2 + beta / (2 lr)));   n <- n'

    Args:
        learning_rate: defaults to 0.001.  learning_rate_power: <= 0, default -0.5.
        initial_accumulator_value: >= 0, default 0.1.
        l1_regularization_strength, l2_regularization_strength,
        l2_shrinkage_regularization_strength, beta: >= 0, default 0.
    """

    _config_keys = ("learning_rate_power", "initial_accumulator_value",
                    "l1_regularization_strength", "l2_regularization_strength",
                    "l2_shrinkage_regularization_strength", "beta")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        if initial_accumulator_value < 0.0:
            raise ValueError("`initial_accumulator_value` needs to be positive or zero. "
                             f"Received: initial_accumulator_value={initial_accumulator_value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        for name, value in [("l1_regularization_strength", l1_regularization_strength),
                            ("l2_regularization_strength", l2_regularization_strength),
                            ("l2_shrinkage_regularization_strength",
                             l2_shrinkage_regularization_strength)]:
            if value < 0.0:
                raise ValueError(f"`{name}` needs to be positive or zero. Received: "
                                 f"{name}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])

    def _step_constants(self, learning_rate):
        l2_reg = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        return self._constants(learning_rate, minus_p=-self.learning_rate_power, two_l2=2 * l2_reg,
                               two_l2_shrinkage=2 * self.l2_shrinkage_regularization_strength,
                               l1=self.l1_regularization_strength)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, minus_p, two_l2, two_l2_shrinkage,
                    l1):
        i = self._get_variable_index(variable)
        n, z = self._accumulators[i].value, self._linears[i].value
        w = variable.value
        grad_to_use = gradient + two_l2_shrinkage * w
        old_n_power = onp.power(n, minus_p)
        n += onp.square(gradient)                                                   # n <- n'
        n_power = onp.power(n, minus_p)
        z += grad_to_use - ((n_power - old_n_power) / learning_rate) * w
        quadratic = n_power / learning_rate + two_l2
        variable._adopt((onp.clip(z, -l1, l1) - z) / quadratic)
