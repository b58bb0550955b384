"""Pipeline, MixUp, CutMix, RandomErasing, RandomGaussianBlur: the deterministic part pinned
against real Keras 3.15.1 (forced transformations and configs from
tests/data/keras3_mixing_augmentation.py), the random part by seeding, training=False identity,
label sums and shapes."""
import json
import pathlib

import numpy as np
import pytest

from minikeras import layers, ops
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


def test_mix_up_appends_the_partner_boxes():
    boxes = np.arange(2 * 2 * 4, dtype="float32").reshape(2, 2, 4)
    box_labels = np.array([[1, 2], [3, 4]], "float32")
    layer = layers.MixUp(bounding_box_format="xyxy")
    out = layer.transform_bounding_boxes(
        {"boxes": boxes, "labels": box_labels},
        {"mix_weight": np.array([0.3, 0.6], "float32"), "permutation_order": np.array([1, 0])})
    # Keras's boxes; its labels go along axis 0 ((4, 2)), here along the boxes' axis
    np.testing.assert_array_equal(out["boxes"].numpy(), [
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]],
        [[8, 9, 10, 11], [12, 13, 14, 15], [0, 1, 2, 3], [4, 5, 6, 7]]])
    np.testing.assert_array_equal(out["labels"].numpy(), [[1, 2, 3, 4], [3, 4, 1, 2]])
    out = layer({"images": np.zeros((2, 4, 4, 3), "float32"),
                 "bounding_boxes": {"boxes": boxes, "labels": box_labels}})
    assert out["bounding_boxes"]["boxes"].shape == (2, 4, 4)
    assert out["bounding_boxes"]["labels"].shape == (2, 4)


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


@pytest.mark.parametrize("kernel_size", [(3, 5), (5, 3), (3, 7)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_random_gaussian_blur_non_square_kernels_keep_the_shape(kernel_size, data_format):
    # Keras's torch backend pads by kernel_size[0] // 2 on both axes and then fails
    images = np.full((2, 9, 11, 3), 100.0, "float32")
    if data_format == "channels_first":
        images = np.transpose(images, (0, 3, 1, 2))
    layer = layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=kernel_size, sigma=(1, 1),
                                      data_format=data_format, seed=1)
    out = layer(images).numpy()
    assert out.shape == images.shape
    inner = out[:, 3:-3, 4:-4] if data_format == "channels_last" else out[:, :, 3:-3, 4:-4]
    np.testing.assert_allclose(inner, 100.0, rtol=1e-5)  # normalized kernel, no border
    edge = out[:, 4, 0] if data_format == "channels_last" else out[:, :, 4, 0]
    assert np.all(edge < 100.0)  # zero padding darkens the border
    impulse = np.zeros((1, 9, 11, 1), "float32")
    impulse[0, 4, 5] = 100.0
    if data_format == "channels_first":
        impulse = np.transpose(impulse, (0, 3, 1, 2))
    spread = layer(impulse).numpy().reshape(9, 11)
    assert np.unravel_index(spread.argmax(), spread.shape) == (4, 5)  # centred, not shifted
    np.testing.assert_allclose(spread, spread[::-1, ::-1], rtol=1e-5, atol=1e-6)


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


# -- RandAugment and AugMix --------------------------------------------------------------------
POLICY = RECORD["policy"]
POLICY_NAMES = ["random_shear", "random_translation", "random_rotation", "random_brightness",
                "random_color_degeneration", "random_contrast", "random_sharpness",
                "random_posterization", "solarization", "auto_contrast", "equalization"]


def _policy_params(value_range):
    f32 = np.float32
    delta = np.array([20, -15, 60], f32).reshape(3, 1, 1, 1) / (1 if value_range[1] == 255
                                                                 else 255.0)
    return {
        "random_shear": {"shear_factor": np.array([[0.2, -0.1], [-0.3, 0.25], [0.0, 0.4]], f32)},
        "random_translation": {"translations": np.array([[1.5, -0.7], [0, 2], [-2.2, 1]], f32)},
        "random_rotation": {"rotation_matrix": np.asarray(POLICY["rotation_matrix"], f32)},
        "random_brightness": {"rgb_delta": delta},
        "random_color_degeneration": {"factor": np.array([.2, .9, .5], f32).reshape(3, 1, 1, 1)},
        "random_contrast": {"contrast_factor": np.array([.6, 1.3, 1], f32).reshape(3, 1, 1, 1)},
        "random_sharpness": {"factor": np.array([0.1, 0.7, 0.45], f32)},
        "random_posterization": {"shift_factor": np.array([5, 7, 6], "uint8")},
        "solarization": {"additions": np.array([10, 0, 50], f32).reshape(3, 1, 1, 1),
                         "thresholds": np.array([100, 200, 30], f32).reshape(3, 1, 1, 1)},
        "auto_contrast": None,
        "equalization": None,
    }


def _policy_images(value_range):
    images = np.asarray(POLICY["images"], "float32")
    return images if value_range[1] == 255 else images / np.float32(255.0)


def _tolerance(value_range):
    return {"rtol": 1e-4, "atol": 1e-3 * value_range[1]}


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
@pytest.mark.parametrize("name", POLICY_NAMES)
def test_each_policy_augmentation_matches_its_keras_layer(name, value_range):
    layer = layers.RandAugment(value_range=value_range, factor=0.5)
    out = layer.augmentations.apply(name, ops.convert_to_tensor(_policy_images(value_range)),
                                    _policy_params(value_range)[name])
    np.testing.assert_allclose(out.numpy(), POLICY["outputs"][str(value_range[1])][name],
                               **_tolerance(value_range))


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_each_policy_augmentation_channels_first_agrees(name):
    images, params = _policy_images((0, 255)), _policy_params((0, 255))[name]
    last = layers.RandAugment(factor=0.5).augmentations.apply(
        name, ops.convert_to_tensor(images), params)
    first = layers.RandAugment(factor=0.5, data_format="channels_first").augmentations.apply(
        name, ops.convert_to_tensor(np.transpose(images, (0, 3, 1, 2))), params)
    np.testing.assert_allclose(np.transpose(first.numpy(), (0, 2, 3, 1)), last.numpy(),
                               rtol=1e-5, atol=1e-3)


def test_rotation_matrix_matches_keras():
    from minikeras.layers.preprocessing.image_preprocessing.policy_transforms import (
        rotation_matrix)
    np.testing.assert_allclose(rotation_matrix(POLICY["angles"], 5, 6),
                               POLICY["rotation_matrix"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_forced_rand_augment_and_aug_mix_match_keras(value_range):
    images, params = _policy_images(value_range), _policy_params(value_range)
    rand_augment = layers.RandAugment(value_range=value_range, factor=0.5)
    out = rand_augment.transform_images(images, {"layer_idxes": np.array([6, 0]),
                                                 "transforms": params})
    expected = POLICY["outputs"][str(value_range[1])]
    np.testing.assert_allclose(out.numpy(), expected["RandAugment"], **_tolerance(value_range))
    chains = {"chain_mixing_weights": np.array([0.5, 0.2, 0.3], "float32"),
              "weight_sample": np.float32(0.4),
              "chain_transforms": [
                  [{"layer_name": "random_contrast", "transformation": params["random_contrast"]},
                   {"layer_name": "random_translation",
                    "transformation": params["random_translation"]}],
                  [],
                  [{"layer_name": "solarization", "transformation": params["solarization"]}]]}
    out = layers.AugMix(value_range=value_range, factor=0.5).transform_images(images, chains)
    np.testing.assert_allclose(out.numpy(), expected["AugMix"], **_tolerance(value_range))


def test_rand_augment_applies_only_the_picked_augmentations():
    # Keras's torch backend also adds RandomBrightness's delta in place on every step
    images, params = _policy_images((0, 255)), _policy_params((0, 255))
    layer = layers.RandAugment(factor=0.5)
    out = layer.transform_images(images, {"layer_idxes": np.array([6, 0]), "transforms": params})
    expected = layer.augmentations.apply("random_shear", layer.augmentations.apply(
        "random_sharpness", ops.convert_to_tensor(images), params["random_sharpness"]),
        params["random_shear"])
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), POLICY["outputs"]["255"]["RandAugment"], rtol=1e-4,
                               atol=0.3)


POLICY_LAYERS = [lambda seed=None: layers.RandAugment(seed=seed),
                 lambda seed=None: layers.RandAugment(num_ops=4, factor=0.9, seed=seed),
                 lambda seed=None: layers.AugMix(seed=seed),
                 lambda seed=None: layers.AugMix(all_ops=False, chain_depth=5, seed=seed)]


@pytest.mark.parametrize("make", POLICY_LAYERS)
def test_policy_layers_seeded_identity_at_inference_and_in_range(make):
    first = make(seed=9)({"images": IMAGES, "labels": LABELS})
    second = make(seed=9)({"images": IMAGES, "labels": LABELS})
    np.testing.assert_array_equal(first["images"].numpy(), second["images"].numpy())
    np.testing.assert_array_equal(np.asarray(first["labels"]), LABELS)
    layer = make(seed=9)
    changed = 0
    for _ in range(5):
        out = layer(IMAGES).numpy()
        assert out.shape == IMAGES.shape and out.min() >= 0 and out.max() <= 255
        changed += int(np.any(out != IMAGES))
    assert changed > 0
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    assert layer(IMAGES[0]).shape == IMAGES[0].shape


def test_rand_augment_picks_num_ops_from_keras_list():
    layer = layers.RandAugment(num_ops=3, seed=1)
    transformation = layer.get_random_transformation(IMAGES)
    assert sorted(transformation["transforms"]) == sorted(POLICY_NAMES)
    indices = transformation["layer_idxes"].numpy()
    assert indices.shape == (3,) and indices.min() >= 0 and indices.max() < 11
    assert layers.RandAugment(num_ops=0, seed=1)(IMAGES).numpy().tolist() == IMAGES.tolist()


def test_aug_mix_transformation_layout_and_op_lists():
    layer = layers.AugMix(num_chains=4, chain_depth=2, all_ops=False, seed=3)
    transformation = layer.get_random_transformation(IMAGES)
    weights = transformation["chain_mixing_weights"]
    assert weights.shape == (4,) and np.isclose(weights.sum(), 1.0)
    assert 0 <= float(transformation["weight_sample"]) <= 1
    assert len(transformation["chain_transforms"]) == 4
    names = {step["layer_name"] for chain in transformation["chain_transforms"]
             for step in chain}
    assert names <= set(POLICY_NAMES[:3] + POLICY_NAMES[7:])
    assert all(len(chain) <= 2 for chain in transformation["chain_transforms"])


def test_policy_layers_move_segmentation_masks_with_geometry_only():
    masks = np.zeros((4, 8, 8, 1), "float32")
    masks[:, 2:5, 3:6] = 1.0
    layer = layers.RandAugment(num_ops=1, seed=2)
    transformation = layer.get_random_transformation(IMAGES)
    transformation["layer_idxes"] = np.array([3])  # brightness: masks stay
    np.testing.assert_array_equal(layer.transform_segmentation_masks(masks, transformation),
                                  masks)
    transformation["layer_idxes"] = np.array([1])  # translation: masks move, stay 0/1
    moved = np.asarray(layer.transform_segmentation_masks(masks, transformation))
    assert set(np.unique(moved)) <= {0.0, 1.0}


@pytest.mark.parametrize("build, match", [
    (lambda: layers.RandAugment(interpolation="cubic"), "RandAugment: `interpolation`"),
    (lambda: layers.RandAugment(num_ops=-1), "`num_ops` must be"),
    (lambda: layers.RandAugment(factor=1.5), "RandAugment: the `factor` argument"),
    (lambda: layers.AugMix(num_chains=1.5), "`num_chains` must be"),
    (lambda: layers.AugMix(interpolation="area"), "AugMix: `interpolation`"),
])
def test_bad_policy_arguments_are_named(build, match):
    with pytest.raises(ValueError, match=match):
        build()
