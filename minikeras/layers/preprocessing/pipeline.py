"""Pipeline: a series of layers applied in turn, as Keras's `keras.layers.Pipeline`.

Unlike a `Sequential` model it is a plain layer, meant for preprocessing and data augmentation:
the data can be a tensor or a dict ({"images", "labels", ...} for the image augmentation
layers), passed as it is from one layer to the next.
"""
import copy

from minikeras.backend.masking import get_keras_mask
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer
from minikeras.tree import map_structure


@register_layer
class Pipeline(Layer):
    """Apply `layers` one after the other.

    `training` (default True, as Keras's: a pipeline called directly augments) reaches every
    layer whose `call` takes it; a mask a layer attaches to its output reaches the next layer's
    `mask` argument.

    Args:
        layers: a list of layers.
        name: the layer's name.

    Example:
        augment = Pipeline([RandomErasing(seed=1), MixUp(seed=2)])
        out = augment({"images": images, "labels": one_hot_labels})
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer)
                                                            for layer in layers):
            raise ValueError(f"Pipeline: `layers` should be a list of layers. "
                             f"Received: layers={layers!r}")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs = {}
            if layer._call_takes_mask:
                kwargs["mask"] = mask
            if layer._call_takes_training and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            mask = map_structure(get_keras_mask, outputs)
            inputs = outputs
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        from minikeras.layers.serialization import serialize
        return {"layers": [serialize(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.layers.serialization import deserialize
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"`Pipeline` config must contain a `layers` key mapping to a list "
                             f"of serialized layers. Received config with layers={layers!r}.")
        config = copy.deepcopy(config)
        config["layers"] = [deserialize(layer, custom_objects=custom_objects)
                            for layer in layers]
        return cls(**config)
