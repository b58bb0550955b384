"""The core-set layers of issue 3: Reshape, Permute, RepeatVector, Identity, Lambda,
ActivityRegularization, GaussianNoise, GaussianDropout, AlphaDropout, Rescaling, Normalization,
UnitNormalization.

Expected numbers were computed with Keras 3.15.1 (torch backend) on the same inputs and pinned
here; layouts of configs are Keras's. Every layer has a float64 gradient check.
"""
import json
import sys

import numpy as np
import pytest

import minikeras
from minikeras import layers, ops
from minikeras.backend import set_floatx, set_image_data_format
from minikeras.saving import custom_object_scope, register_keras_serializable
from minikeras.utils import gradient_check, layer_gradient_check

X = np.arange(24, dtype="float32").reshape(2, 3, 4) / 10 - 1  # the fixed input used throughout
BASE_KEYS = {"name", "trainable", "dtype"}


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def round_trip(layer):
    """Config -> JSON -> config -> layer, through layers.serialize / layers.deserialize."""
    config = json.loads(json.dumps(layers.serialize(layer)))
    clone = layers.deserialize(config)
    assert type(clone) is type(layer)
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(layer.get_config(),
                                                                       sort_keys=True)
    return clone


def gaussian_normal(shape, seed=42):
    # not seed 0: the gradient checks project outputs on default_rng(0) normals, and a
    # UnitNormalization input equal to that projection has a zero gradient.
    return np.random.default_rng(seed).normal(size=shape)


# -- Reshape ---------------------------------------------------------------------------------------
def test_reshape_forward_shapes_and_config():
    layer = layers.Reshape((-1, 2))
    out = layer(X)
    assert out.shape == (2, 6, 2)
    np.testing.assert_array_equal(out.numpy(), X.reshape(2, 6, 2))
    assert layer.compute_output_shape((None, 3, 4)) == (None, 6, 2)
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 2)
    assert layer.compute_output_shape((2, 3, 4)) == (2, 6, 2)
    assert layers.Reshape((4, 3)).compute_output_shape((None, 12)) == (None, 4, 3)
    assert layers.Reshape((3, 4))(layers.Input((12,))).shape == (None, 3, 4)
    config = layer.get_config()
    assert set(config) == BASE_KEYS | {"target_shape"} and config["target_shape"] == (-1, 2)
    assert round_trip(layer).target_shape == (-1, 2)  # a JSON list comes back as a tuple


def test_reshape_errors_match_keras():
    with pytest.raises(ValueError, match=r"at most one unknown dimension \(-1\) in `target_shape`"
                                         r"\. Received: target_shape=\(-1, -1\)"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"must be a non-negative integer, or `-1`.*"
                                         r"target_shape=\(-2, 3\)"):
        layers.Reshape((-2, 3))
    with pytest.raises(TypeError, match="target_shape"):
        layers.Reshape(5)
    with pytest.raises(ValueError, match=r"The total size of the tensor must be unchanged\. "
                                         r"Received: input_shape=\(3, 4\), "
                                         r"target_shape=\(5, 5\)"):
        layers.Reshape((5, 5))(X)
    with pytest.raises(ValueError, match=r"input size cannot by divided by the specified "
                                         r"dimensions in target_shape\. Received: "
                                         r"input_shape=\(3, 4\), target_shape=\(5, -1\)"):
        layers.Reshape((5, -1))(X)
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5, 5)).compute_output_shape((None, 3, 4))


def test_reshape_gradient(float64):
    assert layer_gradient_check(layers.Reshape((2, -1)), gaussian_normal((2, 3, 4))) < 1e-6


# -- Permute ---------------------------------------------------------------------------------------
def test_permute_forward_shapes_and_config():
    layer = layers.Permute((2, 1))
    out = layer(X)
    np.testing.assert_array_equal(out.numpy(), np.transpose(X, (0, 2, 1)))
    np.testing.assert_allclose(out.numpy()[0, 1], [-0.9, -0.5, -0.1], rtol=1e-6)  # Keras
    assert layer.compute_output_shape((None, 10, 64)) == (None, 64, 10)
    assert layers.Permute((3, 1, 2)).compute_output_shape((None, 2, 3, 4)) == (None, 4, 2, 3)
    assert layer.get_config()["dims"] == (2, 1)
    assert round_trip(layer).dims == (2, 1)


def test_permute_errors():
    for dims in [(1, 1), (0, 1), (2, 3)]:
        with pytest.raises(ValueError, match=r"Invalid permutation argument `dims` for Permute "
                                             r"Layer\. The set of indices in `dims` must be "
                                             r"consecutive and start from 1\."):
            layers.Permute(dims)
    with pytest.raises(TypeError, match="dims"):
        layers.Permute(2)
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.Permute((2, 1, 3))(X)


def test_permute_gradient(float64):
    assert layer_gradient_check(layers.Permute((3, 1, 2)), gaussian_normal((2, 3, 4, 2))) < 1e-6


# -- RepeatVector ----------------------------------------------------------------------------------
def test_repeat_vector_forward_shapes_and_config():
    layer = layers.RepeatVector(3)
    out = layer(X[:, 0])
    assert out.shape == (2, 3, 4)
    for i in range(3):
        np.testing.assert_array_equal(out.numpy()[:, i], X[:, 0])
    assert layer.compute_output_shape((None, 32)) == (None, 3, 32)
    assert layer.get_config()["n"] == 3 and round_trip(layer).n == 3


def test_repeat_vector_errors_match_keras():
    with pytest.raises(ValueError, match=r"Argument `n` should be a positive integer\. "
                                         r"Received: n=0"):
        layers.RepeatVector(0)
    for bad in (2.0, True):
        with pytest.raises(TypeError, match="Expected an integer value for `n`"):
            layers.RepeatVector(bad)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layers.RepeatVector(2)(X)


def test_repeat_vector_gradient(float64):
    assert layer_gradient_check(layers.RepeatVector(3), gaussian_normal((2, 4))) < 1e-6


# -- Identity --------------------------------------------------------------------------------------
def test_identity_returns_inputs_and_has_base_config_only():
    layer = layers.Identity()
    assert layer.built and layer.weights == []
    np.testing.assert_array_equal(layer(X).numpy(), X)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    assert set(layer.get_config()) == BASE_KEYS
    round_trip(layer)


def test_identity_gradient(float64):
    assert layer_gradient_check(layers.Identity(), gaussian_normal((3, 4))) < 1e-6


# -- Lambda ----------------------------------------------------------------------------------------
def _times(t, factor=2.0):
    return t * factor


def test_lambda_forward_arguments_and_training_flag():
    np.testing.assert_allclose(layers.Lambda(lambda t: t ** 2)(X).numpy(), X ** 2, rtol=1e-6)
    layer = layers.Lambda(_times, arguments={"factor": 3.0})
    np.testing.assert_allclose(layer(X).numpy(), X * 3, rtol=1e-6)
    flagged = layers.Lambda(lambda t, training=None: t * (2 if training else 1))
    np.testing.assert_array_equal(flagged(X, training=True).numpy(), X * 2)
    np.testing.assert_array_equal(flagged(X).numpy(), X)


def test_lambda_output_shapes():
    assert layers.Lambda(lambda t: t ** 2).compute_output_shape((None, 3, 4)) == (None, 3, 4)
    assert layers.Lambda(lambda t: t[:, 0]).compute_output_shape((None, 3, 4)) == (None, 4)
    # a size that follows an unknown input size is unknown
    assert layers.Lambda(lambda t: ops.reshape(t, (t.shape[0], -1))).compute_output_shape(
        (None, None, 4)) == (None, None)
    given = layers.Lambda(_times, output_shape=(3, 4))
    assert given.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    pair = layers.Lambda(lambda t: [t, t], output_shape=[(3, 4), (3, 4)])
    assert pair.compute_output_shape((None, 3, 4)) == [(None, 3, 4), (None, 3, 4)]
    assert layers.Lambda(lambda t: t, output_shape=lambda s: s[:2]).compute_output_shape(
        (None, 3, 4)) == (None, 3)
    outputs = layers.Lambda(lambda t: [t, t[:, 0]])(layers.Input((3, 4)))
    assert [o.shape for o in outputs] == [(None, 3, 4), (None, 4)]
    with pytest.raises(NotImplementedError, match="specify the `output_shape` argument"):
        layers.Lambda(lambda t: t.no_such_attribute).compute_output_shape((None, 3))


def test_lambda_config_of_a_named_function_is_keras_layout():
    layer = layers.Lambda(_times, output_shape=(3, 4), arguments={"factor": 3.0})
    config = layer.get_config()
    assert config["function"] == {"module": "builtins", "class_name": "function",
                                  "config": "_times", "registered_name": "function"}
    assert config["output_shape"] == (3, 4) and config["arguments"] == {"factor": 3.0}
    assert list(config) == ["name", "trainable", "dtype", "function", "output_shape", "arguments"]
    assert "mask" not in config
    clone = layers.Lambda.from_config(json.loads(json.dumps(config)),
                                      custom_objects={"_times": _times})
    assert clone.function is _times and clone._output_shape == (3, 4)
    np.testing.assert_allclose(clone(X).numpy(), X * 3, rtol=1e-6)
    with custom_object_scope({"_times": _times}):
        assert layers.deserialize(layers.serialize(layer)).function is _times


def test_lambda_finds_registered_and_builtin_functions():
    @register_keras_serializable(package="core_set_tests")
    def cube(t):
        return t ** 3
    config = layers.Lambda(cube).get_config()
    assert config["function"]["config"] == "core_set_tests>cube"  # Keras writes "package>name"
    assert layers.Lambda.from_config(config).function is cube
    assert layers.deserialize(layers.serialize(layers.Lambda(cube))).function is cube
    relu = layers.Lambda(minikeras.activations.relu).get_config()
    assert relu["function"]["config"] == "relu"
    assert layers.Lambda.from_config(relu).function is minikeras.activations.relu


def test_lambda_unknown_function_names_the_fix():
    config = layers.Lambda(_times).get_config()
    with pytest.raises(TypeError, match=r"Could not locate function '_times'.*"
                                        r"register_keras_serializable.*custom_objects"):
        layers.Lambda.from_config(config)


def test_lambda_python_lambda_is_stored_as_bytecode_and_refused_in_safe_mode():
    scale = 4.0
    layer = layers.Lambda(lambda t, k=2.0: t * k * scale)
    config = layer.get_config()
    function = config["function"]
    assert function["class_name"] == "__lambda__"
    assert set(function["config"]) == {"code", "defaults", "closure"}
    assert function["config"]["defaults"] == (2.0,) and function["config"]["closure"] == (4.0,)
    config = json.loads(json.dumps(config))
    with pytest.raises(ValueError, match=r"`function` is a Python lambda.*safe_mode=False"):
        layers.Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode"):
        layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    clone = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(clone(X).numpy(), X * 8, rtol=1e-6)
    shaped = layers.Lambda(_times, output_shape=lambda s: s).get_config()
    with pytest.raises(ValueError, match=r"`output_shape` is a Python lambda.*safe_mode"):
        layers.Lambda.from_config(shaped, custom_objects={"_times": _times})



def test_safe_mode_scope_decides_for_nested_deserialization(monkeypatch):
    from minikeras.registry import serialization
    serialized = json.loads(json.dumps(layers.serialize(layers.Lambda(lambda t: t * 3.0))))
    assert serialization.in_safe_mode()
    with serialization.safe_mode_scope(False):
        assert not serialization.in_safe_mode()
        clone = layers.deserialize(serialized)
        with serialization.safe_mode_scope(True), pytest.raises(ValueError, match="safe_mode"):
            layers.deserialize(serialized)
    np.testing.assert_allclose(clone(X).numpy(), X * 3, rtol=1e-6)
    assert serialization.in_safe_mode()
    monkeypatch.setattr(minikeras.backend.config, "_UNSAFE_DESERIALIZATION", False)
    serialization.enable_unsafe_deserialization()
    assert not serialization.in_safe_mode()
    layers.deserialize(serialized)
    with serialization.safe_mode_scope(True):
        assert serialization.in_safe_mode()


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="marshalled bytecode of Python 3.11")
def test_lambda_loads_a_config_written_by_keras_when_safe_mode_is_off():
    # Keras 3.15.1's get_config()["function"] for `lambda t, k=2.0: t * k + 1` (after JSON).
    keras_function = {"class_name": "__lambda__", "config": {
        "code": "4wIAAAAAAAAAAAAAAAIAAAADAAAA8xIAAACXAHwAfAF6BQAAZAF6AAAAUwApAk7pAQAAAKkAKQLa\n"
                "AXTaAWtzAgAAACAg+g4vdG1wL3JlZi9wNy5wefoIPGxhbWJkYT5yBwAAABYAAABzDgAAAIAAoDGg\n"
                "caE1qDGhOYAA8wAAAAA=\n",
        "defaults": [2.0], "closure": None}}
    config = {"name": "lambda", "trainable": True, "function": keras_function, "arguments": {}}
    with pytest.raises(ValueError, match="safe_mode"):
        layers.Lambda.from_config(config)
    layer = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(layer(X).numpy(), X * 2 + 1, rtol=1e-6)


def test_lambda_bad_arguments():
    with pytest.raises(TypeError, match="`function` must be callable"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match="output_shape"):
        layers.Lambda(_times, output_shape=(3, "a"))
    with pytest.raises(TypeError, match="`arguments` must be a dict"):
        layers.Lambda(_times, arguments=[2.0])


def test_lambda_gradient(float64):
    layer = layers.Lambda(lambda t, w=0.5: ops.tanh(t) * t + w * ops.square(t))
    assert layer_gradient_check(layer, gaussian_normal((3, 4))) < 1e-6


# -- ActivityRegularization ------------------------------------------------------------------------
def test_activity_regularization_loss_and_config():
    layer = layers.ActivityRegularization(l1=0.01, l2=0.02)
    np.testing.assert_array_equal(layer(X).numpy(), X)
    # Keras: (0.01 * sum|x| + 0.02 * sum x**2) / batch_size = 0.19339999556541443
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0].numpy()), 0.19339999556541443, rtol=1e-6)
    config = layer.get_config()
    assert set(config) == BASE_KEYS | {"l1", "l2"} and (config["l1"], config["l2"]) == (0.01, 0.02)
    assert round_trip(layer).activity_regularizer.get_config() == {"l1": 0.01, "l2": 0.02}
    default = layers.ActivityRegularization()
    default(X)
    assert (default.l1, default.l2) == (0.0, 0.0) and float(default.losses[0].numpy()) == 0.0
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)


def test_activity_regularization_bad_factors():
    with pytest.raises(ValueError, match="l1"):
        layers.ActivityRegularization(l1=-1.0)
    with pytest.raises(ValueError, match="l2"):
        layers.ActivityRegularization(l2="a")


def test_activity_regularization_gradients(float64):
    layer = layers.ActivityRegularization(l1=0.3, l2=0.7)
    x = gaussian_normal((3, 4))
    assert layer_gradient_check(layer, x) < 1e-6

    def penalty(t):
        layer(t)
        return layer.losses[0]
    assert gradient_check(penalty, x) < 1e-6


# -- GaussianNoise, GaussianDropout, AlphaDropout --------------------------------------------------
@pytest.mark.parametrize("make", [lambda: layers.GaussianNoise(0.1, seed=1),
                                  lambda: layers.GaussianDropout(0.3, seed=1),
                                  lambda: layers.AlphaDropout(0.2, seed=1)])
def test_noise_layers_act_only_when_training(make):
    layer = make()
    np.testing.assert_array_equal(layer(X).numpy(), X)
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)
    noisy = layer(X, training=True).numpy()
    assert noisy.shape == X.shape and not np.array_equal(noisy, X)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    again = make()
    np.testing.assert_array_equal(again(X, training=True).numpy(), noisy)  # seeded: reproducible


def test_gaussian_noise_statistics_and_config():
    layer = layers.GaussianNoise(0.5, seed=3)
    noise = layer(np.zeros((400, 500), "float32"), training=True).numpy()
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.5) < 0.005
    assert layer.get_config()["stddev"] == 0.5 and layer.get_config()["seed"] == 3
    assert set(layer.get_config()) == BASE_KEYS | {"stddev", "seed"}
    round_trip(layer)
    np.testing.assert_array_equal(layers.GaussianNoise(0)(X, training=True).numpy(), X)


def test_gaussian_dropout_statistics_and_config():
    layer = layers.GaussianDropout(0.2, seed=3)
    noise = layer(np.ones((400, 500), "float32"), training=True).numpy()
    # multiplicative noise N(1, rate / (1 - rate)): std sqrt(0.25) = 0.5
    assert abs(noise.mean() - 1) < 0.005 and abs(noise.std() - 0.5) < 0.005
    assert set(layer.get_config()) == BASE_KEYS | {"rate", "seed"}
    round_trip(layer)
    with pytest.raises(ValueError, match="rate=1"):
        layers.GaussianDropout(1.0)(X, training=True)


def test_alpha_dropout_keras_constants_and_values():
    from minikeras.layers.regularization.alpha_dropout import ALPHA, ALPHA_P, SCALE
    assert ALPHA == 1.6732632423543772848170429916717
    assert SCALE == 1.0507009873554804934193349852946
    layer = layers.AlphaDropout(0.2, seed=3)
    a, b = 0.8789035834435328, 0.30903996214409446  # Keras's a and b for rate=0.2
    out = layer(X, training=True).numpy()
    kept = np.isclose(out, a * X + b, rtol=1e-6)
    dropped = np.isclose(out, a * ALPHA_P + b, rtol=1e-6)  # -1.2361598485763778
    np.testing.assert_allclose(a * ALPHA_P + b, -1.2361598485763778, rtol=1e-12)
    assert np.all(kept | dropped) and kept.any() and dropped.any()
    # it keeps zero mean and unit variance of standardized inputs, dropping `rate` of them
    z = np.random.default_rng(0).standard_normal((500, 400)).astype("float32")
    big = layers.AlphaDropout(0.2, seed=5)(z, training=True).numpy()
    assert abs(big.mean()) < 0.01 and abs(big.std() - 1) < 0.01
    assert abs(np.isclose(big, a * ALPHA_P + b).mean() - 0.2) < 0.005


def test_alpha_dropout_noise_shape_and_config():
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=2)
    out = layer(np.zeros((6, 3, 4), "float32"), training=True).numpy()
    assert np.all(out == out[:, :1, :])  # one keep/drop decision per (sample, feature)
    config = layer.get_config()
    assert set(config) == BASE_KEYS | {"rate", "seed", "noise_shape"}
    assert config["noise_shape"] == (None, 1, 4) and layers.AlphaDropout(0.1).noise_shape is None
    assert round_trip(layer).noise_shape == (None, 1, 4)
    with pytest.raises(ValueError, match="rate=1"):
        layers.AlphaDropout(1.0)(X, training=True)


@pytest.mark.parametrize("cls, name", [(layers.GaussianNoise, "stddev"),
                                       (layers.GaussianDropout, "rate"),
                                       (layers.AlphaDropout, "rate")])
def test_noise_layers_reject_bad_arguments(cls, name):
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=rf"Invalid value received for argument `{name}`\. "
                                             rf"Expected a float value between 0 and 1\. "
                                             rf"Received: {name}={bad}"):
            cls(bad)
    with pytest.raises(TypeError, match=name):
        cls("a")
    with pytest.raises(TypeError, match="seed"):
        cls(0.1, seed=1.5)


def test_noise_layer_gradients(float64):
    x = gaussian_normal((4, 5))
    assert layer_gradient_check(layers.GaussianNoise(0.3, seed=1), x, training=True) < 1e-6
    assert layer_gradient_check(layers.GaussianDropout(0.3, seed=1), x, training=True) < 1e-6
    assert layer_gradient_check(layers.AlphaDropout(0.3, seed=1), x, training=True) < 1e-6
    shared = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=2)
    assert layer_gradient_check(shared, x, training=True) < 1e-6


# -- Rescaling -------------------------------------------------------------------------------------
def test_rescaling_values_and_config():
    layer = layers.Rescaling(1 / 255.0, offset=-1)
    out = layer(np.array([[0, 127, 255]], dtype="uint8"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[-1.0, -0.50196075, 0.0]], rtol=1e-6)  # Keras
    config = layer.get_config()
    assert config["scale"] == 1 / 255.0 and config["offset"] == -1  # kept as given, like Keras
    assert set(config) == BASE_KEYS | {"scale", "offset"}
    round_trip(layer)
    assert layer.compute_output_shape((None, 8, 8, 3)) == (None, 8, 8, 3)


def test_rescaling_with_an_array_scale():
    layer = layers.Rescaling(np.array([1.0, 2.0, 3.0]), offset=0.5)
    np.testing.assert_array_equal(layer(np.ones((2, 3), "float32")).numpy(),
                                  [[1.5, 2.5, 3.5], [1.5, 2.5, 3.5]])
    assert layer.get_config()["scale"] == {"class_name": "__numpy__",
                                           "config": {"value": [1.0, 2.0, 3.0],
                                                      "dtype": "float64"}}
    clone = round_trip(layer)
    np.testing.assert_array_equal(clone.scale, [1.0, 2.0, 3.0])
    set_image_data_format("channels_first")
    try:
        out = layers.Rescaling(np.array([1.0, 2.0]))(np.ones((1, 2, 2, 2), "float32")).numpy()
    finally:
        set_image_data_format("channels_last")
    np.testing.assert_array_equal(out[0, 0], np.ones((2, 2)))  # scale along the channel axis
    np.testing.assert_array_equal(out[0, 1], 2 * np.ones((2, 2)))


def test_rescaling_bad_arguments():
    with pytest.raises(TypeError, match="scale"):
        layers.Rescaling("a")
    with pytest.raises(TypeError, match="offset"):
        layers.Rescaling(1.0, offset=None)


def test_rescaling_gradient(float64):
    layer = layers.Rescaling(np.array([0.5, -2.0, 3.0]), offset=0.25)
    assert layer_gradient_check(layer, gaussian_normal((4, 3))) < 1e-6


# -- Normalization ---------------------------------------------------------------------------------
ADAPT = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.5]], "float32")
# 7 rows from np.random.default_rng(0).normal(size=(7, 3)) * 3 + 1, rounded to 2 decimals
DATA = np.array([[1.38, 0.6, 2.92], [1.31, -0.61, 2.08], [4.91, 3.84, -1.11],
                 [-2.8, -0.87, 1.12], [-5.98, 0.34, -2.74], [-1.2, -0.63, 0.05],
                 [2.23, 4.13, 0.61]], "float32")


def test_normalization_adapt_weights_like_keras():
    layer = layers.Normalization(name="norm")
    layer.adapt(ADAPT)
    assert [w.path for w in layer.weights] == ["norm/mean", "norm/variance", "norm/count"]
    assert [w.dtype for w in layer.weights] == [np.float32, np.float32, np.int32]
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    mean, variance, count = layer.get_weights()
    np.testing.assert_array_equal(mean, [1.0, 8.0, 5.125])
    np.testing.assert_array_equal(variance, [1.0, 1.0, 1.296875])
    assert count == 0  # Keras keeps `count` for old files and never updates it
    np.testing.assert_allclose(layer(ADAPT[:2]).numpy(),
                               [[-1.0, -1.0, -0.9878783], [1.0, 1.0, 0.7683498]], rtol=1e-6)
    inverse = layers.Normalization(invert=True)
    inverse.adapt(ADAPT)
    np.testing.assert_allclose(inverse(np.array([[1.0, 2.0, 3.0]], "float32")).numpy(),
                               [[2.0, 10.0, 8.541412]], rtol=1e-6)


def test_normalization_keras_docstring_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32"))
    assert [w.shape for w in layer.weights] == [(), (), ()]
    np.testing.assert_allclose(layer(np.array([1.0, 2.0, 3.0], "float32")).numpy(),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    fixed = layers.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(fixed(np.array([[1.0], [2.0], [3.0]], "float32")).numpy(),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)
    assert fixed.weights == []


def test_normalization_batches_are_merged_exactly():
    streamed = layers.Normalization()
    streamed.adapt([DATA[:2], DATA[2:3], DATA[3:]])
    np.testing.assert_allclose(streamed.get_weights()[0], [-0.021428466, 0.97142863, 0.41857144],
                               rtol=1e-6)
    np.testing.assert_allclose(streamed.get_weights()[1], [11.105527, 3.8854697, 3.1421554],
                               rtol=1e-6)
    whole = layers.Normalization()
    whole.adapt(DATA)
    np.testing.assert_allclose(whole.get_weights()[0], DATA.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(whole.get_weights()[1], DATA.var(axis=0), rtol=1e-6)
    np.testing.assert_allclose(whole(DATA[:2]).numpy(), [[0.42053425, -0.18843152, 1.4111536],
                                                         [0.39952895, -0.80228347, 0.9372767]],
                               rtol=1e-6)
    pairs = layers.Normalization()
    pairs.adapt(iter([(DATA[:3], None), (DATA[3:], None)]))  # (x, y) batches: x is used
    np.testing.assert_allclose(pairs.get_weights()[1], DATA.var(axis=0), rtol=1e-6)
    from_tensor = layers.Normalization()
    from_tensor.adapt(minikeras.backend.Tensor(DATA))
    np.testing.assert_array_equal(from_tensor.get_weights()[0], whole.get_weights()[0])


def test_normalization_axes_and_fixed_statistics():
    x3 = np.arange(24, dtype="float32").reshape(2, 3, 4)
    per_row = layers.Normalization(axis=1)
    per_row.adapt(x3)
    np.testing.assert_array_equal(per_row.get_weights()[0], [7.5, 11.5, 15.5])
    np.testing.assert_array_equal(per_row.get_weights()[1], [37.25, 37.25, 37.25])
    np.testing.assert_allclose(per_row(x3).numpy()[0, 0],
                               [-1.2288479, -1.0650015, -0.9011551, -0.73730874], rtol=1e-6)
    grid = layers.Normalization(axis=(1, 2))
    grid.adapt(x3)
    assert grid.get_weights()[0].shape == (3, 4) and grid.axis == (1, 2)
    np.testing.assert_array_equal(grid.get_weights()[1], np.full((3, 4), 36.0))
    # given statistics align with the kept axes from the right
    right = layers.Normalization(axis=(1, 2), mean=[1.0, 2.0, 3.0, 4.0],
                                 variance=[1.0, 4.0, 9.0, 16.0])
    np.testing.assert_allclose(right(x3).numpy()[0, 1], [3.0, 1.5, 1.0, 0.75], rtol=1e-6)
    np.testing.assert_allclose(right(x3).numpy()[0, 2], [7.0, 3.5, 2.3333333, 1.75], rtol=1e-6)
    # sqrt(variance) is floored at backend.epsilon() = 1e-7
    per_feature = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 0.0])
    np.testing.assert_allclose(per_feature(ADAPT[:2]).numpy(), [[-1.0, 2.5, 1e7], [1.0, 3.5, 3e7]],
                               rtol=1e-6)


def test_normalization_reads_its_weights_on_every_call():
    layer = layers.Normalization()
    np.testing.assert_array_equal(layer(ADAPT).numpy(), ADAPT)  # unadapted: mean 0, variance 1
    layer.set_weights([np.array([1.0, 2.0, 3.0]), np.array([4.0, 4.0, 4.0]), np.array(0)])
    np.testing.assert_array_equal(layer(np.array([[3.0, 4.0, 5.0]], "float32")).numpy(),
                                  [[1.0, 1.0, 1.0]])
    layer.adapt(ADAPT * 2)
    np.testing.assert_array_equal(layer.get_weights()[0], [2.0, 16.0, 10.25])
    np.testing.assert_array_equal(layer.get_weights()[1], [4.0, 4.0, 5.1875])
    out = layers.Normalization(mean=0.0, variance=1.0)(np.array([[1, 2]], dtype="int64"))
    assert out.dtype == np.float32


def test_normalization_config_and_build_config():
    layer = layers.Normalization()
    layer.adapt(ADAPT)
    config = layer.get_config()
    assert set(config) == BASE_KEYS | {"axis", "invert", "mean", "variance"}
    assert config["axis"] == (-1,) and config["invert"] is False
    assert config["mean"] is None and config["variance"] is None
    serialized = layers.serialize(layer)
    assert serialized["build_config"] == {"input_shape": [4, 3]}
    clone = round_trip(layer)  # built from build_config, as Keras 3 does
    assert clone.axis == (-1,) and clone.built
    assert [tuple(w.shape) for w in clone.weights] == [(3,), (3,), ()]
    clone.build_from_config(layer.get_build_config())
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(ADAPT).numpy(), layer(ADAPT).numpy())
    fixed = layers.Normalization(axis=[1, 2], mean=3.0, variance=2.0, invert=True)
    assert fixed.get_config()["mean"] == 3.0 and fixed.get_config()["axis"] == (1, 2)
    assert round_trip(fixed).input_variance == 2.0
    per_feature = layers.Normalization(mean=np.array([1.0, 2.0]), variance=np.array([1.0, 1.0]))
    assert per_feature.get_config()["mean"] == [1.0, 2.0]


def test_normalization_errors_match_keras():
    with pytest.raises(ValueError, match=r"both `mean` and `variance` must be set\. "
                                         r"Received: mean=1\.0 and variance=None"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"must have the same shape\. Received: mean shape "
                                         r"\(2,\) and variance shape \(1,\)"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match=r"The rank of `mean` must be less than or equal to the "
                                         r"number of axes \(1\)"):
        layers.Normalization(mean=np.ones((2, 3)), variance=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"All `axis` values must be in the range \[-ndim, "
                                         r"ndim\)\. Received inputs with ndim=2, while "
                                         r"axis=\(3,\)"):
        layers.Normalization(axis=3).adapt(ADAPT)
    with pytest.raises(ValueError, match="must have a known shape"):
        layers.Normalization().build((None, None))
    layer = layers.Normalization()
    layer.adapt(ADAPT)
    with pytest.raises(ValueError, match=r"The layer was built with input_shape=\(4, 3\), but "
                                         r"adapt\(\) is being called with data with an "
                                         r"incompatible shape, data.shape=\(4, 5\)"):
        layer.adapt(np.ones((4, 5), "float32"))
    with pytest.raises(TypeError, match=r"Unsupported data type: <class 'int'>"):
        layers.Normalization().adapt(5)
    with pytest.raises(ValueError, match=r"adapt\(\) received an empty iterable"):
        layers.Normalization().adapt([])
    with pytest.raises(TypeError, match=r"`\.shape` attribute"):
        layers.Normalization().adapt([[1.0, 2.0]])
    with pytest.raises(ValueError, match="fixed `mean`"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(ADAPT)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 2.0])(ADAPT)
    with pytest.raises(TypeError, match="axis"):
        layers.Normalization(axis="a")


def test_normalization_gradients(float64):
    x = gaussian_normal((5, 3))
    for kwargs in ({}, {"invert": True}, {"axis": None}):
        layer = layers.Normalization(**kwargs)
        layer.adapt(DATA.astype("float64"))
        assert layer_gradient_check(layer, x) < 1e-6
    fixed = layers.Normalization(mean=[0.5, 1.0, -1.0], variance=[2.0, 0.5, 3.0])
    assert layer_gradient_check(fixed, x) < 1e-6


# -- UnitNormalization -----------------------------------------------------------------------------
def test_unit_normalization_values_match_keras():
    out = layers.UnitNormalization()(X).numpy()
    np.testing.assert_allclose(out[0, 2], [-0.8164965, -0.40824836, 0.0, 0.40824836], rtol=1e-6)
    np.testing.assert_allclose(out[0, 0], [-0.58321184, -0.52489066, -0.46656948, -0.40824828],
                               rtol=1e-6)
    np.testing.assert_allclose(np.sum(out ** 2, axis=-1), np.ones((2, 3)), rtol=1e-6)
    grid = layers.UnitNormalization(axis=(1, 2))(X).numpy()
    np.testing.assert_allclose(grid[1, 0], [0.06992838, 0.10489252, 0.13985671, 0.1748209],
                               rtol=1e-6)
    columns = layers.UnitNormalization(axis=1)(X).numpy()
    np.testing.assert_allclose(columns[0, :, 1], [-0.8700629, -0.48336828, -0.096673675],
                               rtol=1e-6)
    # norms below epsilon = 1e-12 are multiplied by 1 / epsilon; all-zero rows stay zero
    tiny = layers.UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0], [1e-13, 0.0]], "float32"))
    np.testing.assert_allclose(tiny.numpy(), [[0.6, 0.8], [0.0, 0.0], [0.1, 0.0]], rtol=1e-6)


def test_unit_normalization_config_and_errors():
    layer = layers.UnitNormalization(axis=(1,))
    assert layer.get_config()["axis"] == [1] and layers.UnitNormalization().axis == -1
    assert set(layer.get_config()) == BASE_KEYS | {"axis"}
    assert round_trip(layer).axis == [1]
    assert layer.compute_output_shape((None, 3)) == (None, 3)
    with pytest.raises(TypeError, match=r"Invalid value for `axis` argument: expected an int or "
                                        r"a list/tuple of ints\. Received: axis=a"):
        layers.UnitNormalization(axis="a")
    with pytest.raises(ValueError, match=r"Axis 3 is out of bounds for input shape \(None, 3\)"):
        layers.UnitNormalization(axis=3).compute_output_shape((None, 3))
    with pytest.raises(ValueError, match="out of bounds"):
        layers.UnitNormalization(axis=3)(np.ones((2, 3), "float32"))


def test_unit_normalization_gradients(float64):
    x = gaussian_normal((3, 4, 2))
    assert layer_gradient_check(layers.UnitNormalization(), x) < 1e-6
    assert layer_gradient_check(layers.UnitNormalization(axis=[1, 2]), x) < 1e-6
    zero_row = np.array([[0.0, 0.0], [1.0, -2.0]])
    x_tensor = minikeras.backend.Tensor(zero_row, requires_grad=True)
    grad = minikeras.backend.gradients(layers.UnitNormalization()(x_tensor).sum(), [x_tensor])[0]
    assert np.all(np.isfinite(grad))


# -- in a model ------------------------------------------------------------------------------------
def test_core_set_layers_build_train_and_round_trip_in_a_sequential_model():
    normalizer = layers.Normalization()
    normalizer.adapt(DATA)
    model = minikeras.Sequential([
        layers.Input((3,)), normalizer, layers.Rescaling(0.5), layers.RepeatVector(2),
        layers.Permute((2, 1)), layers.Reshape((-1,)), layers.Identity(),
        layers.GaussianNoise(0.1, seed=1), layers.AlphaDropout(0.1, seed=1),
        layers.Dense(4), layers.UnitNormalization(), layers.GaussianDropout(0.1, seed=1),
        layers.ActivityRegularization(l2=1e-3), layers.Dense(1)])
    assert model.compute_output_shape((None, 3)) == (None, 1)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(DATA, DATA[:, :1], epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    predictions = model.predict(DATA, verbose=0)
    assert predictions.shape == (7, 1)
    clone = minikeras.Sequential.from_config(json.loads(json.dumps(model.get_config())))
    assert [type(layer).__name__ for layer in clone.layers] == [
        type(layer).__name__ for layer in model.layers]
