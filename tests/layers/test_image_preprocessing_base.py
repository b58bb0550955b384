"""BaseImagePreprocessingLayer: the shared call of the image augmentation layers."""
import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.layers.preprocessing.image_preprocessing import BaseImagePreprocessingLayer
from minikeras.models import Model


class FlipWidth(BaseImagePreprocessingLayer):
    _USE_BASE_FACTOR = False

    def transform_images(self, images, transformation, training=True):
        return ops.flip(images, axis=2) if training else images

    def transform_segmentation_masks(self, masks, transformation, training=True):
        return self.transform_images(masks, transformation, training)


class Strength(BaseImagePreprocessingLayer):
    def transform_images(self, images, transformation, training=True):
        return images


IMAGES = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)


def test_direct_call_trains_by_default_like_keras_and_training_false_is_identity():
    layer = FlipWidth()
    np.testing.assert_array_equal(layer(IMAGES).numpy(), IMAGES[:, :, ::-1])
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)


def test_predict_does_not_augment():
    inputs = layers.Input((3, 4, 1))
    model = Model(inputs, FlipWidth()(inputs))
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)


def test_one_image_and_dicts_keep_their_form():
    layer = FlipWidth()
    one = layer(IMAGES[0])
    assert one.shape == (3, 4, 1)
    out = layer({"images": IMAGES, "labels": np.array([0, 1]), "segmentation_masks": IMAGES})
    assert sorted(out) == ["images", "labels", "segmentation_masks"]
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), IMAGES[:, :, ::-1])
    np.testing.assert_array_equal(out["labels"].numpy(), [0, 1])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        FlipWidth()(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="'images'"):
        FlipWidth()({"labels": np.zeros(2)})
    with pytest.raises(ValueError, match="bounding box format"):
        FlipWidth()({"images": IMAGES, "bounding_boxes": {"boxes": np.zeros((2, 1, 4))}})
    with pytest.raises(ValueError, match="does not take a `factor`"):
        FlipWidth(factor=0.2)


@pytest.mark.parametrize("factor, expected", [(0.3, (-0.3, 0.3)), ((0.5, -0.2), (-0.2, 0.5)),
                                              (None, (0.0, 0.0))])
def test_factor_ranges(factor, expected):
    assert Strength(factor=factor).factor == pytest.approx(expected)


@pytest.mark.parametrize("factor", [1.5, (0.1, 0.2, 0.3), "big"])
def test_bad_factor(factor):
    with pytest.raises(ValueError, match="Strength: the `factor` argument"):
        Strength(factor=factor)


def test_value_range_and_config():
    layer = Strength(data_format="channels_first", bounding_box_format="xyxy")
    out = layer.transform_value_range(np.array([0.0, 0.5, 1.0]), (0, 1), (0, 255))
    np.testing.assert_allclose(out.numpy(), [0.0, 127.5, 255.0])
    config = layer.get_config()
    assert config["data_format"] == "channels_first" and config["bounding_box_format"] == "xyxy"
