"""RandomHue: rotate the hue of each image by a random amount."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    RandomColorLayer)
from minikeras.ops import cast, clip, concatenate, reshape, where
from minikeras.ops.image import hsv_to_rgb, rgb_to_hsv
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomHue(RandomColorLayer):
    """While training, converts each image to HSV, shifts its hue by a random s in
    [-upper/2, upper/2] (magnitude uniform in [lower, upper] times 0.5, sign + or - with equal
    chance), wrapping around 1, and converts back, clipped to [0, 1] and rescaled to
    `value_range`; floats out. At inference the identity. Needs RGB (3-channel) images.

    Args:
        factor: f in [0, 1] (the range (0, f)) or a pair (lower, upper) in [0, 1]; 1 can turn
            the hue half way round.
        value_range: (low, high), the pixel range of the inputs (default (0, 255)); stored as
            given, as Keras does.
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"factor": (batch,) hue shifts in turns}.
    """

    _FACTOR_BOUNDS = (0, 1)
    _KEEP_VALUE_RANGE = True

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch = self.batch_size_of(data)
        seed = self.seed_for(seed)
        sign = where(random.uniform((batch,), seed=seed) > 0.5, -1.0, 1.0)
        size = random.uniform((batch,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        return {"factor": sign * size * 0.5}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self.transform_value_range(cast(images, self.dtype), self.value_range, (0, 1),
                                            dtype=self.dtype)
        hsv = rgb_to_hsv(images, data_format=self.data_format)
        axis = self.channel_axis()
        hue, rest = (hsv[:, :1], hsv[:, 1:]) if axis == 1 else (hsv[..., :1], hsv[..., 1:])
        shift = reshape(cast(transformation["factor"], self.dtype), (-1, 1, 1, 1))
        hue = hue + shift
        hue = where(hue > 1.0, hue - 1.0, hue)
        hue = where(hue < 0.0, hue + 1.0, hue)
        rgb = hsv_to_rgb(concatenate([hue, rest], axis=axis), data_format=self.data_format)
        return self.transform_value_range(clip(rgb, 0, 1), (0, 1), self.value_range,
                                          dtype=self.dtype)
