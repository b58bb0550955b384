"""RandomFlip: flip each image left-right and/or up-down with probability 1/2."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing import boxes as box_utils
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.ops import cast, convert_to_tensor, flip, where
from minikeras.registry.layer_classes import register_layer

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


@register_layer
class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image of the batch with probability 1/2; identity when training=False.

    Args:
        mode: "horizontal" (left-right), "vertical" (up-down) or "horizontal_and_vertical"
            (default: one draw per image decides both flips, as in Keras).
        seed: integer for a reproducible layer-owned stream.
        data_format: "channels_last" or "channels_first".

    The transformation (Keras's layout): {"flips": (batch, 1, 1, 1) bool, "input_shape"}.
    The output is the layer dtype. Segmentation masks flip with the images; bounding boxes
    (all formats of `boxes.FORMATS`) are mirrored.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(f"RandomFlip: `mode` must be one of {MODES}. Received: "
                             f"mode={mode!r}")
        self.mode = mode
        self.set_seed(seed, attribute="seed_generator")

    def _axes(self):
        return (2, 1) if self.data_format == "channels_last" else (3, 2)  # (width, height)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        draws = random.uniform((images.shape[0], 1, 1, 1), seed=self.seed_generator)
        return {"flips": draws.numpy() <= 0.5, "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        flips = convert_to_tensor(np.asarray(transformation["flips"]))
        width_axis, height_axis = self._axes()
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = where(flips, flip(images, axis=width_axis), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = where(flips, flip(images, axis=height_axis), images)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        shape = transformation["input_shape"]
        width_axis, height_axis = self._axes()
        height, width = shape[height_axis], shape[width_axis]
        flips = np.asarray(transformation["flips"]).reshape(-1, 1, 1)

        def move(xyxy):
            x1, y1, x2, y2 = np.moveaxis(xyxy, -1, 0)
            if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
                x1, x2 = width - x2, width - x1
            if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
                y1, y2 = height - y2, height - y1
            return np.where(flips, np.stack([x1, y1, x2, y2], axis=-1), xyxy)

        return box_utils.transform_boxes(self, bounding_boxes, move, (height, width))

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
