"""LeakyReLU: x for x >= 0, negative_slope * x below, as a layer."""
import warnings

from minikeras import ops
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class LeakyReLU(Layer):
    """y = x where x >= 0 else negative_slope * x; shape unchanged.

    Args:
        negative_slope: the slope below zero, >= 0. The layer's default is 0.3 (the function
            `activations.leaky_relu` defaults to 0.2, as in Keras). The old keyword `alpha` is
            accepted with a deprecation warning, as in Keras.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU: argument `negative_slope` must be a non-negative "
                             f"number. Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
