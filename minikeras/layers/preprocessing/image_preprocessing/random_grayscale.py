"""RandomGrayscale: turn each image to grayscale with probability `factor`."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer)
from minikeras.ops import reshape, where
from minikeras.ops.image import rgb_to_grayscale
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomGrayscale(ColorImagePreprocessingLayer):
    """While training, each image is replaced, with probability `factor`, by its luma
    (0.2989 R + 0.587 G + 0.114 B) repeated over the three channels; the others pass unchanged.
    The dtype is kept (integer images truncate, as in Keras). At inference the identity.

    Args:
        factor: the probability in [0, 1] of turning an image gray (default 0.5).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible, layer-owned random stream. Saved in the config
            (Keras leaves it out; its constructor accepts it).

    transformation: a (batch, 1, 1, 1) boolean tensor, True where the image turns gray.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(factor, (int, float)) or isinstance(factor, bool) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: `factor` should be between 0 and 1. Received: "
                             f"factor={factor!r}")
        self.factor = factor
        self.set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch = self.batch_size_of(data)
        draws = random.uniform((batch,), seed=self.seed_for(seed))
        return reshape(draws < self.factor, (batch, 1, 1, 1))

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        return where(transformation, gray, images)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
