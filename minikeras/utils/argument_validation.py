"""Checks of constructor arguments: one positive-integer check and one way to name the layer in
an error. Each caller passes Keras's own wording for its argument (Keras words them differently
per layer, and users match on those words)."""
import numpy as onp

POSITIVE_INT = ("Received an invalid value for argument `{name}`, expected a positive integer. "
                "Received: {name}={value}")


def in_layer(layer):
    """" (layer 'dense')" for a layer or a layer name; "" when there is no name yet."""
    name = layer if layer is None or isinstance(layer, str) else getattr(layer, "name", None)
    return f" (layer '{name}')" if name else ""


def layer_error(layer, message, error=ValueError):
    """`message` naming the layer, as an exception to raise."""
    return error(f"{message}{in_layer(layer)}")


def positive_int(value, name, layer=None, message=POSITIVE_INT, allow_none=False):
    """`value` as a Python int when it is a positive integer (a numpy integer too, a bool not);
    else ValueError: `message` (formatted with name and value) and the layer's name."""
    if allow_none and value is None:
        return None
    if isinstance(value, onp.integer):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise layer_error(layer, message.format(name=name, value=value,
                                                type=type(value).__name__))
    return value
