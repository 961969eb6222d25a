"""The `Layer` base class: Keras 3's contract on numpy + autograd.

Config goes in `__init__`, weights come from `self.add_weight` in `build(input_shape)`, and
`call(inputs, training=None)` is the forward function written with `keras.ops`. There is no
backward pass: `fit` binds the trainable variables to traced values (a stateless call) and asks
autograd for the gradient of the loss.
"""
import inspect
import warnings

import numpy as onp

from minikeras.engine import autodiff
from minikeras.engine import name_scope
from minikeras.engine.call_context import call_context as _call_ctx
from minikeras.engine.autodiff import TracedArray, is_traced, untraced
from minikeras.engine.masking import get_keras_mask, set_keras_mask
from minikeras.engine.tensor import Tensor
from minikeras.metrics.metric import Metric
from minikeras.engine.keras_tensor import KerasTensor, Node, any_symbolic, map_structure, flatten
from minikeras.engine.variable import AutocastScope, Variable, get_autocast_scope, standardize_dtype
from minikeras.layers.input_spec import InputSpec  # noqa: F401  (keras.layers.InputSpec)
from minikeras.utils.naming import reset_uids, to_snake_case, uniquify  # noqa: F401
from minikeras.utils.tracking import TrackedDict, TrackedList

# a layer called on one of these takes the short path
_ARRAYS = (onp.ndarray, Tensor, TracedArray, autodiff.TensorBox, autodiff.VariableBox)


_BOXES = (TracedArray, autodiff.TensorBox, autodiff.VariableBox)


def _view(x, cls):
    """`x` viewed as `cls` (Tensor <-> plain ndarray), keeping the mask attached to it."""
    view, mask = x.view(cls), get_keras_mask(x)
    if mask is not None:
        set_keras_mask(view, mask)
    return view


def _eager(x):
    """An eager output as the user gets it: a Tensor."""
    return _view(x, Tensor) if type(x) is onp.ndarray else x


def standardize_shape(shape):
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if isinstance(shape, int):
        shape = (shape,)
    return tuple(None if d is None else int(d) for d in shape)


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _auto_config(cls, args, kwargs):
    """The constructor arguments, when all are plain JSON values (else None)."""
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    config_ = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            config_.update(value)
        elif kind is not inspect.Parameter.VAR_POSITIONAL:
            config_[name] = value
    return config_ if _plain(config_) else None


def _holds_layer(value):
    items = value.values() if isinstance(value, dict) else value
    return any(isinstance(v, Layer) or (isinstance(v, (list, tuple, dict)) and _holds_layer(v))
               for v in items)


class Layer:
    """Base class of every layer (and of `Model`).

    Args:
        trainable: whether the layer's weights are updated by `fit`.
        name: a unique name; defaults to the snake_case class name, numbered.
        dtype: the dtype policy: a name ("float32", "mixed_float16", ...), a `DTypePolicy` or
            its config; None: `keras.config.dtype_policy()`. Weights are created in its
            variable dtype; `call` sees float inputs and variables in its compute dtype.
        autocast: whether float inputs and variables are cast to the compute dtype.
        activity_regularizer: a regularizer applied to the layer's output.
        input_shape / input_dim / batch_size: accepted on a Sequential model's first layer.
    """

    # False: `__call__` leaves float inputs in their dtype (a Functional model casts each to its
    # Input's dtype instead, as Keras does).
    _convert_input_args = True

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        object.__setattr__(obj, "_layers", [])
        object.__setattr__(obj, "_trainable_variables", [])
        object.__setattr__(obj, "_non_trainable_variables", [])
        object.__setattr__(obj, "_losses", [])
        object.__setattr__(obj, "_metrics", [])  # metrics set as attributes (`self.acc = ...`)
        object.__setattr__(obj, "_inbound_nodes", [])
        object.__setattr__(obj, "_auto_config", _auto_config(cls, args, kwargs))
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        if input_dim is not None or input_shape is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer in "
                "the model instead.", stacklevel=3)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {self.__class__.__name__}: {kwargs}")
        if input_dim is not None:
            input_shape = (input_dim,)
        self._batch_input_shape = None
        if batch_input_shape is not None:
            self._batch_input_shape = standardize_shape(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + standardize_shape(input_shape)
        if name is not None and not isinstance(name, str):
            raise ValueError(f"Argument `name` must be a string. Received: name={name}")
        self.name = name or uniquify(to_snake_case(self.__class__.__name__))
        self._trainable = bool(trainable)
        self._autocast = bool(autocast)
        self._set_policy(_policy(dtype, type(self).__name__))
        from minikeras import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self.input_spec = None
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._build_shapes = None

    # --- attribute tracking and the stateless-call binding ------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_outer":
            self._track(value)
        elif isinstance(value, (list, tuple, dict)):
            if type(value) in (list, dict) and (not name.startswith("_") or _holds_layer(value)):
                value = (TrackedList if type(value) is list else TrackedDict)(value, self)
            self._track(value)
        elif isinstance(value, Metric) and not name.startswith("_"):
            if not any(value is m for m in self._metrics):
                self._metrics.append(value)
        elif type(value) is Variable and not name.startswith("_"):
            lst = self._trainable_variables if value.trainable else self._non_trainable_variables
            if not any(value is v for v in self._trainable_variables + self._non_trainable_variables):
                lst.append(value)
        object.__setattr__(self, name, value)

    def _track(self, value):
        """Adopt the layers in `value` (a layer, or lists / tuples / dicts of them, nested)."""
        if isinstance(value, Layer):
            if not any(value is l for l in self._layers):
                self._layers.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                self._track(v)
        elif isinstance(value, dict):
            for v in value.values():
                self._track(v)

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        if autodiff._scope is not None and type(value) is Variable:  # inline `bound`: hot path
            traced = autodiff._scope.get(id(value), value)
            # A traced value stands in for the variable (it still has `assign`); a plain bound
            # value (a stateless_call's) is read through the Variable, which keeps its methods.
            if type(traced) not in _BOXES:
                return value
            scope = get_autocast_scope()  # mixed precision: the traced value, cast
            return traced if scope is None or scope.dtype is None else \
                value.autocast_value(traced, scope.dtype)
        return value

    # --- properties ---------------------------------------------------------------------
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = _policy(value, type(self).__name__)
        if _is_policy_map(self._dtype_policy) and self.path:
            if self.path in self._dtype_policy:
                del self._dtype_policy[self.path]
            self._dtype_policy[self.path] = policy
            self._set_policy(self._dtype_policy)
        else:
            self._set_policy(policy)

    @property
    def autocast(self):
        """Whether float inputs and variables are cast to the compute dtype in `call`."""
        return self._autocast

    @autocast.setter
    def autocast(self, value):
        self._autocast = bool(value)
        policy = self.__dict__.get("_dtype_policy")
        if policy is not None:  # (a subclass may set it before calling Layer.__init__)
            self._set_policy(policy)

    def _set_policy(self, policy):
        # Every call asks for the dtypes: keep them at hand, except for a DTypePolicyMap, whose
        # answer depends on the layer's path (and is looked up each time).
        self._dtype_policy = policy
        if _is_policy_map(policy):
            self._dtypes = None
        else:
            compute = policy.compute_dtype
            self._dtypes = (compute, policy.variable_dtype, self._cast_target(compute))

    def _cast_target(self, compute):
        return compute if self._autocast and _is_float_name(compute) and \
            type(self)._convert_input_args else None

    def _own_policy(self):
        policy = self._dtype_policy
        return policy[self.path] if _is_policy_map(policy) and self.path else policy

    def _dtype_triple(self):
        """(compute dtype, variable dtype, dtype float inputs are cast to or None)."""
        dtypes = self._dtypes
        if dtypes is None:
            policy = self._own_policy()
            compute = policy.compute_dtype
            dtypes = (compute, policy.variable_dtype, self._cast_target(compute))
        return dtypes

    @property
    def dtype(self):
        """The dtype of the layer's weights (alias of `variable_dtype`)."""
        return self.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype the layer computes in: float inputs and variables are cast to it."""
        return self._dtype_triple()[0]

    @property
    def variable_dtype(self):
        """The dtype the layer creates its weights in."""
        return self._dtype_triple()[1]

    @property
    def input_dtype(self):
        """The dtype float inputs are converted to when the layer is called."""
        return self.compute_dtype

    @property
    def quantization_mode(self):
        return self._own_policy().quantization_mode

    @property
    def path(self):
        return self.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for layer in self._layers:
            layer.trainable = value

    def _all_variables(self):
        seen, out = set(), []
        for v in self._trainable_variables + self._non_trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self):
        return self._all_variables()

    variables = weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self._own_trainable_first() if v.trainable]

    def _own_trainable_first(self):
        seen, out = set(), []
        for v in self._trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in (layer.trainable_weights if layer.trainable else []):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable_ids]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def metrics(self):
        """The metrics this layer and its sublayers own (set as attributes), as in Keras."""
        return [m for layer in self._flatten_layers() for m in layer._metrics]

    def _flatten_layers(self, include_self=True):
        out, seen = ([self] if include_self else []), {id(self)}
        stack = list(self._layers)
        while stack:
            layer = stack.pop(0)
            if id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
                stack = list(layer._layers) + stack
        return out

    # --- weights ------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates a weight Variable owned by this layer and returns it."""
        from minikeras import constraints, initializers, regularizers
        dtype = standardize_dtype(dtype or self.variable_dtype)
        shape = () if shape is None else standardize_shape(shape)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        initializer = initializers.get(initializer)
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                            name=name or "variable", autocast=autocast,
                            regularizer=regularizers.get(regularizer),
                            constraint=constraints.get(constraint))
        scope = name_scope.current_path()  # `with keras.name_scope("outer"):` prefixes the path
        variable.path = f"{scope}/{self.path}/{variable.name}" if scope else f"{self.path}/{variable.name}"
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        return variable

    add_variable = add_weight

    def get_weights(self):
        """The layer's weights as a list of numpy arrays (creation order)."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Sets the layer's weights from a list of arrays in `get_weights()` order."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for variable, value in zip(params, weights):
            value = onp.asarray(value)
            if variable.shape != value.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {variable.shape} is not compatible with "
                    f"provided weight shape {value.shape}.")
        for variable, value in zip(params, weights):
            variable.assign(value)

    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built and self.weights == []:
            raise ValueError(
                "You tried to call `count_params` on layer '{}', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`.".format(self.name))
        return int(sum(onp.prod(v.shape, dtype=onp.int64) for v in self.weights))

    # --- losses -------------------------------------------------------------------------
    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Calls the layer with its variables bound to the given values, touching none of them.

        Returns `(outputs, non_trainable_variables)`: the new values of the non-trainable
        variables (a BatchNormalization's moving statistics after a training call), and with
        `return_losses=True` also the losses the call added. As Keras 3's: a pure function of
        the variable values, for code that differentiates or updates them itself."""
        if not self.built:
            raise ValueError(f"To call stateless_call, {self.__class__.__name__} must be built "
                             "(i.e. its variables must have been already created). You can "
                             "build it by calling it on some data.")
        for what, given, own in (("trainable_variables", trainable_variables, self.trainable_variables),
                                 ("non_trainable_variables", non_trainable_variables,
                                  self.non_trainable_variables)):
            if len(given) != len(own):
                raise ValueError(
                    f"Argument `{what}` must be a list of tensors corresponding 1:1 to "
                    f"{self.__class__.__name__}().{what}. Received list with length "
                    f"{len(given)}, but expected {len(own)} variables.")
        own = list(self.trainable_variables) + list(self.non_trainable_variables)
        values = list(trainable_variables) + list(non_trainable_variables)
        with autodiff.StatelessScope(zip(own, values), collect_losses=return_losses) as scope:
            outputs = self(*args, **kwargs)
            losses = list(self.losses) if return_losses else None
        new_values = [scope.get_current_value(v) for v in self.non_trainable_variables]
        return (outputs, new_values, losses) if return_losses else (outputs, new_values)

    def add_loss(self, loss):
        """Adds a scalar loss (e.g. a regularization term) that `fit` adds to the model loss."""
        self._losses.append(loss)

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses.clear()

    @property
    def losses(self):
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for v in self.trainable_weights:
            if v.regularizer is not None:
                out.append(v.regularizer(v.value))
        return out

    # --- building and calling -----------------------------------------------------------
    def build(self, input_shape=None):
        """Creates the layer's weights for inputs of `input_shape` (once, before the first call)."""
        self.built = True

    build._is_default = True  # a subclass that defines `build` replaces it (see _build_at_init)

    def _build_at_init(self):
        """A stateless layer is built when constructed, as in Keras, unless its class overrides
        `build`: then the user's `build` must still run on the first call."""
        if getattr(type(self).build, "_is_default", False):
            self.built = True

    def _maybe_build(self, shapes):
        if self.built:
            return
        self._build_shapes = shapes
        self.build(shapes)
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The forward pass: the layer's outputs for `inputs` (subclasses implement it)."""
        raise NotImplementedError(
            f"Layer {self.__class__.__name__} does not have a `call()` method implemented.")

    def _call_signature(self):
        cls = type(self)
        cache = cls.__dict__.get("_cached_call_params")
        if cache is None:
            cache = inspect.signature(self.call).parameters
            type.__setattr__(cls, "_cached_call_params", cache)
        return cache

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and type(args[0]) in _ARRAYS and kwargs.keys() <= {"training"}:
            args = (self._convert_input(args[0]),)  # the common case: no structure to walk
        elif any_symbolic((args, kwargs)):
            return self._symbolic_call(*args, **kwargs)
        else:
            args = tuple(map_structure(self._convert_input, a) for a in args)
            if kwargs and self._input_cast_dtype() is not None:  # float tensors given by name
                kwargs = {k: v if k == "training" else map_structure(self._cast_input, v)
                          for k, v in kwargs.items()}
        first = args[0] if args else next(iter(kwargs.values()))
        outermost = _call_ctx.depth == 0
        if outermost:
            self._clear_losses()
        params = self._call_signature()
        training = kwargs.get("training")
        if "training" in params:
            if training is None:
                training = _call_ctx.training
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        if not self.built:
            self._maybe_build(map_structure(lambda t: tuple(onp.shape(t)), first))
        self._check_input_spec(first)
        previous_mask = self._fill_masks(args, kwargs, params, first)
        saved = _call_ctx.training
        _call_ctx.depth += 1
        if training is not None:
            _call_ctx.training = training
        scope = self._autocast_scope()
        try:
            if scope is None:
                outputs = self.call(*args, **kwargs)
            else:
                with scope:  # variables read in `call` come in the compute dtype
                    outputs = self.call(*args, **kwargs)
        finally:
            _call_ctx.depth -= 1
            _call_ctx.training = saved
        if outermost:  # what the user gets: eager tensors with `.numpy()` (and `_keras_mask`)
            outputs = map_structure(_eager, outputs)
        self._attach_output_masks(first, outputs, previous_mask)
        if self.activity_regularizer is not None:
            for o in flatten(outputs):
                self.add_loss(self.activity_regularizer(o) / o.shape[0])
        return outputs

    # --- masks (Keras 3's rules) ----------------------------------------------------------
    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs: by default the input mask, passed through unchanged."""
        return previous_mask

    def _fill_masks(self, args, kwargs, params, first):
        """Fill `mask=` (one tensor argument) or `<arg>_mask=` (several) from attached masks;
        return the mask that came in with the first input."""
        def attached(value):
            if not isinstance(value, (list, tuple, dict)):
                return get_keras_mask(value)
            masks = map_structure(get_keras_mask, value)
            return masks if any(m is not None for m in flatten(masks)) else None

        if not any(n.endswith("mask") for n in params):  # most layers: nothing to fill
            return kwargs["mask"] if kwargs.get("mask") is not None else attached(first)
        names = [n for n in params if params[n].kind not in (inspect.Parameter.VAR_POSITIONAL,
                                                               inspect.Parameter.VAR_KEYWORD)]
        bound = dict(zip(names, args))
        bound.update((k, v) for k, v in kwargs.items() if k not in bound)
        tensors = {k: v for k, v in bound.items() if k != "training" and not k.endswith("mask")
                   and v is not None and not isinstance(v, (bool, str, int, float))}
        positional = set(names[:len(args)])  # a mask passed positionally (layer(x, mask)) stays so
        if "mask" in params and "mask" not in positional and kwargs.get("mask") is None \
                and len(tensors) == 1:
            kwargs["mask"] = attached(next(iter(tensors.values())))
        elif len(tensors) > 1:
            for k, v in tensors.items():
                if f"{k}_mask" in params and f"{k}_mask" not in positional \
                        and kwargs.get(f"{k}_mask") is None:
                    kwargs[f"{k}_mask"] = attached(v)
        if bound.get("mask") is not None:
            return bound["mask"]
        if kwargs.get("mask") is not None:
            return kwargs["mask"]
        return attached(first)

    def _attach_output_masks(self, first, outputs, previous_mask):
        if not self.supports_masking:
            if previous_mask is not None:
                warnings.warn(
                    f"Layer '{self.name}' (of type {self.__class__.__name__}) was passed an input "
                    "with a mask attached to it. However, this layer does not support masking "
                    "and will therefore destroy the mask information. Downstream layers will "
                    "not see the mask.", stacklevel=3)
            return
        outs = flatten(outputs)
        if all(get_keras_mask(o) is not None for o in outs):
            return
        masks = self.compute_mask(first, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(outs, flatten(masks)):
            if mask is not None and get_keras_mask(tensor) is None:
                set_keras_mask(tensor, mask)

    # --- dtypes (Keras's dtype policies) ---------------------------------------------------
    def _input_cast_dtype(self):
        """The dtype float inputs are cast to when the layer is called, or None (no cast: the
        layer does not autocast, or computes in a non-float dtype)."""
        if type(self).input_dtype is not Layer.input_dtype:  # a subclass's own input dtype
            return self._cast_target(self.input_dtype)
        return self._dtype_triple()[2]

    def _cast_input(self, x):
        """`x` cast to the input dtype if it is a float array (plain, Tensor or traced)."""
        return cast_float(x, self._input_cast_dtype())

    def _autocast_scope(self):
        """The AutocastScope to open around `call` (None: keep the current one), by Keras's rule:
        a layer whose compute and variable dtypes differ reads its variables in the compute
        dtype; inside such a scope a layer that does not autocast, or computes in a non-float
        dtype, turns it off, and one of another compute dtype opens its own."""
        current = get_autocast_scope()
        compute, variable, _ = self._dtype_triple()
        if current is not None:
            if not self._autocast or not _is_float_name(compute):
                return AutocastScope(None) if current.dtype is not None else None
            return AutocastScope(compute) if current.dtype != compute else None
        if compute != variable and _is_float_name(compute):
            return AutocastScope(compute)
        return None

    def _convert_input(self, x):
        if autodiff._watched:  # a tensor a gradient tape watches: its traced value
            traced = autodiff.watched_value(x)
            if traced is not x:
                return self._cast_input(traced)
        if isinstance(x, onp.ndarray):
            if type(x) is Tensor:
                x = _view(x, onp.ndarray)
            return self._cast_input(x)
        if is_traced(x):
            return self._cast_input(x)
        if x is None or isinstance(x, (str, bool)):
            return x
        if type(x) is Variable:
            return self._cast_input(x.value)
        if isinstance(x, (int, float, list, onp.generic)):
            return self._cast_input(onp.asarray(x))
        return x

    def _spec_input(self, x):
        """A symbolic input as `call` sees it: a float KerasTensor in the input dtype."""
        dtype = self._input_cast_dtype()
        if dtype is None or not isinstance(x, KerasTensor) or x.dtype == dtype \
                or not str(x.dtype).startswith(("float", "bfloat")):
            return x
        cast = KerasTensor(x.shape, dtype)
        if "_keras_mask" in x.__dict__:
            cast._keras_mask = x._keras_mask
        return cast

    def _check_input_spec(self, inputs):
        spec = self.input_spec
        if spec is None:
            return
        specs = spec if isinstance(spec, (list, tuple)) else [spec]
        xs = flatten(inputs)
        for i, (s, x) in enumerate(zip(specs, xs)):
            if s is not None:
                s.check(self.name, tuple(x.shape), i)

    def compute_output_shape(self, *args, **kwargs):
        """The output shape for an input shape (used by symbolic graphs and `summary`)."""
        raise NotImplementedError

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensors for symbolic inputs, by shape inference or a trial evaluation."""
        first = args[0] if args else next(iter(kwargs.values()))
        overridden = type(self).compute_output_shape is not Layer.compute_output_shape
        if overridden:
            shapes = map_structure(lambda t: t.shape, first)
            out = self.compute_output_shape(shapes)
            dtype = self.compute_dtype
            if isinstance(out, tuple) and (not out or not isinstance(out[0], (tuple, list))):
                return KerasTensor(out, dtype)
            return map_structure(lambda s: KerasTensor(s, dtype), out,
                                 is_leaf=lambda s: isinstance(s, tuple) and (not s or not isinstance(s[0], (tuple, list))))
        return _trial_output_spec(self, args, kwargs)

    def _symbolic_call(self, *args, **kwargs):
        first = args[0] if args else next(iter(kwargs.values()))
        if not self.built:
            self._maybe_build(map_structure(lambda t: tuple(t.shape), first))
        self._check_input_spec(first)
        kwargs.pop("training", None)
        spec_args, spec_kwargs = args, kwargs
        if self._input_cast_dtype() is not None:  # `call` sees float inputs in the compute dtype
            spec_args = tuple(map_structure(self._spec_input, a) for a in args)
            spec_kwargs = {k: map_structure(self._spec_input, v) for k, v in kwargs.items()}
        in_mask = first.__dict__.get("_keras_mask") if isinstance(first, KerasTensor) else None
        if in_mask is not None and "mask" in self._call_signature() and kwargs.get("mask") is None:
            spec_kwargs = {**spec_kwargs, "mask": in_mask}  # `call` sees a mask, as in Keras
        outputs = self.compute_output_spec(*spec_args, **spec_kwargs)
        Node(self, args, kwargs, outputs)
        self._attach_symbolic_mask(first, outputs)
        return outputs

    def _attach_symbolic_mask(self, first, outputs):
        """`output._keras_mask` on a KerasTensor, as Keras shows it (a bool KerasTensor). Only
        for display: a functional model computes its masks when it runs."""
        if not isinstance(outputs, KerasTensor) or not isinstance(first, KerasTensor):
            return
        in_mask = first.__dict__.get("_keras_mask")
        if type(self).compute_mask is Layer.compute_mask:
            mask = in_mask if self.supports_masking else None
        else:
            try:
                mask = self.compute_mask(first, in_mask)
            except Exception:  # a compute_mask that needs concrete values: no symbolic mask
                mask = None
        if isinstance(mask, KerasTensor):
            outputs._keras_mask = KerasTensor(mask.shape, "bool")

    # --- config -------------------------------------------------------------------------
    def get_config(self):
        """The layer's constructor arguments as a JSON-friendly dict (Keras's config keys)."""
        from minikeras import regularizers
        config_ = {"name": self.name, "trainable": self.trainable,
                   "dtype": _dtype_policy_config(self.dtype_policy)}
        # No "batch_input_shape": Keras 3 layers refuse it; a Sequential's config carries the
        # input shape as its InputLayer.
        if self.activity_regularizer is not None:
            config_["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        auto = object.__getattribute__(self, "__dict__").get("_auto_config")
        if auto is not None and type(self).get_config is Layer.get_config:
            # A subclass without get_config: its plain constructor arguments (as Keras does).
            config_ = {**auto, **config_}
        return config_

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        if isinstance(config_.get("dtype"), dict):
            config_["dtype"] = _policy_from_config(config_["dtype"])
        try:
            return cls(**config_)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config_}.\n\n"
                f"Exception encountered: {e}") from e

    def get_build_config(self):
        """`{input_shape: ...}` the layer was built with, or None if not built."""
        if self._build_shapes is not None:
            return {"input_shape": self._build_shapes}
        return None

    def build_from_config(self, build_config):
        """Builds the layer from `get_build_config()`, so saved weights can be loaded."""
        if build_config and build_config.get("input_shape") is not None:
            self._maybe_build(build_config["input_shape"])

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}, built={self.built}>"

    # --- convenience for symbolic graphs --------------------------------------------------
    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined input.")
        return self._inbound_nodes[0].unflat_inputs()

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined output.")
        return self._inbound_nodes[0].outputs

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self.output)


def _policy(dtype, class_name):
    """The DTypePolicy a layer's `dtype` argument names (quantized policies are refused)."""
    from minikeras import dtype_policies
    policy = dtype_policies.get(dtype)
    if policy.quantization_mode is not None and not _is_policy_map(policy):
        raise NotImplementedError(
            f"{class_name}: quantized dtype policies are not supported by minikeras (layers do "
            f"not quantize). Received: dtype={policy.name}")
    return policy


def cast_float(x, dtype):
    """`x` cast to `dtype` if it is a float array (plain, Tensor or traced) of another dtype;
    anything else (ints, bools, None dtype) as it is."""
    x_dtype = getattr(x, "dtype", None)
    if dtype is None or not isinstance(x_dtype, onp.dtype) or x_dtype == dtype \
            or not (x_dtype.kind == "f" or x_dtype.name == "bfloat16"):
        return x
    if not isinstance(x, onp.ndarray) and not is_traced(x):
        return x
    mask = get_keras_mask(x)
    cast = x.astype(dtype)
    if mask is not None:  # the cast keeps the mask attached to the input
        set_keras_mask(cast, mask)
    return cast


def _is_float_name(dtype):
    return dtype.startswith(("float", "bfloat"))


def _is_policy_map(policy):
    return type(policy).__name__ == "DTypePolicyMap"


def _dtype_policy_config(policy):
    """A dtype policy (or a dtype name) serialized as Keras writes it in a layer's config."""
    from minikeras import dtype_policies
    return dtype_policies.serialize(dtype_policies.get(policy))


def _policy_from_config(config_):
    """A serialized policy as `from_config` passes it to the constructor: the name of a float
    policy (as Keras does, for older layers that take dtype names), else the policy object."""
    from minikeras import dtype_policies
    policy = dtype_policies.deserialize(config_)
    if isinstance(policy, str) or _is_policy_map(policy) or policy.quantization_mode is not None:
        return policy
    return policy.name


def _aligned_size(tensors, tensor, axis):
    """A known size (not 1) that another tensor has at the same right-aligned position."""
    offset = len(tensor.shape) - axis
    for other in tensors:
        if other is not tensor and len(other.shape) >= offset:
            d = other.shape[len(other.shape) - offset]
            if d is not None and d != 1:
                return d
    return None


def _trial_output_spec(layer, args, kwargs):
    """Runs `call` on zeros to learn output shapes; None dims are found by varying them.

    Each unknown size is tried as 2, then as 3; a dimension of the output that differs between
    the two runs is unknown. When a run fails (a None meets a known size it must equal, as in
    `(None, 3) + (2, None)`), each None takes the known size at the same broadcast position in
    another input, as Keras's shape inference would match them."""
    tensors = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]

    def concrete(size, aligned):
        def make(t):
            if isinstance(t, KerasTensor):
                shape = list(t.shape)
                for i, d in enumerate(shape):
                    if d is None:
                        shape[i] = _aligned_size(tensors, t, i) if aligned else None
                        shape[i] = size if shape[i] is None else shape[i]
                if t.dtype == "string":
                    return onp.full(shape, "", dtype=object)
                if t.dtype == "bool":
                    return onp.ones(shape, dtype=bool)  # a mask that keeps everything
                return onp.zeros(shape, dtype=t.dtype)
            return t
        return map_structure(make, args), map_structure(make, kwargs)

    has_none = any(d is None for t in tensors for d in t.shape)
    results = []
    saved = layer._losses[:]
    # the trial calls run on bound copies of the variables: a call that assigns state (a
    # counter, a moving statistic) leaves the layer as it was, as Keras's symbolic call does
    bound = [(v, v.numpy()) for v in layer.variables]

    def run(a, k):
        if "training" in layer._call_signature():
            k["training"] = False
        _call_ctx.depth += 1
        scope = layer._autocast_scope()  # variables in the compute dtype, as in `__call__`
        try:
            with autodiff.StatelessScope(bound):
                if scope is None:
                    return layer.call(*a, **k)
                with scope:
                    return layer.call(*a, **k)
        finally:
            _call_ctx.depth -= 1

    for size in ((2, 3) if has_none else (2,)):
        try:
            results.append(run(*concrete(size, aligned=False)))
        except Exception:
            if not has_none or len(tensors) < 2:
                raise
            results.append(run(*concrete(size, aligned=True)))
    layer._losses[:] = saved

    def to_spec(*outs):
        shapes = [onp.shape(untraced(o)) for o in outs]
        dims = tuple(d if all(s[i] == d for s in shapes) else None for i, d in enumerate(shapes[0]))
        return KerasTensor(dims, getattr(untraced(outs[0]), "dtype", onp.dtype("float32")).name)
    if len(results) == 1:
        return map_structure(lambda o: to_spec(o), results[0])
    return map_structure(to_spec, results[0], results[1])
