"""RandAugment: apply `num_ops` augmentations picked at random from a fixed list (Cubuk et al.
2019, https://arxiv.org/abs/1909.13719), as Keras's `keras.layers.RandAugment`."""
from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.policy_transforms import (
    RAND_AUGMENT_NAMES, PolicyAugmentationLayer, check_policy_arguments)
from minikeras.ops import cast
from minikeras.registry.layer_classes import register_layer


@register_layer
class RandAugment(PolicyAugmentationLayer):
    """While training, `num_ops` augmentations are picked (uniformly, with repetition, the same
    picks for the whole batch) from Keras's list - random_shear, random_translation,
    random_rotation, random_brightness, random_color_degeneration, random_contrast,
    random_sharpness, random_posterization, solarization, auto_contrast, equalization (see
    `policy_transforms` for what each does with `factor`) - and applied in turn, each with its
    own per-image random parameters. Identity with training=False.

    The transformation is {"layer_idxes": (num_ops,) ints into that list, "transforms":
    {name: that augmentation's parameters}} (Keras's layout). Segmentation masks follow the
    geometric augmentations; labels pass unchanged; bounding boxes are not supported.

    Args:
        value_range: the images' (low, high) pixel range (default (0, 255)).
        num_ops: how many augmentations to apply (default 2).
        factor: a number f in [0, 1] (the range (0, f)) or a pair: the augmentations'
            strength (default 0.5).
        interpolation: "bilinear" or "nearest", for the geometric augmentations.
        seed: integer for a reproducible random stream.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_policy_arguments("RandAugment", interpolation, num_ops=num_ops)
        self.num_ops = num_ops
        self.set_policy_arguments(value_range, factor, interpolation, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        shape = self.batch_shape_of(data)
        seed = self.seed_for(seed)
        layer_idxes = random.randint((self.num_ops,), 0, len(RAND_AUGMENT_NAMES), seed=seed)
        transforms = {name: self.augmentations.draw(name, shape, seed)
                      for name in RAND_AUGMENT_NAMES}
        return {"transforms": transforms, "layer_idxes": layer_idxes}

    def _picked(self, transformation):
        indices = transformation["layer_idxes"]
        indices = indices.numpy() if hasattr(indices, "numpy") else indices
        return [RAND_AUGMENT_NAMES[int(i)] for i in list(indices)[:self.num_ops]]

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        for name in self._picked(transformation):
            images = self.augmentations.apply(name, images, transformation["transforms"][name])
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        for name in self._picked(transformation):
            segmentation_masks = self.augmentations.apply_to_masks(
                name, segmentation_masks, transformation["transforms"][name])
        return segmentation_masks

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation, "seed": self.seed}
