"""RandomContrast: scale each channel's deviation from its mean by one random factor per image."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer)
from minikeras.ops import clip, mean
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomContrast(ColorImagePreprocessingLayer):
    """While training, every channel c of an image becomes (c - mean(c)) * k + mean(c), with
    the mean over height and width and k drawn uniformly from [1 - lower, 1 + upper] once per
    image; the result is clipped to `value_range` (floats out). At inference the identity.

    Args:
        factor: f in [0, 1] (the range (0, f), so k in [1, 1 + f] as in Keras) or a pair
            (lower, upper) in [0, 1].
        value_range: (low, high), the pixel range of the inputs (default (0, 255)); stored as
            given, as Keras does.
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"contrast_factor": (batch, 1, 1, 1) factors k}.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.set_random_arguments(factor, value_range, seed, check_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        factor = random.uniform((self.batch_size_of(data), 1, 1, 1), minval=1.0 - self.factor[0],
                                maxval=1.0 + self.factor[1], dtype=self.dtype,
                                seed=self.seed_for(seed))
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        channel_mean = mean(images, axis=self.spatial_axes(), keepdims=True)
        outputs = (images - channel_mean) * transformation["contrast_factor"] + channel_mean
        return clip(outputs, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self.random_config()}
