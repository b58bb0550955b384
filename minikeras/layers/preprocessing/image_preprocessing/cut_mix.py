"""CutMix: paste a random box of another image of the batch into each image and mix the labels
by the pasted area (Yun et al. 2019, https://arxiv.org/abs/1905.04899), as Keras's
`keras.layers.CutMix`."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.image_preprocessing.box_masks import box_masks, crop_bounds
from minikeras.layers.regularization.validation import validate_seed
from minikeras.ops import arange, cast, reshape, take, where
from minikeras.registry.layer_classes import register_layer


@register_layer
class CutMix(BaseImagePreprocessingLayer):
    """While training, each image i gets a box of image p(i) (p a random permutation of the
    batch) pasted in, and its label becomes w_i * label_i + (1 - w_i) * label_p(i), with w_i = 1
    - (box area / image area). The box's sides are sqrt(1 - lambda_i) times the image's, with
    lambda_i ~ Beta(a, a) and a ~ Uniform(factor) (+1e-6), at a uniform position inside the
    image. Identity with training=False and for one (unbatched) image.

    Dict inputs: "labels" are mixed, "segmentation_masks" get the same boxes pasted (keeping
    their dtype and channel count); bounding
    boxes are not supported (as in Keras). The transformation is {"permutation_order": (batch,)
    ints, "batch_masks": booleans shaped like the images, "mix_weight": (batch, 1, 1, 1)}
    (Keras's layout).

    Args:
        factor: a number f in [0, 1] (the range (0, f)) or a pair: the range of the Beta
            distribution's parameter (default 1.0).
        seed: integer for a reproducible random stream.
        data_format: "channels_last" or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.set_seed(validate_seed(seed))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        if len(images.shape) == 3:
            return None
        shape = tuple(images.shape)
        batch_size = shape[0]
        height, width = shape[1:3] if self.data_format == "channels_last" else shape[2:4]
        seed = self.seed_for(seed)
        alpha = random.uniform((), self.factor[0], self.factor[1], seed=seed).numpy() + 1e-6
        lam = random.beta((batch_size,), alpha, alpha, seed=seed).numpy()
        ratio = np.sqrt(1.0 - lam)
        x0, x1 = crop_bounds(batch_size, width, ratio, seed)
        y0, y1 = crop_bounds(batch_size, height, ratio, seed)
        masks = box_masks(shape, (x0, x1, y0, y1), self.data_format)
        mix_weight = (1.0 - (x1 - x0) * (y1 - y0) / (width * height)).astype("float32")
        permutation_order = random.shuffle(arange(batch_size, dtype="int32"), seed=seed)
        return {"permutation_order": permutation_order, "batch_masks": masks,
                "mix_weight": mix_weight.reshape(-1, 1, 1, 1)}

    def transform_images(self, images, transformation=None, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        partner = take(images, transformation["permutation_order"], axis=0)
        return where(transformation["batch_masks"], partner, images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        weight = reshape(transformation["mix_weight"], (-1, 1))
        partner = take(labels, transformation["permutation_order"], axis=0)
        return weight * labels + (1.0 - weight) * partner

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """The images' boxes pasted into the masks (whose channel count may differ from the
        images': Keras's torch backend broadcasts them to the images' channels instead)."""
        if not training or transformation is None:
            return segmentation_masks
        boxes = np.asarray(transformation["batch_masks"])
        boxes = boxes[..., :1] if self.data_format == "channels_last" else boxes[:, :1]
        partner = take(segmentation_masks, transformation["permutation_order"], axis=0)
        return where(boxes, partner, segmentation_masks)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
