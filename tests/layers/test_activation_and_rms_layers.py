"""ReLU, LeakyReLU, PReLU, ELU, Softmax and RMSNormalization against Keras 3.15.1.

The expected values were printed by keras 3.15.1 (KERAS_BACKEND=torch) for the same layers and
inputs, e.g. `keras.layers.ReLU(max_value=6., negative_slope=0.1, threshold=0.5)(X)`, and pasted
here. The shared harness (test_layer_cases.py) covers config, shapes, gradients and saving.
"""
import re
import warnings

import numpy as np
import pytest

from minikeras import initializers, layers

X = np.array([[-3., -1., 0., 0.25, 0.5, 2., 7.]], "float32")
Y = np.array([[[1., 2., 3.], [0.5, -1., 2.]]], "float32")


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _close(got, want):
    np.testing.assert_allclose(_np(got), np.array(want, "float32"), rtol=1e-6, atol=1e-7)


def test_relu_cap_slope_threshold_match_keras():
    layer = layers.ReLU(max_value=6., negative_slope=0.1, threshold=0.5)
    _close(layer(X), [[-0.35, -0.15, -0.05, -0.025, 0.0, 2.0, 6.0]])


def test_leaky_relu_default_slope_is_0_3():
    _close(layers.LeakyReLU()(X), [[-0.9000000357627869, -0.3, 0.0, 0.25, 0.5, 2.0, 7.0]])


def test_leaky_relu_alpha_keyword_is_deprecated():
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.get_config()["negative_slope"] == 0.1


def test_elu_alpha():
    _close(layers.ELU(alpha=0.5)(X),
           [[-0.47510647773742676, -0.31606027483940125, 0.0, 0.25, 0.5, 2.0, 7.0]])


def test_prelu_slope_and_weight_layout():
    layer = layers.PReLU(alpha_initializer=initializers.Constant(0.25))
    _close(layer(X), [[-0.75, -0.25, 0.0, 0.25, 0.5, 2.0, 7.0]])
    assert [w.path for w in layer.weights] == [f"{layer.name}/alpha"]
    assert tuple(layer.alpha.shape) == (7,)
    shared = layers.PReLU(shared_axes=1)
    shared(np.zeros((2, 3, 4), "float32"))
    assert tuple(shared.alpha.shape) == (1, 4)
    assert shared.get_config()["shared_axes"] == [1]


def test_softmax_mask_zeroes_masked_and_fully_masked_rows():
    mask = np.array([[[1, 0, 1], [0, 0, 0]]], bool)
    _close(layers.Softmax()(Y, mask=mask),
           [[[0.11920291185379028, 0.0, 0.8807970285415649], [0.0, 0.0, 0.0]]])


def test_softmax_float_mask_broadcasts_and_keeps_above_half():
    mask = np.array([[0.9, 0.2, 0.7]], "float32")
    _close(layers.Softmax()(Y, mask=mask),
           [[[0.11920291185379028, 0.0, 0.8807970285415649],
             [0.18242551386356354, 0.0, 0.8175744414329529]]])


def test_softmax_over_several_axes():
    _close(layers.Softmax(axis=[1, 2])(Y),
           [[[0.06864602863788605, 0.1865992546081543, 0.5072293281555176],
             [0.041635919362306595, 0.00929022952914238, 0.1865992546081543]]])


def test_softmax_rejects_a_mask_that_does_not_broadcast():
    with pytest.raises(ValueError, match="broadcastable"):
        layers.Softmax()(Y, mask=np.ones((1, 2, 2), bool))


def test_rms_normalization_matches_keras():
    layer = layers.RMSNormalization()
    _close(layer(Y), [[[0.462909996509552, 0.925819993019104, 1.3887300491333008],
                       [0.3779643774032593, -0.7559287548065186, 1.511857509613037]]])
    assert [w.path for w in layer.weights] == [f"{layer.name}/scale"]
    assert layer.get_config()["axis"] == [-1] and layer.get_config()["epsilon"] == 1e-6
    layer = layers.RMSNormalization(axis=[2, 1], epsilon=1e-3)
    _close(layer(Y), [[[0.5582035183906555, 1.116407036781311, 1.6746106147766113],
                       [0.27910175919532776, -0.5582035183906555, 1.116407036781311]]])
    assert layer.axis == [1, 2] and tuple(layer.scale.shape) == (2, 3)


def test_rms_normalization_axis_out_of_range():
    with pytest.raises(ValueError, match="out of bounds"):
        layers.RMSNormalization(axis=3)(Y)


@pytest.mark.parametrize("kwargs", [{"max_value": -1.}, {"negative_slope": -1},
                                    {"threshold": None}])
def test_relu_rejects_negative_arguments(kwargs):
    with pytest.raises(ValueError, match="ReLU"):
        layers.ReLU(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": -1}, "`threshold` of a ReLU layer cannot be None or a negative value. "
                        "Received: threshold=-1"),
    ({"threshold": -0.5}, "threshold=-0.5"),
    ({"max_value": -1}, "`max_value` of a ReLU layer cannot be a negative value. "
                        "Received: max_value=-1"),
    ({"negative_slope": -1}, "`negative_slope` of a ReLU layer cannot be None or a negative "
                             "value. Received: negative_slope=-1"),
    ({"negative_slope": None}, "negative_slope=None"),
])
def test_relu_errors_name_the_layer_and_the_argument_as_keras_does(kwargs, message):
    # Keras 3.15.1's messages, prefixed with the layer
    with pytest.raises(ValueError, match="^ReLU: .*" + re.escape(message)):
        layers.ReLU(**kwargs)


def test_relu_accepts_zero_and_positive_limits():
    layer = layers.ReLU(max_value=0.0, negative_slope=0.0, threshold=0.0)
    np.testing.assert_allclose(layer(np.array([-1.0, 2.0], "float32")).numpy(), [0.0, 0.0])


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-0.1)


def test_configs_have_keras_keys():
    assert set(layers.ReLU().get_config()) >= {"max_value", "negative_slope", "threshold"}
    assert layers.ELU().get_config()["alpha"] == 1.0
    assert layers.Softmax().get_config()["axis"] == -1
    config = layers.PReLU().get_config()
    assert config["alpha_initializer"]["class_name"] == "Zeros"
    assert config["shared_axes"] is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.LeakyReLU(0.3)
