"""`Model`: a Layer that trains. `Model(inputs, outputs)` builds a functional model;
subclassing `Model` and writing `call` gives a subclassed one."""
from minikeras.layers.layer import Layer
from minikeras.models.trainer import Trainer


def _functional_arguments(args, kwargs):
    return len(args) >= 2 or len(args) == 1 and "outputs" in kwargs or {"inputs", "outputs"} <= kwargs.keys()


_functional_subclasses = {}


def _with_functional(cls):
    """`cls` with `Functional` added after it in the method order (made once per class)."""
    from minikeras.models.functional import Functional
    if cls not in _functional_subclasses:
        _functional_subclasses[cls] = type(cls.__name__, (cls, Functional), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _functional_subclasses[cls]


class Model(Trainer, Layer):
    """Groups layers into an object with training (`fit`) and inference (`predict`) features.

    `Model(inputs, outputs, name=None)` is the functional API; subclass it and define `call`
    for a subclassed model.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            from minikeras.models.functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if type(self) is not Model and _functional_arguments(args, kwargs):
            # `CustomModel(inputs, outputs)`: a subclass (overriding `train_step`, say) used the
            # functional way becomes a functional model of that subclass, as in Keras.
            from minikeras.models.functional import Functional
            if not isinstance(self, Functional):
                self.__class__ = _with_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype)
        if args or kwargs:
            raise ValueError(
                f"Unrecognized arguments passed to Model '{self.name}': args={args}, kwargs={kwargs}")

    @property
    def layers(self):
        return list(self._layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    def get_layer(self, name=None, index=None):
        """A layer by `name` or by `index` (in `model.layers` order)."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def build(self, input_shape=None):
        """Builds the model's weights by calling it once on zeros of `input_shape`."""
        if type(self).build is not Model.build:
            # `super().build(input_shape)` at the end of a subclass's own `build` (which the
            # first call runs): the subclass made its weights, the model is built.
            self.built = True
            return
        if input_shape is not None and not self.built:
            import numpy as onp
            from minikeras.engine.keras_tensor import map_structure
            zeros = map_structure(lambda s: onp.zeros([1 if d is None else d for d in s], "float32"),
                                  input_shape, is_leaf=lambda s: isinstance(s, (tuple, list)) and all(
                                      d is None or isinstance(d, int) for d in s))
            self(zeros, training=False)
        self.built = True

    def _maybe_build(self, shapes):
        if type(self).build is Model.build:
            # A subclassed model builds its layers as its `call` first runs them.
            self._build_shapes = shapes
            self.built = True
        else:
            super()._maybe_build(shapes)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers, their output shapes and parameter counts, like Keras."""
        from minikeras.models.summary import print_summary
        print_summary(self, line_length=line_length, print_fn=print_fn)

    def get_config(self):
        """The model's config: name, trainable and dtype (a subclass adds its own arguments)."""
        from minikeras.layers.layer import _dtype_policy_config
        return {"name": self.name, "trainable": self.trainable,
                "dtype": _dtype_policy_config(self.dtype_policy)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional model from a functional config; otherwise `cls(**config)`."""
        from minikeras.models.functional import (Functional, _functional_like_constructor,
                                                 functional_from_config)
        functional_keys = ("name", "layers", "input_layers", "output_layers")
        if all(k in config for k in functional_keys) and (
                cls in (Model, Functional) or issubclass(cls, Functional)
                or _functional_like_constructor(cls)):
            return functional_from_config(Functional if cls is Model else cls, config,
                                          custom_objects=custom_objects)
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            from minikeras.layers.layer import _policy_from_config
            config["dtype"] = _policy_from_config(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Unable to revive model from config. When overriding the `get_config()` "
                f"method, make sure that the returned config contains all items used as "
                f"arguments in the constructor to {cls}, which is the default behavior. "
                f"You can override this default behavior by defining a `from_config(cls, "
                f"config)` class method to specify how to create an instance of "
                f"{cls.__name__} from its config.\n\nReceived config={config}\n\n"
                f"Error encountered during deserialization: {e}") from e

    def to_json(self, **kwargs):
        """The model's serialized config as a JSON string (`keras.models.model_from_json`)."""
        import json
        from minikeras.saving.serialization_lib import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    def get_compile_config(self):
        """What `compile` received, serialized (the optimizer as the instance it resolved to);
        {} if the model is not compiled."""
        if not self.compiled or not hasattr(self, "_compile_config"):
            return {}
        from minikeras.saving.serialization_lib import serialize_keras_object
        config = dict(self._compile_config)
        # the optimizer compile resolved, before a mixed_float16 model wraps it for loss scaling
        config["optimizer"] = getattr(self, "_compiled_optimizer", None) or self.optimizer
        config.update(run_eagerly=False, steps_per_execution=1, jit_compile=True)
        return serialize_keras_object(config)

    def compile_from_config(self, config):
        """Compiles the model as `get_compile_config()` describes, building the optimizer's
        variables so that a saved optimizer state can be loaded into them."""
        from minikeras.saving.serialization_lib import deserialize_keras_object
        config = deserialize_keras_object(config)
        self.compile(**config)
        if self.built and self.optimizer is not None and hasattr(self.optimizer, "build"):
            self.optimizer.build(self.trainable_variables)

    # --- files (minikeras/saving/saving_lib.py) -------------------------------------------
    def build_from_config(self, build_config):
        """Builds from `get_build_config()`: a subclassed model runs `call` once on zeros, so
        its sublayers create their weights before a saved state is loaded into them."""
        shape = (build_config or {}).get("input_shape")
        if shape is not None and not self.built:
            self.build(shape)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves config, weights and optimizer state as a `.keras` zip (`keras.saving.save_model`)."""
        from minikeras.saving import saving_lib
        return saving_lib.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and optimizer state) to a `.weights.h5` file."""
        from minikeras.saving import saving_lib
        return saving_lib.save_weights(self, filepath, overwrite=overwrite,
                                       max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5` or `.keras` file into this (built) model."""
        from minikeras.saving import saving_lib
        return saving_lib.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Keras's export formats need TensorFlow, JAX or torch: minikeras (like Keras's numpy
        backend) raises NotImplementedError for each, ValueError for an unknown format."""
        formats = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
        if format not in formats:
            raise ValueError(f"Unrecognized format={format}. Supported formats are: "
                             f"{list(formats)}.")
        if format == "litert":
            raise ValueError("LiteRT export requires TensorFlow or PyTorch backend.")
        name = "saved_model" if format == "tf_saved_model" else format
        raise NotImplementedError(f"`export_{name}` only currently supports the tensorflow, jax "
                                  "and torch backends.")

    @property
    def metrics_variables(self):
        """The variables of `model.metrics` (the loss tracker and compiled metrics included)."""
        return [v for metric in self.metrics for v in metric.variables]

    # --- state as nested dicts (Keras's get_state_tree / set_state_tree) ------------------
    def _get_variable_map(self):
        """{variable path: variable} over the model, its optimizer and metrics."""
        from minikeras.models.variable_mapping import map_saveable_variables
        store = {}
        map_saveable_variables(self, store=store, visited_saveables=set())
        return store

    def get_state_tree(self, value_format="backend_tensor"):
        """`{"trainable_variables", "non_trainable_variables", "optimizer_variables",
        "metrics_variables"}`, each a dict nested along the variables' paths
        (`{"dense": {"kernel": ...}}`); leaves are tensors or, with
        `value_format="numpy_array"`, numpy arrays."""
        optimizer = getattr(self, "optimizer", None)
        groups = {"trainable_variables": self.trainable_variables,
                  "non_trainable_variables": self.non_trainable_variables,
                  "optimizer_variables": optimizer.variables if optimizer is not None else [],
                  "metrics_variables": self.metrics_variables}
        return {k: _nested_by_path(v, value_format) for k, v in groups.items()}

    def set_state_tree(self, state_tree):
        """Assigns the values of a `get_state_tree()`-like dict to the variables it names."""
        optimizer = getattr(self, "optimizer", None)
        for key, nested in state_tree.items():
            if key == "trainable_variables":
                variables = self.trainable_variables
            elif key == "non_trainable_variables":
                variables = self.non_trainable_variables
            elif key == "optimizer_variables":
                variables = optimizer.variables if optimizer is not None else []
            elif key == "metrics_variables":
                variables = self.metrics_variables
            else:
                raise ValueError(f"Unknown variable name: {key}")
            by_path = {v.path: v for v in variables}
            for path, value in _flat_by_path(nested).items():
                if path in by_path:
                    by_path[path].assign(value)

    def __reduce__(self):
        """A model pickles as the bytes of its `.keras` file (as Keras does); unpickling loads
        them with minikeras's safe loader, so a pickle runs no code of its own."""
        import io
        from minikeras.saving import saving_lib
        buffer = io.BytesIO()
        saving_lib.save_model(self, buffer)
        return (_unpickle_model, (buffer.getvalue(),))

    def __call__(self, *args, **kwargs):
        return super().__call__(*args, **kwargs)


def _unpickle_model(data):
    import io
    from minikeras.saving import saving_lib
    return saving_lib.load_model(io.BytesIO(data), safe_mode=True)


def _nested_by_path(variables, value_format):
    flat = {}
    for v in variables:
        if v.path in flat:
            raise ValueError(
                f"The following variable path is found twice in the model: '{v.path}'. "
                "`get_state_tree()` can only be called when all variable paths are unique. "
                "Make sure to give unique names to your layers (and other objects).")
        if value_format == "backend_tensor":
            flat[v.path] = v.value
        elif value_format == "numpy_array":
            flat[v.path] = v.numpy()
        else:
            raise ValueError("Invalid `value_format` argument. Expected one of {'numpy_array', "
                             f"'backend_tensor'}}. Received: value_format={value_format}")
    nested = {}
    for path, value in flat.items():
        *parents, leaf = path.split("/")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def _flat_by_path(nested, prefix=""):
    flat = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            flat.update(_flat_by_path(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
