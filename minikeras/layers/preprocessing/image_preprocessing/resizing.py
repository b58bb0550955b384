"""Resizing: resize images to a fixed (height, width)."""
import numpy as np

from minikeras.backend.dtypes import standardize_dtype
from minikeras.layers.preprocessing.image_preprocessing import boxes as box_utils
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.ops import cast, clip, image, round as round_
from minikeras.registry.layer_classes import register_layer


def spatial_axes(data_format, rank):
    """(height axis, width axis) of a rank-3 or rank-4 image tensor."""
    return (rank - 2, rank - 1) if data_format == "channels_first" else (rank - 3, rank - 2)


def resized_shape(input_shape, data_format, height, width):
    """`input_shape` (rank 3 or 4) with its height and width replaced by `height`, `width`."""
    shape = list(input_shape)
    h_axis, w_axis = spatial_axes(data_format, len(shape))
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


@register_layer
class Resizing(BaseImagePreprocessingLayer):
    """Resize images to (height, width) with `minikeras.ops.image.resize`; deterministic, so
    the same in training and inference.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3", "lanczos5",
            "area".
        crop_to_aspect_ratio: first crop the largest centred window of the target's aspect
            ratio (no distortion).
        pad_to_aspect_ratio: first pad the short side evenly with `fill_value` instead.
        fill_mode: "constant" (the only mode, as in Keras).
        fill_value: the padding value with pad_to_aspect_ratio.
        antialias: widen the kernel when shrinking.
        data_format: "channels_last" or "channels_first".

    Shapes: (..., H, W, C) -> (..., height, width, C) (channels_first: (..., C, H, W) ->
    (..., C, height, width)). Integer images come back rounded, saturated, in their dtype.
    Segmentation masks resize with "nearest"; bounding boxes (all formats of `boxes.FORMATS`)
    scale (and shift, with crop/pad to aspect ratio) with the image; all-zero and all -1 boxes
    (padding) stay zero.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def _resize(self, images, interpolation):
        resized = image.resize(images, (self.height, self.width), interpolation=interpolation,
                               antialias=self.antialias,
                               crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                               pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                               fill_mode=self.fill_mode, fill_value=self.fill_value,
                               data_format=self.data_format)
        dtype = standardize_dtype(images.dtype)
        if standardize_dtype(resized.dtype) == dtype:
            return resized
        if dtype.startswith(("int", "uint")):
            info = np.iinfo(dtype)
            resized = clip(round_(resized), info.min, info.max)
        return cast(resized, dtype)

    def transform_images(self, images, transformation=None, training=True):
        return self._resize(images, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return self._resize(segmentation_masks, "nearest")

    def get_random_transformation(self, data, training=True, seed=None):
        images = self.images_of(data)
        h_axis, w_axis = spatial_axes(self.data_format, images.ndim)
        return images.shape[h_axis], images.shape[w_axis]

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        in_h, in_w = transformation
        raw = box_utils.to_xyxy(bounding_boxes["boxes"], "xyxy", 1, 1)
        padding = np.all(raw == -1, axis=-1) | np.all(raw == 0, axis=-1)

        def move(xyxy):
            if self.pad_to_aspect_ratio:
                scale = min(self.height / in_h, self.width / in_w)
                sx = sy = scale
                dx, dy = (self.width - in_w * scale) // 2, (self.height - in_h * scale) // 2
            elif self.crop_to_aspect_ratio:
                wider = in_w / in_h > self.width / self.height
                new_w = self.height * in_w / in_h if wider else self.width
                new_h = self.height if wider else self.width * in_h / in_w
                sx, sy = new_w / in_w, new_h / in_h
                dx, dy = -((new_w - self.width) // 2), -((new_h - self.height) // 2)
            else:
                sx, sy, dx, dy = self.width / in_w, self.height / in_h, 0.0, 0.0
            moved = xyxy * np.asarray([sx, sy, sx, sy]) + np.asarray([dx, dy, dx, dy])
            return np.where(padding[..., None], 0.0, moved).astype(xyxy.dtype)

        return box_utils.transform_boxes(self, bounding_boxes, move, (in_h, in_w),
                                         (self.height, self.width))

    def compute_output_shape(self, input_shape):
        return resized_shape(input_shape, self.data_format, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}
