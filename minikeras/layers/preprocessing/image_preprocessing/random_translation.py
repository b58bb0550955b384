"""RandomTranslation: shift each image by a random fraction of its height and width."""
import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import (AffineImageLayer,
                                                                       check_range)
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomTranslation(AffineImageLayer):
    """Shift each image of the batch; identity when training=False.

    Args:
        height_factor: a fraction of the height: f means (-f, f), or a pair (lower, upper),
            each in [-1, 1]; positive shifts down.
        width_factor: the same for the width; positive shifts right.
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    The transformation (Keras's layout): {"translations": (batch, 2) pixel shifts (dx, dy)}
    and "input_shape". Masks shift with nearest interpolation; boxes (all formats of
    `boxes.FORMATS`) shift and are clipped to the image.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.height_factor = height_factor
        self.height_lower, self.height_upper = check_range(name, "height_factor",
                                                           height_factor, -1.0, 1.0)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = check_range(name, "width_factor", width_factor,
                                                         -1.0, 1.0)

    def draw(self, batch, height, width):
        dy = self._uniform((batch, 1), self.height_lower, self.height_upper) * height
        dx = self._uniform((batch, 1), self.width_lower, self.width_upper) * width
        return {"translations": np.concatenate([dx, dy], axis=1).astype("float32")}

    def matrix(self, draws, height, width):
        shifts = np.asarray(draws["translations"], "float32")
        one, zero = np.ones(len(shifts), "float32"), np.zeros(len(shifts), "float32")
        return np.stack([one, zero, -shifts[:, 0], zero, one, -shifts[:, 1], zero, zero],
                        axis=-1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
