"""ReLU: the rectified linear unit as a layer, with Keras's cap, leak and threshold."""
from minikeras import activations
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class ReLU(Layer):
    """Elementwise, shape unchanged (see `minikeras.activations.relu`):

        y = max_value                          if x >= max_value
        y = x                                  if threshold <= x < max_value
        y = negative_slope * (x - threshold)   otherwise

    Args:
        max_value: the cap, a non-negative number or None (no cap).
        negative_slope: the slope below the threshold, >= 0 (0.0).
        threshold: where the unit turns on, >= 0 (0.0).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"ReLU: `max_value` of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"ReLU: `negative_slope` of a ReLU layer cannot be None or a negative "
                             f"value. "
                             f"Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"ReLU: `threshold` of a ReLU layer cannot be None or a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
