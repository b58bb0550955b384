"""Activation: applies an activation function as a layer of its own."""
from minikeras import activations
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class Activation(Layer):
    """Apply `activation` (a name such as 'relu' or a function) elementwise; shape unchanged."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
