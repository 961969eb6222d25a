"""Pipeline: applies a list of (preprocessing) layers in turn, outside a Model."""
import inspect

from minikeras.layers.layer import Layer


class Pipeline(Layer):
    """out = layers[-1](... layers[0](inputs)): each layer gets `training` (when given and
    accepted) and the mask the previous layer attached. Unlike Sequential, it is not a
    Model: it can run inside a tf.data pipeline and holds no optimizer.

    Args:
        layers: the layers, applied in order.
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = layers

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            params = inspect.signature(layer.call).parameters
            kwargs = {}
            if "mask" in params:
                kwargs["mask"] = mask
            if "training" in params and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = getattr(outputs, "_keras_mask", None)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @classmethod
    def from_config(cls, config):
        from minikeras.saving.serialization_lib import deserialize_keras_object
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list of "
                             f"serialized layers. Received config with layers={layers}.")
        return cls(**{**config, "layers": [deserialize_keras_object(x) for x in layers]})

    def get_config(self):
        from minikeras.saving.serialization_lib import serialize_keras_object
        return {"layers": [serialize_keras_object(x) for x in self._pipeline_layers],
                "name": self.name}
