"""RandomGaussianBlur: blur some images of a batch with a Gaussian of random width, as Keras's
`keras.layers.RandomGaussianBlur`."""
import numbers

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer)
from minikeras.layers.preprocessing.image_preprocessing.ranges import parse_range
from minikeras.layers.regularization.validation import validate_seed
from minikeras.ops import cast, clip, pad, reshape, where
from minikeras.ops.image import gaussian_blur
from minikeras.registry.layer_classes import register_layer


def _kernel_size(value):
    """An odd number n -> (n, n); a pair of odd numbers stays a pair."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if (len(pair) != 2 or not all(isinstance(k, numbers.Real) and not isinstance(k, bool)
                                  for k in pair) or any(k % 2 == 0 for k in pair)):
        raise ValueError(f"RandomGaussianBlur: `kernel_size` must be an odd number or a pair "
                         f"of odd numbers. Received: kernel_size={value!r}")
    return pair


@register_layer
class RandomGaussianBlur(ColorImagePreprocessingLayer):
    """While training, each image is blurred with probability p (p ~ Uniform(factor), drawn per
    image) by `ops.image.gaussian_blur` with `kernel_size` and a (height, width) sigma pair
    drawn once per batch from Uniform(sigma) (+1e-6); the batch is then clipped to
    `value_range`. Identity with training=False. Labels, bounding boxes and segmentation masks
    pass unchanged (as in Keras).

    The transformation is {"should_apply_blur": (batch,) booleans, "blur_factor": (2,) sigmas}
    (Keras's layout).

    Args:
        factor: a number f in [0, 1] (the range (0, f)) or a pair: the range of the per-image
            blurring probability (default 1.0).
        kernel_size: an odd number or a pair of odd numbers (default 3).
        sigma: a number s in [0, 1] (the range (0, s)) or a pair: the blur's standard
            deviation range (default 1.0).
        value_range: the images' (low, high) pixel range (default (0, 255)).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible random stream.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = parse_range("RandomGaussianBlur", "sigma", sigma, self._FACTOR_BOUNDS)
        self.value_range = tuple(value_range)
        self.set_seed(validate_seed(seed))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch_size = self.batch_shape_of(data)[0]
        seed = self.seed_for(seed)
        probability = random.uniform((batch_size,), self.factor[0], self.factor[1], seed=seed)
        threshold = random.uniform((batch_size,), 0.0, 1.0, seed=seed)
        blur_factor = random.uniform((2,), self.sigma[0], self.sigma[1], seed=seed) + 1e-6
        return {"should_apply_blur": threshold.numpy() < probability.numpy(),
                "blur_factor": blur_factor}

    def transform_images(self, images, transformation=None, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        sigma = [float(s) for s in reshape(transformation["blur_factor"], (2,)).numpy()]
        blurred = self._blur(images, sigma)
        apply = reshape(transformation["should_apply_blur"], (-1, 1, 1, 1))
        images = where(apply, blurred, images)
        return clip(images, self.value_range[0], self.value_range[1])

    def _blur(self, images, sigma):
        """`ops.image.gaussian_blur`, which pads by kernel_size[0] // 2 on every side (as
        Keras's torch backend, where a non-square kernel then changes the width and the layer
        fails): the width is pre-padded or the result cropped so that any odd kernel gives a
        zero-padded "same" blur."""
        height_size, width_size = (int(k) for k in self.kernel_size)
        width_axis = 2 if self.data_format == "channels_last" else 3
        extra = (width_size - height_size) // 2
        if extra > 0:
            widths = [(0, 0)] * 4
            widths[width_axis] = (extra, extra)
            images = pad(images, widths)
        blurred = gaussian_blur(images, kernel_size=(height_size, width_size), sigma=sigma,
                                data_format=self.data_format)
        if extra < 0:
            index = [slice(None)] * 4
            index[width_axis] = slice(-extra, blurred.shape[width_axis] + extra)
            blurred = blurred[tuple(index)]
        return blurred

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range, "seed": self.seed}
