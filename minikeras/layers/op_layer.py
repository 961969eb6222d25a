"""`OpLayer`: an op applied to KerasTensors (`x + y`, `ops.exp(x)`, `x[:, 0]`) becomes a weightless
layer node in the functional graph, as Keras 3 records symbolic operations.

Keras 3 saves such a node as an `Operation`: `{"module": "keras.src.ops.numpy", "class_name":
"Add", "config": {"name": "add"}, "registered_name": "Add"}`, the tensor arguments in the node's
`args` (`x + 1.0` -> `[x, 1.0]`) and the static ones in `config` (`ops.sum(x, axis=1)` ->
`{"name": "sum", "axis": 1}`, args `[x]`). An OpLayer splits its arguments the same way when it
is first called, so its config and its node read and write Keras's format.
"""
import inspect
import re

import numpy as onp

from minikeras.layers.layer import Layer
from minikeras.utils.naming import to_snake_case, uniquify
from minikeras.ops import symbolic

_classes = {}

# Parameter names Keras's operations take in `call` (tensor-like); every other argument of an
# op is a constructor argument and goes to the config. (Read off keras/src/ops/*.py.)
CALL_PARAMS = frozenset(
    "x x1 x2 xs y a array operands key q condition condlist choicelist default indices values "
    "sorted_sequence constant_values inputs kernel depthwise_kernel pointwise_kernel target "
    "output mean variance scale target_length output_length sequence_lengths query value bias "
    "mask gamma beta abs_ angle updates start_indices index elements data segment_ids targets "
    "predictions images transform coordinates start_points end_points translation image1 "
    "image2 start stop step variable".split())
# The few ops whose call takes an argument that is a constructor argument elsewhere.
_CALL_EXTRA = {"average": {"weights"}, "digitize": {"bins"}, "full": {"fill_value"},
               "full_like": {"fill_value"}, "isclose": {"rtol", "atol"},
               "batch_normalization": {"offset"}}
# Call arguments Keras's op functions pass by keyword.
_CALL_KWARGS = {"average": {"weights"}, "pad": {"constant_values"}}
# Our op name -> Keras's class name where it is not the CamelCase of the name.
_KERAS_CLASS = {"abs": "Absolute", "swish": "Silu", "hard_swish": "HardSilu",
                "batch_normalization": "BatchNorm"}
# Keras's op modules (keras.src.ops.<module>) for ops that are not where our files put them.
_KERAS_MODULE = {
    **dict.fromkeys("cast convert_to_tensor scatter scatter_update slice slice_update "
                    "stop_gradient unstack saturate_cast".split(), "core"),
    **dict.fromkeys("erf erfc erfinv in_top_k logsumexp rsqrt segment_max segment_sum top_k "
                    "extract_sequences fft fft2 rfft irfft stft istft".split(), "math"),
    **dict.fromkeys("norm cholesky det eig eigh inv lu_factor qr solve solve_triangular svd "
                    "lstsq".split(), "linalg"),
    "moments": "nn", "one_hot": "nn", "multi_hot": "nn", "tanh": "numpy", "get_item": "numpy"}
# Ops minikeras has and Keras 3 does not: saved under minikeras's own module.
_NOT_IN_KERAS = {"exponential", "mish"}


def camel_case(name):
    return "".join(p.capitalize() for p in re.split(r"_+", name) if p)


def keras_class_name(fn):
    return _KERAS_CLASS.get(fn.__name__) or camel_case(fn.__name__)


def keras_module(fn):
    """The module Keras writes for the Operation behind `fn` ("keras.src.ops.numpy", ...)."""
    name = fn.__name__
    if name in _NOT_IN_KERAS:
        return "minikeras.ops"
    if name in _KERAS_MODULE:
        return f"keras.src.ops.{_KERAS_MODULE[name]}"
    own = getattr(fn, "__module__", "").split(".")[-1]
    if own in ("core", "math", "linalg", "image", "nn", "einops"):
        return f"keras.src.ops.{own}"
    return f"keras.src.ops.{'nn' if own in ('conv', 'pooling', 'layer_norm', 'ctc') else 'numpy'}"


def _signature(fn):
    cache = _signature.cache
    if fn not in cache:
        cache[fn] = inspect.signature(fn)
    return cache[fn]


_signature.cache = {}
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def split_arguments(fn, args, kwargs):
    """`(call_args, call_kwargs, static_kwargs)`: how Keras's Operation for `fn` receives the
    arguments of `fn(*args, **kwargs)` — tensors (defaults included) in the call, every other
    argument (defaults included) in the constructor's config."""
    from minikeras.engine.keras_tensor import KerasTensor, flatten
    sig = _signature(fn)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    call_names = CALL_PARAMS | _CALL_EXTRA.get(fn.__name__, set())
    as_kwargs = _CALL_KWARGS.get(fn.__name__, set())
    call_args, call_kwargs, static = [], {}, {}
    for p in sig.parameters.values():
        value = bound.arguments[p.name]
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            static.update(value)
        elif p.name in call_names or any(isinstance(t, KerasTensor) for t in flatten(value)):
            if p.name in as_kwargs or p.kind is inspect.Parameter.KEYWORD_ONLY:
                call_kwargs[p.name] = value
            else:
                call_args.append(value)
        else:
            static[p.name] = value
    if fn.__name__ in ("one_hot", "multi_hot") and static.get("dtype") is None:
        from minikeras.engine.config import floatx
        static["dtype"] = floatx()  # Keras's OneHot / MultiHot store the resolved dtype
    return tuple(call_args), call_kwargs, static


def _call_with_statics(fn, statics, args, kwargs):
    """`fn` called with its static arguments and the call's: positional call arguments fill,
    in order, the positional parameters that are not static (Keras's `call` signature)."""
    sig = _signature(fn)
    full, rest = {**statics, **kwargs}, list(args)
    positional, varargs = [], False
    for p in sig.parameters.values():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            varargs = True
        elif p.kind in _POSITIONAL and p.name not in statics and p.name not in kwargs and rest:
            full[p.name] = rest.pop(0)
    if rest and not varargs:
        raise TypeError(f"{fn.__name__}() received too many positional arguments: {args}")
    if not varargs:
        return fn(**full)
    for p in sig.parameters.values():
        if p.kind not in _POSITIONAL or p.name not in full:
            break
        positional.append(full.pop(p.name))
    return fn(*positional, *rest, **full)


class OpLayer(Layer):
    """Calls `fn(*args, **kwargs, **op_kwargs)`; shapes come from a trial run on zeros.

    `op_kwargs` holds the op's static arguments (axis, shapes, ...); when None, the first call
    splits its arguments into tensors (the node's) and static ones (the config's).
    """

    _convert_input_args = False  # an op computes in its inputs' dtypes (Keras casts nothing)

    def __init__(self, fn, name=None, op_kwargs=None, **kwargs):
        super().__init__(name=name or uniquify(to_snake_case(keras_class_name(fn))), **kwargs)
        self.fn = fn
        self.op_kwargs = dict(op_kwargs or {})
        self._split_pending = op_kwargs is None
        self._build_at_init()

    def __call__(self, *args, **kwargs):
        if self._split_pending:
            kwargs.pop("training", None)
            args, kwargs, statics = split_arguments(self.fn, args, kwargs)
            self.op_kwargs.update(statics)
            self._split_pending = False
        return super().__call__(*args, **kwargs)

    def _convert_input(self, x):
        if isinstance(x, (int, float)):
            return x  # a Python scalar keeps the op's own dtype rules (int32 + 2 is int32)
        return super()._convert_input(x)

    def call(self, *args, **kwargs):
        if self.fn.__name__ == "get_item" and len(args) > 1 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]), *args[2:])  # a saved index tuple comes back a list
        return _call_with_statics(self.fn, self.op_kwargs, args, kwargs)

    def compute_output_spec(self, *args, **kwargs):
        spec = getattr(self.fn, "output_spec", None)
        if spec is not None:  # control flow: the callables run on KerasTensors, as in Keras
            return _call_with_statics(spec, self.op_kwargs, args, kwargs)
        with onp.errstate(all="ignore"):  # zeros in a trial run may divide by zero
            return super().compute_output_spec(*args, **kwargs)

    def _attach_output_masks(self, first, outputs, previous_mask):
        pass  # ops neither carry masks along nor warn about dropping them (Keras's behaviour)

    def get_config(self):
        return {"name": self.name, **self.op_kwargs}

    def _serialization_path(self):
        """`(module, class_name, registered_name)` as Keras writes an Operation."""
        cls = keras_class_name(self.fn)
        return keras_module(self.fn), cls, cls


def op_layer(fn, name=None, op_kwargs=None):
    """A new layer for one symbolic application of `fn`; its class is named after the op."""
    cls = _classes.get(fn.__name__)
    if cls is None:
        cls = _classes[fn.__name__] = type(keras_class_name(fn), (OpLayer,),
                                           {"__doc__": OpLayer.__doc__})
    return cls(fn, name=name, op_kwargs=op_kwargs)


class OpFactory:
    """What a saved Operation config resolves to: `from_config` makes the OpLayer."""

    def __init__(self, fn):
        self.fn = fn

    def from_config(self, config):
        config = dict(config)
        name = config.pop("name", None)
        for key, value in config.items():
            if isinstance(value, dict) and value.get("class_name") == "function":
                from minikeras.saving.serialization_lib import deserialize_keras_object
                config[key] = deserialize_keras_object(value)  # a registered function (map's f)
        params = _signature(self.fn).parameters
        for key in [k for k in config if k not in params]:
            if config[key] in (None, False):  # Keras-only options left at their defaults
                config.pop(key)
            elif not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
                raise ValueError(f"Operation '{name}' ({self.fn.__name__}): minikeras does not "
                                 f"support the argument {key}={config[key]!r}.")
        return op_layer(self.fn, name=name, op_kwargs=config)


def _normalize(name):
    return name.lower().replace("_", "")


def op_table():
    """{normalized Keras class name: OpFactory} for every op recorded on KerasTensors."""
    if op_table.cache is None:
        from minikeras import ops
        from minikeras.engine.keras_tensor import get_item
        from minikeras.ops.symbolic import NOT_RECORDED
        table = {}
        for name in dir(ops):
            fn = getattr(ops, name)
            is_op = callable(fn) and not inspect.isclass(fn) and \
                getattr(fn, "__module__", "").startswith("minikeras.ops")
            if name.startswith("_") or name in NOT_RECORDED or not is_op:
                continue
            fn = getattr(fn, "__wrapped__", fn)
            table.setdefault(_normalize(name), OpFactory(fn))
        table["getitem"] = OpFactory(get_item)
        for ours, theirs in _KERAS_CLASS.items():
            if _normalize(ours) in table:
                table.setdefault(_normalize(theirs), table[_normalize(ours)])
        op_table.cache = table
    return op_table.cache


op_table.cache = None


def lookup_op(class_name):
    """The OpFactory for a Keras Operation class name ("Add", "GetItem"), or None."""
    return op_table().get(_normalize(class_name)) if isinstance(class_name, str) else None


symbolic.set_recorder(lambda fn, args, kwargs: op_layer(fn)(*args, **kwargs))
