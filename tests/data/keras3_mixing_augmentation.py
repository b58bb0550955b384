"""Writes keras3_mixing_augmentation.json (next to this file) with real Keras 3.15.1, for
tests/layers/test_mixing_augmentation.py:

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_mixing_augmentation.py

The random layers' deterministic part: each case forces a transformation (in Keras's layout)
through the layer's transform_images / transform_labels, on fixed images and labels. Also the
layers' configs (default and non-default arguments) and a Pipeline's config.
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
    record_json = {"cases": cases, "configs": configs}
    (HERE / "keras3_mixing_augmentation.json").write_text(
        json.dumps(record_json, default=list))


if __name__ == "__main__":
    main()
