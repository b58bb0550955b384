"""RandomShear: shear each image along x and/or y by a random amount."""
import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.affine import (AffineImageLayer,
                                                                       check_range)
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomShear(AffineImageLayer):
    """Shear each image of the batch; identity when training=False.

    Output pixel (x, y) reads the input at (x + sx * y, sy * x + y): the shear is about the
    top-left corner (origin), as in Keras. sx is drawn from `x_factor`, sy from `y_factor`,
    and both change sign together with probability 1/2.

    Args:
        x_factor: f in [0, 1] means (-f, f), or a pair (lower, upper) of numbers in [-1, 1]
            (Keras allows [0, 1] only, so its configs of f > 0 do not load back in Keras).
        y_factor: the same for the vertical shear.
        interpolation, fill_mode, fill_value, data_format, seed: as RandomRotation.

    The transformation (Keras's layout): {"shear_factor": (batch, 2) (sx, sy),
    "input_shape"}. Masks shear with nearest interpolation; boxes (all formats of
    `boxes.FORMATS`) become the box around their sheared corners.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        name = type(self).__name__
        # a pair may reach down to -1: that is the range get_config stores for a number f,
        # (-f, f), which Keras's own from_config then rejects
        self.x_factor = check_range(name, "x_factor", x_factor,
                                    -1.0 if isinstance(x_factor, (tuple, list)) else 0.0, 1.0)
        self.y_factor = check_range(name, "y_factor", y_factor,
                                    -1.0 if isinstance(y_factor, (tuple, list)) else 0.0, 1.0)

    def draw(self, batch, height, width):
        invert = np.where(self._uniform((batch, 1), 0.0, 1.0) > 0.5, -1.0, 1.0)
        shear_y = self._uniform((batch, 1), *self.y_factor)
        shear_x = self._uniform((batch, 1), *self.x_factor)
        return {"shear_factor": (np.concatenate([shear_x, shear_y], axis=1) * invert)
                .astype("float32")}

    def matrix(self, draws, height, width):
        shear = np.asarray(draws["shear_factor"], "float32")
        one, zero = np.ones(len(shear), "float32"), np.zeros(len(shear), "float32")
        return np.stack([one, shear[:, 0], zero, shear[:, 1], one, zero, zero, zero], axis=-1)

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor}
