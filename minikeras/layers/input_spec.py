"""`InputSpec`: the rank and fixed axis sizes a layer accepts, checked on every call (Keras's
`keras/src/layers/input_spec.py`)."""
from minikeras import tree


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


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Keras's check of inputs against `InputSpec`s: count, names of dict inputs, ranks and
    fixed sizes (a trailing axis of size 1 may be dropped where the spec allows it)."""
    if not input_spec:
        return
    specs = tree.flatten(input_spec)
    if isinstance(inputs, dict):
        names = [s.name for s in specs]
        if all(names):
            for n in names:
                if n not in inputs:
                    raise ValueError(f'Missing data for input "{n}". You passed a data '
                                     f"dictionary with keys {list(inputs)}. Expected the "
                                     f"following keys: {names}")
            inputs = [inputs[n] for n in names]
    inputs = tree.flatten(inputs)
    if len(inputs) != len(specs):
        names = [s.name for s in specs if s is not None]
        if len(names) == len(specs) and all(names):
            raise ValueError(
                f'Layer "{layer_name}" expects {len(specs)} named input(s) with keys {names}, '
                f"but it received {len(inputs)} input tensors. Pass inputs as a dict, e.g. "
                "`layer({" + ", ".join(f"'{n}': ..." for n in names) + "})`.")
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        check_input(spec, x, index, layer_name)


def check_input(spec, x, index, layer_name):
    """One input against one spec (see `assert_input_compatibility`)."""
    if spec is None or (x is None and spec.optional):
        return
    if not hasattr(x, "shape"):
        raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type "
                         f"{type(x)}) as input for layer '{layer_name}'.")
    shape = tuple(x.shape)
    spec.check(layer_name, shape, index)
    if spec.shape is None:
        return
    expected = tuple(spec.shape)
    if spec.allow_last_axis_squeeze:
        shape = shape[:-1] if shape and shape[-1] == 1 else shape
        expected = expected[:-1] if expected and expected[-1] == 1 else expected
    if any(a is not None and b is not None and a != b for a, b in zip(expected, shape)):
        raise ValueError(
            f"Input {index} with name '{spec.name}' of layer '{layer_name}' is "
            f"incompatible with the layer: expected shape={spec.shape}, found "
            f"shape={shape}")
