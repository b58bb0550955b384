"""RandomColorJitter: RandomBrightness, RandomContrast, RandomSaturation and RandomHue in turn."""
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer, as_tuple)
from minikeras.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness)
from minikeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from minikeras.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from minikeras.layers.preprocessing.image_preprocessing.random_saturation import (
    RandomSaturation)
from minikeras.ops import cast
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomColorJitter(ColorImagePreprocessingLayer):
    """While training, applies the brightness, contrast, saturation and hue adjustments whose
    factor is given (None skips one), in that order, each with its own draw from this layer's
    random stream; floats out. At inference the identity.

    Args:
        value_range: (low, high), the pixel range of the inputs (default (0, 255)), passed to
            every adjustment.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            RandomBrightness / RandomContrast / RandomSaturation / RandomHue (default None).
        seed: integer for a reproducible, layer-owned random stream.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = as_tuple(value_range)
        self.brightness_factor = as_tuple(brightness_factor)
        self.contrast_factor = as_tuple(contrast_factor)
        self.saturation_factor = as_tuple(saturation_factor)
        self.hue_factor = as_tuple(hue_factor)
        self.set_seed(seed)
        brightness_factor, contrast_factor = self.brightness_factor, self.contrast_factor
        saturation_factor, hue_factor = self.saturation_factor, self.hue_factor
        adjust = dict(value_range=self.value_range, seed=seed)
        self.random_brightness = (None if brightness_factor is None
                                  else RandomBrightness(brightness_factor, **adjust))
        self.random_contrast = (None if contrast_factor is None
                                else RandomContrast(contrast_factor, **adjust,
                                                 data_format=self.data_format))
        self.random_saturation = (None if saturation_factor is None
                                  else RandomSaturation(saturation_factor, **adjust,
                                                        data_format=self.data_format))
        self.random_hue = (None if hue_factor is None
                           else RandomHue(hue_factor, **adjust, data_format=self.data_format))

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = cast(images, self.dtype)
        for layer in (self.random_brightness, self.random_contrast, self.random_saturation,
                      self.random_hue):
            if layer is not None:
                draw = layer.get_random_transformation(images, seed=self.generator)
                images = layer.transform_images(images, draw)
        return cast(images, self.dtype)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor,
                "seed": self.seed}
