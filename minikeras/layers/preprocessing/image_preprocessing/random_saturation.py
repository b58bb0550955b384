"""RandomSaturation: scale the saturation of each image by a random amount."""
from minikeras import random
from minikeras.backend import epsilon
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    RandomColorLayer)
from minikeras.ops import cast, clip, concatenate, reshape
from minikeras.ops.image import hsv_to_rgb, rgb_to_hsv
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomSaturation(RandomColorLayer):
    """While training, converts each (float, RGB) image to HSV, multiplies its saturation by
    f / (1 - f + epsilon) with f drawn uniformly from `factor` once per image (f = 0.5 keeps
    it, 0 makes the image gray, 1 saturates it fully), clips the saturation to `value_range`
    (as Keras does) and converts back. At inference the identity.

    Args:
        factor: f in [-1, 1] (the range (-f, f), as Keras's base class reads it) or a pair
            (lower, upper).
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"factor": (batch,) saturation multipliers f / (1 - f + epsilon)}.
    """

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        f = random.uniform((self.batch_size_of(data),), minval=self.factor[0],
                           maxval=self.factor[1], seed=self.seed_for(seed))
        return {"factor": f / (1 - f + epsilon())}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        hsv = rgb_to_hsv(images, data_format=self.data_format)
        scale = reshape(cast(transformation["factor"], self.dtype), (-1, 1, 1, 1))
        if self.channel_axis() == 1:
            parts = hsv[:, :1], hsv[:, 1:2], hsv[:, 2:]
        else:
            parts = hsv[..., :1], hsv[..., 1:2], hsv[..., 2:]
        saturation = clip(parts[1] * scale, self.value_range[0], self.value_range[1])
        hsv = concatenate([parts[0], saturation, parts[2]], axis=self.channel_axis())
        return hsv_to_rgb(hsv, data_format=self.data_format)
