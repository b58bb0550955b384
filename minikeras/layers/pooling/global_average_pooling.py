"""GlobalAveragePooling1D/2D/3D: the mean over all spatial positions, per channel."""
from minikeras.backend.array_module import xp
from minikeras.layers.pooling.base_global_pooling import BaseGlobalPooling
from minikeras.layers.pooling.base_pooling import layer_owner
from minikeras.ops import convert_to_tensor, divide, mean, sum as reduce_sum, where
from minikeras.registry.layer_classes import register_layer


class _GlobalAveragePooling(BaseGlobalPooling):
    def call(self, inputs):
        return mean(inputs, axis=self.spatial_axes(inputs.ndim), keepdims=self.keepdims)


@register_layer(aliases=("GlobalAvgPool1D",))
class GlobalAveragePooling1D(_GlobalAveragePooling):
    """Mean over steps: (batch, steps, features) -> (batch, features) (or (batch, 1, features)
    with keepdims=True; channels_first inputs are (batch, features, steps)).

    A `mask` of shape (batch, steps) (True = real step) averages only the real steps, like
    Keras; the output carries no mask.

    Args:
        data_format: "channels_last", "channels_first" or None (`image_data_format()`).
        keepdims: keep the steps axis with size 1.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        channels_last = self.data_format == "channels_last"
        steps_axis = 1 if channels_last else 2
        mask = xp.asarray(convert_to_tensor(mask).data).astype(bool)
        expected = (inputs.shape[0], inputs.shape[steps_axis])
        if mask.shape != expected:
            raise ValueError(f"{layer_owner(self)}: the `mask` must have shape (batch, steps) = "
                             f"{expected} for inputs of shape {tuple(inputs.shape)}. Received a "
                             f"mask of shape {mask.shape}.")
        mask = xp.expand_dims(mask, 2 if channels_last else 1)
        kept = where(mask, inputs, 0)
        counts = xp.sum(mask.astype(inputs.dtype), axis=steps_axis, keepdims=self.keepdims)
        return divide(reduce_sum(kept, axis=steps_axis, keepdims=self.keepdims), counts)

    def compute_mask(self, inputs, mask=None):
        return None


@register_layer(aliases=("GlobalAvgPool2D",))
class GlobalAveragePooling2D(_GlobalAveragePooling):
    """Mean over height and width: (batch, h, w, c) -> (batch, c). Args as
    GlobalAveragePooling1D (no mask)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


@register_layer(aliases=("GlobalAvgPool3D",))
class GlobalAveragePooling3D(_GlobalAveragePooling):
    """Mean over three spatial axes: (batch, d1, d2, d3, c) -> (batch, c). Args as
    GlobalAveragePooling1D (no mask)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
