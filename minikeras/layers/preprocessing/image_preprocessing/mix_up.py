"""MixUp: blend each image (and its label) with another image of the batch (Zhang et al. 2017,
https://arxiv.org/abs/1710.09412), as Keras's `keras.layers.MixUp`."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.regularization.validation import validate_seed
from minikeras.ops import arange, cast, concatenate, reshape, take
from minikeras.registry.layer_classes import register_layer


@register_layer
class MixUp(BaseImagePreprocessingLayer):
    """While training, image i becomes w_i * image_i + (1 - w_i) * image_p(i), with p a random
    permutation of the batch and w_i ~ Beta(alpha, alpha); its label is mixed the same way (so
    one-hot labels keep summing to 1). Identity with training=False.

    Dict inputs: "labels" (batch, classes) are mixed, "segmentation_masks" blended with their
    partner masks (batch axis; Keras takes from the flattened masks instead), and
    "bounding_boxes" get the partner's boxes and box labels appended along axis 1 ((batch, n, 4)
    -> (batch, 2n, 4), (batch, n) -> (batch, 2n); Keras appends the labels along axis 0, which
    no longer lines up with the boxes). The transformation is {"mix_weight": (batch,), "permutation_order":
    (batch,) ints} (Keras's layout). Images come back in the layer's float dtype.

    Args:
        alpha: the Beta distribution's parameter: small values mix little (default 0.2).
        data_format: "channels_last" or "channels_first".
        seed: integer for a reproducible random stream.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self.set_seed(validate_seed(seed))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None  # draws nothing: the stream stays where training calls left it
        batch_size = self.batch_shape_of(data)[0]
        seed = self.seed_for(seed)
        permutation_order = random.shuffle(arange(batch_size, dtype="int64"), seed=seed)
        mix_weight = random.beta((batch_size,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": mix_weight, "permutation_order": permutation_order}

    def _mix(self, values, transformation, weight_shape):
        weight = cast(reshape(transformation["mix_weight"], weight_shape), self.dtype)
        partner = take(values, transformation["permutation_order"], axis=0)
        return weight * values + (1.0 - weight) * partner

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        return self._mix(cast(images, self.dtype), transformation, (-1, 1, 1, 1))

    def transform_labels(self, labels, transformation, training=True):
        return self._mix(labels, transformation, (-1, 1)) if training else labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self._mix(segmentation_masks, transformation, (-1, 1, 1, 1))

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        order = transformation["permutation_order"]
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        return {"boxes": concatenate([boxes, take(boxes, order, axis=0)], axis=1),
                "labels": concatenate([labels, take(labels, order, axis=0)], axis=1)}

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}
