"""Keras reference cases of the geometric image layers (Resizing, CenterCrop, RandomFlip,
RandomCrop, RandomRotation, RandomZoom, RandomTranslation).

Each case is (layer class name, constructor kwargs, how to call it). Random layers are pinned
with a degenerate factor range (a, a), which draws exactly a, or with an explicit
transformation in Keras's layout. Record Keras's outputs with the reference venv:

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/layers/keras_geometric_image_cases.py

which writes tests/data/keras_reference/geometric_image_layers.npz; test_geometric_image_layers.py
compares minikeras against it.
"""
import os

import numpy as np

IMAGES = np.random.default_rng(0).uniform(0, 255, (2, 7, 8, 3)).astype("float32")
BOXES = np.array([[[1.0, 2.0, 5.0, 6.0], [0.0, 0.0, 8.0, 7.0]],
                  [[2.5, 1.0, 7.5, 3.0], [0.0, 0.0, 0.0, 0.0]]], dtype="float32")
LABELS = np.array([[1, 2], [3, -1]], dtype="int32")

#: name -> (layer class, kwargs, mode, extra); mode "call" (training=True), "flips"
#: (transform_images with per-image flips `extra`), "crop" (transform_images at (top, left)
#: `extra`), "dict" (transform_images with the transformation dict `extra`), "boxes" (a
#: dict call with BOXES in xyxy), "cf" (channels_first input), "uint8".
CASES = {
    "resize_bilinear": ("Resizing", {"height": 4, "width": 5}, "call", None),
    "resize_up_nearest": ("Resizing", {"height": 10, "width": 6, "interpolation": "nearest"},
                          "call", None),
    "resize_bicubic": ("Resizing", {"height": 5, "width": 11, "interpolation": "bicubic"},
                       "call", None),
    "resize_antialias": ("Resizing", {"height": 3, "width": 3, "antialias": True}, "call",
                         None),
    "resize_crop_aspect": ("Resizing", {"height": 4, "width": 4,
                                        "crop_to_aspect_ratio": True}, "call", None),
    "resize_pad_aspect": ("Resizing", {"height": 4, "width": 8, "pad_to_aspect_ratio": True,
                                       "fill_value": 1.0}, "call", None),
    "resize_channels_first": ("Resizing", {"height": 4, "width": 3,
                                           "data_format": "channels_first"}, "cf", None),
    "resize_uint8": ("Resizing", {"height": 4, "width": 5}, "uint8", None),
    "resize_boxes": ("Resizing", {"height": 14, "width": 4, "bounding_box_format": "xyxy"},
                     "boxes", None),
    "resize_boxes_crop": ("Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True,
                                       "bounding_box_format": "xyxy"}, "boxes", None),
    "resize_boxes_pad": ("Resizing", {"height": 4, "width": 4, "pad_to_aspect_ratio": True,
                                      "bounding_box_format": "xyxy"}, "boxes", None),
    "center_crop": ("CenterCrop", {"height": 4, "width": 5}, "call", None),
    "center_crop_up": ("CenterCrop", {"height": 9, "width": 10}, "call", None),
    "center_crop_mixed": ("CenterCrop", {"height": 4, "width": 10}, "call", None),
    "center_crop_channels_first": ("CenterCrop", {"height": 2, "width": 3,
                                                  "data_format": "channels_first"}, "cf", None),
    "center_crop_uint8": ("CenterCrop", {"height": 4, "width": 5}, "uint8", None),
    "center_crop_boxes": ("CenterCrop", {"height": 4, "width": 5,
                                         "bounding_box_format": "xyxy"}, "boxes", None),
    "flip_both": ("RandomFlip", {}, "flips", [True, False]),
    "flip_horizontal": ("RandomFlip", {"mode": "horizontal"}, "flips", [False, True]),
    "flip_vertical": ("RandomFlip", {"mode": "vertical"}, "flips", [True, True]),
    "random_crop_at": ("RandomCrop", {"height": 3, "width": 4}, "crop", (2, 3)),
    "random_crop_center_path": ("RandomCrop", {"height": 7, "width": 5}, "call", None),
    "random_crop_upsize": ("RandomCrop", {"height": 9, "width": 9}, "call", None),
    "rotation_reflect": ("RandomRotation", {"factor": (0.1, 0.1)}, "call", None),
    "rotation_constant": ("RandomRotation", {"factor": (-0.3, -0.3), "fill_mode": "constant",
                                             "fill_value": 7.0}, "call", None),
    "rotation_nearest_wrap": ("RandomRotation", {"factor": (0.25, 0.25), "fill_mode": "wrap",
                                                 "interpolation": "nearest"}, "call", None),
    "rotation_nearest_fill": ("RandomRotation", {"factor": (0.2, 0.2),
                                                 "fill_mode": "nearest"}, "call", None),
    "rotation_channels_first": ("RandomRotation", {"factor": (0.1, 0.1),
                                                   "data_format": "channels_first"}, "cf",
                                None),
    "zoom_out": ("RandomZoom", {"height_factor": (0.3, 0.3)}, "call", None),
    "zoom_in_width": ("RandomZoom", {"height_factor": (-0.2, -0.2),
                                     "width_factor": (0.4, 0.4), "fill_mode": "constant"},
                      "call", None),
    "translation": ("RandomTranslation", {"height_factor": (0.2, 0.2),
                                          "width_factor": (-0.3, -0.3)}, "call", None),
    "translation_constant": ("RandomTranslation", {"height_factor": (-0.4, -0.4),
                                                   "width_factor": (0.1, 0.1),
                                                   "fill_mode": "constant",
                                                   "interpolation": "nearest"}, "call", None),
    "translation_boxes": ("RandomTranslation", {"height_factor": (0.2, 0.2),
                                                "width_factor": (-0.25, -0.25),
                                                "bounding_box_format": "xyxy"}, "boxes", None),
    "rotation_boxes": ("RandomRotation", {"factor": (0.05, 0.05),
                                          "bounding_box_format": "xyxy"}, "boxes", None),
    "zoom_boxes": ("RandomZoom", {"height_factor": (0.3, 0.3), "width_factor": (-0.2, -0.2),
                                  "bounding_box_format": "xyxy"}, "boxes", None),
    "center_crop_up_boxes": ("CenterCrop", {"height": 9, "width": 10,
                                            "bounding_box_format": "xyxy"}, "boxes", None),
    "flip_boxes": ("RandomFlip", {"bounding_box_format": "xyxy", "seed": 3}, "boxes", None),
    "shear": ("RandomShear", {"x_factor": 0.3, "y_factor": 0.2}, "dict",
              {"shear_factor": [[0.3, -0.1], [-0.2, 0.15]]}),
    "shear_constant_nearest": ("RandomShear", {"x_factor": 0.5, "fill_mode": "constant",
                                               "interpolation": "nearest"}, "dict",
                               {"shear_factor": [[0.5, 0.0], [-0.4, 0.0]]}),
    "zoom_dict": ("RandomZoom", {"height_factor": 0.5, "width_factor": 0.5}, "dict",
                  {"height_zoom": [[1.3], [0.7]], "width_zoom": [[0.9], [1.2]]}),
    "perspective": ("RandomPerspective", {"fill_value": 2.0}, "dict",
                    {"apply_perspective": [True, False],
                     "start_points": [[[0, 0], [7, 0], [0, 6], [7, 6]]] * 2,
                     "end_points": [[[0, 0], [8, 1], [0.5, 5], [6, 7]],
                                    [[0, 0], [6, 0], [0, 5], [6, 5]]]}),
    "perspective_nearest": ("RandomPerspective", {"interpolation": "nearest"}, "dict",
                            {"apply_perspective": [True, True],
                             "start_points": [[[0, 0], [7, 0], [0, 6], [7, 6]]] * 2,
                             "end_points": [[[1, 0], [7, 1], [0, 6], [7.5, 5]],
                                            [[0, 0], [6, 0], [0, 5], [6, 5]]]}),
    "max_boxes_pad": ("MaxNumBoundingBoxes", {"max_number": 3, "bounding_box_format": "xyxy"},
                      "boxes", None),
    "max_boxes_cut": ("MaxNumBoundingBoxes", {"max_number": 1, "fill_value": 0,
                                              "bounding_box_format": "xyxy"}, "boxes", None),
}


def inputs_for(mode):
    if mode == "cf":
        return np.transpose(IMAGES, (0, 3, 1, 2))
    if mode == "uint8":
        return IMAGES.astype("uint8")
    return IMAGES


def run_case(layers_module, name, convert=np.asarray):
    """Outputs of one case as a dict of arrays (works with keras.layers or minikeras.layers)."""
    cls_name, kwargs, mode, extra = CASES[name]
    layer = getattr(layers_module, cls_name)(**kwargs)
    x = inputs_for(mode)
    if mode == "flips":
        flips = np.array(extra).reshape(-1, 1, 1, 1)
        out = layer.transform_images(convert(x), {"flips": convert(flips),
                                                  "input_shape": x.shape})
        return {"images": np.asarray(out)}
    if mode == "dict":
        transformation = {key: convert(np.asarray(value, dtype="bool" if key.startswith(
            "apply") else "float32")) for key, value in extra.items()}
        return {"images": np.asarray(layer.transform_images(convert(x), transformation))}
    if mode == "crop":
        return {"images": np.asarray(layer.transform_images(convert(x), extra))}
    if mode == "boxes":
        out = layer({"images": x, "bounding_boxes": {"boxes": BOXES, "labels": LABELS}},
                    training=True)
        result = {"images": np.asarray(out["images"]),
                  "boxes": np.asarray(out["bounding_boxes"]["boxes"])}
        if "labels" in out["bounding_boxes"]:
            result["labels"] = np.asarray(out["bounding_boxes"]["labels"])
        return result
    return {"images": np.asarray(layer(x, training=True))}


if __name__ == "__main__":
    import keras
    from keras import ops

    path = os.path.join(os.path.dirname(__file__), "..", "data", "keras_reference",
                        "geometric_image_layers.npz")
    arrays = {}
    for case in CASES:
        if case == "flip_boxes":
            continue  # random: checked for consistency in the tests, not against Keras's draw
        for key, value in run_case(keras.layers, case, ops.convert_to_tensor).items():
            arrays[f"{case}/{key}"] = np.asarray(ops.convert_to_numpy(value))
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(arrays)} arrays to {path}")
