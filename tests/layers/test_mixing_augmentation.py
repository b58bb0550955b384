"""Pipeline, MixUp, CutMix, RandomErasing, RandomGaussianBlur: the deterministic part pinned
against real Keras 3.15.1 (forced transformations and configs from
tests/data/keras3_mixing_augmentation.py), the random part by seeding, training=False identity,
label sums and shapes."""
import json
import pathlib

import numpy as np
import pytest

from minikeras import layers
from minikeras.models import Model

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
RECORD = json.loads((DATA / "keras3_mixing_augmentation.json").read_text())
RANDOM_LAYERS = [lambda seed=None: layers.MixUp(seed=seed),
                 lambda seed=None: layers.CutMix(seed=seed),
                 lambda seed=None: layers.RandomErasing(seed=seed),
                 lambda seed=None: layers.RandomGaussianBlur(seed=seed)]
IMAGES = (np.random.default_rng(1).random((4, 8, 8, 3)) * 255).astype("float32")
LABELS = np.eye(4, dtype="float32")[[1, 0, 3, 2]]


def _plain(config):
    """A config as JSON writes it (tuples as lists), without the layer's name."""
    config = json.loads(json.dumps(config, default=list))
    config.pop("name", None)
    return config


@pytest.mark.parametrize("name", sorted(RECORD["cases"]))
def test_forced_transformation_matches_keras(name):
    case = RECORD["cases"][name]
    class_name = name.split("_")[0]
    layer = getattr(layers, class_name).from_config(case["config"])
    transformation = {key: np.asarray(value) for key, value in case["transformation"].items()}
    images = np.asarray(case["images"], "float32")
    labels = np.eye(3, dtype="float32")[[0, 2, 1]]
    np.testing.assert_allclose(layer.transform_images(images, transformation).numpy(),
                               case["output_images"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.asarray(layer.transform_labels(labels, transformation)),
                               case["output_labels"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(RECORD["configs"]))
def test_configs_match_keras(name):
    keras_config = RECORD["configs"][name]
    if name == "Pipeline":
        layer = layers.Pipeline.from_config(keras_config)
        assert [type(inner).__name__ for inner in layer.layers] == ["RandomErasing", "MixUp"]
        assert json.loads(json.dumps(layer.get_config(), default=list)) == keras_config
        return
    class_name = name.split("_")[0]
    kwargs = {key: value for key, value in keras_config.items()
              if key not in ("name", "trainable", "dtype")}
    assert _plain(getattr(layers, class_name)(**kwargs).get_config()) == _plain(keras_config)
    assert _plain(getattr(layers, class_name).from_config(keras_config).get_config()) == \
        _plain(keras_config)


def test_default_arguments_match_keras():
    assert _plain(layers.MixUp().get_config()) == _plain(RECORD["configs"]["MixUp"])
    assert _plain(layers.CutMix().get_config()) == _plain(RECORD["configs"]["CutMix"])
    assert _plain(layers.RandomErasing().get_config()) == \
        _plain(RECORD["configs"]["RandomErasing"])
    assert _plain(layers.RandomGaussianBlur().get_config()) == \
        _plain(RECORD["configs"]["RandomGaussianBlur"])


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_same_seed_same_output_and_training_false_is_identity(make):
    first = make(seed=5)({"images": IMAGES, "labels": LABELS})
    second = make(seed=5)({"images": IMAGES, "labels": LABELS})
    np.testing.assert_array_equal(first["images"].numpy(), second["images"].numpy())
    np.testing.assert_array_equal(np.asarray(first["labels"]), np.asarray(second["labels"]))
    layer = make(seed=5)
    out = layer({"images": IMAGES, "labels": LABELS}, training=False)
    np.testing.assert_array_equal(out["images"].numpy(), IMAGES)
    np.testing.assert_array_equal(np.asarray(out["labels"]), LABELS)
    assert layer(IMAGES).shape == IMAGES.shape and layer(IMAGES[0]).shape == IMAGES[0].shape


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_predict_does_not_augment(make):
    inputs = layers.Input((8, 8, 3))
    model = Model(inputs, make(seed=1)(inputs))
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0), IMAGES)


@pytest.mark.parametrize("make", [RANDOM_LAYERS[0], RANDOM_LAYERS[1]])
def test_mixed_labels_keep_summing_to_one_and_follow_the_images(make):
    layer = make(seed=3)
    changed = 0
    for _ in range(10):
        out = layer({"images": IMAGES, "labels": LABELS})
        labels = out["labels"].numpy()
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
        assert labels.min() >= 0 and labels.max() <= 1
        changed += int(np.any(labels != LABELS))
    assert changed > 0


def test_mix_up_images_are_convex_combinations_of_two_batch_images():
    layer = layers.MixUp(alpha=1.0, seed=2)
    transformation = layer.get_random_transformation(IMAGES)
    weight = transformation["mix_weight"].numpy()
    order = transformation["permutation_order"].numpy()
    assert sorted(order) == [0, 1, 2, 3] and np.all((weight >= 0) & (weight <= 1))
    expected = (weight[:, None, None, None] * IMAGES
                + (1 - weight[:, None, None, None]) * IMAGES[order])
    np.testing.assert_allclose(layer.transform_images(IMAGES, transformation).numpy(),
                               expected, rtol=1e-5)


def test_cut_mix_label_weight_is_the_kept_area():
    layer = layers.CutMix(seed=4)
    transformation = layer.get_random_transformation(IMAGES)
    weight = transformation["mix_weight"].reshape(-1)
    pasted = transformation["batch_masks"][..., 0].mean(axis=(1, 2))
    # the weight uses the continuous box; pixels differ from it by at most a border row+column
    assert np.all(np.abs((1 - weight) - pasted) <= 2 * 8 / 64 + 1e-6)
    out = layer.transform_images(IMAGES, transformation).numpy()
    partner = IMAGES[transformation["permutation_order"].numpy()]
    np.testing.assert_array_equal(out, np.where(transformation["batch_masks"], partner, IMAGES))


def test_cut_mix_pastes_the_same_box_into_segmentation_masks():
    masks = np.arange(4 * 8 * 8, dtype="float32").reshape(4, 8, 8, 1)
    out = layers.CutMix(seed=6)({"images": IMAGES, "labels": LABELS,
                                 "segmentation_masks": masks})
    assert out["segmentation_masks"].shape == masks.shape
    layer = layers.CutMix(seed=6)
    transformation = layer.get_random_transformation(IMAGES)
    out = layer.transform_segmentation_masks(masks, transformation).numpy()
    partner = masks[transformation["permutation_order"].numpy()]
    boxes = transformation["batch_masks"][..., :1]
    np.testing.assert_array_equal(out, np.where(boxes, partner, masks))


def test_random_erasing_fills_boxes_clipped_to_the_value_range():
    layer = layers.RandomErasing(factor=(1.0, 1.0), scale=(0.2, 0.3), fill_value=300.0, seed=1)
    out = layer(IMAGES).numpy()
    changed = out != IMAGES
    assert np.all(out[changed] == 255.0)
    assert np.all(changed.reshape(4, -1).any(axis=1))
    assert np.all(layers.RandomErasing(factor=0.0, seed=1)(IMAGES).numpy() == IMAGES)


def test_random_erasing_noise_fill_and_channels_first():
    images = np.transpose(IMAGES, (0, 3, 1, 2))
    layer = layers.RandomErasing(factor=(1.0, 1.0), data_format="channels_first", seed=2)
    out = layer(images).numpy()
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 255
    assert np.any(out != images)


def test_random_gaussian_blur_clips_and_blurs_whole_images():
    layer = layers.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(0.5, 0.5), seed=1)
    out = layer(IMAGES).numpy()
    assert out.min() >= 0 and out.max() <= 255
    assert np.all((out != IMAGES).reshape(4, -1).any(axis=1))
    assert np.all(layers.RandomGaussianBlur(factor=0.0, seed=1)(IMAGES).numpy() == IMAGES)


def test_pipeline_applies_its_layers_in_turn_and_round_trips():
    pipeline = layers.Pipeline([layers.RandomErasing(factor=(1.0, 1.0), fill_value=0.0,
                                                     seed=1),
                                layers.Rescaling(1 / 255.0)], name="augment")
    out = pipeline(IMAGES).numpy()
    assert out.max() <= 1.0 and np.any(out == 0.0)
    np.testing.assert_allclose(pipeline(IMAGES, training=False).numpy(), IMAGES / 255.0,
                               rtol=1e-6)
    rebuilt = layers.deserialize(layers.serialize(pipeline))
    assert isinstance(rebuilt, layers.Pipeline) and rebuilt.name == "augment"
    assert rebuilt.get_config() == pipeline.get_config()
    assert pipeline.compute_output_shape((None, 8, 8, 3)) == (None, 8, 8, 3)


def test_pipeline_passes_dicts_through_augmentation_layers():
    pipeline = layers.Pipeline([layers.RandomErasing(seed=1), layers.MixUp(seed=2),
                                layers.CutMix(seed=3)])
    out = pipeline({"images": IMAGES, "labels": LABELS})
    assert out["images"].shape == IMAGES.shape
    np.testing.assert_allclose(out["labels"].numpy().sum(axis=1), 1.0, rtol=1e-6)
    same = layers.Pipeline([layers.RandomErasing(seed=1), layers.MixUp(seed=2),
                            layers.CutMix(seed=3)])({"images": IMAGES, "labels": LABELS})
    np.testing.assert_array_equal(out["images"].numpy(), same["images"].numpy())


def test_pipeline_in_a_model_is_identity_at_inference():
    inputs = layers.Input((8, 8, 3))
    model = Model(inputs, layers.Pipeline([layers.RandomErasing(seed=1),
                                           layers.RandomGaussianBlur(seed=2)])(inputs))
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0), IMAGES)


@pytest.mark.parametrize("build, match", [
    (lambda: layers.Pipeline(layers.MixUp()), "`layers` should be a list"),
    (lambda: layers.Pipeline.from_config({"layers": None}), "`layers` key"),
    (lambda: layers.CutMix(factor=2.0), "CutMix: the `factor` argument"),
    (lambda: layers.RandomErasing(scale=(0.1, 0.2, 0.3)), "RandomErasing: the `scale`"),
    (lambda: layers.RandomErasing(fill_value="zero"), "`fill_value`"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), "`kernel_size` must be an odd"),
    (lambda: layers.RandomGaussianBlur(sigma=-0.5), "RandomGaussianBlur: the `sigma`"),
])
def test_bad_arguments_are_named(build, match):
    with pytest.raises(ValueError, match=match):
        build()
