"""RandomPerspective: move each image's corners by random amounts (a projective warp)."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing import boxes as box_utils
from minikeras.layers.preprocessing.image_preprocessing.affine import (
    INTERPOLATIONS, WarpingImageLayer, check_choice)
from minikeras.ops import convert_to_tensor, image, where
from minikeras.registry.layer_classes import register_layer


def homography(source, target):
    """(batch, 8) projective maps [a0, a1, a2, b0, b1, b2, c0, c1] sending each of the four
    (x, y) `source` points ((batch, 4, 2)) to its `target` point."""
    sx, sy, tx, ty = source[..., 0], source[..., 1], target[..., 0], target[..., 1]
    one, zero = np.ones_like(sx), np.zeros_like(sx)
    rows_x = np.stack([sx, sy, one, zero, zero, zero, -tx * sx, -tx * sy], axis=-1)
    rows_y = np.stack([zero, zero, zero, sx, sy, one, -ty * sx, -ty * sy], axis=-1)
    matrix = np.concatenate([rows_x, rows_y], axis=1)
    return np.linalg.solve(matrix, np.concatenate([tx, ty], axis=1)[..., None])[..., 0]


@register_layer
class RandomPerspective(WarpingImageLayer):
    """Warp each image so that its four corners land on randomly moved points; identity when
    training=False.

    Each image is warped with a probability drawn from `factor`; corner (x, y) moves to
    (x, y) * (1 + u) with u uniform in (-scale / 2, scale / 2) per coordinate (so the top-left
    corner stays), as Keras does. Outside the image reads `fill_value`.

    Args:
        factor: the probability of warping an image: f in [0, 1] means (0, f), or a pair.
        scale: in [0, 1], how far the corners move.
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value outside the image.
        seed: integer for a reproducible layer-owned stream.
        data_format: "channels_last" or "channels_first".

    The transformation (Keras's layout): {"apply_perspective": (batch,) bool, "start_points"
    and "end_points": (batch, 4, 2) (x, y)}. Segmentation masks warp with nearest
    interpolation; bounding boxes (all formats of `boxes.FORMATS`) become the box around their
    moved corners.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not isinstance(scale, (int, float)) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"RandomPerspective: the `scale` argument should be a number in "
                             f"the range [0,1]. Received: scale={scale!r}")
        check_choice("RandomPerspective", "interpolation", interpolation, INTERPOLATIONS)
        self.scale = scale
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.set_seed(seed, attribute="seed_generator")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        batch = images.shape[0]
        height, width = self.image_size(images.shape)

        def uniform(shape, low, high):
            return random.uniform(shape, low, high, seed=self.seed_generator).numpy()

        probability = uniform((batch,), *self.factor)
        apply = uniform((batch,), 0.0, 1.0) < probability
        moves = uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale)
        corners = np.asarray([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                              [width - 1, height - 1]], dtype="float32")
        start = np.repeat(corners[None], batch, axis=0)
        return {"apply_perspective": apply, "start_points": start,
                "end_points": (start + start * moves).astype("float32"),
                "input_shape": tuple(images.shape)}

    def _warp(self, images, transformation, interpolation):
        if transformation is None:
            return images
        warped = image.perspective_transform(
            images, convert_to_tensor(transformation["start_points"]),
            convert_to_tensor(transformation["end_points"]), interpolation=interpolation,
            fill_value=self.fill_value, data_format=self.data_format)
        apply = np.asarray(transformation["apply_perspective"]).reshape(-1, 1, 1, 1)
        return where(convert_to_tensor(apply), warped, images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        size = self.image_size(transformation["input_shape"])
        # the homography taking input points to where they land: start -> end
        forward = homography(np.asarray(transformation["start_points"], "float64"),
                             np.asarray(transformation["end_points"], "float64"))
        apply = np.asarray(transformation["apply_perspective"]).reshape(-1, 1, 1)

        def move(xyxy):
            xs = xyxy[..., [0, 2, 0, 2]]
            ys = xyxy[..., [1, 1, 3, 3]]
            p = forward[:, None, None, :]
            k = p[..., 6] * xs + p[..., 7] * ys + 1.0
            new_x = (p[..., 0] * xs + p[..., 1] * ys + p[..., 2]) / k
            new_y = (p[..., 3] * xs + p[..., 4] * ys + p[..., 5]) / k
            moved = np.stack([new_x.min(-1), new_y.min(-1), new_x.max(-1), new_y.max(-1)],
                             axis=-1)
            return np.where(apply, moved, xyxy).astype(xyxy.dtype)

        return box_utils.transform_boxes(self, bounding_boxes, move, size)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "seed": self.seed}
