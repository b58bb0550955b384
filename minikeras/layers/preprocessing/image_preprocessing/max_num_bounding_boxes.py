"""MaxNumBoundingBoxes: give every image exactly `max_number` bounding boxes."""
import numpy as np

from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.ops import convert_to_tensor
from minikeras.registry.layer_classes import register_layer


@register_layer
class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Cut or pad the bounding boxes of a dict input to `max_number` per image: boxes
    (batch, n, 4) -> (batch, max_number, 4) and labels (batch, n) -> (batch, max_number), the
    padding filled with `fill_value`. Images, labels and masks pass unchanged. Any box format
    (it is only padding); `bounding_box_format` must still be given, as in Keras.

    Args:
        max_number: the number of boxes per image.
        fill_value: the padding value of boxes and labels (default -1).
    """

    _USE_BASE_FACTOR = False

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes = np.asarray(convert_to_tensor(bounding_boxes["boxes"]).numpy())
        labels = np.asarray(convert_to_tensor(bounding_boxes["labels"]).numpy())
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = np.pad(boxes[:, :self.max_number], ((0, 0), (0, pad), (0, 0)),
                       constant_values=self.fill_value)
        labels = np.pad(labels[:, :self.max_number], ((0, 0), (0, pad)),
                        constant_values=self.fill_value)
        return dict(bounding_boxes, boxes=convert_to_tensor(boxes),
                    labels=convert_to_tensor(labels))

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(f"MaxNumBoundingBoxes: unsupported keys in `bounding_boxes`: "
                               f"{sorted(extra)}. Only `boxes` and `labels` are supported.")
            boxes = dict(input_shape["bounding_boxes"])
            boxes["boxes"] = (boxes["boxes"][0], self.max_number) + tuple(boxes["boxes"][2:])
            boxes["labels"] = (boxes["labels"][0], self.max_number)
            return dict(input_shape, bounding_boxes=boxes)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number}
