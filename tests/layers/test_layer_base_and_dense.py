"""Layer base, Dense, Activation, Dropout, Flatten, Input: shapes, weights, configs, gradients."""
import numpy as np
import pytest

import minikeras
from minikeras import layers, ops
from minikeras.backend import Tensor, set_floatx
from minikeras.utils import layer_gradient_check


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def layer_gradient_error(layer, x, training=False):
    """Max relative error of d(layer(x))/d(x and every weight), all in float64."""
    return layer_gradient_check(layer, x, training=training)


def test_dense_forward_shapes_and_weight_layout():
    layer = layers.Dense(5, activation="relu")
    out = layer(np.ones((3, 4), dtype="float32"))
    assert out.shape == (3, 5) and out.dtype == np.float32
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (4, 5) and layer.bias.shape == (5,)
    assert layer.count_params() == 25
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(5))
    limit = np.sqrt(6 / (4 + 5))
    assert np.abs(layer.kernel.numpy()).max() <= limit
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(layer(x).numpy(), np.maximum(x @ layer.kernel.numpy(), 0), rtol=1e-6)


def test_dense_on_3d_inputs_acts_on_last_axis():
    layer = layers.Dense(2)
    x = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    out = layer(x)
    assert out.shape == (2, 3, 2)
    np.testing.assert_allclose(out.numpy(), x @ layer.kernel.numpy(), rtol=1e-5, atol=1e-6)


def test_dense_gradients(float64):
    rng = np.random.default_rng(0)
    for activation in (None, "relu", "softmax", "tanh"):
        layer = layers.Dense(3, activation=activation)
        layer.build((None, 4))
        layer.bias.assign(rng.normal(size=3))
        assert layer_gradient_error(layer, rng.normal(size=(5, 4))) < 1e-6
    layer = layers.Dense(3, use_bias=False)
    layer.build((None, 2, 4))
    assert layer_gradient_error(layer, rng.normal(size=(2, 2, 4))) < 1e-6


def test_activation_flatten_dropout_gradients(float64):
    rng = np.random.default_rng(0)
    assert layer_gradient_error(layers.Activation("sigmoid"), rng.normal(size=(3, 4))) < 1e-6
    assert layer_gradient_error(layers.Flatten(), rng.normal(size=(2, 3, 4))) < 1e-6
    assert layer_gradient_error(layers.Flatten(data_format="channels_first"),
                                rng.normal(size=(2, 3, 4, 2))) < 1e-6
    assert layer_gradient_error(layers.Dropout(0.5, seed=3), rng.normal(size=(4, 6)),
                                training=True) < 1e-6


def test_dense_input_shape_error_names_layer_and_shapes():
    layer = layers.Dense(3, name="hidden")
    layer(np.ones((2, 4), dtype="float32"))
    with pytest.raises(ValueError, match=r'layer "hidden".*expected axis -1 of input shape to have '
                                         r"value 4, but received input with shape \(2, 5\)"):
        layer(np.ones((2, 5), dtype="float32"))


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="units"):
        layers.Dense(2.5)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown activation: 'rellu'.*'relu'"):
        layers.Dense(3, activation="rellu")


def test_dropout_is_inverted_and_only_when_training():
    layer = layers.Dropout(0.25, seed=0)
    x = np.ones((200, 50), dtype="float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    out = layer(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_dropout_noise_shape_shares_the_mask():
    out = layers.Dropout(0.5, noise_shape=(None, 1), seed=1)(np.ones((8, 5)), training=True).numpy()
    assert all(len(set(row)) == 1 for row in out)


def test_flatten_shapes():
    assert layers.Flatten()(np.zeros((2, 3, 4))).shape == (2, 12)
    assert layers.Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    x = np.arange(24, dtype="float32").reshape(1, 2, 3, 4)
    first = layers.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(first, np.transpose(x, (0, 2, 3, 1)).reshape(1, -1))


def test_auto_names_are_unique_per_class():
    minikeras.utils.clear_session()
    a, b, c = layers.Dense(1), layers.Dense(1), layers.Dropout(0.1)
    assert (a.name, b.name, c.name) == ("dense", "dense_1", "dropout")
    assert layers.Activation("relu").name == "activation"
    assert layers.Dense(1, name="mine").name == "mine"


def test_get_set_weights_check_shapes():
    layer = layers.Dense(2)
    layer.build((None, 3))
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    layer.set_weights([kernel, np.ones(2)])
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)
    with pytest.raises(ValueError, match=r"weight shape \(3, 2\) is not compatible with provided "
                                         r"weight shape \(2, 3\)"):
        layer.set_weights([kernel.T, np.ones(2)])
    with pytest.raises(ValueError, match="expects 2 weights"):
        layer.set_weights([kernel])


def test_count_params_before_build_is_an_error():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_trainable_flag_moves_weights_to_non_trainable():
    layer = layers.Dense(2)
    layer.build((None, 3))
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == []
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not layer.kernel.requires_grad
    layer.trainable = True
    assert layer.kernel.requires_grad


def test_regularization_losses_use_keras_factors():
    layer = layers.Dense(2, kernel_regularizer="l2", bias_regularizer=minikeras.regularizers.L1(0.5),
                         activity_regularizer=minikeras.regularizers.L2(0.1))
    x = np.ones((4, 3), dtype="float32")
    out = layer(x)
    kernel = layer.kernel.numpy()
    expected = [0.01 * np.sum(kernel ** 2), 0.0, 0.1 * np.sum(out.numpy() ** 2) / 4]
    got = sorted(float(l.numpy()) for l in layer.losses)
    np.testing.assert_allclose(got, sorted(expected), rtol=1e-5)


def test_dense_config_matches_keras_keys():
    config = layers.Dense(3, activation="relu", name="dense").get_config()
    assert list(config)[:4] == ["name", "trainable", "dtype", "units"]
    assert config["kernel_initializer"] == {"module": "keras.initializers", "class_name": "GlorotUniform",
                                            "config": config["kernel_initializer"]["config"],
                                            "registered_name": None}
    assert config["bias_initializer"]["class_name"] == "Zeros"
    assert config["activation"] == "relu"


def test_input_returns_symbolic_tensor():
    tensor = layers.Input((28, 28), name="pixels")
    assert tensor.shape == (None, 28, 28)
    input_layer = tensor._keras_history[0]
    assert isinstance(input_layer, layers.InputLayer) and input_layer.name == "pixels"
    assert input_layer.get_config()["batch_shape"] == [None, 28, 28]
    out = layers.Dense(3)(layers.Flatten()(tensor))
    assert out.shape == (None, 3)


def test_custom_layer_with_add_weight_gets_gradients():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, inputs):
            return inputs * self.scale

    layer = Scale()
    x = Tensor(np.array([[1.0, 2.0]], dtype="float32"))
    loss = ops.sum(layer(x))
    loss.backward()
    np.testing.assert_array_equal(layer.scale.grad, [1.0, 2.0])
    assert layer.compute_output_shape((None, 2)) == (None, 2)
    assert layer.scale.path == "scale/scale"
