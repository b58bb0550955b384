"""The shared part of the affine augmentation layers (RandomRotation, RandomZoom,
RandomTranslation, RandomShear): Keras's affine matrix, the fill/interpolation arguments, and
applying one (batch, 8) transform per call to images, masks and boxes.

A transform is Keras's [a0, a1, a2, b0, b1, b2, c0, c1]: output pixel (x, y) reads the input at
(a0 x + a1 y + a2, b0 x + b1 y + b2) (`minikeras.ops.image.affine_transform`).
"""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing import boxes as box_utils
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.ops import cast, convert_to_tensor, image

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def affine_matrix(height, width, angle=0.0, translate_x=0.0, translate_y=0.0, scale=1.0,
                  shear_x=0.0, shear_y=0.0, center=(0.5, 0.5)):
    """(batch, 8) transforms of scale * shear * rotation about the image centre, plus a shift
    (Keras's `_compute_affine_matrix`). angle, shear_x, shear_y in degrees; every argument a
    number or a (batch,) array."""
    angle, shear_x, shear_y = (np.deg2rad(np.asarray(v, dtype="float32"))
                               for v in (angle, shear_x, shear_y))
    cx, cy = center[0] * (width - 1), center[1] * (height - 1)
    cos, sin = np.cos(angle), np.sin(angle)
    shx, shy = np.tan(shear_x), np.tan(shear_y)
    a0 = scale * (cos + shx * sin)
    a1 = scale * (-sin + shx * cos)
    b0 = scale * (shy * cos + sin)
    b1 = scale * (-shy * sin + cos)
    a2 = translate_x + cx - cx * a0 - cy * a1
    b2 = translate_y + cy - cx * b0 - cy * b1
    columns = np.broadcast_arrays(a0, a1, a2, b0, b1, b2, 0 * a0, 0 * a0)
    return np.stack([np.atleast_1d(c) for c in columns], axis=-1).astype("float32")


def map_points(transform, x, y):
    """Where the input point (x, y) of each image goes, inverting each (batch, 8) affine
    transform (the transform maps output pixels to input pixels). x, y: (batch, ...)."""
    a0, a1, a2, b0, b1, b2 = (transform[:, i].reshape((-1,) + (1,) * (x.ndim - 1))
                              for i in range(6))
    det = a0 * b1 - a1 * b0
    dx, dy = x - a2, y - b2
    return (b1 * dx - a1 * dy) / det, (a0 * dy - b0 * dx) / det


def check_choice(layer, arg, value, choices):
    if value not in choices:
        raise NotImplementedError(f"{layer}: unknown `{arg}` {value!r}. Expected one of "
                                  f"{choices}.")


def check_range(layer, arg, factor, low, high, low_open=False):
    """A factor f -> (-|f|, |f|); a pair -> sorted; each given number within [low, high] (or
    (low, high] with low_open) - Keras's height_factor / width_factor rule."""
    message = (f"{layer}: the `{arg}` argument should be a number (or a list of two numbers) "
               f"in the range {'(' if low_open else '['}{low}, {high}]. Received: "
               f"{arg}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        given = list(factor)
    else:
        given = [factor]
    for value in given:
        if (not isinstance(value, (int, float)) or isinstance(value, bool) or value > high
                or value < low or (low_open and value == low)):
            raise ValueError(message)
    return tuple(sorted(given)) if len(given) == 2 else (-abs(factor), abs(factor))


class WarpingImageLayer(BaseImagePreprocessingLayer):
    """A random layer that resamples each image through a geometric warp: subclasses define
    `_warp(images, transformation, interpolation)`; images are warped with `interpolation`
    while training, segmentation masks with 'nearest'."""

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        return self._warp(images, transformation, self.interpolation) if training else images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self._warp(segmentation_masks, transformation, "nearest")


class AffineImageLayer(WarpingImageLayer):
    """A random layer whose transformation is one affine transform per image.

    Subclasses define `draw(batch, height, width)` -> a dict of the draws (Keras's layout;
    `get_random_transformation` adds "input_shape") and `matrix(draws, height, width)` -> the
    (batch, 8) transforms, so a transformation dict written by hand (as Keras's tests pass to
    `transform_images`) needs only the draws. Images are resampled with `interpolation` and
    `fill_mode`, segmentation masks with 'nearest'; bounding boxes ("xyxy" and the other
    formats of `boxes.FORMATS`) move with their corners and come back as the axis-aligned box
    around the moved corners, clipped to the image (as Keras's RandomRotation / RandomZoom /
    RandomTranslation; Keras's RandomShear moves boxes by a rule that does not follow its own
    image warp, so its boxes differ).
    """

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        check_choice(name, "fill_mode", fill_mode, FILL_MODES)
        check_choice(name, "interpolation", interpolation, INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.set_seed(seed, attribute="seed_generator")

    def _size(self, images):
        return self.image_size(images.shape)

    def _uniform(self, shape, low, high):
        return random.uniform(shape, low, high, seed=self.seed_generator).numpy()

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        height, width = self._size(images)
        draws = self.draw(images.shape[0], height, width)
        draws["input_shape"] = tuple(images.shape)
        return draws

    def _warp(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = self.matrix(transformation, *self._size(images))
        return image.affine_transform(images, convert_to_tensor(matrix),
                                      interpolation=interpolation, fill_mode=self.fill_mode,
                                      fill_value=self.fill_value, data_format=self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        size = self.image_size(transformation["input_shape"])
        matrix = self.matrix(transformation, *size)

        def move(xyxy):
            xs = np.stack([xyxy[..., 0], xyxy[..., 2], xyxy[..., 0], xyxy[..., 2]], axis=-1)
            ys = np.stack([xyxy[..., 1], xyxy[..., 1], xyxy[..., 3], xyxy[..., 3]], axis=-1)
            new_x, new_y = map_points(matrix, xs, ys)
            return np.stack([new_x.min(-1), new_y.min(-1), new_x.max(-1), new_y.max(-1)],
                            axis=-1).astype(xyxy.dtype)

        return box_utils.transform_boxes(self, bounding_boxes, move, size)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}
