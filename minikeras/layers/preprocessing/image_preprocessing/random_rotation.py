"""RandomRotation: rotate each image by a random angle about its centre."""
from minikeras.layers.preprocessing.image_preprocessing.affine import (AffineImageLayer,
                                                                       affine_matrix)
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomRotation(AffineImageLayer):
    """Rotate each image of the batch by its own angle, drawn uniformly from
    `factor` * 360 degrees (positive: counter-clockwise), about the image centre; identity
    when training=False.

    Args:
        factor: a fraction of a full turn: f means (-f, f), a pair (lower, upper) that range
            (e.g. 0.2 rotates by up to 72 degrees either way).
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest": what the points that
            come from outside the image read.
        interpolation: "bilinear" (default) or "nearest".
        seed: integer for a reproducible layer-owned stream.
        fill_value: the value outside the image with fill_mode="constant".
        data_format: "channels_last" or "channels_first".

    The transformation (Keras's layout): {"angle": (batch,) degrees, "input_shape"}.
    Segmentation masks turn with nearest interpolation; bounding boxes (all formats of
    `boxes.FORMATS`) become the box around their turned corners.
    """

    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(factor=factor, fill_mode=fill_mode, interpolation=interpolation,
                         seed=seed, fill_value=fill_value, data_format=data_format, **kwargs)

    def draw(self, batch, height, width):
        return {"angle": self._uniform((batch,), self.factor[0] * 360.0,
                                       self.factor[1] * 360.0)}

    def matrix(self, draws, height, width):
        return affine_matrix(height, width, angle=draws["angle"])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
