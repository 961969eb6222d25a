"""`DropoutRNNCell`: the base of the built-in recurrent cells (SimpleRNNCell, LSTMCell, GRUCell).

Keras keeps one dropout mask per sequence (the same units are dropped at every time step); the
built-in cells also split a step into an input projection, which `RNN` does for all time steps
with one matmul before its loop, and a recurrent update with one matmul per step.
"""
import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import untraced

from minikeras import constraints, initializers, regularizers
from minikeras.engine.random import SeedGenerator
from minikeras.engine.variable import Variable
from minikeras.layers.layer import Layer
from minikeras.utils.argument_validation import positive_int


def weight_value(w):
    """A weight's (possibly traced) value; None stays None."""
    return w.value if isinstance(w, Variable) else w


def check_units(units, owner):
    """Keras's check of `units`, at construction."""
    return positive_int(units, "units", owner, "Received an invalid value for argument `{name}`, "
                        "expected a positive integer, got {value}")


def gate_matmul(x, masks, kernel):
    """`x @ kernel`; with one dropout mask per gate (Keras's `implementation=1`):
    `concat_g((x * masks[g]) @ kernel_g)`. `x` is (B, D) or (B, T, D); masks are (B, D)."""
    def drop(m):
        return x * (m if anp.ndim(x) == 2 else m[:, None, :])
    if masks is None:
        return anp.matmul(x, kernel)
    if not isinstance(masks, list):
        return anp.matmul(drop(masks), kernel)
    kernels = anp.split(kernel, len(masks), axis=1)
    return anp.concatenate([anp.matmul(drop(m), k) for m, k in zip(masks, kernels)], axis=-1)


class DropoutRNNCell(Layer):
    """Base of the built-in cells: dropout masks fixed for a whole sequence; a step in two parts.

    `project_inputs(x, training)` is `dropout(x) @ kernel + bias` for one step (B, D) or all
    steps (B, T, D) at once; `step(x_proj, states, training)` is the recurrent update.
    `call = step(project_inputs(x))`. The masks (`1/(1-rate)` or 0, per sample and feature) are
    drawn at first use and kept until `RNN` resets them after the sequence, as in Keras; with
    `dropout_mask_count = n` there is one mask per gate.
    """

    dropout_mask_count = None

    def _dropout_setup(self, dropout, recurrent_dropout, seed):
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self._dropout_mask = self._recurrent_dropout_mask = None

    def _create_dropout_mask(self, like, rate):
        shape, dtype = (like.shape[0], like.shape[-1]), untraced(like).dtype

        def one():
            keep = self.seed_generator.rng().random(shape, dtype=onp.float32) >= rate
            return (keep / (1.0 - rate)).astype(dtype)
        count = self.dropout_mask_count
        return one() if count is None else [one() for _ in range(count)]

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input,
                                                                     self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def _input_masks(self, inputs, training):
        return self.get_dropout_mask(inputs) if training and 0.0 < self.dropout < 1.0 else None

    def _recurrent_masks(self, h, training):
        return (self.get_recurrent_dropout_mask(h)
                if training and 0.0 < self.recurrent_dropout < 1.0 else None)

    def project_inputs(self, inputs, training=False):
        """`dropout(inputs) @ kernel + bias`, for (B, D) or (B, T, D) inputs."""
        z = gate_matmul(inputs, self._input_masks(inputs, training), weight_value(self.kernel))
        return z + weight_value(self.bias) if self.use_bias else z

    def _recurrent_matmul(self, h, training):
        """`dropout(h) @ recurrent_kernel` (all gates)."""
        return gate_matmul(h, self._recurrent_masks(h, training), weight_value(self.recurrent_kernel))

    def call(self, inputs, states, training=False):
        return self.step(self.project_inputs(inputs, training), states, training)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [onp.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    def _weights_config(self):
        return {"kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}

    def _weights_setup(self, kernel_initializer, recurrent_initializer, bias_initializer,
                       kernel_regularizer, recurrent_regularizer, bias_regularizer,
                       kernel_constraint, recurrent_constraint, bias_constraint):
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _add_kernels(self, input_dim, gates, bias_shape, bias_initializer=None):
        """kernel (input_dim, gates*units), recurrent_kernel (units, gates*units), bias."""
        self.kernel = self.add_weight(
            shape=(input_dim, gates * self.units), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, gates * self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=bias_shape, name="bias", initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
