"""ELU: the exponential linear unit as a layer."""
from minikeras import ops
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class ELU(Layer):
    """y = x where x > 0 else alpha * (exp(x) - 1); shape unchanged.

    Args:
        alpha: the scale of the negative part (1.0).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
