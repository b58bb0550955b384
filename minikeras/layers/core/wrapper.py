"""Wrapper: the base class of layers that hold one other layer and augment it."""
from minikeras.layers.layer import Layer, name_scope
from minikeras.registry.layer_classes import register_layer


@register_layer
class Wrapper(Layer):
    """Abstract base of a layer wrapping `layer` (SpectralNormalization; in Keras also
    TimeDistributed and Bidirectional). Not meant to be used as a layer by itself.

    `build` builds the wrapped layer (under this layer's name scope, so its weights are
    "<wrapper>/<layer>/<weight>"); the config holds the wrapped layer's serialized config under
    "layer", and `from_config` rebuilds it.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. "
                             f"Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            with name_scope(self.name):
                self.layer._maybe_build(input_shape)
        self.built = True

    def get_config(self):
        from minikeras.layers.serialization import serialize  # it imports every layer module
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.layers.serialization import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
