"""Convolutional LSTM (Shi et al. 2015): `ConvLSTMCell` and the `ConvLSTM1D/2D/3D` layers, as in
Keras 3 (keras/src/layers/rnn/conv_lstm.py). The LSTM's matmuls become convolutions:

    z = conv(x, kernel) + bias + conv_same(h, recurrent_kernel);   i, f, g, o = split(z, 4)
    c' = σ(f) * c + σ(i) * tanh(g);   h' = σ(o) * tanh(c')       (σ = recurrent_activation)

The cell is a DropoutRNNCell, so `RNN` convolves every time step's input with one call before
its loop (the batch and time axes folded together) and does one recurrent convolution per step.
"""
import numpy as onp
from autograd import numpy as anp

from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.engine.autodiff import untraced
from minikeras.engine.config import standardize_data_format
from minikeras.layers.convolutional import conv_output_shape, standardize_padding, standardize_tuple
from minikeras.layers.dropout_rnn_cell import DropoutRNNCell, weight_value
from minikeras.layers.layer import InputSpec
from minikeras.layers.rnn import RNN
from minikeras.layers.stacked_rnn_cells import plain_dtype


class ConvLSTMCell(DropoutRNNCell):
    """One ConvLSTM step on (batch, *spatial, channels) inputs (channels first if so set).

    Args:
        rank: 1, 2 or 3 spatial axes. filters: the channels F of h and c.
        kernel_size, strides, padding, data_format, dilation_rate: the input convolution's; the
            recurrent convolution is stride 1, "same".
        activation (tanh), recurrent_activation (sigmoid), unit_forget_bias (forget bias 1).
        dropout / recurrent_dropout: one mask per gate over the whole step input / state, kept
            for the sequence.
    Weights: kernel (*kernel_size, channels, 4F), recurrent_kernel (*kernel_size, F, 4F),
    bias (4F,). States [h, c], each the shape of the convolution's output.
    """

    dropout_mask_count = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        if rank > 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please "
                "provide `strides=1` or `dilation_rate=1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
        self._weights_setup(kernel_initializer, recurrent_initializer, bias_initializer,
                            kernel_regularizer, recurrent_regularizer, bias_regularizer,
                            kernel_constraint, recurrent_constraint, bias_constraint)
        self._dropout_setup(dropout, recurrent_dropout, seed)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = -1  # states have the convolution's output shape, not a size

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def build(self, inputs_shape, states_shape=None):
        first = self.data_format == "channels_first"
        self.spatial_dims = tuple(inputs_shape[2:] if first else inputs_shape[1:-1])
        if None in self.spatial_dims:
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial "
                             f"dimension. Received invalid input shape: input_shape={inputs_shape}")
        if inputs_shape[self._channel_axis] is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be defined. "
                             f"Found None. Full input shape received: input_shape={inputs_shape}")
        self.input_dim = inputs_shape[self._channel_axis]
        f = self.filters
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.input_dim, 4 * f), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (f, 4 * f), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                def init(shape, dtype=None):
                    return onp.concatenate([self.bias_initializer((f,), dtype=dtype),
                                            onp.ones((f,), dtype=dtype),
                                            self.bias_initializer((2 * f,), dtype=dtype)])
            self.bias = self.add_weight(shape=(4 * f,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    # --- dropout masks: the whole step input / state, not only its channels ------------------
    def _create_dropout_mask(self, like, rate):
        shape = (like.shape[0],) + tuple(like.shape[-(self.rank + 1):])  # a step, also of a sequence
        dtype = untraced(like).dtype
        draw = lambda: ((self.seed_generator.rng().random(shape) >= rate) / (1.0 - rate)).astype(dtype)
        return [draw() for _ in range(self.dropout_mask_count)]

    def _gate_conv(self, xs, kernel, **conv_args):
        """conv(x, kernel) for the four gates: one convolution for one input, else gate g's
        kernel slice on xs[g] (its own dropout mask), concatenated along the channels."""
        if len(xs) == 1:
            return ops.conv(xs[0], kernel, data_format=self.data_format, **conv_args)
        kernels = anp.split(kernel, 4, axis=-1)
        return anp.concatenate([ops.conv(x, k, data_format=self.data_format, **conv_args)
                                for x, k in zip(xs, kernels)], axis=self._channel_axis)

    # --- the two halves of a step (see DropoutRNNCell) ----------------------------------------
    def project_inputs(self, inputs, training=False):
        """conv(dropout(x), kernel) + bias for a step (B, ...) or a sequence (B, T, ...)."""
        masks = self._input_masks(inputs, training)
        sequence = anp.ndim(inputs) == self.rank + 3
        if sequence and masks is not None:
            masks = [m[:, None] for m in masks]  # the same mask at every step
        xs = [inputs] if masks is None else [inputs * m for m in masks]
        if sequence:  # fold time into the batch: one convolution for all the steps
            b, t = inputs.shape[:2]
            xs = [anp.reshape(x, (b * t,) + tuple(inputs.shape[2:])) for x in xs]
        z = self._gate_conv(xs, weight_value(self.kernel), strides=self.strides,
                            padding=self.padding, dilation_rate=self.dilation_rate)
        if self.use_bias:
            shape = [1] * anp.ndim(z)
            shape[self._channel_axis] = 4 * self.filters
            z = z + anp.reshape(weight_value(self.bias), shape)
        return anp.reshape(z, (b, t) + tuple(z.shape[1:])) if sequence else z

    def step(self, x_proj, states, training=False):
        h, c = states
        masks = self._recurrent_masks(h, training)
        hs = [h] if masks is None else [h * m for m in masks]
        z = x_proj + self._gate_conv(hs, weight_value(self.recurrent_kernel), padding="same")
        i, f, g, o = anp.split(z, 4, axis=self._channel_axis)
        c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
        h = self.recurrent_activation(o) * self.activation(c)
        return h, [h, c]

    # --- shapes, states, config ------------------------------------------------------------
    def compute_output_shape(self, inputs_shape, states_shape=None):
        shape = conv_output_shape(self, inputs_shape, self.filters)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        if self.data_format == "channels_last":
            input_shape = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            input_shape = (batch_size, self.input_dim) + self.spatial_dims
        shape = self.compute_output_shape(input_shape)[0]
        return [onp.zeros(shape, dtype=self.compute_dtype), onp.zeros(shape, dtype=self.compute_dtype)]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "unit_forget_bias": self.unit_forget_bias,
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


_CELL_ARGUMENTS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                   "activation", "recurrent_activation", "use_bias", "kernel_initializer",
                   "recurrent_initializer", "bias_initializer", "unit_forget_bias",
                   "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout")


class ConvLSTM(RNN):
    """An `RNN` over a `ConvLSTMCell`: (batch, time, *spatial, channels) sequences ->
    the last h (batch, *out_spatial, filters), or every h with `return_sequences`. The cell's
    arguments read as the layer's attributes (`layer.filters`)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def __getattr__(self, name):
        # only reached when normal lookup fails: the cell's arguments (filters, dropout, ...)
        if name in _CELL_ARGUMENTS:
            return getattr(self.cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def build(self, sequences_shape, initial_state_shape=None):
        self.input_spec.check(self.name, tuple(sequences_shape), 0)
        # RNN.build checks the rank of the 3-D recurrent layers' inputs; ours is checked above.
        spec, self.input_spec = self.input_spec, None
        try:
            super().build(sequences_shape, initial_state_shape)
        finally:
            self.input_spec = spec

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = tuple(self.cell.compute_output_shape((batch,) + tuple(sequences_shape[2:]))[0][1:])
        output = (batch, steps) + state if self.return_sequences else (batch,) + state
        if self.return_state:
            return output, (batch,) + state, (batch,) + state
        return output

    def compute_mask(self, inputs, mask):
        mask = None if mask is None else (mask[0] if isinstance(mask, (list, tuple)) else mask)
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def get_config(self):
        cell = self.cell.get_config()
        config = self._rnn_config()
        config.update({k: cell[k] for k in _CELL_ARGUMENTS})
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**plain_dtype(config))


def _arguments(local_vars):
    """A ConvLSTMND's `__init__` arguments, passed on to ConvLSTM."""
    kwargs = local_vars.pop("kwargs")
    return {k: v for k, v in local_vars.items() if k not in ("self", "__class__")} | kwargs


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM: (batch, time, steps, channels) sequences."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(rank=1, **_arguments(dict(locals())))


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: (batch, time, rows, cols, channels) sequences."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(rank=2, **_arguments(dict(locals())))


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM: (batch, time, depth, rows, cols, channels) sequences."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(rank=3, **_arguments(dict(locals())))
