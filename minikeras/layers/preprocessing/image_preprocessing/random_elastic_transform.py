"""RandomElasticTransform: random elastic deformations (smoothed random displacement fields)."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.affine import (INTERPOLATIONS,
                                                                       check_choice)
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.ops import cast, clip, convert_to_tensor, image, where
from minikeras.registry.layer_classes import register_layer

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


@register_layer
class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Deform each image with `minikeras.ops.image.elastic_transform`; identity when
    training=False or when `factor` or `scale` is 0.

    Each image is deformed with a probability drawn from `factor`; one distortion d drawn from
    `scale` per call sets alpha = 0.1 d max(H, W) and sigma = 0.05 d min(H, W) (Keras's rule).
    The result is clipped to `value_range`. The displacement noise comes from the layer's
    generator, so values differ from Keras's torch backend draw for draw.

    Args:
        factor: the probability of deforming an image: f in [0, 1] means (0, f), or a pair.
        scale: the distortion strength, f in [0, 1] meaning (0, f), or a pair.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "constant", "nearest", "wrap" or "mirror".
        fill_value: the value outside the image with fill_mode="constant".
        value_range: (low, high) of the pixel values (default (0, 255)).
        seed: integer for a reproducible layer-owned stream.
        data_format: "channels_last" or "channels_first".

    The transformation (Keras's layout): {"apply_transform": (batch,) bool,
    "distortion_factor": a number, "seed": the generator of the noise}. Segmentation masks
    deform with nearest interpolation from the same noise. Bounding boxes are not supported.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        factor_range = self.factor
        self._set_factor(scale)
        self.scale, self.factor = self.factor, factor_range
        check_choice("RandomElasticTransform", "interpolation", interpolation, INTERPOLATIONS)
        check_choice("RandomElasticTransform", "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = tuple(value_range)
        self.set_seed(seed, attribute="seed_generator")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = self.images_of(data)
        batch = images.shape[0]
        probability = random.uniform((batch,), *self.factor, seed=self.seed_generator).numpy()
        threshold = random.uniform((batch,), 0.0, 1.0, seed=self.seed_generator).numpy()
        distortion = float(random.uniform((), *self.scale, seed=self.seed_generator).numpy())
        noise_seed = int(self.seed_generator.next().integers(2 ** 31))
        return {"apply_transform": threshold < probability, "distortion_factor": distortion,
                "seed": noise_seed}

    def _deform(self, images, transformation, interpolation):
        height, width = (images.shape[2:4] if self.data_format == "channels_first"
                         else images.shape[1:3])
        distortion = float(transformation["distortion_factor"])
        alpha = max(height, width) * 0.1 * distortion
        sigma = min(height, width) * 0.05 * distortion
        deformed = image.elastic_transform(images, alpha=alpha, sigma=sigma,
                                           interpolation=interpolation,
                                           fill_mode=self.fill_mode, fill_value=self.fill_value,
                                           seed=transformation["seed"],
                                           data_format=self.data_format)
        apply = np.asarray(transformation["apply_transform"]).reshape(-1, 1, 1, 1)
        return where(convert_to_tensor(apply), deformed, images)

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        images = self._deform(images, transformation, self.interpolation)
        return cast(clip(images, *self.value_range), self.dtype)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._deform(segmentation_masks, transformation, "nearest")

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
