"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: Keras's config keys, the
ops they call (pinned against Keras in tests/ops/keras_cases/nn_extras.py), bad arguments."""
import numpy as np
import pytest

from minikeras import layers, ops


def test_config_is_keras_shaped():
    config = layers.AdaptiveMaxPooling2D(3).get_config()
    assert config["output_size"] == (3, 3) and config["data_format"] == "channels_last"
    assert config["name"].startswith("adaptive_max_pooling2d")
    config = layers.AdaptiveAveragePooling1D([4], data_format="channels_first").get_config()
    assert config["output_size"] == (4,) and config["data_format"] == "channels_first"
    rebuilt = layers.AdaptiveAveragePooling3D.from_config(
        {**layers.AdaptiveAveragePooling3D((1, 2, 3)).get_config(), "output_size": [1, 2, 3]})
    assert rebuilt.output_size == (1, 2, 3)


@pytest.mark.parametrize("cls, op, shape, size", [
    (layers.AdaptiveAveragePooling1D, ops.adaptive_average_pool, (2, 7, 3), 3),
    (layers.AdaptiveMaxPooling2D, ops.adaptive_max_pool, (2, 7, 5, 3), (3, 4)),
    (layers.AdaptiveMaxPooling3D, ops.adaptive_max_pool, (1, 5, 4, 6, 2), 2),
])
def test_layer_calls_the_op(cls, op, shape, size):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    np.testing.assert_array_equal(cls(size)(x).numpy(), op(x, size).numpy())


def test_channels_first_pools_the_trailing_axes():
    x = np.arange(2 * 3 * 6, dtype="float32").reshape(2, 3, 6)
    out = layers.AdaptiveAveragePooling1D(2, data_format="channels_first")(x).numpy()
    np.testing.assert_allclose(out, x.reshape(2, 3, 2, 3).mean(-1))


@pytest.mark.parametrize("call, error, match", [
    (lambda: layers.AdaptiveMaxPooling2D((2, 2, 2)), TypeError, "output_size"),
    (lambda: layers.AdaptiveAveragePooling1D("3"), TypeError, "output_size"),
    (lambda: layers.AdaptiveMaxPooling1D(2, data_format="nchw"), ValueError, "data_format"),
    (lambda: layers.AdaptiveAveragePooling2D(2)(np.zeros((2, 4, 3), "float32")), ValueError,
     "ndim"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("cls", [layers.AdaptiveAveragePooling1D, layers.AdaptiveMaxPooling2D,
                                 layers.AdaptiveAveragePooling3D])
@pytest.mark.parametrize("size", [0, -1])
def test_output_size_must_be_positive_and_the_error_names_the_layer(cls, size):
    # Keras raises the same message (without the layer's name) only when the layer is called
    with pytest.raises(ValueError, match=cls.__name__ + r".*`output_size`.*`value > 0`"):
        cls(size)


def test_output_size_larger_than_the_input_is_allowed_like_keras():
    # Keras 3.15.1 (torch) accepts it: the bins overlap, so values repeat (numbers from Keras)
    x = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)
    assert layers.AdaptiveAveragePooling1D(8).compute_output_shape((None, 5, 3)) == (None, 8, 3)
    np.testing.assert_allclose(layers.AdaptiveAveragePooling1D(8)(x).numpy()[0, :, 0],
                               [0.0, 1.5, 3.0, 4.5, 7.5, 9.0, 10.5, 12.0])
    np.testing.assert_allclose(layers.AdaptiveMaxPooling1D(8)(x).numpy()[0, :, 0],
                               [0.0, 3.0, 3.0, 6.0, 9.0, 9.0, 12.0, 12.0])
    x2 = np.arange(6, dtype="float32").reshape(1, 3, 2, 1)
    np.testing.assert_allclose(layers.AdaptiveAveragePooling2D((5, 3))(x2).numpy()[0, :, :, 0],
                               [[0, .5, 1], [1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4], [4, 4.5, 5]])
    np.testing.assert_allclose(layers.AdaptiveMaxPooling2D((5, 3))(x2).numpy()[0, :, :, 0],
                               [[0, 1, 1], [2, 3, 3], [2, 3, 3], [4, 5, 5], [4, 5, 5]])
