"""RandomInvert: invert each image (high - x) with a random probability."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer)
from minikeras.ops import cast, reshape, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomInvert(ColorImagePreprocessingLayer):
    """While training, each image becomes value_range[1] - x when a uniform draw falls below
    its inversion probability, itself drawn uniformly from `factor` (both once per image);
    floats out. At inference the identity.

    Args:
        factor: p in [0, 1] (the range (0, p)) or a pair (lower, upper) in [0, 1]
            (default 1.0: each image inverted with probability about one half).
        value_range: (low, high), the pixel range of the inputs (default (0, 255)); stored as
            given, as Keras does.
        seed: integer for a reproducible, layer-owned random stream.
        data_format: "channels_last" or "channels_first".

    transformation: {"apply_inversion": (batch,) booleans}.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.set_random_arguments(factor, value_range, seed, check_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch = self.batch_size_of(data)
        seed = self.seed_for(seed)
        probability = random.uniform((batch,), minval=self.factor[0], maxval=self.factor[1],
                                     seed=seed)
        threshold = random.uniform((batch,), seed=seed)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = cast(images, self.dtype)
        apply = reshape(transformation["apply_inversion"], (-1, 1, 1, 1))
        return where(apply, self.value_range[1] - images, images)

    def get_config(self):
        return {**super().get_config(), **self.random_config()}
