"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): histogram equalization per tile, with
the histograms clipped and the tiles' lookup tables blended bilinearly."""
import numpy as np

from minikeras.backend.array_module import xp
from minikeras.layers.preprocessing.image_preprocessing.color_base import (
    ColorImagePreprocessingLayer, as_tuple)
from minikeras.ops import cast, convert_to_tensor
from minikeras.registry.layer_classes import register_layer


@register_layer
class ContrastLimitedAdaptiveHistogramEqualization(ColorImagePreprocessingLayer):
    """Equalizes contrast locally, in training and inference alike (deterministic), keeping the
    input dtype (integer images truncate).

    On the 0..255 scale (mapped from `value_range`) the image is cut into a
    `tile_grid_size` grid of tiles of ceil(H / rows) x ceil(W / cols) pixels (the bottom and
    right edges padded by mirroring). Each tile and channel gets a 256-bin histogram of its
    truncated pixel values; with clip_limit > 0 the counts are capped at
    int(clip_limit * tile_pixels / 256) (truncated, as Keras's integer counts do; a cap of 0,
    on tiles under 256 / clip_limit pixels, flattens the histogram and leaves the pixels as
    they are) and the excess spread evenly over the bins. The cumulative
    histogram, scaled to 0..255, is the tile's lookup table; a pixel's output blends the tables
    of the four nearest tile centres bilinearly (edge tiles repeated). No gradient flows through
    it (a lookup on integer pixel values).

    Args:
        value_range: (low, high), the pixel range of the inputs (default (0, 255)); stored as
            given, as Keras does.
        clip_limit: the contrast limit, in multiples of a flat histogram (default 4.0; 0 or
            less: plain adaptive equalization).
        tile_grid_size: (rows, cols) of tiles (default (8, 8)).
        data_format: "channels_last" or "channels_first".
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = as_tuple(value_range)
        self.clip_limit = clip_limit
        self.tile_grid_size = as_tuple(tile_grid_size)

    def transform_images(self, images, transformation=None, training=True):
        images = convert_to_tensor(images)
        dtype = images.dtype
        images = images.data
        if self.data_format == "channels_first":
            images = xp.transpose(images, (0, 2, 3, 1))
        scaled = self.transform_value_range(convert_to_tensor(images), self.value_range,
                                            (0, 255), "float32")
        result = self._equalize(xp.asarray(convert_to_tensor(scaled).data, dtype="float32"))
        result = self.transform_value_range(convert_to_tensor(result), (0, 255),
                                            self.value_range, "float32")
        result = cast(result, dtype)
        if self.data_format == "channels_first":
            result = convert_to_tensor(xp.transpose(result.data, (0, 3, 1, 2)))
        return result

    def _equalize(self, images):
        """(batch, h, w, channels) float32 on 0..255 -> the same, equalized."""
        batch, height, width, channels = images.shape
        rows, cols = self.tile_grid_size
        tile_h, tile_w = -(-height // rows), -(-width // cols)
        padded = xp.pad(images, [(0, 0), (0, tile_h * rows - height),
                                 (0, tile_w * cols - width), (0, 0)], mode="symmetric")
        pixels = xp.clip(padded.astype("int32"), 0, 255)
        # tile (r, c) of image b: its pixel values, (batch, rows, cols, channels, tile pixels)
        tiles = pixels.reshape(batch, rows, tile_h, cols, tile_w, channels)
        tiles = tiles.transpose(0, 1, 3, 5, 2, 4).reshape(batch, rows, cols, channels, -1)
        area = tile_h * tile_w
        flat = tiles.reshape(-1, area) + 256 * xp.arange(tiles.size // area)[:, None]
        hists = xp.bincount(flat.ravel(), minlength=flat.shape[0] * 256).astype("float32")
        hists = hists.reshape(tiles.shape[:-1] + (256,))
        if self.clip_limit > 0:
            # the counts are integers in Keras, and so is the cap: truncated (like OpenCV's)
            limit = np.float32(int(self.clip_limit * area / 256.0))
            clipped = xp.minimum(hists, limit)
            hists = clipped + (hists - clipped).sum(axis=-1, keepdims=True) / 256.0
        cdf = xp.cumsum(hists, axis=-1)
        cdf_min = cdf.min(axis=-1, keepdims=True)
        denominator = np.float32(area) - cdf_min
        denominator = xp.where(denominator == 0, 1, denominator)
        tables = xp.clip((cdf - cdf_min) * 255.0 / denominator, 0, 255)
        tables = xp.pad(tables, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="edge")

        def neighbours(size, tile, grid):
            """The two tile-table indices around every pixel row/column and the weight of the
            second (tile centres sit at tile/2 + k * tile)."""
            position = (xp.arange(size, dtype="float32") - tile / 2.0) / tile + 1.0
            low = xp.floor(position)
            return (xp.clip(low, 0, grid + 1).astype("int32"),
                    xp.clip(low + 1, 0, grid + 1).astype("int32"), position - low)

        y0, y1, wy = neighbours(tile_h * rows, tile_h, rows)
        x0, x1, wx = neighbours(tile_w * cols, tile_w, cols)
        b = xp.arange(batch)[:, None, None, None]
        c = xp.arange(channels)[None, None, None, :]
        y0, y1, wy = y0[None, :, None, None], y1[None, :, None, None], wy[None, :, None, None]
        x0, x1, wx = x0[None, None, :, None], x1[None, None, :, None], wx[None, None, :, None]
        top = tables[b, y0, x0, c, pixels] * (1.0 - wx) + tables[b, y0, x1, c, pixels] * wx
        bottom = tables[b, y1, x0, c, pixels] * (1.0 - wx) + tables[b, y1, x1, c, pixels] * wx
        result = top * (1.0 - wy) + bottom * wy
        return result[:, :height, :width, :].astype("float32")

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size}
