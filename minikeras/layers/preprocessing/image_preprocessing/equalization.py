"""Equalization: histogram equalization of every channel."""
from minikeras.backend.array_module import xp
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer, check_value_range)
from minikeras.ops import cast, convert_to_tensor, moveaxis, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class Equalization(ColorImagePreprocessingLayer):
    """While training, spreads the values of every channel over the full range by histogram
    equalization; floats out. At inference the identity (as in Keras).

    As in Keras, one histogram of `bins` bins is taken per channel over the whole batch (every
    image of the batch shares the channel's lookup table): on the 0..255 scale a value v falls
    in bin floor(v * (bins - 1) / 255); the table maps a bin to
    round(255 * (cdf - cdf_min) / (cdf_last - cdf_min)) with cdf the cumulative histogram and
    cdf_min its first nonzero entry. A channel whose values fill at most one bin is kept.
    The lookup has no gradient (a piecewise-constant map).

    Args:
        value_range: (low, high), the pixel range of the inputs (default (0, 255)).
        bins: the number of histogram bins (default 256).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = check_value_range(value_range, type(self).__name__)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self.transform_value_range(cast(images, self.dtype), self.value_range, (0, 255),
                                            self.dtype)
        channel_axis = self.channel_axis() % 4
        planes = moveaxis(images, channel_axis, 0)  # (channels, batch, ...)
        flat = planes.data.reshape(planes.shape[0], -1)
        histograms = self._histograms(flat)
        index = xp.clip(flat / 255.0 * (self.bins - 1), 0, self.bins - 1).astype("int32")
        equalized = xp.take_along_axis(self._lookup_tables(histograms), index, axis=1)
        kept = xp.count_nonzero(histograms, axis=1) <= 1
        out = where(kept.reshape((-1,) + (1,) * (planes.ndim - 1)), planes,
                    convert_to_tensor(equalized.reshape(planes.shape)))
        out = moveaxis(out, 0, channel_axis)
        return self.transform_value_range(out, (0, 255), self.value_range, self.dtype)

    def _histograms(self, flat):
        """(channels, bins) counts of the bin indices floor(v * (bins - 1) / 255)."""
        bins = self.bins
        index = xp.clip((flat.astype("float32") * (bins - 1) / 255.0).astype("int32"), 0,
                        bins - 1)
        offsets = xp.arange(flat.shape[0])[:, None] * bins
        counts = xp.bincount((index + offsets).ravel(), minlength=flat.shape[0] * bins)
        return counts.reshape(flat.shape[0], bins)

    def _lookup_tables(self, histograms):
        """(channels, bins) equalized values (0..255) of each bin."""
        cdf = xp.cumsum(histograms, axis=1)
        first = xp.argmax(cdf > 0, axis=1)
        cdf_min = xp.take_along_axis(cdf, first[:, None], axis=1)
        denominator = cdf[:, -1:] - cdf_min
        denominator = xp.where(denominator == 0, 1, denominator)
        table = xp.clip(xp.round((cdf - cdf_min) * 255 / denominator), 0, 255)
        return table.astype(self.dtype)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}
