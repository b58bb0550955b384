"""AutoContrast: stretch each channel of each image to the full value range."""
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer, check_value_range)
from minikeras.ops import amax, amin, cast, clip, equal, isnan, logical_or, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class AutoContrast(ColorImagePreprocessingLayer):
    """Maps every channel of every image linearly so that its darkest pixel becomes the low end
    of `value_range` and its brightest the high end (computed on the 0..255 scale); a channel
    with one value throughout is returned as it came. Deterministic, applied in training and
    inference alike; floats out.

    Keras takes the minimum and maximum over axes (1, 2) whatever the data_format; with
    "channels_first" this layer uses the height and width axes instead.

    Args:
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range(value_range, type(self).__name__)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        images = cast(self.transform_value_range(images, self.value_range, (0, 255),
                                                 self.dtype), self.dtype)
        low = amin(images, axis=self.spatial_axes(), keepdims=True)
        high = amax(images, axis=self.spatial_axes(), keepdims=True)
        flat = equal(high, low)  # Keras's 0 * inf gives NaN there, replaced by the input
        scale = 255.0 / where(flat, 1.0, high - low)
        results = clip(images * scale - low * scale, 0.0, 255.0)
        results = self.transform_value_range(results, (0, 255), self.value_range, self.dtype)
        return where(logical_or(flat, isnan(results)), cast(original, self.dtype), results)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}
