"""Masking: mark the time steps whose features all equal `mask_value` as padding."""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.masking import set_keras_mask
from minikeras.layers.layer import Layer
from minikeras.ops import any as reduce_any, not_equal, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class Masking(Layer):
    """Masks the steps of a sequence in which every feature equals `mask_value`.

    Shapes: (batch, steps, features) -> the same. The output is the input with the masked steps
    set to 0, and it carries the boolean mask (batch, steps) (True = real step) that masking-aware
    layers downstream (RNNs, GlobalAveragePooling1D, attention) use to skip those steps.

    Args:
        mask_value: the padding value (0.0 by default).
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            # Keras serializes an array mask_value as {"class_name": "__numpy__", "config":
            # {"value": ..., "dtype": ...}}.
            value = mask_value["config"]
            mask_value = xp.asarray(value["value"], dtype=value.get("dtype"))
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return reduce_any(not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = reduce_any(not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        outputs = where(keep, inputs, 0)
        set_keras_mask(outputs, Tensor(keep.data[..., 0]))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
