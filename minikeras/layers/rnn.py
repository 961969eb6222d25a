"""Recurrent layers: the generic `RNN` loop, `SimpleRNNCell` / `SimpleRNN` (and `StackedRNNCells`).

A cell computes one time step, `output, new_states = cell(x_t, states)`; `RNN` runs it over the
time axis. The built-in cells (subclasses of `DropoutRNNCell`) split a step into an input
projection and a recurrent update, so `RNN` projects every time step with ONE matmul before the
loop and does one matmul per step; any other cell goes through its own `call` per step.
"""
import inspect

import numpy as onp
from autograd import numpy as anp
from minikeras.engine.autodiff import is_traced, untraced

from minikeras import activations, regularizers
from minikeras.engine.blas_threads import blas_scope, tick
from minikeras.engine.keras_tensor import flatten, map_structure
from minikeras.engine.variable import Variable
from minikeras.layers.dropout_rnn_cell import DropoutRNNCell, check_units, weight_value
from minikeras.layers.layer import InputSpec, Layer
from minikeras.layers.stacked_rnn_cells import (  # noqa: F401  (StackedRNNCells: re-exported)
    StackedRNNCells, build_child, call_cell, deserialize_cell, is_nested, plain_dtype,
    serialize_cell, zero_states)
from minikeras.ops.rnn_kernels import time_step


def _stack_time(steps):
    """T tensors (B, ...) -> (B, T, ...): reshape + one concatenate (anp.stack's VJP indexes)."""
    return anp.concatenate([anp.reshape(s, (s.shape[0], 1) + tuple(s.shape[1:])) for s in steps],
                           axis=1)


def _where(mask_t, new, old):
    """`new` where the (B,) step mask is True, else `old`."""
    return anp.where(mask_t.reshape((-1,) + (1,) * (anp.ndim(new) - 1)), new, old)


class RNN(Layer):
    """Runs a cell over the time axis: `output_t, states = cell(x_t, states)` for t = 1..T.

    Args:
        cell: a cell (`call(inputs, states, training=None)` -> `(output, new_states)`, and
            `state_size`; `output_size` optional) or a list of cells (a `StackedRNNCells`).
        return_sequences: return all T outputs (B, T, out) instead of the last (B, out).
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the sequence in reverse (outputs in processing order).
        stateful: the final states of a batch are the initial states of the next batch.
        unroll: accepted; the loop is always a Python loop. As in Keras, with a mask an unrolled
            loop fills masked steps with the previous output (zeros before the first step).
        zero_output_for_mask: with a mask, masked steps output zeros instead of the previous
            output (the first state).
    Call: `layer(sequences, initial_state=None, mask=None, training=None)`; a masked step
    (mask False) keeps the previous states.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell, dtype=kwargs.get("dtype"))
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer or "
                             "list of integers, one integer per RNN state). "
                             f"Received: cell={cell}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.states = None
        self._expected_batch_size = None
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers "
                             f"(one for each state tensor). Received: state_size={state_size}")
        self.state_size = [state_size] if isinstance(state_size, int) else list(state_size)

    # --- shapes and masks -----------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        # SimpleRNN / LSTM / GRU (which set an input_spec) take 3-D input; a generic RNN's cell
        # may take steps of higher rank
        if len(sequences_shape) < 3 or (self.input_spec is not None and len(sequences_shape) != 3):
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim=3, "
                f"found ndim={len(sequences_shape)}. Full shape received: {sequences_shape}")
        build_child(self, self.cell, (sequences_shape[0],) + sequences_shape[2:])
        if self.stateful:
            if self.states is not None:
                self.reset_state()
            elif sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. "
                    f"Found dynamic batch size: sequence.shape={sequences_shape}")
            else:
                self.states = map_structure(
                    lambda v: Variable(v, trainable=False, dtype=self.dtype, name="rnn_state"),
                    self.get_initial_state(sequences_shape[0]))
                self._expected_batch_size = sequences_shape[0]
        self.built = True

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        states = [(batch, s) if isinstance(s, int) else [(batch, d) for d in s]
                  for s in self.state_size]
        output_size = getattr(self.cell, "output_size", None)
        output_size = self.state_size[0] if output_size is None else output_size
        output = (batch, length, output_size) if self.return_sequences else (batch, output_size)
        return (output, *states) if self.return_state else output

    def compute_mask(self, inputs, mask):
        mask = flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        return [output_mask] + [None for _ in self.state_size] if self.return_state else output_mask

    # --- states ---------------------------------------------------------------------------
    def get_initial_state(self, batch_size):
        if hasattr(self.cell, "get_initial_state"):
            state = self.cell.get_initial_state(batch_size=batch_size)
            return list(state) if is_nested(state) else [state]
        dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
        return zero_states(self.state_size, batch_size, dtype)

    def reset_state(self):
        if self.states is not None:
            for v in flatten(self.states):
                v.assign(onp.zeros(v.shape, dtype=v.dtype))

    def reset_states(self):
        self.reset_state()

    def _initial_state(self, sequences, initial_state):
        batch = sequences.shape[0]
        if self.stateful and (self._expected_batch_size not in (None, batch)):
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the same "
                f"as the batch size of the initial state. \n- Expected batch size: "
                f"{self._expected_batch_size}\n- Received batch size: {batch}")
        if initial_state is None:
            initial_state = (map_structure(lambda v: v.value, self.states) if self.stateful
                             else self.get_initial_state(batch))
        state = list(initial_state) if is_nested(initial_state) else [initial_state]
        dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)

        def convert(s):
            s = weight_value(s)
            return s if is_traced(s) else onp.asarray(s, dtype=dtype)
        return map_structure(convert, state)

    # --- the loop -------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        states = self._initial_state(sequences, initial_state)
        if mask is not None:
            mask = onp.asarray(untraced(flatten(mask)[0]), dtype=bool)
        outputs, states = self._cell_loop(sequences, states, mask, training)
        for cell in getattr(self.cell, "cells", [self.cell]):
            if isinstance(cell, DropoutRNNCell):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        if self.stateful:
            for variable, value in zip(flatten(self.states), flatten(states)):
                variable.assign(value)
        output = _stack_time(outputs) if self.return_sequences else outputs[-1]
        if self.return_state:
            return tuple(map_structure(self._to_compute_dtype, [output, *states]))
        return self._to_compute_dtype(output)

    def _cell_loop(self, sequences, states, mask, training):
        """`_loop` as the cell computes: a cell of another dtype policy than the RNN's (an RNN
        with dtype="mixed_float16" around a float32 cell) sees its inputs and variables in its
        own compute dtype, as if it were called."""
        cell = self.cell
        if not isinstance(cell, Layer) or cell.compute_dtype == self.compute_dtype:
            return self._loop(sequences, states, mask, training)
        sequences = cell._cast_input(sequences)
        scope = cell._autocast_scope()
        if scope is None:
            return self._loop(sequences, states, mask, training)
        with scope:
            return self._loop(sequences, states, mask, training)

    def _to_compute_dtype(self, x):
        """Outputs and states leave the layer in its compute dtype (Keras casts them)."""
        dtype = self.compute_dtype
        if not dtype.startswith(("float", "bfloat")) or getattr(x, "dtype", dtype) == dtype:
            return x
        return x.astype(dtype)

    @blas_scope()  # one BLAS thread per free core, also when called outside fit / predict
    def _loop(self, sequences, states, mask, training):
        """The per-step outputs (in processing order) and the final states."""
        cell = self.cell
        fused = type(cell).call is DropoutRNNCell.call  # a built-in cell, `call` not overridden
        inputs = cell.project_inputs(sequences, training) if fused else sequences
        length = inputs.shape[1]
        order = range(length - 1, -1, -1) if self.go_backwards else range(length)
        outputs = []
        for t in order:
            tick()
            step = time_step(inputs, t)  # x[:, t], its gradient added in place (ops/rnn_kernels)
            if fused:
                output, new_states = cell.step(step, states, training)
            else:
                output, new_states = call_cell(cell, step, states, training)
            new_states = list(new_states) if is_nested(new_states) else [new_states]
            if mask is not None:  # a masked step keeps the states
                keep = mask[:, t]
                output = _where(keep, output, self._masked_output(output, states, outputs))
                new_states = map_structure(lambda n, s: _where(keep, n, s), new_states, states)
            states = new_states
            outputs.append(output)
        return outputs, states

    def _masked_output(self, output, states, outputs):
        """What a masked step outputs, as Keras's JAX backend computes it."""
        if self.unroll:
            return outputs[-1] if outputs else anp.zeros_like(output)
        if self.zero_output_for_mask:
            return anp.zeros_like(output)
        first = states[0]
        return states[-1][0] if is_nested(first) else first

    # --- config ---------------------------------------------------------------------------
    def _rnn_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    def get_config(self):
        return {**self._rnn_config(), "cell": serialize_cell(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = plain_dtype(config)
        cell = deserialize_cell(config.pop("cell"), custom_objects)
        return cls(cell, **config)


class CellLayer(RNN):
    """Base of SimpleRNN / LSTM / GRU: an `RNN` over a built-in cell whose arguments it takes,
    exposes as attributes (`layer.units` is `layer.cell.units`) and flattens into its config."""

    cell_class = None
    config_keys = ()

    @classmethod
    def cell_arguments(cls, arguments, name):
        """The arguments among a layer's `__init__` locals that its cell takes, and its name."""
        named = [p.name for p in inspect.signature(cls.cell_class.__init__).parameters.values()
                 if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]
        return {**{k: arguments[k] for k in named if k in arguments}, "name": name}

    def __init__(self, cell_kwargs, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        name = kwargs.get("name") or self.__class__.__name__
        check_units(cell_kwargs["units"], name)
        kwargs.pop("use_cudnn", None)
        cell = self.cell_class(**cell_kwargs, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True),
                               implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def __getattr__(self, name):
        # only reached when normal lookup fails: the cell's arguments (units, dropout, ...)
        if name in type(self).config_keys and name != "activity_regularizer":
            return getattr(self.cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        cell_config = self.cell.get_config()
        config = {**self._rnn_config()}
        for key in self.config_keys:
            config[key] = (regularizers.serialize(self.activity_regularizer)
                           if key == "activity_regularizer" else cell_config[key])
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**plain_dtype(config))


class SimpleRNNCell(DropoutRNNCell):
    """One step of a fully connected RNN: `h' = activation(x @ kernel + b + h @ recurrent_kernel)`.

    Args:
        units: positive integer, the size of the state and output.
        activation: default tanh. dropout / recurrent_dropout: fractions of the input / state
        units dropped (training only, same mask at every step). seed: seed for the masks.
    Weights: kernel (input_dim, units), recurrent_kernel (units, units), bias (units,).
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        units = check_units(units, kwargs.get("name") or "SimpleRNNCell")
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias
        self.activation = activations.get(activation)
        self._weights_setup(kernel_initializer, recurrent_initializer, bias_initializer,
                            kernel_regularizer, recurrent_regularizer, bias_regularizer,
                            kernel_constraint, recurrent_constraint, bias_constraint)
        self._dropout_setup(dropout, recurrent_dropout, seed)
        self.state_size = self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], 1, (self.units,))

    def step(self, x_proj, states, training=False):
        h = states[0] if is_nested(states) else states
        output = self.activation(x_proj + self._recurrent_matmul(h, training))
        return output, ([output] if is_nested(states) else output)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **self._weights_config(), "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


class SimpleRNN(CellLayer):
    """Fully connected RNN whose output is fed back: `RNN(SimpleRNNCell(units, ...))`.

    Input (B, T, D) -> output (B, units), or (B, T, units) with `return_sequences`.
    """

    cell_class = SimpleRNNCell
    config_keys = ("units", "activation", "use_bias", "kernel_initializer",
                   "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                   "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                   "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout")  # Keras leaves `seed` out of SimpleRNN's config

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, seed=None,
                 **kwargs):
        cell_kwargs = self.cell_arguments(locals(), "simple_rnn_cell")
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer=activity_regularizer, **kwargs)
