"""RandomPosterization: keep only the top few bits of every pixel, a random number per image."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    RandomColorLayer)
from minikeras.ops import (bitwise_left_shift, bitwise_right_shift, cast, full, reshape)
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomPosterization(RandomColorLayer):
    """While training, maps the images to 0..255, truncates them to uint8 and keeps the top b
    bits of every pixel (b drawn once per image: an integer in [lower, upper) as Keras's randint
    draws, or `factor` itself when lower == upper), then maps back to `value_range`; floats out.
    At inference the identity.

    Args:
        factor: b in [1, 8] (the range (1, b)) or a pair (lower, upper) in [1, 8].
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"shift_factor": (batch,) uint8 shifts 8 - b}.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch = self.batch_size_of(data)
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = random.randint((batch,), minval=low, maxval=high, dtype="uint8",
                                  seed=self.seed_for(seed))
        else:
            bits = full((batch,), low, dtype="uint8")
        return {"shift_factor": cast(self._MAX_FACTOR - bits, "uint8")}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        shift = reshape(cast(transformation["shift_factor"], "uint8"), (-1, 1, 1, 1))
        images = self.transform_value_range(images, self.value_range, (0, 255), self.dtype)
        images = cast(images, "uint8")
        images = bitwise_left_shift(bitwise_right_shift(images, shift), shift)
        return self.transform_value_range(cast(images, self.dtype), (0, 255), self.value_range,
                                          self.dtype)
