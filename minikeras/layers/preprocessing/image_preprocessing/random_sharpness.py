"""RandomSharpness: blend each image with a smoothed copy, sharpening or blurring it."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    RandomColorLayer)
from minikeras.ops import cast, clip, convert_to_tensor, depthwise_conv, reshape, swapaxes
from minikeras.registry.layer_classes import register_layer

#: The smoothing kernel: 5/13 at the centre, 1/13 at the eight neighbours.
_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype="float64") / 13.0


@register_layer
class RandomSharpness(RandomColorLayer):
    """While training, x + (1 - 2f) * (smooth(x) - x) per image, f drawn uniformly from `factor`
    once per image (f = 0.5 keeps the image, 0 gives the smoothed one, 1 sharpens), with
    smooth(x) a 3x3 depthwise convolution ("same" padding, zeros outside) and the result clipped
    to `value_range`. Floats out (also at inference, where the images are only cast).

    Args:
        factor: f in [0, 1] (the range (0, f)) or a pair (lower, upper) in [0, 1].
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"factor": (batch,) draws f}.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        factor = random.uniform((self.batch_size_of(data),), minval=self.factor[0],
                                maxval=self.factor[1],
                                seed=self.seed_for(seed))
        return {"factor": factor}

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        if not training:
            return images
        if self.data_format == "channels_first":
            images = swapaxes(images, -3, -1)
        sharpness = reshape(cast(transformation["factor"] * 2, self.dtype), (-1, 1, 1, 1))
        channels = int(images.shape[-1])
        kernel = np.tile(_SMOOTH.reshape(3, 3, 1, 1), (1, 1, channels, 1))
        smoothed = depthwise_conv(images, convert_to_tensor(kernel, self.dtype), strides=1,
                                  padding="same", data_format="channels_last")
        images = clip(images + (1.0 - sharpness) * (smoothed - images), self.value_range[0],
                      self.value_range[1])
        if self.data_format == "channels_first":
            images = swapaxes(images, -3, -1)
        return images
