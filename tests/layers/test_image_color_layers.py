"""The colour image augmentation layers (RandomBrightness, RandomContrast, RandomGrayscale,
RandomHue, RandomSaturation, Solarization, AutoContrast, RandomColorDegeneration,
RandomColorJitter, RandomInvert, RandomPosterization, RandomSharpness, Equalization,
ContrastLimitedAdaptiveHistogramEqualization): values against real Keras 3.15.1
(tests/data/keras3_color_layers.py wrote them; random layers through a fixed factor range or
Keras's `transform_images` with a given transformation), then seeding, training=False,
value ranges, dtypes, configs and errors."""
import pathlib

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.models import Model

from tests.data.keras3_color_layers import CASES, inputs

REFERENCE = np.load(pathlib.Path(__file__).resolve().parents[1] / "data"
                    / "keras3_color_layers.npz")
IMAGES = inputs()

RANDOM_LAYERS = [
    (layers.RandomBrightness, {"factor": 0.3}),
    (layers.RandomContrast, {"factor": 0.5}),
    (layers.RandomGrayscale, {"factor": 0.5}),
    (layers.RandomHue, {"factor": 0.5}),
    (layers.RandomSaturation, {"factor": 0.5}),
    (layers.Solarization, {"addition_factor": 0.5, "threshold_factor": 0.5}),
    (layers.RandomColorDegeneration, {"factor": 0.5}),
    (layers.RandomInvert, {}),
    (layers.RandomPosterization, {"factor": (2, 7)}),
    (layers.RandomSharpness, {"factor": 0.9}),
    (layers.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.3,
                                "saturation_factor": 0.3, "hue_factor": 0.2}),
]


@pytest.mark.parametrize("case_id, class_name, kwargs, input_name, transformation", CASES,
                         ids=[case[0] for case in CASES])
def test_matches_keras(case_id, class_name, kwargs, input_name, transformation):
    layer = getattr(layers, class_name)(**kwargs)
    x = IMAGES[input_name]
    if transformation is None:
        out = layer(x)
    else:
        out = layer.transform_images(ops.convert_to_tensor(x), transformation, training=True)
    want = REFERENCE[case_id]
    assert out.dtype == want.dtype, (out.dtype, want.dtype)
    atol = 1e-3 if want.dtype.kind == "f" and np.abs(want).max() > 2 else 1e-5
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("cls, kwargs", RANDOM_LAYERS, ids=[c.__name__ for c, _ in RANDOM_LAYERS])
def test_seeded_training_and_inference(cls, kwargs):
    x = IMAGES["rgb255"]
    first, second = cls(**kwargs, seed=5), cls(**kwargs, seed=5)
    a, b = first(x).numpy(), second(x).numpy()
    np.testing.assert_array_equal(a, b)  # same seed, same draws
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= -1e-3 and a.max() <= 255 + 1e-3  # value_range (0, 255) kept
    later = [first(x).numpy() for _ in range(3)]
    assert any(not np.array_equal(a, b) for b in later)  # the stream advances
    np.testing.assert_array_equal(first(x, training=False).numpy(), x)
    model = Model(inp := layers.Input((5, 6, 3)), cls(**kwargs, seed=5)(inp))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("cls, kwargs", RANDOM_LAYERS, ids=[c.__name__ for c, _ in RANDOM_LAYERS])
def test_boxes_masks_and_labels_pass_unchanged(cls, kwargs):
    boxes = {"boxes": np.array([[[1.0, 2.0, 3.0, 4.0]], [[0.0, 0.0, 2.0, 2.0]]]),
             "labels": np.array([[1], [2]])}
    masks = np.ones((2, 5, 6, 1), "float32")
    out = cls(**kwargs, seed=1, bounding_box_format="xyxy")(
        {"images": IMAGES["rgb255"], "labels": np.array([0, 1]), "bounding_boxes": boxes,
         "segmentation_masks": masks})
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), boxes["boxes"])
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks)
    np.testing.assert_array_equal(out["labels"].numpy(), [0, 1])
    one = cls(**kwargs, seed=1)(IMAGES["rgb255"][0])
    assert one.shape == (5, 6, 3)


def test_value_range_01_stays_in_range():
    x = IMAGES["rgb01"]
    for cls, kwargs in RANDOM_LAYERS:
        if cls is layers.RandomGrayscale:  # no value_range: gray stays inside any range
            continue
        out = cls(**kwargs, value_range=(0, 1), seed=3)(x).numpy()
        assert out.min() >= -1e-6 and out.max() <= 1 + 1e-6, cls.__name__


def test_grayscale_probability_and_brightness_int_dtype():
    x = np.repeat(IMAGES["rgb255"], 50, axis=0)
    out = layers.RandomGrayscale(factor=0.5, seed=2)(x).numpy()
    gray = np.all(out == out[..., :1], axis=(1, 2, 3))
    assert 25 < gray.sum() < 75
    np.testing.assert_array_equal(layers.RandomGrayscale(factor=0.0)(x).numpy(), x)
    ints = layers.RandomBrightness(0.5, seed=1)(IMAGES["int255"])
    assert ints.dtype == np.int32 and 0 <= ints.numpy().min() and ints.numpy().max() <= 255


def test_hue_draws_both_signs_and_saturation_needs_floats():
    layer = layers.RandomHue(factor=(0.4, 0.6), seed=0)
    shifts = layer.get_random_transformation(np.zeros((200, 1, 1, 3)))["factor"].numpy()
    assert (shifts > 0).any() and (shifts < 0).any()
    assert np.all((np.abs(shifts) >= 0.2 - 1e-6) & (np.abs(shifts) <= 0.3 + 1e-6))
    with pytest.raises(ValueError, match="rgb_to_hsv"):
        layers.RandomSaturation(0.5)(IMAGES["int255"])


def test_posterization_bits_in_keras_range():
    layer = layers.RandomPosterization(factor=(2, 5), seed=0)
    shift = layer.get_random_transformation(np.zeros((300, 1, 1, 3)))["shift_factor"].numpy()
    assert set(np.unique(8 - shift.astype(int))) == {2, 3, 4}  # randint: upper excluded


@pytest.mark.parametrize("cls, kwargs, config", [
    (layers.RandomBrightness, {"factor": 0.2},
     {"factor": (-0.2, 0.2), "value_range": [0, 255], "seed": None}),
    (layers.RandomContrast, {"factor": 0.2},
     {"factor": (0, 0.2), "value_range": (0, 255), "seed": None}),
    (layers.RandomSaturation, {"factor": 0.5}, {"factor": (-0.5, 0.5), "value_range": [0, 255]}),
    (layers.Solarization, {"threshold_factor": 0.5},
     {"addition_factor": (0, 0.0), "threshold_factor": (0, 0.5), "value_range": [0, 255]}),
    (layers.RandomPosterization, {"factor": 4}, {"factor": (1, 4)}),
    (layers.Equalization, {}, {"bins": 256, "value_range": [0, 255]}),
    (layers.ContrastLimitedAdaptiveHistogramEqualization, {},
     {"clip_limit": 4.0, "tile_grid_size": (8, 8), "value_range": (0, 255)}),
    (layers.RandomColorJitter, {"hue_factor": 0.1},
     {"brightness_factor": None, "hue_factor": 0.1, "value_range": (0, 255)}),
])
def test_keras_config_keys(cls, kwargs, config):
    got = cls(**kwargs).get_config()
    assert got["data_format"] == "channels_last"
    for key, value in config.items():
        assert got[key] == value, key
    assert cls.from_config(got).get_config() == got


@pytest.mark.parametrize("make, match", [
    (lambda: layers.RandomBrightness(1.5), "RandomBrightness: the `factor` argument"),
    (lambda: layers.RandomContrast((0.1, 0.2, 0.3)), "RandomContrast: the `factor`"),
    (lambda: layers.RandomBrightness(0.1, value_range=5), "`value_range`"),
    (lambda: layers.AutoContrast(value_range=(0, 1, 2)), "AutoContrast: the `value_range`"),
    (lambda: layers.RandomGrayscale(1.2), "RandomGrayscale: `factor` should be between"),
    (lambda: layers.Solarization(addition_factor=2), "Solarization: the `addition_factor`"),
    (lambda: layers.RandomPosterization(9), "RandomPosterization: the `factor`"),
    (lambda: layers.AutoContrast(factor=0.1), "does not take a `factor`"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_color_degeneration_needs_three_channels():
    with pytest.raises(ValueError, match="3 channels"):
        layers.RandomColorDegeneration(0.5).compute_output_shape((None, 4, 4, 1))
