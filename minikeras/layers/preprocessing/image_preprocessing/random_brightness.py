"""RandomBrightness: add one random offset per image while training."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer, check_value_range)
from minikeras.ops import cast, clip, zeros
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomBrightness(ColorImagePreprocessingLayer):
    """While training, adds delta * (high - low) to every pixel of an image, delta drawn
    uniformly from `factor` once per image, and clips to `value_range`; at inference the
    identity. Integer images stay integers (the offset is cast to their dtype first, as in
    Keras). Labels, bounding boxes and segmentation masks pass unchanged.

    Args:
        factor: f in [-1, 1] (the range (-f, f)) or a pair (lower, upper): -1 makes an image
            black, 1 white.
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"rgb_delta": (batch, 1, 1, 1) offsets in pixel units}.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self.set_seed(seed)
        self.value_range = check_value_range(value_range, type(self).__name__)

    def get_random_transformation(self, data, training=True, seed=None):
        shape = (self.batch_size_of(data), 1, 1, 1)
        if not training:
            return {"rgb_delta": zeros(shape)}
        delta = random.uniform(shape, minval=self.factor[0], maxval=self.factor[1],
                               seed=self.seed_for(seed))
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = images + cast(transformation["rgb_delta"], images.dtype)
        return clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self.random_config()}
