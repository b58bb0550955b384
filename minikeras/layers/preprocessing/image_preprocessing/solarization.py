"""Solarization: invert the pixels above a (random) threshold, after a (random) addition."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer, check_value_range)
from minikeras.ops import cast, clip, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class Solarization(ColorImagePreprocessingLayer):
    """While training, on the 0..255 scale (mapped from `value_range`): x + a clipped to
    [0, 255], then kept where below the threshold t and inverted (255 - x) elsewhere, mapped
    back to `value_range`. a and t are drawn once per image, uniformly in
    [lower, upper * 255] of `addition_factor` / `threshold_factor` (Keras scales only the
    upper end). With both factors 0 every pixel is inverted. Floats out; at inference the
    images are only cast to floats.

    Args:
        addition_factor: f in [0, 1] (the range (0, f)) or a pair in [0, 1] (default 0).
        threshold_factor: f in [0, 1] (the range (0, f)) or a pair in [0, 1] (default 0).
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        seed: integer for a reproducible, layer-owned random stream.

    transformation: {"additions", "thresholds"}: (batch, 1, 1, 1) values on the 0..255 scale.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.set_seed(seed)
        self.addition_factor = self._unit_range(addition_factor, "addition_factor")
        self.threshold_factor = self._unit_range(threshold_factor, "threshold_factor")
        self.value_range = check_value_range(value_range, type(self).__name__)

    @staticmethod
    def _unit_range(factor, name):
        message = (f"Solarization: the `addition_factor` and `threshold_factor` arguments "
                   f"should be a number (or a list of two numbers) in the range [0, 1]. "
                   f"Received: {name}={factor!r}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(message)
            bounds = tuple(sorted(factor))
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            bounds = (0, factor)
        else:
            raise ValueError(message)
        if not all(isinstance(b, (int, float)) and 0 <= b <= 1 for b in bounds):
            raise ValueError(message)
        return bounds

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        shape = (self.batch_size_of(data), 1, 1, 1)
        seed = self.seed_for(seed)
        additions = random.uniform(shape, minval=self.addition_factor[0],
                                   maxval=self.addition_factor[1] * 255, dtype=self.dtype,
                                   seed=seed)
        thresholds = random.uniform(shape, minval=self.threshold_factor[0],
                                    maxval=self.threshold_factor[1] * 255, dtype=self.dtype,
                                    seed=seed)
        return {"additions": additions, "thresholds": thresholds}

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        images = self.transform_value_range(images, self.value_range, (0, 255), self.dtype)
        results = clip(images + transformation["additions"], 0, 255)
        results = where(results < transformation["thresholds"], results, 255 - results)
        return self.transform_value_range(results, (0, 255), self.value_range, self.dtype)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "seed": self.seed}
