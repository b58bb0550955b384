"""Identity: a placeholder layer that returns its inputs unchanged."""
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class Identity(Layer):
    """Return the inputs as they are (any shape, any structure); no weights.

    Useful as a placeholder where a model's structure expects a layer but none is needed.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
