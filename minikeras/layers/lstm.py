"""Long Short-Term Memory: `LSTMCell` and `LSTM` (Hochreiter & Schmidhuber 1997), as in Keras 3."""
import numpy as onp
from autograd import numpy as anp

from minikeras import activations
from minikeras.layers.dropout_rnn_cell import DropoutRNNCell, check_units
from minikeras.layers.rnn import CellLayer
from minikeras.ops import nn, rnn_kernels


class LSTMCell(DropoutRNNCell):
    """One LSTM step, gates in Keras's order i, f, c, o:

        z = x @ kernel + h @ recurrent_kernel + bias;   i, f, g, o = split(z, 4)
        c' = σ(f) * c + σ(i) * tanh(g);   h' = σ(o) * tanh(c')     (σ = recurrent_activation)

    Args:
        units: positive integer, the size of h and c.
        activation: for g and the output (default tanh); recurrent_activation: for the gates
            (default sigmoid).
        unit_forget_bias: initialise the forget gate's bias to 1 (the rest by bias_initializer).
        dropout / recurrent_dropout: fractions of input / state units dropped in training, with
            one mask per sequence (one per gate when recurrent_dropout > 0, as Keras does).
    Weights: kernel (input_dim, 4u), recurrent_kernel (u, 4u), bias (4u,). States [h, c].
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        units = check_units(units, kwargs.get("name") or "LSTMCell")
        self.implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units, self.use_bias, self.unit_forget_bias = units, use_bias, unit_forget_bias
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self._weights_setup(kernel_initializer, recurrent_initializer, bias_initializer,
                            kernel_regularizer, recurrent_regularizer, bias_regularizer,
                            kernel_constraint, recurrent_constraint, bias_constraint)
        self._dropout_setup(dropout, recurrent_dropout, seed)
        if self.recurrent_dropout != 0.0:
            self.implementation = 1
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        init = None
        if self.unit_forget_bias:
            def init(shape, dtype=None):
                u = self.units
                return onp.concatenate([self.bias_initializer((u,), dtype=dtype),
                                        onp.ones((u,), dtype=dtype),
                                        self.bias_initializer((2 * u,), dtype=dtype)])
        self._add_kernels(input_shape[-1], 4, (4 * self.units,), init)

    def step(self, x_proj, states, training=False):
        h, c = states[0], states[1]
        hr = self._recurrent_matmul(h, training)
        if self.activation is activations.tanh and self.recurrent_activation is activations.sigmoid:
            # the same numbers in 4 traced ops instead of 16 (minikeras/ops/rnn_kernels.py)
            gates = rnn_kernels.lstm_gates(x_proj, hr)
            c = rnn_kernels.lstm_carry(gates, c)
            h = rnn_kernels.lstm_output(gates, nn.tanh(c))
            return h, [h, c]
        i, f, g, o = anp.split(x_proj + hr, 4, axis=-1)
        sigma = self.recurrent_activation
        c = sigma(f) * c + sigma(i) * self.activation(g)
        h = sigma(o) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias, "unit_forget_bias": self.unit_forget_bias,
                **self._weights_config(), "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


class LSTM(CellLayer):
    """Long Short-Term Memory layer: `RNN(LSTMCell(units, ...))`.

    Input (B, T, D) -> output (B, units), or (B, T, units) with `return_sequences`; with
    `return_state`, `[output, h, c]`.
    """

    cell_class = LSTMCell
    config_keys = ("units", "activation", "recurrent_activation", "use_bias",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "activity_regularizer", "kernel_constraint",
                   "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
                   "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        _check_use_cudnn(use_cudnn)
        cell_kwargs = self.cell_arguments(locals(), "lstm_cell")
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn


def _check_use_cudnn(use_cudnn):
    if use_cudnn not in ("auto", True, False):
        raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                         f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
