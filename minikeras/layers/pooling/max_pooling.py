"""MaxPooling1D, MaxPooling2D, MaxPooling3D: the largest value of each window, per channel."""
from minikeras.layers.pooling.base_pooling import BasePooling
from minikeras.registry.layer_classes import register_layer


@register_layer(aliases=("MaxPool1D",))
class MaxPooling1D(BasePooling):
    """Max pooling over steps: (batch, steps, features) -> (batch, pooled_steps, features).

    Args:
        pool_size: int, the window length (default 2).
        strides: int or None (= pool_size).
        padding: "valid" (only full windows) or "same" (pad with -inf so the output has
            ceil(steps / strides) steps).
        data_format: "channels_last" (batch, steps, features) or "channels_first"
            (batch, features, steps); None means `image_data_format()`.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@register_layer(aliases=("MaxPool2D",))
class MaxPooling2D(BasePooling):
    """Max pooling over height and width: (batch, h, w, c) -> (batch, pooled_h, pooled_w, c).

    Args as MaxPooling1D, with pool_size (default (2, 2)) and strides an int or 2 ints.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@register_layer(aliases=("MaxPool3D",))
class MaxPooling3D(BasePooling):
    """Max pooling over three spatial axes: (batch, d1, d2, d3, c) -> (batch, p1, p2, p3, c).

    Args as MaxPooling1D, with pool_size (default (2, 2, 2)) and strides an int or 3 ints.
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
