"""GlobalMaxPooling1D/2D/3D: the largest value over all spatial positions, per channel."""
from minikeras.layers.pooling.base_global_pooling import BaseGlobalPooling
from minikeras.ops import max as reduce_max
from minikeras.registry.layer_classes import register_layer


class _GlobalMaxPooling(BaseGlobalPooling):
    def call(self, inputs):
        # Tied maxima share the gradient equally, like Keras's ops.max.
        return reduce_max(inputs, axis=self.spatial_axes(inputs.ndim), keepdims=self.keepdims)


@register_layer(aliases=("GlobalMaxPool1D",))
class GlobalMaxPooling1D(_GlobalMaxPooling):
    """Max over steps: (batch, steps, features) -> (batch, features) (or (batch, 1, features)
    with keepdims=True; channels_first inputs are (batch, features, steps)).

    Args:
        data_format: "channels_last", "channels_first" or None (`image_data_format()`).
        keepdims: keep the steps axis with size 1.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)


@register_layer(aliases=("GlobalMaxPool2D",))
class GlobalMaxPooling2D(_GlobalMaxPooling):
    """Max over height and width: (batch, h, w, c) -> (batch, c). Args as GlobalMaxPooling1D."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


@register_layer(aliases=("GlobalMaxPool3D",))
class GlobalMaxPooling3D(_GlobalMaxPooling):
    """Max over three spatial axes: (batch, d1, d2, d3, c) -> (batch, c). Args as
    GlobalMaxPooling1D."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
