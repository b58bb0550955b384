"""RandomCrop: crop a random (height, width) window of the batch while training."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing import boxes as box_utils
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.image_preprocessing.center_crop import aspect_window
from minikeras.layers.preprocessing.image_preprocessing.resizing import (
    resized_shape, spatial_axes)
from minikeras.ops import cast, getitem, image
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandomCrop(BaseImagePreprocessingLayer):
    """While training, crop one random (height, width) window (the same for the whole batch);
    when the image is not larger than the target along both axes, crop the largest centred
    window of the target's aspect ratio and resize it (bilinear) to (height, width).

    With training=False the input comes back unchanged (Keras 3's behaviour: no crop at
    inference, so the eager output keeps the input's size, although `compute_output_shape`
    says (height, width); Keras 2 cropped the centre instead).

    Args:
        height, width: the output size.
        seed: integer for a reproducible layer-owned stream; None picks one at random (kept in
            the config, as Keras does).
        data_format: "channels_last" or "channels_first".

    The transformation (Keras's layout): (top, left). Segmentation masks are cropped the same
    way; bounding boxes (all formats of `boxes.FORMATS`) are shifted by (left, top) and
    clipped to the crop (Keras 3.15 shifts x by top and y by left and does not clip the far
    side: a bug this layer does not copy).
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else int(np.random.randint(1, int(1e9)))
        self.seed_generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self.images_of(data)
        h_axis, w_axis = spatial_axes(self.data_format, images.ndim)
        in_h, in_w = images.shape[h_axis], images.shape[w_axis]
        if training and in_h > self.height and in_w > self.width:
            top = random.uniform((), 0, float(in_h - self.height + 1), seed=self.seed_generator)
            left = random.uniform((), 0, float(in_w - self.width + 1),
                                  seed=self.seed_generator)
            return int(top.numpy()), int(left.numpy())
        return aspect_window(in_h, in_w, self.height, self.width)[:2]

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = cast(images, self.dtype)
        top, left = transformation
        h_axis, w_axis = spatial_axes(self.data_format, images.ndim)
        index = [slice(None)] * images.ndim
        index[h_axis] = slice(top, top + self.height)
        index[w_axis] = slice(left, left + self.width)
        images = getitem(images, tuple(index))
        if (images.shape[h_axis], images.shape[w_axis]) != (self.height, self.width):
            images = image.resize(images, (self.height, self.width),
                                  data_format=self.data_format)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        top, left = transformation

        def move(xyxy):
            return (xyxy - np.asarray([left, top, left, top], dtype=xyxy.dtype))

        return box_utils.transform_boxes(self, bounding_boxes, move, (self.height, self.width))

    def compute_output_shape(self, input_shape):
        return resized_shape(input_shape, self.data_format, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
