"""Layer wrappers: TimeDistributed (a layer applied to every time step) and Bidirectional
(an RNN run forwards and backwards, outputs merged)."""
import copy

from autograd import numpy as anp

from minikeras import ops
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer


def serialize_layer(layer):
    """`{"module", "class_name", "config", "registered_name"[, "build_config"]}`, as Keras."""
    from minikeras.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize_layer(config, custom_objects=None):
    """A layer from `serialize_layer`'s dict, through the safe resolver of
    minikeras.saving (built-ins, registered objects and `custom_objects` only)."""
    from minikeras.saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)


def _dtype_name(config):
    """The config with a serialized DTypePolicy replaced by its dtype name."""
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name")
    return config


def _clone(layer, **overrides):
    """A fresh layer of the same class and config, with some config keys changed."""
    config = serialize_layer(layer)
    config["config"].update(overrides)
    classes = {type(sub).__name__: type(sub) for sub in layer._flatten_layers()}  # custom cells
    return deserialize_layer(config, classes)


class Wrapper(Layer):
    """Base class of layers that wrap another layer (`self.layer`)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. "
                             "Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        self.layer._maybe_build(input_shape)

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = _dtype_name(dict(config))
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every time step: y[:, t] = layer(x[:, t]).

    Computed as one call on the (batch * steps, ...) reshaped input; a mask (batch, steps, ...)
    is reshaped the same way and passed to the layer when its `call` takes one.
    Shapes: (batch, steps, *rest) -> (batch, steps, *layer_output_rest).
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    @staticmethod
    def _child_input_shape(input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` "
                             f"with at least 3 dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        super().build(self._child_input_shape(input_shape))

    def compute_output_shape(self, input_shape):
        child = self._child_input_shape(input_shape)
        try:
            out = self.layer.compute_output_shape(child)
        except NotImplementedError:
            out = self.layer.compute_output_spec(KerasTensor(child, self.compute_dtype)).shape
        return (out[0], input_shape[1], *out[1:])

    def _check_mask(self, inputs, mask):
        mshape, ishape = ops.shape(mask), ops.shape(inputs)
        if len(mshape) < 2:
            raise ValueError(
                "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., "
                f"`(batch_size, timesteps)`), but it has {len(mshape)} dimension(s) with shape "
                f"{mshape}.")
        if tuple(mshape[:2]) != tuple(ishape[:2]):
            raise ValueError(
                f"The `mask` passed to the `TimeDistributed` layer has a shape {mshape} that is "
                f"incompatible with the input shape {ishape}. The first two dimensions of the mask "
                "(batch size and timesteps) must match the input's first two dimensions. "
                f"Expected mask shape prefix: ({ishape[0]}, {ishape[1]}).")

    def call(self, inputs, training=None, mask=None):
        batch, steps, *rest = ops.shape(inputs)
        params, kwargs = self.layer._call_signature(), {}
        if "training" in params:
            kwargs["training"] = training
        if mask is not None:
            self._check_mask(inputs, mask)
            if "mask" in params:
                kwargs["mask"] = ops.reshape(mask, (batch * steps, *ops.shape(mask)[2:]))
        outputs = self.layer.call(ops.reshape(inputs, (batch * steps, *rest)), **kwargs)
        return ops.reshape(outputs, (batch, steps, *ops.shape(outputs)[1:]))


def _reverse_time(x):
    """x[:, ::-1] as swapaxes + flipud: views whose gradients are views too (0.06 ms forward +
    backward for (128, 80, 64), against 8 ms for the np.add.at behind a reversed slice)."""
    return anp.swapaxes(anp.flipud(anp.swapaxes(x, 0, 1)), 0, 1)


_MERGES = {"concat": lambda y, r: ops.concatenate([y, r], axis=-1), "sum": lambda y, r: y + r,
           "ave": lambda y, r: (y + r) / 2, "mul": lambda y, r: y * r}


class Bidirectional(Layer):
    """Runs an RNN forwards and a copy backwards over the sequence and merges their outputs.

    y = merge(forward(x), reverse_time(backward(x))) with merge "concat" (on the last axis),
    "sum", "ave", "mul", or None (the two outputs as a list); the backward output is put back in
    input order when `return_sequences`. With `return_state`, the forward then backward states
    follow the output.
    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN); cloned as `forward_<name>`.
        merge_mode: "concat", "sum", "ave", "mul" or None.
        weights: initial weights, forward layer's then backward layer's, set when built.
        backward_layer: an RNN with the opposite `go_backwards`, used as is; by default a clone
            of `layer` named `backward_<name>` with `go_backwards=True`.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` "
                             f"instance. Received: {backward_layer}")
        if merge_mode not in ["sum", "mul", "ave", "concat", None]:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             'one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, name="forward_" + layer.name.removeprefix("forward_"))
        self.backward_layer = backward_layer if backward_layer is not None else _clone(
            layer, go_backwards=True,
            name="backward_" + layer.name.removeprefix("backward_"))
        self._verify_layer_config()
        for half in (self.forward_layer, self.backward_layer):
            if getattr(half, "zero_output_for_mask", None) is not None:
                half.zero_output_for_mask = half.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights is not None and len(weights) else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {fwd.go_backwards}, "
                f"backward_layer.go_backwards={bwd.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attr}", got "{getattr(fwd, attr)}" for forward layer and '
                    f'"{getattr(bwd, attr)}" for backward layer')

    def build(self, sequences_shape, initial_state_shape=None):
        self.forward_layer._maybe_build(sequences_shape)
        self.backward_layer._maybe_build(sequences_shape)
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if "training" in self.forward_layer._call_signature():
            kwargs["training"] = training
        if "mask" in self.forward_layer._call_signature():
            kwargs["mask"] = mask
        states = [None, None]
        if initial_state is not None:
            half = len(initial_state) // 2
            states = [list(initial_state[:half]), list(initial_state[half:])]
        y = self.forward_layer(sequences, initial_state=states[0], **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=states[1], **kwargs)
        if self.return_state:
            out_states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y, y_rev = self._to_compute_dtype(y), self._to_compute_dtype(y_rev)  # as Keras casts them
        if self.return_sequences:
            y_rev = _reverse_time(y_rev)
        output = (y, y_rev) if self.merge_mode is None else _MERGES[self.merge_mode](y, y_rev)
        if not self.return_state:
            return output
        return output + out_states if self.merge_mode is None else (output,) + out_states

    def _to_compute_dtype(self, x):
        dtype = self.compute_dtype
        return x if getattr(x, "dtype", dtype) == dtype else x.astype(dtype)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        if self.return_state:
            output_shape, state_shapes = output_shape[0], list(output_shape[1:])
        output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            output_shape = (*output_shape[:-1], output_shape[-1] * 2)
        outputs = (output_shape, output_shape) if self.merge_mode is None else (output_shape,)
        if self.return_state:
            return outputs + tuple(state_shapes) * 2
        return outputs if self.merge_mode is None else output_shape

    def compute_mask(self, _, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state and self.states is not None:
            none_states = [None] * len(self.states)
            return (output_mask if isinstance(output_mask, list) else [output_mask]) + none_states
        return output_mask

    @property
    def states(self):
        fwd = getattr(self.forward_layer, "states", None)
        bwd = getattr(self.backward_layer, "states", None)
        return tuple(fwd) + tuple(bwd) if fwd and bwd else None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return cls(**_dtype_name(config))
