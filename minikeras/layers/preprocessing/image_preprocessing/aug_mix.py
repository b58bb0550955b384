"""AugMix: mix an image with several randomly augmented copies of itself (Hendrycks et al.
2019, https://arxiv.org/abs/1912.02781), as Keras's `keras.layers.AugMix`."""
import numpy as np

from minikeras import random
from minikeras.layers.preprocessing.image_preprocessing.policy_transforms import (
    AUG_MIX_NAMES, PolicyAugmentationLayer, check_policy_arguments)
from minikeras.ops import cast, clip, zeros_like
from minikeras.registry.layer_classes import register_layer

_BASIC_OPS = 7  # all_ops=False: AUG_MIX_NAMES[:7], without the four colour augmentations


@register_layer
class AugMix(PolicyAugmentationLayer):
    """While training: `num_chains` chains each apply up to `chain_depth` augmentations (each
    step picks uniformly among the augmentations and "none", with its own per-image random
    parameters) to the whole batch; the chains' outputs are averaged with Dirichlet(alpha)
    weights w, and the result mixed with the original by m ~ Beta(alpha, alpha):
    out = clip(m * x + (1 - m) * sum_c w_c chain_c(x), value_range). Identity with
    training=False.

    The augmentations (Keras's list; see `policy_transforms`): random_shear,
    random_translation, random_rotation, random_posterization, solarization, auto_contrast,
    equalization and, with all_ops=True, random_brightness, random_color_degeneration,
    random_contrast, random_sharpness. The transformation is {"chain_mixing_weights":
    (num_chains,), "weight_sample": (), "chain_transforms": [[{"layer_name", "transformation"},
    ...] per chain]} (Keras's layout). Labels and bounding boxes pass unchanged; segmentation
    masks are mixed like the images, following the geometric augmentations.

    Keras picks the chains' augmentations with Python's unseeded `random`; here they come from
    the layer's seeded stream, so a seed reproduces the whole transformation.

    Args:
        value_range: the images' (low, high) pixel range (default (0, 255)).
        num_chains: how many augmented copies are mixed (default 3).
        chain_depth: the most augmentations per chain (default 3).
        factor: a number f in [0, 1] (the range (0, f)) or a pair: the augmentations'
            strength (default 0.3).
        alpha: the Beta and Dirichlet distributions' parameter (default 1.0).
        all_ops: also use the four colour augmentations (default True).
        interpolation: "bilinear" or "nearest", for the geometric augmentations.
        seed: integer for a reproducible random stream.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_policy_arguments("AugMix", interpolation, num_chains=num_chains,
                               chain_depth=chain_depth)
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops
        self.augment_names = AUG_MIX_NAMES if all_ops else AUG_MIX_NAMES[:_BASIC_OPS]
        self.set_policy_arguments(value_range, factor, interpolation, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        shape = self.batch_shape_of(data)
        seed = self.seed_for(seed)
        gammas = random.gamma((self.num_chains,), self.alpha, seed=seed).numpy()
        chain_mixing_weights = gammas / gammas.sum(axis=-1, keepdims=True)
        weight_sample = random.beta((), self.alpha, self.alpha, seed=seed).numpy()
        # index len(names) stands for "no augmentation at this step", as Keras's None choice
        picks = random.randint((self.num_chains, self.chain_depth), 0,
                               len(self.augment_names) + 1, seed=seed).numpy()
        chain_transforms = [[{"layer_name": self.augment_names[i],
                              "transformation": self.augmentations.draw(
                                  self.augment_names[i], shape, seed)}
                             for i in row if i < len(self.augment_names)] for row in picks]
        return {"chain_mixing_weights": chain_mixing_weights,
                "weight_sample": weight_sample, "chain_transforms": chain_transforms}

    def _mix(self, values, transformation, apply):
        weights = np.asarray(transformation["chain_mixing_weights"], "float32")
        sample = cast(np.asarray(transformation["weight_sample"], "float32"), values.dtype)
        mixed = zeros_like(values)
        for weight, chain in zip(weights, transformation["chain_transforms"]):
            copy = values
            for step in chain:
                copy = apply(step["layer_name"], copy, step["transformation"])
            mixed = mixed + copy * cast(weight, values.dtype)
        return sample * values + (1.0 - sample) * mixed

    def transform_images(self, images, transformation, training=True):
        images = cast(images, self.dtype)
        if not training or transformation is None:
            return images
        mixed = self._mix(images, transformation, self.augmentations.apply)
        return clip(mixed, self.value_range[0], self.value_range[1])

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._mix(cast(segmentation_masks, self.dtype), transformation,
                         self.augmentations.apply_to_masks)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation, "seed": self.seed}
