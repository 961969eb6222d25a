"""Gated Recurrent Unit: `GRUCell` and `GRU` (Cho et al. 2014), as in Keras 3."""
from autograd import numpy as anp

from minikeras import activations
from minikeras.layers.dropout_rnn_cell import DropoutRNNCell, check_units, gate_matmul, weight_value
from minikeras.layers.lstm import _check_use_cudnn
from minikeras.layers.rnn import CellLayer
from minikeras.ops import rnn_kernels


class GRUCell(DropoutRNNCell):
    """One GRU step, gates in Keras's order z (update), r (reset), h (candidate):

        x_z, x_r, x_h = split(x @ kernel + b_in, 3)
        reset_after=True:  h_z, h_r, h_h = split(h @ recurrent_kernel + b_rec, 3)
                           z = σ(x_z + h_z);  r = σ(x_r + h_r);  ĥ = tanh(x_h + r * h_h)
        reset_after=False: z, r as above from h @ recurrent_kernel[:, :2u] (no b_rec)
                           ĥ = tanh(x_h + (r * h) @ recurrent_kernel[:, 2u:])
        h' = z * h + (1 - z) * ĥ

    Args:
        units: positive integer, the size of h.
        reset_after: apply the reset gate after the recurrent matmul (default, cuDNN style;
            bias (2, 3u) holds b_in and b_rec) or before it (bias (3u,)).
        dropout / recurrent_dropout: as in `LSTMCell` (one mask per gate with recurrent_dropout).
    Weights: kernel (input_dim, 3u), recurrent_kernel (u, 3u), bias.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        units = check_units(units, kwargs.get("name") or "GRUCell")
        self.implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units, self.use_bias, self.reset_after = units, use_bias, reset_after
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self._weights_setup(kernel_initializer, recurrent_initializer, bias_initializer,
                            kernel_regularizer, recurrent_regularizer, bias_regularizer,
                            kernel_constraint, recurrent_constraint, bias_constraint)
        self._dropout_setup(dropout, recurrent_dropout, seed)
        if self.recurrent_dropout != 0.0:
            self.implementation = 1
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.output_size = self.units

    def build(self, input_shape):
        bias_shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_kernels(input_shape[-1], 3, bias_shape)

    def _bias(self, row):
        """b_in (row 0) or b_rec (row 1) of a reset_after bias (2, 3u); else the bias, no b_rec."""
        if not self.use_bias or (row == 1 and not self.reset_after):
            return None
        bias = weight_value(self.bias)
        return bias[row] if self.reset_after else bias

    def project_inputs(self, inputs, training=False):
        z = gate_matmul(inputs, self._input_masks(inputs, training), weight_value(self.kernel))
        b_in = self._bias(0)
        return z if b_in is None else z + b_in

    def step(self, x_proj, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        if not self.reset_after:
            h_new = self._step_reset_before(x_proj, h, training)
        else:
            inner = self._recurrent_matmul(h, training)
            b_rec = self._bias(1)
            inner = inner if b_rec is None else inner + b_rec
            sigma = self.recurrent_activation
            if self.activation is activations.tanh and sigma is activations.sigmoid:
                # the same numbers in 2 traced ops instead of 16 (minikeras/ops/rnn_kernels.py)
                h_new = rnn_kernels.gru_output(rnn_kernels.gru_gates(x_proj, inner), h)
            else:
                h_new = self._step_reset_after(x_proj, inner, h)
        return h_new, ([h_new] if isinstance(states, (list, tuple)) else h_new)

    def _step_reset_after(self, x_proj, inner, h):
        """h' from x_proj and inner = h @ recurrent_kernel + b_rec (any activations)."""
        sigma = self.recurrent_activation
        x_z, x_r, x_h = anp.split(x_proj, 3, axis=-1)
        h_z, h_r, h_h = anp.split(inner, 3, axis=-1)
        z, r = sigma(x_z + h_z), sigma(x_r + h_r)
        return z * h + (1 - z) * self.activation(x_h + r * h_h)

    def _step_reset_before(self, x_proj, h, training):
        """h' with the reset gate applied to h before its matmul with recurrent_kernel[:, 2u:]."""
        sigma = self.recurrent_activation
        x_z, x_r, x_h = anp.split(x_proj, 3, axis=-1)
        masks = self._recurrent_masks(h, training)
        kernel = weight_value(self.recurrent_kernel)
        kernel_zr, kernel_h = anp.split(kernel, [2 * self.units], axis=1)
        h_z, h_r = anp.split(gate_matmul(h, masks and masks[:2], kernel_zr), 2, axis=-1)
        z, r = sigma(x_z + h_z), sigma(x_r + h_r)
        h_for_candidate = h * masks[2] if masks else h
        candidate = self.activation(x_h + anp.matmul(r * h_for_candidate, kernel_h))
        return z * h + (1 - z) * candidate

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias, **self._weights_config(), "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "reset_after": self.reset_after,
                "seed": self.seed}


class GRU(CellLayer):
    """Gated Recurrent Unit layer: `RNN(GRUCell(units, ...))`.

    Input (B, T, D) -> output (B, units), or (B, T, units) with `return_sequences`; with
    `return_state`, `[output, h]`.
    """

    cell_class = GRUCell
    config_keys = ("units", "activation", "recurrent_activation", "use_bias",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                   "bias_constraint", "dropout", "recurrent_dropout", "reset_after", "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        _check_use_cudnn(use_cudnn)
        cell_kwargs = self.cell_arguments(locals(), "gru_cell")
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
