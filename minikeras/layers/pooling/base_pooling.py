"""BasePooling: what MaxPooling1D/2D/3D and AveragePooling1D/2D/3D share."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import average_pool, max_pool
from minikeras.ops.pooling import (pooling_output_shape, standardize_data_format,
                                   standardize_padding, standardize_tuple)


def layer_owner(layer):
    """How errors name a layer: 'MaxPooling2D layer "max_pooling2d"'."""
    return f'{type(layer).__name__} layer "{layer.name}"'


class BasePooling(Layer):
    """Slide a window of `pool_size` over the spatial axes in steps of `strides` and keep each
    window's maximum (pool_mode="max") or mean (pool_mode="average"), channel by channel.

    Shapes: (batch, *spatial, channels) for data_format="channels_last", (batch, channels,
    *spatial) for "channels_first"; the spatial sizes become floor((n - pool) / stride) + 1 with
    padding="valid", ceil(n / stride) with padding="same". No weights.

    Args:
        pool_size: int or tuple of `pool_dimensions` positive ints.
        strides: int, tuple or None (None: equal to pool_size).
        pool_dimensions: 1, 2 or 3.
        pool_mode: "max" or "average".
        padding: "valid" or "same" (case-insensitive; kept as given in the config, like Keras).
        data_format: "channels_last", "channels_first" or None (`image_data_format()`).
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        owner = layer_owner(self)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size", owner=owner)
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides", owner=owner)
        if pool_mode not in ("max", "average"):
            raise ValueError(f"{owner}: `pool_mode` must be either 'max' or 'average'. "
                             f"Received: pool_mode={pool_mode!r}")
        self.pool_mode = pool_mode
        standardize_padding(padding, owner)
        self.padding = padding
        self.data_format = standardize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        # Checked here so that a window larger than the input names this layer.
        pooling_output_shape(inputs.shape, self.pool_size, self.strides, self.padding,
                             self.data_format, owner=layer_owner(self))
        pool = max_pool if self.pool_mode == "max" else average_pool
        return pool(inputs, pool_size=self.pool_size, strides=self.strides,
                    padding=self.padding, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return pooling_output_shape(input_shape, self.pool_size, self.strides, self.padding,
                                    self.data_format, owner=layer_owner(self))

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}
