"""The eleven image augmentations that Keras's RandAugment and AugMix choose from, written
against the ops directly (the standalone Random* layers live in their own modules).

Each augmentation draws its random parameters for a batch (`draw`) in the layout of the
Keras layer of the same name (e.g. {"shear_factor": (batch, 2)} for RandomShear) and applies
them (`apply`), configured the way RandAugment / AugMix configure Keras's layers from one
`factor` range (low, high):

- random_shear: x and y shears ~ Uniform(factor), one random sign per image; reflect fill.
- random_translation: shifts ~ Uniform(factor) * height / width; reflect fill.
- random_rotation: angles ~ Uniform(factor) * 360 degrees about the centre; reflect fill.
- random_brightness: + Uniform(factor) * (value_range width), clipped.
- random_color_degeneration: blend towards the grayscale image by Uniform(factor), clipped.
- random_contrast: (x - mean) * Uniform(1 - low, 1 + high) + mean per channel, clipped.
- random_sharpness: blend with a 3x3 smoothed image by 1 - 2 * Uniform(factor), clipped.
- random_posterization: keep b ~ randint(1, max(1, int(8 * high))) bits of each 8-bit value.
- solarization: + Uniform(low, high * 255), then values >= Uniform(low, high * 255) -> 255 - v.
- auto_contrast: stretch each image's channels to the full value range (deterministic).
- equalization: histogram equalization per channel over the batch, 256 bins (deterministic).

Geometric ones move segmentation masks too (nearest neighbour); the others leave them.
"""
import math

import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.affine import INTERPOLATIONS
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.regularization.validation import validate_seed
from minikeras.ops import (cast, clip, convert_to_tensor, depthwise_conv, isnan, mean, reshape,
                           where)
from minikeras.ops.image import affine_transform, rgb_to_grayscale

#: RandAugment's list, in Keras's order (its `layer_idxes` index this tuple).
RAND_AUGMENT_NAMES = ("random_shear", "random_translation", "random_rotation",
                      "random_brightness", "random_color_degeneration", "random_contrast",
                      "random_sharpness", "random_posterization", "solarization",
                      "auto_contrast", "equalization")
#: AugMix's lists, in Keras's order: all_ops=False uses the first seven.
AUG_MIX_NAMES = ("random_shear", "random_translation", "random_rotation",
                 "random_posterization", "solarization", "auto_contrast", "equalization",
                 "random_brightness", "random_color_degeneration", "random_contrast",
                 "random_sharpness")
GEOMETRIC = ("random_shear", "random_translation", "random_rotation")


def check_policy_arguments(owner, interpolation, **counts):
    """The checks AugMix and RandAugment share: `interpolation` is one of INTERPOLATIONS and
    each of `counts` (name=value) a non-negative integer; else a ValueError naming `owner`."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{owner}: `interpolation` must be one of {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{owner}: `{name}` must be a non-negative integer. "
                             f"Received: {name}={value!r}")


class PolicyAugmentationLayer(BaseImagePreprocessingLayer):
    """The shared part of AugMix and RandAugment: a `factor` in [0, 1] for the strength of
    their augmentations, and `set_policy_arguments`."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def set_policy_arguments(self, value_range, factor, interpolation, seed):
        """Store value_range (a tuple), factor, interpolation and seed, and build the
        PolicyTransforms that draw and apply the augmentations."""
        self.value_range = tuple(value_range)
        self._set_factor(factor)
        self.interpolation = interpolation
        self.set_seed(validate_seed(seed))
        self.augmentations = PolicyTransforms(self.factor, self.value_range, interpolation,
                                              self.data_format)


class PolicyTransforms:
    """The augmentations for one layer's settings.

    Args:
        factor: the (low, high) strength range in [0, 1].
        value_range: the images' (low, high) pixel range.
        interpolation: "bilinear" or "nearest", for the geometric augmentations.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, factor, value_range, interpolation, data_format):
        self.factor = tuple(factor)
        self.value_range = tuple(value_range)
        self.interpolation = interpolation
        self.data_format = data_format
        self.posterization_bits = (1, max(1, int(8 * self.factor[1])))

    # -- drawing -------------------------------------------------------------------------------
    def draw(self, name, images_shape, seed):
        """The random parameters of augmentation `name` for a batch of `images_shape`."""
        batch = images_shape[0]
        height, width = (images_shape[1:3] if self.data_format == "channels_last"
                         else images_shape[2:4])
        low, high = self.factor

        def uniform(shape, minval=low, maxval=high):
            return random.uniform(shape, minval, maxval, seed=seed).numpy()

        if name == "random_shear":
            sign = np.where(uniform((batch, 1), 0.0, 1.0) > 0.5, -1.0, 1.0)
            shear_y, shear_x = uniform((batch, 1)), uniform((batch, 1))
            return {"shear_factor": (np.concatenate([shear_x, shear_y], 1) * sign)
                    .astype("float32")}
        if name == "random_translation":
            shift_y = uniform((batch, 1)) * height
            shift_x = uniform((batch, 1)) * width
            return {"translations": np.concatenate([shift_x, shift_y], 1).astype("float32")}
        if name == "random_rotation":
            return {"rotation_matrix": rotation_matrix(uniform((batch,), low * 360.0,
                                                                high * 360.0), height, width)}
        if name == "random_brightness":
            span = self.value_range[1] - self.value_range[0]
            return {"rgb_delta": uniform((batch, 1, 1, 1)) * span}
        if name == "random_color_degeneration":
            return {"factor": uniform((batch, 1, 1, 1))}
        if name == "random_contrast":
            return {"contrast_factor": uniform((batch, 1, 1, 1), 1.0 - low, 1.0 + high)}
        if name == "random_sharpness":
            return {"factor": uniform((batch,))}
        if name == "random_posterization":
            fewest, most = self.posterization_bits
            bits = (np.full((batch,), fewest) if fewest == most else
                    random.randint((batch,), fewest, most, seed=seed).numpy())
            return {"shift_factor": (8 - bits).astype("uint8")}
        if name == "solarization":
            return {"additions": uniform((batch, 1, 1, 1), low, high * 255),
                    "thresholds": uniform((batch, 1, 1, 1), low, high * 255)}
        if name in ("auto_contrast", "equalization"):
            return None
        raise ValueError(f"PolicyTransforms: unknown augmentation {name!r}; expected one of "
                         f"{RAND_AUGMENT_NAMES}.")

    # -- applying ------------------------------------------------------------------------------
    def apply(self, name, images, params):
        """Augmentation `name` with `params` on a float image batch."""
        if name in GEOMETRIC:
            return self._warp(images, self._matrix(name, params), self.interpolation)
        low, high = self.value_range
        if name == "random_brightness":
            return clip(images + cast(params["rgb_delta"], images.dtype), low, high)
        if name == "random_color_degeneration":
            gray = rgb_to_grayscale(images, data_format=self.data_format)
            return clip(images + cast(params["factor"], images.dtype) * (gray - images),
                        low, high)
        if name == "random_contrast":
            axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
            centre = mean(images, axis=axes, keepdims=True)
            factor = cast(params["contrast_factor"], images.dtype)
            return clip((images - centre) * factor + centre, low, high)
        if name == "random_sharpness":
            return self._sharpen(images, params["factor"])
        if name == "random_posterization":
            return self._posterize(images, params["shift_factor"])
        if name == "solarization":
            return self._solarize(images, params)
        if name == "auto_contrast":
            return self._auto_contrast(images)
        if name == "equalization":
            return self._equalize(images)
        raise ValueError(f"PolicyTransforms: unknown augmentation {name!r}.")

    def apply_to_masks(self, name, masks, params):
        """Segmentation masks follow the geometric augmentations (nearest neighbour)."""
        if name not in GEOMETRIC:
            return masks
        return self._warp(masks, self._matrix(name, params), "nearest")

    def _matrix(self, name, params):
        if name == "random_rotation":
            return np.asarray(params["rotation_matrix"], "float32")
        if name == "random_shear":
            shear = np.asarray(params["shear_factor"], "float32")
            ones, zeros = np.ones(len(shear), "float32"), np.zeros(len(shear), "float32")
            return np.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros],
                            axis=1)
        shifts = np.asarray(params["translations"], "float32")
        ones, zeros = np.ones(len(shifts), "float32"), np.zeros(len(shifts), "float32")
        return np.stack([ones, zeros, -shifts[:, 0], zeros, ones, -shifts[:, 1], zeros, zeros],
                        axis=1)

    def _warp(self, images, matrix, interpolation):
        return affine_transform(images, matrix, interpolation=interpolation,
                                fill_mode="reflect", fill_value=0.0,
                                data_format=self.data_format)

    def _sharpen(self, images, factor):
        channels_last = self.data_format == "channels_last"
        channels = images.shape[-1 if channels_last else 1]
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = np.tile(np.array([[a, a, a], [a, b, a], [a, a, a]], "float32")
                         .reshape(3, 3, 1, 1), (1, 1, channels, 1))
        smoothed = depthwise_conv(images, cast(kernel, images.dtype), strides=1,
                                  padding="same", data_format=self.data_format)
        strength = cast(reshape(convert_to_tensor(factor) * 2, (-1, 1, 1, 1)), images.dtype)
        return clip(images + (1.0 - strength) * (smoothed - images), *self.value_range)

    def _to_255(self, images):
        low, high = self.value_range
        return images if (low, high) == (0, 255) else (images - low) / (high - low) * 255.0

    def _from_255(self, images):
        low, high = self.value_range
        return images if (low, high) == (0, 255) else images / 255.0 * (high - low) + low

    def _posterize(self, images, shift):
        shift = np.asarray(shift, "uint8").reshape(-1, 1, 1, 1)
        values = np.clip(convert_to_tensor(self._to_255(images)).numpy(), 0, 255)
        values = np.left_shift(np.right_shift(values.astype("uint8"), shift), shift)
        return self._from_255(cast(convert_to_tensor(values), images.dtype))

    def _solarize(self, images, params):
        values = clip(self._to_255(images) + cast(params["additions"], images.dtype), 0, 255)
        thresholds = cast(params["thresholds"], images.dtype)
        return self._from_255(where(values < thresholds, values, 255.0 - values))

    def _auto_contrast(self, images):
        values = self._to_255(images)
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        with np.errstate(divide="ignore", invalid="ignore"):
            array = convert_to_tensor(values).numpy()
            lowest = array.min(axis=axes, keepdims=True)
            scale = 255.0 / (array.max(axis=axes, keepdims=True) - lowest)
            stretched = np.clip(array * scale - lowest * scale, 0.0, 255.0)
        result = self._from_255(cast(convert_to_tensor(stretched), images.dtype))
        return where(isnan(result), images, result)

    def _equalize(self, images):
        """Each channel's histogram (256 bins over 0..255, pooled over the batch, as Keras's)
        mapped through its normalized cumulative sum; a channel with one used bin stays."""
        bins = 256
        channel_axis = -1 if self.data_format == "channels_last" else 1
        array = np.moveaxis(convert_to_tensor(self._to_255(images)).numpy(), channel_axis, 0)
        flat = array.reshape(array.shape[0], -1)
        index = np.clip((flat * (bins - 1) / 255.0).astype("int32"), 0, bins - 1)
        offsets = np.arange(len(flat))[:, None] * bins
        hist = np.bincount((index + offsets).ravel(), minlength=len(flat) * bins)
        cdf = np.cumsum(hist.reshape(len(flat), bins), axis=1)
        first = np.take_along_axis(cdf, np.argmax(cdf > 0, axis=1)[:, None], axis=1)
        denominator = cdf[:, -1:] - first
        table = np.clip(np.round((cdf - first) * 255 / np.where(denominator == 0, 1,
                                                                 denominator)), 0, 255)
        lookup = np.clip(flat / 255.0 * (bins - 1), 0, bins - 1).astype("int32")
        equalized = np.take_along_axis(table, lookup, axis=1)
        keep = (np.count_nonzero(hist.reshape(len(flat), bins), axis=1) <= 1)[:, None]
        equalized = np.where(keep, flat, equalized).reshape(array.shape)
        equalized = np.moveaxis(equalized, 0, channel_axis).astype(np.dtype(images.dtype))
        return self._from_255(convert_to_tensor(equalized))


def rotation_matrix(angles, height, width):
    """(batch, 8) transforms rotating by `angles` (degrees) about the image centre."""
    theta = np.asarray(angles, "float32") * np.float32(math.pi / 180.0)
    cos, sin = np.cos(theta), np.sin(theta)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    zeros = np.zeros_like(theta)
    return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos,
                     zeros, zeros], axis=1).astype("float32")
