"""`OpLayer`: an op applied to KerasTensors (`x + y`, `ops.exp(x)`, `x[:, 0]`) becomes a weightless
layer node in the functional graph, as Keras 3 records symbolic operations."""
import re

import numpy as onp

from minikeras.layers.layer import Layer, uniquify

_classes = {}


class OpLayer(Layer):
    """Calls `fn(*args, **kwargs)`; shapes come from a trial run on zeros."""

    def __init__(self, fn, **kwargs):
        super().__init__(name=kwargs.pop("name", None) or uniquify(fn.__name__.strip("_")), **kwargs)
        self.fn = fn
        self.built = True

    def call(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        with onp.errstate(all="ignore"):  # zeros in a trial run may divide by zero
            return super().compute_output_spec(*args, **kwargs)

    def _attach_output_masks(self, first, outputs, previous_mask):
        pass  # ops neither carry masks along nor warn about dropping them (Keras's behaviour)

    def get_config(self):
        return {**super().get_config(), "function": self.fn.__name__}


def op_layer(fn):
    """A new layer for one symbolic application of `fn`; its class is named after the op."""
    cls = _classes.get(fn.__name__)
    if cls is None:
        camel = "".join(p.capitalize() for p in re.split(r"_+", fn.__name__) if p)
        cls = _classes[fn.__name__] = type(camel, (OpLayer,), {"__doc__": OpLayer.__doc__})
    return cls(fn)
