"""CenterCrop: crop the central (height, width) window, resizing when the image is smaller."""
import numpy as np

from minikeras.layers.preprocessing.image_preprocessing import boxes as box_utils
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.image_preprocessing.resizing import (
    resized_shape, spatial_axes)
from minikeras.ops import cast, getitem, image
from minikeras.registry.layer_classes import register_layer


def aspect_window(in_h, in_w, height, width):
    """(top, left, crop_h, crop_w) of the largest centred window of aspect width / height
    (Keras's smart_resize window)."""
    crop_h = max(min(in_h, int(float(in_w * height) / width)), 1)
    crop_w = max(min(in_w, int(float(in_h * width) / height)), 1)
    return int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2), crop_h, crop_w


@register_layer
class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the centre (height, width) of each image; where the image is smaller along either
    axis, crop the largest centred window of the target's aspect ratio and resize it
    (bilinear) to (height, width) instead. Deterministic; the output is `compute_dtype`
    (float32).

    Args:
        height, width: the output size.
        data_format: "channels_last" or "channels_first".

    Shapes: (..., H, W, C) -> (..., height, width, C). Segmentation masks are cropped the same
    way; bounding boxes (all formats of `boxes.FORMATS`) are cropped and clipped.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        images = self.images_of(data)
        return {"input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation=None, training=True):
        images = cast(images, self.dtype)
        h_axis, w_axis = spatial_axes(self.data_format, images.ndim)
        in_h, in_w = images.shape[h_axis], images.shape[w_axis]
        if in_h >= self.height and in_w >= self.width:
            top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
            index = [slice(None)] * images.ndim
            index[h_axis] = slice(top, top + self.height)
            index[w_axis] = slice(left, left + self.width)
            return getitem(images, tuple(index))
        return image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                            data_format=self.data_format)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        shape = transformation["input_shape"]
        h_axis, w_axis = spatial_axes(self.data_format, len(shape))
        in_h, in_w = shape[h_axis], shape[w_axis]
        if in_h >= self.height and in_w >= self.width:
            top, left = int((in_h - self.height) / 2), int((in_w - self.width) / 2)
            crop_h, crop_w = self.height, self.width
        else:
            top, left, crop_h, crop_w = aspect_window(in_h, in_w, self.height, self.width)

        def move(xyxy):
            low = np.asarray([left, top, left, top], dtype=xyxy.dtype)
            high = low + np.asarray([crop_w, crop_h, crop_w, crop_h], dtype=xyxy.dtype)
            scale = np.asarray([self.width / crop_w, self.height / crop_h] * 2)
            return ((np.clip(xyxy, low, high) - low) * scale).astype(xyxy.dtype)

        return box_utils.transform_boxes(self, bounding_boxes, move, (in_h, in_w),
                                         (self.height, self.width))

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f"CenterCrop: `input_shape` must have rank 3 (unbatched) or 4 "
                             f"(batched). Received: input_shape={tuple(input_shape)}")
        return resized_shape(input_shape, self.data_format, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
