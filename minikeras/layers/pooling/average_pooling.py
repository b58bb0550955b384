"""AveragePooling1D, AveragePooling2D, AveragePooling3D: the mean of each window, per channel."""
from minikeras.layers.pooling.base_pooling import BasePooling
from minikeras.registry.layer_classes import register_layer


@register_layer(aliases=("AvgPool1D",))
class AveragePooling1D(BasePooling):
    """Average pooling over steps: (batch, steps, features) -> (batch, pooled_steps, features).

    Args:
        pool_size: int, the window length (required, as in Keras).
        strides: int or None (= pool_size).
        padding: "valid" (only full windows) or "same" (output has ceil(steps / strides) steps;
            a window that hangs over the edge averages only the real values it covers).
        data_format: "channels_last" (batch, steps, features) or "channels_first"
            (batch, features, steps); None means `image_data_format()`.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@register_layer(aliases=("AvgPool2D",))
class AveragePooling2D(BasePooling):
    """Average pooling over height and width (pool_size: int or 2 ints, required).

    Args as AveragePooling1D.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@register_layer(aliases=("AvgPool3D",))
class AveragePooling3D(BasePooling):
    """Average pooling over three spatial axes (pool_size: int or 3 ints, required).

    Args as AveragePooling1D.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
