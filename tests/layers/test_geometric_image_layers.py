"""Geometric image layers (Resizing, CenterCrop, RandomFlip, RandomCrop, RandomRotation,
RandomZoom, RandomTranslation): values pinned against Keras 3.15 (recorded by
keras_geometric_image_cases.py), and the random layers' seeding, inference identity, shapes,
dtypes and bounding boxes."""
import os

import numpy as np
import pytest

from minikeras import layers
from minikeras.models import Model
from tests.layers.keras_geometric_image_cases import BOXES, CASES, IMAGES, LABELS, run_case

REFERENCE = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "keras_reference",
                                 "geometric_image_layers.npz"))
PINNED = sorted({key.split("/")[0] for key in REFERENCE.files})


@pytest.mark.parametrize("case", PINNED)
def test_matches_keras(case):
    got = run_case(layers, case)
    for key, value in got.items():
        want = REFERENCE[f"{case}/{key}"]
        assert value.shape == want.shape, (key, value.shape, want.shape)
        assert value.dtype == want.dtype, (key, value.dtype, want.dtype)
        # torch resizes uint8 images in 8-bit fixed point: values at .5 may round either way
        atol = 1 if value.dtype == np.uint8 else 1e-3
        np.testing.assert_allclose(value, want, rtol=1e-4, atol=atol, err_msg=key)


def test_every_case_is_pinned_but_the_random_one():
    assert set(CASES) - set(PINNED) == {"flip_boxes"}


RANDOM_LAYERS = [
    lambda seed: layers.RandomFlip(seed=seed),
    lambda seed: layers.RandomCrop(4, 5, seed=seed),
    lambda seed: layers.RandomRotation(0.2, seed=seed),
    lambda seed: layers.RandomZoom(0.3, 0.2, seed=seed),
    lambda seed: layers.RandomTranslation(0.3, 0.3, seed=seed),
    lambda seed: layers.RandomShear(0.3, 0.3, seed=seed),
    lambda seed: layers.RandomPerspective(seed=seed),
    lambda seed: layers.RandomElasticTransform(seed=seed),
]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_same_seed_same_output_and_new_draws_each_call(make):
    first, again = make(7), make(7)
    a, b = first(IMAGES).numpy(), again(IMAGES).numpy()
    np.testing.assert_array_equal(a, b)
    draws = [first(IMAGES).numpy() for _ in range(4)]
    assert any(not np.array_equal(a, d) for d in draws)


@pytest.mark.parametrize("make", RANDOM_LAYERS[:1] + RANDOM_LAYERS[2:])
def test_training_false_is_identity(make):
    np.testing.assert_array_equal(make(1)(IMAGES, training=False).numpy(), IMAGES)


def test_random_crop_returns_the_input_at_inference_like_keras_3():
    layer = layers.RandomCrop(4, 5, seed=1)
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    assert layer(IMAGES).shape == (2, 4, 5, 3)
    assert layer.compute_output_shape((None, 7, 8, 3)) == (None, 4, 5, 3)


def test_random_crop_window_is_inside_the_image():
    layer = layers.RandomCrop(3, 4, seed=2)
    for _ in range(10):
        out = layer(IMAGES).numpy()
        hits = [(t, l) for t in range(5) for l in range(5)
                if np.array_equal(IMAGES[:, t:t + 3, l:l + 4], out)]
        assert len(hits) == 1


def test_flip_draws_per_image_and_is_a_flip():
    layer = layers.RandomFlip("horizontal", seed=0)
    images = np.repeat(IMAGES[:1], 64, axis=0)
    out = layer(images).numpy()
    flipped = np.all(out == images[:, :, ::-1], axis=(1, 2, 3))
    kept = np.all(out == images, axis=(1, 2, 3))
    assert np.all(flipped | kept) and 10 < flipped.sum() < 54


def test_rotation_angles_stay_in_range_and_a_half_turn_is_exact():
    layer = layers.RandomRotation((0.5, 0.5), interpolation="nearest")
    np.testing.assert_allclose(layer(IMAGES).numpy(), IMAGES[:, ::-1, ::-1], atol=1e-4)
    draws = layers.RandomRotation(0.1, seed=3).get_random_transformation(IMAGES)["angle"]
    assert np.all(np.abs(draws) <= 36.0)


def test_one_image_and_dtypes():
    for layer in (layers.RandomZoom(0.2, seed=1), layers.RandomFlip(seed=1),
                  layers.CenterCrop(3, 3), layers.Resizing(3, 3), layers.RandomCrop(3, 3)):
        out = layer(IMAGES[0])
        assert out.ndim == 3 and str(out.dtype) == "float32"
    assert str(layers.Resizing(3, 3)(IMAGES.astype("uint8")).dtype) == "uint8"
    assert str(layers.RandomFlip()(IMAGES.astype("uint8")).dtype) == "float32"


def test_in_a_model_predict_does_not_augment():
    inputs = layers.Input((7, 8, 3))
    x = layers.RandomRotation(0.3)(layers.RandomFlip()(inputs))
    model = Model(inputs, layers.Resizing(4, 4)(x))
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0),
                               layers.Resizing(4, 4)(IMAGES).numpy(), rtol=1e-6)


def test_flip_moves_boxes_with_the_image():
    layer = layers.RandomFlip("horizontal", bounding_box_format="xyxy", seed=5)
    transformation = {"flips": np.array([True, False]).reshape(2, 1, 1, 1),
                      "input_shape": IMAGES.shape}
    out = layer.transform_bounding_boxes({"boxes": BOXES, "labels": LABELS}, transformation)
    np.testing.assert_allclose(out["boxes"].numpy()[0], [[3, 2, 7, 6], [0, 0, 8, 7]])
    np.testing.assert_allclose(out["boxes"].numpy()[1], BOXES[1])


def test_rotation_boxes_bound_the_turned_corners():
    layer = layers.RandomRotation((0.25, 0.25), bounding_box_format="xyxy")
    boxes = np.array([[[2.0, 2.0, 4.0, 3.0]]], dtype="float32")
    out = layer({"images": np.zeros((1, 7, 7, 1), "float32"),
                 "bounding_boxes": {"boxes": boxes, "labels": np.array([[1]])}})
    # a quarter turn counter-clockwise about (3, 3): (x, y) -> (y, 6 - x)
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), [[[2, 2, 3, 4]]],
                               atol=1e-5)


def test_box_formats_round_trip():
    layer = layers.Resizing(14, 16, bounding_box_format="center_xywh")
    boxes = np.array([[[3.0, 4.0, 2.0, 2.0]]], dtype="float32")
    out = layer({"images": IMAGES[:1], "bounding_boxes": {"boxes": boxes,
                                                           "labels": np.array([[0]])}})
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), [[[6, 8, 4, 4]]])


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
    (lambda: layers.RandomZoom(0.1, interpolation="bicubic"), "interpolation"),
    (lambda: layers.RandomZoom(-1.0), "height_factor"),
    (lambda: layers.RandomTranslation(0.1, 1.5), "width_factor"),
    (lambda: layers.RandomFlip("diagonal"), "mode"),
    (lambda: layers.RandomRotation(2.0), "factor"),
    (lambda: layers.RandomShear(x_factor=-0.2), "x_factor"),
    (lambda: layers.RandomPerspective(scale=1.5), "scale"),
    (lambda: layers.RandomElasticTransform(fill_mode="edge"), "fill_mode"),
    (lambda: layers.RandomElasticTransform(factor=1.5), "factor"),
])
def test_bad_arguments(make, message):
    with pytest.raises((ValueError, NotImplementedError), match=message):
        make()


def test_elastic_transform_is_identity_without_strength_and_clips_to_value_range():
    for kwargs in ({"factor": 0.0}, {"scale": 0.0}):
        layer = layers.RandomElasticTransform(**kwargs, seed=1)
        np.testing.assert_array_equal(layer(IMAGES).numpy(), IMAGES)
    layer = layers.RandomElasticTransform(value_range=(0, 100), fill_mode="constant", seed=2)
    out = layer(IMAGES).numpy()
    assert out.shape == IMAGES.shape and out.min() >= 0 and out.max() <= 100
    assert not np.allclose(out, np.clip(IMAGES, 0, 100))


def test_elastic_transform_follows_keras_alpha_and_sigma():
    from minikeras.ops import image
    layer = layers.RandomElasticTransform(seed=4)
    transformation = {"apply_transform": np.array([True, False]), "distortion_factor": 0.5,
                      "seed": 11}
    out = layer.transform_images(IMAGES, transformation).numpy()
    # alpha = 0.1 * 0.5 * max(7, 8), sigma = 0.05 * 0.5 * min(7, 8)
    want = image.elastic_transform(IMAGES, alpha=0.4, sigma=0.175, seed=11).numpy()[:1]
    np.testing.assert_allclose(out[:1], np.clip(want, 0, 255), rtol=1e-6)
    np.testing.assert_array_equal(out[1], IMAGES[1])


def test_shear_draws_within_the_factors():
    layer = layers.RandomShear(x_factor=(0.1, 0.2), y_factor=0.05, seed=0)
    shear = layer.get_random_transformation(np.zeros((64, 4, 4, 1)))["shear_factor"]
    assert np.all((np.abs(shear[:, 0]) >= 0.1) & (np.abs(shear[:, 0]) <= 0.2))
    assert np.all(np.abs(shear[:, 1]) <= 0.05)
    assert layer.get_config()["y_factor"] == (-0.05, 0.05)
    again = layers.RandomShear.from_config(layers.RandomShear(0.3).get_config())  # Keras fails
    assert again.x_factor == (-0.3, 0.3)


def test_perspective_with_scale_zero_keeps_the_image():
    layer = layers.RandomPerspective(scale=0.0, seed=1)
    np.testing.assert_allclose(layer(IMAGES).numpy(), IMAGES, rtol=1e-4, atol=1e-3)


def test_max_num_bounding_boxes_shapes():
    layer = layers.MaxNumBoundingBoxes(5, bounding_box_format="xyxy")
    shape = layer.compute_output_shape({"images": (2, 7, 8, 3), "bounding_boxes": {
        "boxes": (2, 2, 4), "labels": (2, 2)}})
    assert shape["bounding_boxes"] == {"boxes": (2, 5, 4), "labels": (2, 5)}
    out = layer({"images": IMAGES[0], "bounding_boxes": {"boxes": BOXES[0],
                                                         "labels": LABELS[0]}})
    assert out["bounding_boxes"]["boxes"].shape == (5, 4)
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"].numpy(), [1, 2, -1, -1, -1])
    with pytest.raises(KeyError, match="unsupported keys"):
        layer.compute_output_shape({"images": (2, 7, 8, 3), "bounding_boxes": {
            "boxes": (2, 2, 4), "labels": (2, 2), "scores": (2, 2)}})


def test_masks_follow_the_images_with_nearest_values():
    masks = np.random.default_rng(3).integers(0, 4, (2, 7, 8, 1)).astype("float32")
    for layer in (layers.RandomRotation((0.1, 0.1)), layers.RandomZoom((0.3, 0.3)),
                  layers.CenterCrop(9, 9), layers.Resizing(4, 11)):
        out = layer({"images": IMAGES, "segmentation_masks": masks})
        got = out["segmentation_masks"].numpy()
        assert got.shape[:3] == out["images"].shape[:3]
        if not isinstance(layer, layers.CenterCrop):  # CenterCrop resizes masks bilinearly
            assert set(np.unique(got)) <= {0.0, 1.0, 2.0, 3.0}


def test_random_crop_boxes_shift_by_left_and_top():
    layer = layers.RandomCrop(3, 4, bounding_box_format="xyxy")
    out = layer.transform_bounding_boxes({"boxes": BOXES, "labels": LABELS}, (2, 1))
    np.testing.assert_allclose(out["boxes"].numpy()[0], [[0, 0, 4, 3], [0, 0, 4, 3]])
    np.testing.assert_array_equal(out["labels"].numpy(), [[1, 2], [3, -1]])


def test_shear_boxes_follow_the_image_warp():
    layer = layers.RandomShear(0.3, 0.3, bounding_box_format="xyxy")
    transformation = {"shear_factor": np.array([[0.2, 0.0]], "float32"),
                      "input_shape": (1, 7, 8, 3)}
    out = layer.transform_bounding_boxes({"boxes": BOXES[:1], "labels": LABELS[:1]},
                                         transformation)
    # the warp reads input (x + 0.2 y, y), so input point (x, y) lands at (x - 0.2 y, y)
    np.testing.assert_allclose(out["boxes"].numpy()[0, 0], [0, 2, 4.6, 6], atol=1e-5)


def test_perspective_boxes_match_keras():
    layer = layers.RandomPerspective(bounding_box_format="xyxy")
    extra = CASES["perspective"][3]
    transformation = {key: np.asarray(value, "bool" if key.startswith("apply") else "float32")
                      for key, value in extra.items()}
    transformation["input_shape"] = IMAGES.shape
    out = layer.transform_bounding_boxes({"boxes": BOXES, "labels": LABELS}, transformation)
    # Keras 3.15 (torch backend) on the same transformation
    want = [[[0.970, 2.187, 4.722, 6.328], [0, 0, 8, 7]], [[2.5, 1, 7.5, 3], [0, 0, 0, 0]]]
    np.testing.assert_allclose(out["boxes"].numpy(), want, atol=1e-3)
    np.testing.assert_array_equal(out["labels"].numpy(), LABELS)
