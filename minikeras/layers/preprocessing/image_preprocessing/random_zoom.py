"""RandomZoom: zoom each image in or out about its centre by a random factor."""
import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import (AffineImageLayer,
                                                                       check_range)
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomZoom(AffineImageLayer):
    """Zoom each image of the batch about its centre; identity when training=False.

    A factor f in (-1, 1] reads the input at (1 + f) times the distance from the centre:
    positive zooms out (the image shrinks, fill_mode fills the border), negative zooms in.

    Args:
        height_factor: f means (-f, f), or a pair (lower, upper), each in (-1, 1].
        width_factor: the same for the width; None (default) zooms the width by the height's
            draw (the aspect ratio is kept).
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    The transformation (Keras's layout): {"height_zoom": (batch, 1), "width_zoom": (batch, 1)}
    holding 1 + f, and "input_shape". Masks zoom with nearest interpolation; boxes (all
    formats of `boxes.FORMATS`) move with their corners.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.height_factor = height_factor
        self.height_lower, self.height_upper = check_range(name, "height_factor",
                                                           height_factor, -1.0, 1.0, True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = check_range(name, "width_factor",
                                                             width_factor, -1.0, 1.0, True)

    def draw(self, batch, height, width):
        height_zoom = self._uniform((batch, 1), 1.0 + self.height_lower,
                                    1.0 + self.height_upper)
        width_zoom = height_zoom if self.width_factor is None else self._uniform(
            (batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom}

    def matrix(self, draws, height, width):
        zx = np.asarray(draws["width_zoom"], "float32").reshape(-1)
        zy = np.asarray(draws["height_zoom"], "float32").reshape(-1)
        zero = np.zeros_like(zx)
        return np.stack([zx, zero, (width - 1) / 2 * (1 - zx), zero, zy,
                         (height - 1) / 2 * (1 - zy), zero, zero], axis=-1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
