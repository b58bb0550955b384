"""ActivityRegularization: pass inputs through, penalizing their size in the training loss."""
from minikeras import regularizers
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class ActivityRegularization(Layer):
    """Identity on the values; adds (l1 * sum|x| + l2 * sum x**2) / batch_size to the layer's
    `losses` on every call (the base Layer's activity-regularizer rule, as in Keras 3).

    Args:
        l1, l2: non-negative penalty factors (default 0.0).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
