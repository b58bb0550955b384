"""Flatten: collapse every axis but the batch axis into one."""
import math

from minikeras.backend import config
from minikeras.layers.layer import Layer
from minikeras.ops import reshape, transpose
from minikeras.registry.layer_classes import register_layer


@register_layer
class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...). With data_format='channels_first' the channel
    axis is moved last first, so the order of values matches a channels_last model."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = (data_format or config.image_data_format()).lower()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten: data_format must be 'channels_last' or 'channels_first', "
                             f"received {data_format!r}.")
        self.supports_masking = True

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
