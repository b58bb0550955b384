"""Writes keras3_color_layers.npz (next to this file) with real Keras 3.15.1, for
tests/layers/test_image_color_layers.py:

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_color_layers.py

Each case of `CASES` runs one colour image layer on one of `inputs()`: a full call when the
case has no transformation (the layer is deterministic, or its factor range is a single value),
otherwise `layer.transform_images(x, transformation)` with the transformation given in Keras's
layout, so that random layers are pinned without Keras's random numbers. The file holds each
case's output under its id.
"""
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def inputs():
    """The named test images (float32 unless named int)."""
    rng = np.random.default_rng(0)
    rgb255 = (rng.random((2, 5, 6, 3)) * 255).astype("float32")
    flat = rgb255[:1, :4, :4].copy()
    flat[..., 1] = 77.0  # a constant channel
    big = (rng.random((2, 16, 20, 3)) ** 2 * 255).astype("float32")
    return {"rgb255": rgb255, "rgb01": rgb255 / 255.0,
            "rgb255_cf": np.transpose(rgb255, (0, 3, 1, 2)).copy(),
            "rgb01_cf": np.transpose(rgb255 / 255.0, (0, 3, 1, 2)).copy(),
            "int255": rng.integers(0, 256, (2, 5, 6, 3)).astype("int32"),
            "flat": flat, "big": big, "big01": big / 255.0,
            "big_cf": np.transpose(big, (0, 3, 1, 2)).copy()}


def _per_image(*values):
    return np.array(values, dtype="float32").reshape(-1, 1, 1, 1)


CF = "channels_first"
#: (id, layer class name, constructor arguments, input name, transformation or None)
CASES = [
    ("brightness_delta", "RandomBrightness", {"factor": 0.2}, "rgb255",
     {"rgb_delta": _per_image(30.0, -50.0)}),
    ("brightness_fixed_range01", "RandomBrightness",
     {"factor": (0.3, 0.3), "value_range": (0, 1)}, "rgb01", None),
    ("brightness_int", "RandomBrightness", {"factor": 0.2}, "int255",
     {"rgb_delta": _per_image(20.7, -3.2)}),
    ("contrast", "RandomContrast", {"factor": 0.5}, "rgb255",
     {"contrast_factor": _per_image(1.4, 0.6)}),
    ("contrast_cf01", "RandomContrast", {"factor": 0.5, "value_range": (0, 1),
                                         "data_format": CF}, "rgb01_cf",
     {"contrast_factor": _per_image(1.7, 0.2)}),
    ("contrast_zero", "RandomContrast", {"factor": 0.0}, "rgb255", None),
    ("grayscale", "RandomGrayscale", {"factor": 1.0}, "rgb255", None),
    ("grayscale_cf", "RandomGrayscale", {"factor": 1.0, "data_format": CF}, "rgb255_cf", None),
    ("grayscale_int", "RandomGrayscale", {"factor": 1.0}, "int255", None),
    ("hue", "RandomHue", {"factor": 0.5}, "rgb255",
     {"factor": np.array([0.1, -0.2], "float32")}),
    ("hue_cf01", "RandomHue", {"factor": 0.5, "value_range": (0, 1), "data_format": CF},
     "rgb01_cf", {"factor": np.array([0.25, -0.05], "float32")}),
    ("saturation01", "RandomSaturation", {"factor": 0.5, "value_range": (0, 1)}, "rgb01",
     {"factor": np.array([0.5, 2.0], "float32")}),
    ("saturation_cf01", "RandomSaturation", {"factor": 0.5, "value_range": (0, 1),
                                             "data_format": CF}, "rgb01_cf",
     {"factor": np.array([0.0, 3.0], "float32")}),
    ("saturation_fixed", "RandomSaturation", {"factor": (0.5, 0.5), "value_range": (0, 1)},
     "rgb01", None),
    ("solarization_default", "Solarization", {}, "rgb255", None),
    ("solarization01", "Solarization", {"value_range": (0, 1)}, "rgb01",
     {"additions": _per_image(10.0, 0.0), "thresholds": _per_image(128.0, 200.0)}),
    ("solarization_int", "Solarization", {}, "int255",
     {"additions": _per_image(10.0, 0.0), "thresholds": _per_image(128.0, 200.0)}),
    ("autocontrast", "AutoContrast", {}, "rgb255", None),
    ("autocontrast01", "AutoContrast", {"value_range": (0, 1)}, "rgb01", None),
    ("autocontrast_flat", "AutoContrast", {}, "flat", None),
    ("autocontrast_int", "AutoContrast", {}, "int255", None),
    ("degeneration", "RandomColorDegeneration", {"factor": 0.5}, "rgb255",
     {"factor": _per_image(0.3, -0.5)}),
    ("degeneration_cf", "RandomColorDegeneration", {"factor": 0.5, "data_format": CF},
     "rgb255_cf", {"factor": _per_image(0.9, -0.2)}),
    ("invert", "RandomInvert", {}, "rgb255", {"apply_inversion": np.array([True, False])}),
    ("invert01", "RandomInvert", {"value_range": (0, 1)}, "rgb01",
     {"apply_inversion": np.array([False, True])}),
    ("invert_never", "RandomInvert", {"factor": 0.0}, "rgb255", None),
    ("posterization_fixed", "RandomPosterization", {"factor": (3, 3)}, "rgb255", None),
    ("posterization01", "RandomPosterization", {"factor": 4, "value_range": (0, 1)}, "rgb01",
     {"shift_factor": np.array([2, 6], "uint8")}),
    ("sharpness", "RandomSharpness", {"factor": 0.5}, "rgb255",
     {"factor": np.array([0.2, 0.9], "float32")}),
    ("sharpness_cf", "RandomSharpness", {"factor": 0.5, "data_format": CF}, "rgb255_cf",
     {"factor": np.array([0.0, 1.0], "float32")}),
    ("equalization_int", "Equalization", {}, "int255", None),
    ("equalization01", "Equalization", {"value_range": (0, 1)}, "rgb01", None),
    ("equalization_bins", "Equalization", {"bins": 16}, "rgb255", None),
    ("equalization_cf", "Equalization", {"data_format": CF}, "rgb255_cf", None),
    ("equalization_flat", "Equalization", {}, "flat", None),
    ("jitter_fixed", "RandomColorJitter", {"brightness_factor": (0.1, 0.1),
                                           "contrast_factor": 0.0,
                                           "saturation_factor": (0.5, 0.5), "hue_factor": 0.0,
                                           "value_range": (0, 1)}, "rgb01", None),
    ("clahe", "ContrastLimitedAdaptiveHistogramEqualization", {}, "big", None),
    ("clahe_grid4", "ContrastLimitedAdaptiveHistogramEqualization",
     {"clip_limit": 2.0, "tile_grid_size": (4, 4)}, "big", None),
    ("clahe_noclip01", "ContrastLimitedAdaptiveHistogramEqualization",
     {"clip_limit": 0, "tile_grid_size": (2, 3), "value_range": (0, 1)}, "big01", None),
    ("clahe_cf", "ContrastLimitedAdaptiveHistogramEqualization",
     {"tile_grid_size": (3, 3), "data_format": CF}, "big_cf", None),
]


def main():
    import keras

    images = inputs()
    results = {}
    for case_id, class_name, kwargs, input_name, transformation in CASES:
        layer = getattr(keras.layers, class_name)(**kwargs)
        x = images[input_name]
        if transformation is None:
            out = layer(x)
        else:
            draw = {key: keras.ops.convert_to_tensor(value)
                    for key, value in transformation.items()}
            out = layer.transform_images(keras.ops.convert_to_tensor(x), draw, training=True)
        results[case_id] = keras.ops.convert_to_numpy(out)
    np.savez(HERE / "keras3_color_layers.npz", **results)


if __name__ == "__main__":
    main()
