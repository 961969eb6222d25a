"""`keras.models.clone_model`: the same architecture with new layers (and fresh weights)."""
import inspect

from minikeras.engine.keras_tensor import KerasTensor, flatten, map_structure
from minikeras.layers.core import Input, InputLayer
from minikeras.layers.op_layer import OpLayer
from minikeras.models.functional import Functional
from minikeras.models.model import Model
from minikeras.models.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and freshly initialized weights.

    New layers (from each layer's config) for a Sequential or Functional model.

    Args:
        model: a `Sequential` or Functional model (a subclassed model is rebuilt from its config).
        input_tensors: KerasTensors (from `keras.Input`) to build the clone on; new `Input`s by
            default.
        clone_function: `fn(layer) -> layer` for every non-input layer; by default
            `layer.__class__.from_config(layer.get_config())`. Ops in the graph (`x + y`,
            `ops.sum(x)`) are copied as they are, not passed to it.
        call_function: `fn(layer, *args, **kwargs) -> outputs` to call each cloned layer
            (Functional models only); by default `layer(*args, **kwargs)`.
        recursive: whether nested Sequential / Functional models are cloned with `clone_model`
            (same arguments) rather than with `clone_function`.
    Returns: the new model, compiled as the original was.
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models.  In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only. Received model "
                f"of type '{model.__class__.__name__}', with call_function={clone_function}")
        return _clone_sequential_model(model, clone_function, input_tensors)
    if isinstance(model, Functional):
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional_model(model, clone_function, input_tensors, call_function)
    if clone_function or input_tensors:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"models or Functional models. Received model of type '{model.__class__.__name__}', "
            f"with clone_function={clone_function} and input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models. Received model "
            f"of type '{model.__class__.__name__}', with call_function={clone_function}")
    from minikeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
    config = serialize_keras_object(model)
    try:
        return deserialize_keras_object(
            config, custom_objects={model.__class__.__name__: model.__class__})
    except (TypeError, ValueError) as e:
        if type(model).get_config is not Model.get_config:
            raise
        # Keras's automatic config fails the same way for a constructor it cannot replay.
        raise NotImplementedError(
            f"Object {model.__class__.__name__} was created by passing non-serializable argument "
            "values in `__init__()`, and therefore the object must override `get_config()` in "
            "order to be serializable. Please implement `get_config()`.") from e


def _wrap_clone_function(clone_function, call_function=None, recursive=False, cache=None):
    """`clone_function` (or the config round trip), once per layer (a shared layer stays shared),
    recursing into nested models when `recursive`."""
    if clone_function is None:
        def clone_function(layer):
            return layer.__class__.from_config(layer.get_config())
    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) not in cache:
            if isinstance(layer, OpLayer):  # an op in the graph (`x + y`): no weights, no config
                cache[id(layer)] = OpLayer(layer.fn, name=layer.name, op_kwargs=layer.op_kwargs)
            elif recursive and isinstance(layer, Sequential):
                cache[id(layer)] = clone_model(layer, clone_function=clone_function,
                                               recursive=True, cache=cache)
            elif recursive and isinstance(layer, Functional):
                cache[id(layer)] = clone_model(layer, clone_function=clone_function,
                                               call_function=call_function, recursive=True,
                                               cache=cache)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]
    return wrapped


def _compiled_like(new_model, model):
    if model.compiled:
        new_model.compile_from_config(model.get_compile_config())
    return new_model


def _clone_sequential_model(model, clone_function, input_tensors=None):
    if not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    new_layers = [clone_function(layer) for layer in model.layers]
    ref = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError("Argument `input_tensors` must be a KerasTensor. "
                             f"Received invalid value: input_tensors={input_tensors}")
        new_layers = [_input_from_tensor(input_tensors)] + new_layers
    elif ref is not None:
        new_layers = [Input(batch_shape=ref.batch_shape, dtype=ref._dtype, name=ref.name,
                            optional=ref.optional)] + new_layers
    cloned = Sequential(new_layers, name=model.name, trainable=model.trainable)
    return _compiled_like(cloned, model)


def _input_from_tensor(tensor):
    """The `Input` a Sequential clone starts from: the tensor itself when it is an `Input`."""
    if tensor._keras_history is not None and isinstance(tensor._keras_history[0], InputLayer):
        return tensor
    return Input(batch_shape=tensor.shape, dtype=tensor.dtype)


def _clone_functional_model(model, clone_function, input_tensors=None, call_function=None):
    if not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    if input_tensors is not None:
        if not all(isinstance(x, KerasTensor) for x in flatten(input_tensors)):
            raise ValueError("All entries in `input_tensors` must be KerasTensors. "
                             f"Received invalid values: inputs_tensors={input_tensors}")
        if not _same_structure(input_tensors, model.input):
            raise ValueError("`input_tensors` must have the same structure as model.input"
                             f"\nReference structure: {model.input}"
                             f"\nReceived structure: {input_tensors}")
    else:
        input_tensors = map_structure(
            lambda x: Input(batch_shape=x.shape, dtype=x.dtype, name=x._keras_history[0].name),
            model.input)
    output_tensors = _run_through_graph(model, input_tensors, clone_function, call_function)
    cls = model.__class__ if _functional_like_constructor(model.__class__) else Functional
    return _compiled_like(cls(input_tensors, output_tensors, name=model.name), model)


def _run_through_graph(model, inputs, operation_fn, call_fn=None):
    """The model's recorded calls replayed on `inputs`, each layer replaced by
    `operation_fn(layer)` and called through `call_fn` when given."""
    values = {id(t): v for t, v in zip(flatten(model.input), flatten(inputs))}
    lookup = lambda t: values[id(t)] if isinstance(t, KerasTensor) else t  # noqa: E731
    for node in model._nodes:
        if isinstance(node.layer, InputLayer):
            continue
        layer = operation_fn(node.layer)
        args = map_structure(lookup, node.call_args)
        kwargs = map_structure(lookup, node.call_kwargs)
        outs = call_fn(layer, *args, **kwargs) if call_fn is not None else layer(*args, **kwargs)
        for t, o in zip(node.output_tensors, flatten(outs)):
            values[id(t)] = o
    return map_structure(lambda t: values[id(t)], model.output)


def _same_structure(a, b):
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b)
                and all(_same_structure(a[k], b[k]) for k in a))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_same_structure(x, y) for x, y in zip(a, b)))
    return True


def _functional_like_constructor(cls):
    """Whether `cls(inputs, outputs, name=...)` builds it, as `Functional(...)` does."""
    args = inspect.getfullargspec(cls.__init__).args[1:]
    return args == inspect.getfullargspec(Functional.__init__).args[1:]
