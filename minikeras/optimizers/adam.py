"""The Adam family: Adam (and AMSGrad), AdamW, Adamax, Nadam.

All four update their moments in place and let the variable adopt its new array (the write style
of `Optimizer`); Adam, `fit`'s default, also reuses its temporaries in place.
"""
import numpy as onp

from minikeras.engine import config
from minikeras.optimizers.base import Optimizer, base_arguments, scratch, uses_step_constants


def _moving_average(slot, x, rate):
    """slot <- slot + (x - slot) * rate, in place (the difference too)."""
    delta = onp.subtract(x, slot)
    delta *= rate
    slot += delta


class Adam(Optimizer):
    """Adam: adaptive moment estimation.

        m <- m + (g - m) * (1 - beta_1)
        v <- v + (g^2 - v) * (1 - beta_2)          (amsgrad: v_hat <- max(v_hat, v); use v_hat)
        w <- w - m * alpha / (sqrt(v) + epsilon),   alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)

    with t = iterations + 1.

    Args:
        learning_rate: defaults to 0.001.
        beta_1, beta_2: decay rates of the moment estimates (0.9, 0.999).
        epsilon: added to sqrt(v) (1e-7).
        amsgrad: use the maximum of past second moments.
        **kwargs: the base `Optimizer` arguments.
    """

    _config_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.epsilon, self.amsgrad = epsilon, amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _step_constants(self, learning_rate):
        f = learning_rate.dtype.type
        t = f(int(self.iterations) + 1)
        alpha = learning_rate * onp.sqrt(1 - f(self.beta_2) ** t) / (1 - f(self.beta_1) ** t)
        return self._constants(learning_rate, one_minus_beta_1=1 - self.beta_1,
                               one_minus_beta_2=1 - self.beta_2, alpha=alpha,
                               epsilon=self.epsilon)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, one_minus_beta_1,
                    one_minus_beta_2, alpha, epsilon):
        i = self._get_variable_index(variable)
        m, v = self._momentums[i].value, self._velocities[i].value
        _moving_average(m, gradient, one_minus_beta_1)
        _moving_average(v, onp.square(gradient), one_minus_beta_2)
        if self.amsgrad:
            v_hat = self._velocity_hats[i].value
            v = onp.maximum(v_hat, v, out=v_hat)
        denominator = onp.sqrt(v)
        denominator += epsilon
        step = onp.multiply(m, alpha)
        step /= denominator                                  # m * alpha / (sqrt(v) + epsilon)
        variable._adopt(onp.subtract(variable.value, step, out=scratch(step)))


class AdamW(Adam):
    """Adam with decoupled weight decay: `w <- w - w * weight_decay * lr` before each Adam step.

    Args:
        learning_rate: defaults to 0.001.  weight_decay: defaults to 0.004 (must not be None).
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, **base_arguments(locals()), **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class _AdamArguments(Optimizer):
    """Adam's arguments but `amsgrad`, their defaults and config: what Adamax and Nadam take."""

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon


class Adamax(_AdamArguments):
    """Adamax: Adam with the infinity norm.

        m <- m + (g - m) * (1 - beta_1)
        u <- max(beta_2 * u, |g|)
        w <- w - lr * m / ((1 - beta_1^t) * (u + epsilon))

    Args:
        learning_rate: defaults to 0.001.  beta_1, beta_2: 0.9, 0.999.  epsilon: 1e-7.
    """

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _step_constants(self, learning_rate):
        f = learning_rate.dtype.type
        one_minus_beta_1_power = 1 - f(self.beta_1) ** f(int(self.iterations) + 1)
        return self._constants(learning_rate, one_minus_beta_1=1 - self.beta_1,
                               beta_2=self.beta_2, one_minus_beta_1_power=one_minus_beta_1_power,
                               epsilon=self.epsilon)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, one_minus_beta_1, beta_2,
                    one_minus_beta_1_power, epsilon):
        i = self._get_variable_index(variable)
        m, u = self._m[i].value, self._u[i].value
        m += (gradient - m) * one_minus_beta_1
        onp.maximum(beta_2 * u, onp.abs(gradient), out=u)
        variable._adopt(variable.value
                        - learning_rate * m / (one_minus_beta_1_power * (u + epsilon)))


class Nadam(_AdamArguments):
    """Nadam: Adam with Nesterov momentum (Dozat's momentum schedule).

        u_t = beta_1 * (1 - 0.5 * 0.96^t),  u_prod <- u_prod * u_t  (once per step)
        m <- m + (g - m) * (1 - beta_1);  v <- v + (g^2 - v) * (1 - beta_2)
        m_hat = u_{t+1} m / (1 - u_prod u_{t+1}) + (1 - u_t) g / (1 - u_prod)
        w <- w - lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)

    Args:
        learning_rate: defaults to 0.001.  beta_1, beta_2: 0.9, 0.999.  epsilon: 1e-7.
    """

    def build(self, var_list):
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else None
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype, name="variable")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """The updates, then u_prod <- u_prod * u_t, once per step. (Keras advances it first and
        the updates read it back; here they compute the advanced value in `_step_constants`.)"""
        super()._backend_update_step(grads, trainable_variables, learning_rate)
        self._u_product.value[...] = self._advanced_u_product()

    def _advanced_u_product(self):
        t = onp.dtype(config.floatx()).type(int(self.iterations) + 1)
        return self._u_product.value * self.beta_1 * (1.0 - 0.5 * onp.power(0.96, t))

    def _step_constants(self, learning_rate):
        f = learning_rate.dtype.type
        t = f(int(self.iterations) + 1)
        beta_1, beta_2, decay = f(self.beta_1), f(self.beta_2), f(0.96)
        u_prod = self._advanced_u_product()
        u_t = beta_1 * (1.0 - 0.5 * decay ** t)
        u_t_1 = beta_1 * (1.0 - 0.5 * decay ** (t + 1))
        return self._constants(
            learning_rate, one_minus_beta_1=1 - beta_1, one_minus_beta_2=1 - beta_2,
            m_coefficient=u_t_1 / (1 - u_prod * u_t_1), g_coefficient=(1 - u_t) / (1 - u_prod),
            one_minus_beta_2_power=1 - beta_2 ** t, epsilon=self.epsilon)

    @uses_step_constants
    def update_step(self, gradient, variable, learning_rate, one_minus_beta_1, one_minus_beta_2,
                    m_coefficient, g_coefficient, one_minus_beta_2_power, epsilon):
        i = self._get_variable_index(variable)
        m, v = self._momentums[i].value, self._velocities[i].value
        m += (gradient - m) * one_minus_beta_1
        v += (onp.square(gradient) - v) * one_minus_beta_2
        m_hat = m_coefficient * m + g_coefficient * gradient
        v_hat = v / one_minus_beta_2_power
        variable._adopt(variable.value - m_hat * learning_rate / (onp.sqrt(v_hat) + epsilon))
