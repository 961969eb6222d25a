"""`InputSpec`: the rank and fixed axis sizes a layer accepts, checked on every call (Keras's
`keras/src/layers/input_spec.py`)."""


class InputSpec:
    """What a layer accepts: ndim / min_ndim / max_ndim and fixed sizes of some axes."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype, self.shape, self.name, self.optional = dtype, shape, name, optional
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze

    def check(self, layer_name, shape, index=0):
        ndim = len(shape)
        where = f"Input {index} of layer '{layer_name}' is incompatible with the layer:"
        if self.ndim is not None and ndim != self.ndim and not self.allow_last_axis_squeeze:
            raise ValueError(f"{where} expected ndim={self.ndim}, found ndim={ndim}. "
                             f"Full shape received: {tuple(shape)}")
        if self.min_ndim is not None and ndim < self.min_ndim:
            raise ValueError(f"{where} expected min_ndim={self.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {tuple(shape)}")
        if self.max_ndim is not None and ndim > self.max_ndim:
            raise ValueError(f"{where} expected max_ndim={self.max_ndim}, found ndim={ndim}")
        for axis, value in self.axes.items():
            if value is not None and shape[axis] not in (value, None):
                raise ValueError(
                    f"{where} expected axis {axis} of input shape to have value {value}, "
                    f"but received input with shape {tuple(shape)}")
