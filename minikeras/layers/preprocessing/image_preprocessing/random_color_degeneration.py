"""RandomColorDegeneration: blend each image towards its grayscale version by a random amount."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    RandomColorLayer)
from minikeras.ops import cast, clip
from minikeras.ops.image import rgb_to_grayscale
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomColorDegeneration(RandomColorLayer):
    """While training, x + f * (gray(x) - x) per image, with f drawn uniformly from `factor`
    once per image (0 keeps the colours, 1 gives the grayscale image; negative f boosts them),
    clipped to `value_range`; floats out. At inference the identity. Needs RGB images.

    Args:
        factor: f in [-1, 1] (the range (-f, f)) or a pair (lower, upper).
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"factor": (batch, 1, 1, 1) blend amounts}.
    """

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        factor = random.uniform((self.batch_size_of(data), 1, 1, 1), minval=self.factor[0],
                                maxval=self.factor[1],
                                seed=self.seed_for(seed))
        return {"factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = cast(images, self.dtype)
        factor = cast(transformation["factor"], self.dtype)
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        return clip(images + factor * (gray - images), self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f"RandomColorDegeneration: invalid images rank: expected rank 3 "
                             f"(single image) or rank 4 (batch of images). Received: "
                             f"input_shape={input_shape}")
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(f"RandomColorDegeneration: input images must have 3 channels, "
                             f"but received images with {channels} channels.")
        return input_shape
