"""Writes keras3_mixing_augmentation.json (next to this file) with real Keras 3.15.1, for
tests/layers/test_mixing_augmentation.py:

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_mixing_augmentation.py

The random layers' deterministic part: each case forces a transformation (in Keras's layout)
through the layer's transform_images / transform_labels, on fixed images and labels. Also the
layers' configs (default and non-default arguments) and a Pipeline's config. For RandAugment
and AugMix: each of the eleven augmentations they pick from (their Keras sublayers) with forced
parameters, at value ranges (0, 255) and (0, 1), a forced RandAugment and AugMix
transformation, and RandomRotation's matrix for given angles.
"""
import json
import pathlib

import numpy as np

import keras

HERE = pathlib.Path(__file__).resolve().parent


def main():
    rng = np.random.default_rng(0)
    images = (rng.random((3, 5, 6, 2)) * 255).astype("float32")
    labels = np.eye(3, dtype="float32")[[0, 2, 1]]
    masks = np.zeros((3, 5, 6, 2), bool)
    masks[0, 1:3, 2:5] = True
    masks[2, 0:4, 0:2] = True
    cases = {}

    def record(name, layer, transformation, images=images):
        out = layer.transform_images(images, transformation)
        lab = layer.transform_labels(labels, transformation)
        cases[name] = {
            "config": layer.get_config(), "images": images.tolist(),
            "transformation": {k: np.asarray(keras.ops.convert_to_numpy(v)).tolist()
                               for k, v in transformation.items()},
            "output_images": keras.ops.convert_to_numpy(out).tolist(),
            "output_labels": keras.ops.convert_to_numpy(lab).tolist()}

    record("MixUp", keras.layers.MixUp(alpha=0.5, seed=3),
           {"mix_weight": np.array([0.25, 0.9, 0.6], "float32"),
            "permutation_order": np.array([2, 0, 1])})
    record("CutMix", keras.layers.CutMix(factor=0.7, seed=3),
           {"permutation_order": np.array([1, 2, 0]), "batch_masks": masks,
            "mix_weight": np.array([0.8, 1.0, 0.7333], "float32").reshape(-1, 1, 1, 1)})
    record("RandomErasing", keras.layers.RandomErasing(factor=0.5, fill_value=7.0),
           {"apply_erasing": np.array([True, True, False]), "batch_masks": masks,
            "fill_value": np.full(images.shape, 7.0, "float32")})
    record("RandomGaussianBlur", keras.layers.RandomGaussianBlur(kernel_size=(5, 5),
                                                                 sigma=(0.3, 0.9)),
           {"should_apply_blur": np.array([True, False, True]),
            "blur_factor": np.array([0.5, 0.8], "float32")})
    record("RandomGaussianBlur_channels_first",
           keras.layers.RandomGaussianBlur(kernel_size=5, value_range=(0, 100),
                                           data_format="channels_first"),
           {"should_apply_blur": np.array([True, True, False]),
            "blur_factor": np.array([0.9, 0.4], "float32")},
           images=np.transpose(images, (0, 3, 1, 2)))
    configs = {
        "MixUp": keras.layers.MixUp().get_config(),
        "CutMix": keras.layers.CutMix().get_config(),
        "CutMix_pair": keras.layers.CutMix(factor=(0.6, 0.2)).get_config(),
        "RandomErasing": keras.layers.RandomErasing().get_config(),
        "RandomErasing_args": keras.layers.RandomErasing(
            factor=0.3, scale=0.5, fill_value=(1, 2, 3), value_range=(0, 1)).get_config(),
        "RandomGaussianBlur": keras.layers.RandomGaussianBlur().get_config(),
        "RandomGaussianBlur_args": keras.layers.RandomGaussianBlur(
            factor=(0.2, 0.4), kernel_size=(3, 5), sigma=(0.5, 0.1)).get_config(),
        "Pipeline": keras.layers.Pipeline(
            [keras.layers.RandomErasing(seed=1), keras.layers.MixUp(alpha=0.3, seed=2)],
            name="augment").get_config(),
    }
    configs.update({
        "RandAugment": keras.layers.RandAugment().get_config(),
        "RandAugment_args": keras.layers.RandAugment(
            value_range=(0, 1), num_ops=3, factor=(0.2, 0.7), interpolation="nearest",
            seed=4).get_config(),
        "AugMix": keras.layers.AugMix().get_config(),
        "AugMix_args": keras.layers.AugMix(
            value_range=(0, 1), num_chains=2, chain_depth=4, factor=0.6, alpha=0.5,
            all_ops=False, interpolation="nearest", seed=4).get_config(),
    })
    record_json = {"cases": cases, "configs": configs, "policy": policy_cases(rng)}
    (HERE / "keras3_mixing_augmentation.json").write_text(
        json.dumps(record_json, default=list))


def policy_params():
    f32 = np.float32
    return {
        "random_shear": {"shear_factor": np.array([[0.2, -0.1], [-0.3, 0.25], [0.0, 0.4]], f32)},
        "random_translation": {"translations": np.array([[1.5, -0.7], [0, 2], [-2.2, 1]], f32)},
        "random_rotation": None,  # filled from Keras's matrix for ROTATION_ANGLES
        "random_brightness": {"rgb_delta": np.array([20, -15, 60], f32).reshape(3, 1, 1, 1)},
        "random_color_degeneration": {"factor": np.array([.2, .9, .5], f32).reshape(3, 1, 1, 1)},
        "random_contrast": {"contrast_factor": np.array([.6, 1.3, 1], f32).reshape(3, 1, 1, 1)},
        "random_sharpness": {"factor": np.array([0.1, 0.7, 0.45], f32)},
        "random_posterization": {"shift_factor": np.array([5, 7, 6], "uint8")},
        "solarization": {"additions": np.array([10, 0, 50], f32).reshape(3, 1, 1, 1),
                         "thresholds": np.array([100, 200, 30], f32).reshape(3, 1, 1, 1)},
        "auto_contrast": None,
        "equalization": None,
    }


ROTATION_ANGLES = [30.0, -75.0, 140.0]


def policy_cases(rng):
    images = (rng.random((3, 5, 6, 3)) * 255).astype("float32")
    images[1, :, :, 2] = 40.0  # one flat channel: auto_contrast and equalization keep it
    result = {"images": images.tolist(), "angles": ROTATION_ANGLES, "outputs": {}}
    for value_range in ((0, 255), (0, 1)):
        scaled = images if value_range == (0, 255) else images / 255.0
        layer = keras.layers.RandAugment(value_range=value_range, factor=0.5)
        params = policy_params()
        rotation = layer.random_rotation
        matrix = rotation._compute_affine_matrix(
            center_x=0.5, center_y=0.5,
            angle=keras.ops.convert_to_tensor(ROTATION_ANGLES),
            translate_x=keras.ops.zeros([3]), translate_y=keras.ops.zeros([3]),
            scale=keras.ops.ones([3]), shear_x=keras.ops.zeros([3]),
            shear_y=keras.ops.zeros([3]), height=5, width=6)
        params["random_rotation"] = {"rotation_matrix": keras.ops.convert_to_numpy(matrix)}
        result["rotation_matrix"] = params["random_rotation"]["rotation_matrix"].tolist()
        if value_range == (0, 1):  # brightness deltas are in pixel units
            params["random_brightness"]["rgb_delta"] = params["random_brightness"][
                "rgb_delta"] / 255.0
        params = {name: None if value is None else
                  {key: keras.ops.convert_to_tensor(v) for key, v in value.items()}
                  for name, value in params.items()}
        outputs = {}
        for name, value in params.items():
            out = getattr(layer, name).transform_images(keras.ops.convert_to_tensor(scaled),
                                                        value)
            outputs[name] = keras.ops.convert_to_numpy(out).tolist()
        # Keras's RandAugment runs every sublayer on each step and keeps the picked one, but
        # RandomBrightness adds its delta in place on torch tensors, so the images get every
        # step's delta whatever was picked: a zero delta keeps that bug out of the reference
        zero_delta = {"rgb_delta": keras.ops.zeros_like(params["random_brightness"]["rgb_delta"])}
        forced = {"layer_idxes": np.array([6, 0]),
                  "transforms": {**params, "random_brightness": zero_delta}}
        outputs["RandAugment"] = keras.ops.convert_to_numpy(
            layer.transform_images(keras.ops.convert_to_tensor(scaled), forced)).tolist()
        aug_mix = keras.layers.AugMix(value_range=value_range, factor=0.5)
        chains = {"chain_mixing_weights": np.array([0.5, 0.2, 0.3], "float32"),
                  "weight_sample": np.float32(0.4),
                  "chain_transforms": [
                      [{"layer_name": "random_contrast",
                        "transformation": params["random_contrast"]},
                       {"layer_name": "random_translation",
                        "transformation": params["random_translation"]}],
                      [],
                      [{"layer_name": "solarization", "transformation": params["solarization"]}],
                  ]}
        outputs["AugMix"] = keras.ops.convert_to_numpy(
            aug_mix.transform_images(keras.ops.convert_to_tensor(scaled), chains)).tolist()
        result["outputs"][str(value_range[1])] = outputs
    return result


if __name__ == "__main__":
    main()
