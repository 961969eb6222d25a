"""Lamb: Adam's step rescaled per variable by a trust ratio (You et al., 2019)."""
import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments


class Lamb(Optimizer):
    """Layer-wise adaptive moments, with t = iterations + 1:

        m <- m + (g - m) (1 - beta_1);   v <- v + (g^2 - v) (1 - beta_2)
        u = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)
        w <- w - lr * r * u,   r = ||w|| / ||u||  (1 when either norm is 0)

    Args:
        learning_rate: defaults to 0.001.  beta_1, beta_2: 0.9, 0.999.  epsilon: 1e-7.
        **kwargs: the base `Optimizer` arguments.
    """

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def update_step(self, gradient, variable, learning_rate):
        f = onp.dtype(variable.dtype).type
        lr, g, w = f(learning_rate), onp.asarray(gradient, variable.dtype), variable.value
        t = f(int(self.iterations) + 1)
        i = self._get_variable_index(variable)
        m, v = self._momentums[i].value, self._velocities[i].value
        m += (g - m) * f(1 - self.beta_1)
        v += (onp.square(g) - v) * f(1 - self.beta_2)
        m_hat = m / (f(1) - f(self.beta_1) ** t)
        update = m_hat / (onp.sqrt(v / (f(1) - f(self.beta_2) ** t)) + f(self.epsilon))
        w_norm, u_norm = onp.sqrt(onp.sum(w ** 2)), onp.sqrt(onp.sum(update ** 2))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else f(1)
        variable._adopt((w - ratio * lr * update).astype(variable.dtype, copy=False))
