"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: pool the spatial axes to a
fixed `output_size` whatever the input's size (bins as `ops.adaptive_average_pool` /
`ops.adaptive_max_pool` compute them: floor(i*L/out) .. ceil((i+1)*L/out))."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.pooling.base_pooling import layer_owner
from minikeras.ops.adaptive_pooling import adaptive_average_pool, adaptive_max_pool
from minikeras.ops.spatial_args import standardize_data_format
from minikeras.registry.layer_classes import register_layer


def _output_size(value, n, owner):
    """`output_size` as a tuple of n positive ints (an int means the same size on every axis);
    a TypeError (not ints) or ValueError (not positive) naming the layer otherwise. Sizes
    larger than the input are valid, as in Keras: the bins then overlap and repeat values."""
    sizes = None
    if isinstance(value, int) and not isinstance(value, bool):
        sizes = (value,) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        sizes = tuple(value)
    if sizes is not None:
        bad = sorted({v for v in sizes if v <= 0})
        if bad:  # Keras finds these only when called; here the constructor says so
            raise ValueError(f"{owner}: The `output_size` argument must be a tuple of {n} "
                             f"integers, each > 0. Received output_size={sizes}, including "
                             f"values {bad} that do not satisfy `value > 0`")
        return sizes
    raise TypeError(f"{owner}: `output_size` must be an integer or a tuple of {n} integers. "
                    f"Received: {value!r} of type {type(value)}")


class BaseAdaptivePooling(Layer):
    """What the adaptive pooling layers share: `output_size` (a tuple, one size per spatial
    axis), `data_format`, the output shape and the config.

    Shapes: (batch, *spatial, channels) ("channels_last") or (batch, channels, *spatial) ->
    the same with spatial = output_size.
    """
    pool_dimensions = None
    pool = None  # the op: adaptive_average_pool or adaptive_max_pool

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.output_size = _output_size(output_size, self.pool_dimensions, owner)
        self.data_format = standardize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self.pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        return self.pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class BaseAdaptiveAveragePooling(BaseAdaptivePooling):
    """Each output position is the mean of its bin."""
    pool = staticmethod(adaptive_average_pool)


class BaseAdaptiveMaxPooling(BaseAdaptivePooling):
    """Each output position is the maximum of its bin (the gradient goes to that maximum)."""
    pool = staticmethod(adaptive_max_pool)


@register_layer
class AdaptiveAveragePooling1D(BaseAdaptiveAveragePooling):
    """(batch, steps, features) -> (batch, output_size, features) by bin means.

    Args:
        output_size: an int or a tuple of one int.
        data_format: "channels_last", "channels_first" or None (`image_data_format()`).
    """
    pool_dimensions = 1


@register_layer
class AdaptiveAveragePooling2D(BaseAdaptiveAveragePooling):
    """(batch, h, w, c) -> (batch, *output_size, c) by bin means; output_size an int or
    (height, width). Args as AdaptiveAveragePooling1D."""
    pool_dimensions = 2


@register_layer
class AdaptiveAveragePooling3D(BaseAdaptiveAveragePooling):
    """(batch, d, h, w, c) -> (batch, *output_size, c) by bin means; output_size an int or
    (depth, height, width). Args as AdaptiveAveragePooling1D."""
    pool_dimensions = 3


@register_layer
class AdaptiveMaxPooling1D(BaseAdaptiveMaxPooling):
    """(batch, steps, features) -> (batch, output_size, features) by bin maxima. Args as
    AdaptiveAveragePooling1D."""
    pool_dimensions = 1


@register_layer
class AdaptiveMaxPooling2D(BaseAdaptiveMaxPooling):
    """(batch, h, w, c) -> (batch, *output_size, c) by bin maxima; output_size an int or
    (height, width). Args as AdaptiveAveragePooling1D."""
    pool_dimensions = 2


@register_layer
class AdaptiveMaxPooling3D(BaseAdaptiveMaxPooling):
    """(batch, d, h, w, c) -> (batch, *output_size, c) by bin maxima; output_size an int or
    (depth, height, width). Args as AdaptiveAveragePooling1D."""
    pool_dimensions = 3
