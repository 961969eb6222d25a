"""Schedule-free AdamW (Defazio et al., 2024): no learning rate schedule needed."""
import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW. The weights are y, an interpolation between the iterate z (the
    `momentum` slot, started at the weights) and the running average x, with t = iterations + 1:

        v <- v + (g^2 - v) (1 - beta_2)
        z <- z - lr' g / (sqrt(v / (1 - beta_2^t)) + epsilon),  lr' = lr * min(t / warmup_steps, 1)
        x_old = (y - (1 - beta_1) z_old) / beta_1;   x = (1 - 1/t) x_old + z / t
        y <- (1 - beta_1) z + beta_1 x

    Args:
        learning_rate: defaults to 0.0025.  beta_1, beta_2: 0.9, 0.999.  epsilon: 1e-8.
        warmup_steps: linear learning rate warmup; 0 (none) by default.
        **kwargs: the base `Optimizer` arguments.
    """

    _config_keys = ("beta_1", "beta_2", "epsilon", "warmup_steps")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        for z, var in zip(self._momentums, var_list):
            if z is not None:
                z.assign(var.value)

    def update_step(self, gradient, variable, learning_rate):
        f = onp.dtype(variable.dtype).type
        lr, g, y = f(learning_rate), onp.asarray(gradient, variable.dtype), variable.value
        t = f(int(self.iterations) + 1)
        beta_1, beta_2 = f(self.beta_1), f(self.beta_2)
        if self.warmup_steps > 0:
            lr = lr * min(t / f(self.warmup_steps), f(1))
        i = self._get_variable_index(variable)
        z, v = self._momentums[i].value, self._velocities[i].value
        z_old = z.copy()
        v += (onp.square(g) - v) * (1 - beta_2)
        z -= lr * g / (onp.sqrt(v / (1 - beta_2 ** t)) + f(self.epsilon))
        weight = f(1) / t
        x_old = (y - (1 - beta_1) * z_old) / beta_1
        x = (1 - weight) * x_old + weight * z
        variable._adopt(((1 - beta_1) * z + beta_1 * x).astype(variable.dtype, copy=False))
