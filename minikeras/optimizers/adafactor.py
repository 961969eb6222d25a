"""Adafactor: Adam's second moment stored as row and column averages (Shazeer & Stern, 2018)."""
import numpy as onp

from minikeras.engine.variable import Variable
from minikeras.optimizers.base import Optimizer, base_arguments


def _rms(x):
    return onp.sqrt(onp.mean(onp.square(x)))


class Adafactor(Optimizer):
    """Adafactor, with t = iterations + 1:

        rho = min(lr, 1 / sqrt(t))      (lr itself also capped so when `relative_step`)
        alpha = max(epsilon_2, rms(w)) * rho,   beta_2 = 1 - t^beta_2_decay
        g2 = g^2 + epsilon_1
        rank >= 2:  r <- beta_2 r + (1 - beta_2) mean(g2, -1);  c <- beta_2 c + (1 - beta_2) mean(g2, -2)
                    v = (r / mean(r, -1))[..., None] * c[..., None, :]
        rank < 2:   v <- beta_2 v + (1 - beta_2) g2
        u = g / sqrt(v);   w <- w - alpha * u / max(1, rms(u) / clip_threshold)

    Args:
        learning_rate: defaults to 0.001.
        beta_2_decay: -0.8.  epsilon_1: 1e-30.  epsilon_2: 1e-3.
        clip_threshold: 1.0 (Adafactor's own update clipping, not `clipnorm`).
        relative_step: cap a constant learning rate by 1 / sqrt(t); defaults to True.
        **kwargs: the base `Optimizer` arguments.
    """

    _config_keys = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def build(self, var_list):
        """Per variable, in Keras's order: r (rows), c (columns), velocity. A vector is not
        factored: its r and c are scalar int32 placeholders, as in Keras."""
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            skip = getattr(var, "overwrite_with_gradient", False)
            shape = tuple(var.shape)
            if len(shape) < 2:
                for slots in (self._r, self._c):
                    placeholder = Variable(0, dtype="int32", trainable=False, name=var.name,
                                           path=f"{self.name}/{var.name}")
                    self._track_variable(placeholder)
                    slots.append(placeholder)
            elif skip:
                self._r.append(None)
                self._c.append(None)
            else:
                self._r.append(self.add_variable(shape[:-1], dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=var.dtype,
                                                 name=var.name))
            self._v.append(None if skip else
                           self.add_variable_from_reference(var, name="velocity"))

    def update_step(self, gradient, variable, learning_rate):
        f = onp.dtype(variable.dtype).type
        lr, g, w = f(learning_rate), onp.asarray(gradient, variable.dtype), variable.value
        t = f(int(self.iterations) + 1)
        if not callable(self._learning_rate) and self.relative_step:
            lr = min(lr, f(1) / onp.sqrt(t))
        i = self._get_variable_index(variable)
        rho = min(lr, f(1) / onp.sqrt(t))
        alpha = max(f(self.epsilon_2), _rms(w)) * rho
        g2 = onp.square(g) + f(self.epsilon_1)
        beta_2 = f(1) - onp.power(t, f(self.beta_2_decay))
        v = self._v[i]
        if w.ndim >= 2:
            r, c = self._r[i], self._c[i]
            r.assign(beta_2 * r.value + (1 - beta_2) * onp.mean(g2, axis=-1))
            c.assign(beta_2 * c.value + (1 - beta_2) * onp.mean(g2, axis=-2))
            row = r.value / onp.mean(r.value, axis=-1, keepdims=True)
            v.assign(row[..., None] * c.value[..., None, :])
        else:
            v.assign(beta_2 * v.value + (1 - beta_2) * g2)
        u = g / onp.sqrt(v.value)
        u = u / max(f(1), _rms(u) / f(self.clip_threshold))
        variable._adopt((w - alpha * u).astype(variable.dtype, copy=False))
