"""Lion: the sign of an interpolated momentum."""
import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments, uses_step_constants


class Lion(Optimizer):
    """Lion (EvoLved Sign Momentum).

        w <- w - lr * sign(beta_1 * m + (1 - beta_1) * g)
        m <- beta_2 * m + (1 - beta_2) * g

    Args:
        learning_rate: defaults to 0.001.
        beta_1: in (0, 1]; defaults to 0.9.  beta_2: defaults to 0.99.
        **kwargs: the base `Optimizer` arguments.
    """

    _config_keys = ("beta_1", "beta_2")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}.")

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def _step_constants(self, learning_rate):
        f = learning_rate.dtype.type
        beta_1, beta_2 = f(self.beta_1), f(self.beta_2)
        return self._constants(learning_rate, beta_1=beta_1, beta_2=beta_2,
                               one_minus_beta_1=1.0 - beta_1, one_minus_beta_2=1.0 - beta_2)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, beta_1, beta_2, one_minus_beta_1,
                    one_minus_beta_2):
        m = self._momentums[self._get_variable_index(variable)].value
        variable._adopt(variable.value
                        - learning_rate * onp.sign(m * beta_1 + gradient * one_minus_beta_1))
        onp.add(m * beta_2, gradient * one_minus_beta_2, out=m)
