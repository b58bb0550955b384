"""RandomErasing: overwrite a random box of some images with noise or a fill value (Zhong et
al. 2017, https://arxiv.org/abs/1708.04896), as Keras's `keras.layers.RandomErasing`."""
import numbers

import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer)
from minikeras.layers.preprocessing.image_preprocessing.box_masks import box_masks, crop_bounds
from minikeras.layers.preprocessing.image_preprocessing.ranges import parse_range
from minikeras.layers.regularization.validation import validate_seed
from minikeras.ops import cast, reshape, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomErasing(ColorImagePreprocessingLayer):
    """While training, each image is erased with probability p (p ~ Uniform(factor), drawn per
    image): a box whose sides are sqrt(s_w), sqrt(s_h) times the image's (s ~ Uniform(scale),
    one per axis), at a uniform position, is filled with `fill_value` - or, when it is None,
    with Gaussian noise times value_range[1] - clipped to `value_range`. Identity with
    training=False. Labels, bounding boxes and segmentation masks pass unchanged (as in Keras).

    The transformation is {"apply_erasing": (batch,) booleans, "batch_masks": booleans shaped
    like the images, "fill_value": values shaped like the images} (Keras's layout).

    Args:
        factor: a number f in [0, 1] (the range (0, f)) or a pair: the range of the
            per-image erasing probability (default 1.0).
        scale: a number or a pair in [0, 1]: the range of the box's area fraction per axis
            (default (0.02, 0.33)).
        fill_value: None (noise), a number, or three numbers (one per channel).
        value_range: the images' (low, high) pixel range (default (0, 255)).
        seed: integer for a reproducible random stream.
        data_format: "channels_last" or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = parse_range("RandomErasing", "scale", scale, self._FACTOR_BOUNDS)
        if fill_value is not None and not (
                isinstance(fill_value, numbers.Real)
                or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            raise ValueError(f"RandomErasing: the `fill_value` argument should be a number (or "
                             f"a list of three numbers). Received: fill_value={fill_value!r}")
        self.fill_value = tuple(fill_value) if isinstance(fill_value, list) else fill_value
        self.value_range = tuple(value_range)
        self.set_seed(validate_seed(seed))

    def _fill(self, shape, seed):
        if self.fill_value is None:
            fill = random.normal(shape, dtype="float32", seed=seed).numpy() * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, "float32"), shape)
        return np.clip(fill, self.value_range[0], self.value_range[1]).astype("float32")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        shape = self.batch_shape_of(data)
        batch_size = shape[0]
        height, width = shape[1:3] if self.data_format == "channels_last" else shape[2:4]
        seed = self.seed_for(seed)
        ratios = np.sqrt(random.uniform((batch_size, 2), self.scale[0], self.scale[1],
                                        seed=seed).numpy())
        x0, x1 = crop_bounds(batch_size, width, ratios[:, 0], seed)
        y0, y1 = crop_bounds(batch_size, height, ratios[:, 1], seed)
        masks = box_masks(shape, (x0, x1, y0, y1), self.data_format)
        probability = random.uniform((batch_size,), self.factor[0], self.factor[1],
                                     seed=seed).numpy()
        threshold = random.uniform((batch_size,), 0.0, 1.0, seed=seed).numpy()
        return {"apply_erasing": threshold < probability, "batch_masks": masks,
                "fill_value": self._fill(shape, seed)}

    def transform_images(self, images, transformation=None, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        erase = reshape(transformation["apply_erasing"], (-1, 1, 1, 1))
        erased = where(transformation["batch_masks"], cast(transformation["fill_value"],
                                                           self.dtype), images)
        return where(erase, erased, images)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
