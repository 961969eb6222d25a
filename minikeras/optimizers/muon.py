"""Muon: momentum orthogonalised by Newton-Schulz iterations, for 2-D weights; AdamW for the
rest (Jordan et al., 2024; the Moonlight learning rate scaling)."""
import re

import numpy as onp

from minikeras.optimizers.base import Optimizer, base_arguments


def _swap_last_axes(x):
    return onp.swapaxes(x, -1, -2)


class Muon(Optimizer):
    """Muon for 2-D weights, AdamW for others (and for embeddings, `exclude_layers` matches):

        m <- momentum * m + g;   u = g + momentum * m  (nesterov) or m
        w <- w - lr * NS(u) * sqrt(max(rows, cols)) * rms_rate
    where NS(u) approximately orthogonalises u by `ns_steps` quintic Newton-Schulz iterations
    X <- a X + (b A + c A A) X, A = X X^T, from X = u / (||u||_F + 1e-7).
    The AdamW variables use `learning_rate * adam_lr_ratio` and `adam_weight_decay`.

    Args:
        learning_rate: 0.001.  adam_beta_1, adam_beta_2: 0.9, 0.999.  adam_weight_decay: 0.004.
        epsilon: 1e-7.  weight_decay: 0.004 (Muon's variables).
        exclude_layers: regexes of variable paths to leave to AdamW.
        exclude_embeddings: leave variables with "embedding" in their path to AdamW.
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients.  adam_lr_ratio: 1.
        momentum: 0.95.  ns_steps: 5.  nesterov: True.  rms_rate: 0.2 (None: no scaling).
        **kwargs: the base `Optimizer` arguments.
    """

    _config_keys = ("adam_beta_1", "adam_beta_2", "epsilon", "exclude_layers", "muon_a",
                    "muon_b", "muon_c", "adam_lr_ratio", "momentum", "ns_steps", "nesterov",
                    "exclude_embeddings", "adam_weight_decay", "rms_rate")

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **base_arguments(locals()), **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum = adam_lr_ratio, momentum
        self.ns_steps, self.nesterov = ns_steps, nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay, self.rms_rate = adam_weight_decay, rms_rate

    def _should_use_adamw(self, variable):
        """Muon orthogonalises matrices only: any other rank, embeddings and excluded layers
        go to AdamW."""
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in variable.path.lower():
            return True
        return any(re.search(keyword, variable.path) for keyword in self.exclude_layers)

    def build(self, var_list):
        """A momentum for every variable, and a velocity for the AdamW ones."""
        if self.built:
            return
        super().build(var_list)
        self.momentums = [None] * len(var_list)
        self.adam_velocities = [None] * len(var_list)
        for i, var in enumerate(var_list):
            if getattr(var, "overwrite_with_gradient", False):
                continue
            self.momentums[i] = self.add_variable_from_reference(var, name="momentum")
            if self._should_use_adamw(var):
                self.adam_velocities[i] = self.add_variable_from_reference(var, name="velocity")

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        m, v = self.momentums[i], self.adam_velocities[i]
        g = onp.asarray(gradient, variable.dtype)
        if v is not None:
            self._adamw_update_step(g, variable, learning_rate * self.adam_lr_ratio, m.value,
                                    v.value)
        else:
            self._muon_update_step(g, variable, learning_rate, m.value)

    def _muon_update_step(self, g, variable, lr, m):
        f = onp.dtype(variable.dtype).type
        m += g + m * f(self.momentum - 1)
        u = g + f(self.momentum) * m if self.nesterov else m
        update = self.zeropower_via_newtonschulz5(u, self.ns_steps)
        variable._adopt((variable.value - self.lr_adjust(f(lr) * update)).astype(
            variable.dtype, copy=False))

    def _adamw_update_step(self, g, variable, lr, m, v):
        f = onp.dtype(variable.dtype).type
        t = f(int(self.iterations) + 1)
        alpha = f(lr) * onp.sqrt(1 - f(self.adam_beta_2) ** t) / (1 - f(self.adam_beta_1) ** t)
        m += (g - m) * f(1 - self.adam_beta_1)
        v += (onp.square(g) - v) * f(1 - self.adam_beta_2)
        variable._adopt((variable.value - m * alpha / (onp.sqrt(v) + f(self.epsilon))).astype(
            variable.dtype, copy=False))

    def transpose_last_axis(self, x):
        return _swap_last_axes(x)

    def lr_adjust(self, x):
        """`x * sqrt(max(rows, cols)) * rms_rate` (Moonlight): Muon can then share Adam's
        learning rate and weight decay."""
        if self.rms_rate is None:
            return x
        return x * onp.sqrt(onp.float32(max(x.shape[0], x.shape[1]))) * self.rms_rate

    def zeropower_via_newtonschulz5(self, x, steps):
        """The quintic Newton-Schulz iteration: approximately U V^T from u's SVD U S V^T."""
        shape = onp.shape(x)
        if len(shape) < 2:
            raise ValueError("Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={shape}")
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = shape[-2] > shape[-1]
        if tall:
            x = _swap_last_axes(x)
        x = x / (onp.sqrt(onp.sum(onp.square(x), axis=(-2, -1), keepdims=True)) + 1e-7)
        x = x.astype(onp.float32, copy=False) if x.dtype == onp.float64 else x
        for _ in range(steps):
            gram = x @ _swap_last_axes(x)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return _swap_last_axes(x) if tall else x

    def _apply_weight_decay(self, variables):
        """`weight_decay` for Muon's variables, `adam_weight_decay` for AdamW's."""
        lr = onp.float32(self.learning_rate)
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            wd = self.adam_weight_decay if self._should_use_adamw(variable) else self.weight_decay
            if wd is None:
                continue
            w = variable.value
            f = w.dtype.type
            variable._adopt(w - w * f(wd) * f(lr))
