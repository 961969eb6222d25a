"""`Model`: a Layer that trains. `Model(inputs, outputs)` builds a functional model;
subclassing `Model` and writing `call` gives a subclassed one."""
from minikeras.layers.layer import Layer
from minikeras.models.trainer import Trainer


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
        return {"name": self.name, "trainable": self.trainable}

    def __call__(self, *args, **kwargs):
        return super().__call__(*args, **kwargs)
