"""BaseGlobalPooling: what the GlobalMaxPooling and GlobalAveragePooling layers share."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.pooling.base_pooling import layer_owner
from minikeras.ops.pooling import standardize_data_format


class BaseGlobalPooling(Layer):
    """Reduce every spatial axis at once, keeping batch and channels.

    Shapes: (batch, *spatial, channels) ("channels_last") or (batch, channels, *spatial)
    ("channels_first") -> (batch, channels), or with keepdims=True the spatial axes stay as 1s.

    Args:
        pool_dimensions: number of spatial axes (1, 2 or 3).
        data_format: "channels_last", "channels_first" or None (`image_data_format()`).
        keepdims: keep the reduced spatial axes with size 1.
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, layer_owner(self))
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def spatial_axes(self, ndim):
        """The axes to reduce for inputs of rank `ndim`."""
        if self.data_format == "channels_last":
            return tuple(range(1, ndim - 1))
        return tuple(range(2, ndim))

    def call(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * spatial + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * spatial
        return (input_shape[0], input_shape[1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}
