"""Image reshaping and spatial regularization layers (issue 4): ZeroPadding1D/2D/3D,
Cropping1D/2D/3D, UpSampling1D/2D/3D (nearest and bilinear) and SpatialDropout1D/2D/3D.

Padding, cropping and nearest up-sampling are exact copies of values, checked against NumPy's
np.pad / slicing / np.repeat (what Keras's layers call). Bilinear up-sampling numbers and every
get_config() were computed with Keras 3.15.1 (torch backend) and pinned here. Every layer has a
float64 gradient check.
"""
import json

import numpy as np
import pytest

from minikeras.backend import set_floatx, set_image_data_format
from minikeras.backend.autodiff import Tensor
from minikeras.layers import Input
from minikeras.layers.regularization.dropout import Dropout
from minikeras.layers.regularization.spatial_dropout import (SpatialDropout1D, SpatialDropout2D,
                                                             SpatialDropout3D)
from minikeras.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from minikeras.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from minikeras.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from minikeras.utils import layer_gradient_check

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def normal(shape, seed=0, dtype="float32"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def round_trip(layer):
    clone = type(layer).from_config(json.loads(json.dumps(layer.get_config())))
    assert clone.get_config() == layer.get_config()
    return clone


# -- ZeroPadding -------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, widths", [
    (ZeroPadding1D(), (2, 4, 3), [(0, 0), (1, 1), (0, 0)]),
    (ZeroPadding1D((1, 3), data_format="channels_first"), (2, 3, 4), [(0, 0), (0, 0), (1, 3)]),
    (ZeroPadding2D(), (2, 3, 4, 2), [(0, 0), (1, 1), (1, 1), (0, 0)]),
    (ZeroPadding2D((1, 2)), (1, 3, 4, 2), [(0, 0), (1, 1), (2, 2), (0, 0)]),
    (ZeroPadding2D(((0, 2), (3, 1)), "channels_first"), (1, 2, 3, 4), [(0, 0), (0, 0), (0, 2), (3, 1)]),
    (ZeroPadding3D(), (1, 2, 3, 2, 2), [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]),
    (ZeroPadding3D((1, (0, 2), 0), "channels_first"), (1, 2, 2, 3, 2),
     [(0, 0), (0, 0), (1, 1), (0, 2), (0, 0)]),
])
def test_zero_padding_values_and_shapes(layer, shape, widths):
    x = normal(shape)
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), np.pad(x, widths))
    assert out.dtype == np.float32
    assert layer.compute_output_shape(shape) == out.shape
    symbolic = (None,) + tuple(None if i == 1 else d for i, d in enumerate(shape[1:]))
    expected = tuple(None if d is None else d + sum(widths[i]) for i, d in enumerate(symbolic))
    assert layer.compute_output_shape(symbolic) == expected
    round_trip(layer)


def test_zero_padding_gradients(float64):
    for layer, shape in [(ZeroPadding1D((2, 1)), (2, 3, 2)),
                         (ZeroPadding2D(((1, 0), (2, 1)), "channels_first"), (1, 2, 3, 3)),
                         (ZeroPadding3D((1, 0, 2)), (1, 2, 2, 2, 2))]:
        assert layer_gradient_check(layer, normal(shape, dtype="float64")) < 1e-6


# -- Cropping ----------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, index", [
    (Cropping1D(), (2, 5, 3), np.s_[:, 1:4, :]),
    (Cropping1D((2, 0)), (2, 5, 3), np.s_[:, 2:, :]),
    (Cropping2D(), (1, 3, 4, 2), np.s_[:, :, :, :]),
    (Cropping2D(((1, 2), 1)), (1, 5, 4, 2), np.s_[:, 1:3, 1:3, :]),
    (Cropping2D(((0, 1), (2, 0)), "channels_first"), (1, 2, 3, 4), np.s_[:, :, 0:2, 2:]),
    (Cropping3D(), (1, 3, 4, 5, 2), np.s_[:, 1:2, 1:3, 1:4, :]),
    (Cropping3D((0, (1, 0), 2), "channels_first"), (1, 2, 3, 4, 5), np.s_[:, :, :, 1:, 2:3]),
])
def test_cropping_values_and_shapes(layer, shape, index):
    x = normal(shape)
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), x[index])
    assert layer.compute_output_shape(shape) == out.shape
    assert layer.compute_output_shape((None,) * len(shape))[0] is None
    round_trip(layer)


def test_cropping_gradients(float64):
    for layer, shape in [(Cropping1D((1, 2)), (2, 5, 2)),
                         (Cropping2D(((1, 0), (0, 2)), "channels_first"), (1, 2, 3, 4)),
                         (Cropping3D(((1, 0), 1, (0, 1))), (1, 3, 3, 3, 2))]:
        assert layer_gradient_check(layer, normal(shape, dtype="float64")) < 1e-6


# -- UpSampling --------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, repeats", [
    (UpSampling1D(), (2, 3, 2), {1: 2}),
    (UpSampling1D(3), (1, 2, 4), {1: 3}),
    (UpSampling2D(), (2, 2, 3, 2), {1: 2, 2: 2}),
    (UpSampling2D((1, 3), data_format="channels_first"), (1, 2, 2, 3), {2: 1, 3: 3}),
    (UpSampling3D(), (1, 2, 2, 2, 1), {1: 2, 2: 2, 3: 2}),
    (UpSampling3D((3, 1, 2), "channels_first"), (1, 2, 2, 3, 2), {2: 3, 3: 1, 4: 2}),
])
def test_nearest_up_sampling_repeats_values(layer, shape, repeats):
    x = normal(shape)
    expected = x
    for axis, count in repeats.items():
        expected = np.repeat(expected, count, axis=axis)
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert layer.compute_output_shape(shape) == out.shape
    assert layer.compute_output_shape((None,) * len(shape)) == (None,) * len(shape)
    round_trip(layer)


# UpSampling2D(interpolation="bilinear") outputs from Keras (ops.image.resize, half-pixel).
BILINEAR = {
    "U1": [[[[0.358773], [0.358773], [0.742741], [1.126709], [1.510677], [0.411674], [-0.687329],
             [-1.786331], [-1.786331]],
            [[0.690733], [0.690733], [0.834215], [0.977697], [1.121179], [0.234205], [-0.652769],
             [-1.539743], [-1.539743]],
            [[1.354653], [1.354653], [1.017163], [0.679672], [0.342181], [-0.120735], [-0.583651],
             [-1.046567], [-1.046567]],
            [[1.686614], [1.686614], [1.108637], [0.53066], [-0.047317], [-0.298204], [-0.549092],
             [-0.799979], [-0.799979]]]],
    "U2": [[[[-1.397618, -1.349216, -1.252412, -1.20401], [-1.397618, -1.349216, -1.252412, -1.20401],
             [-1.365835, -1.276935, -1.099135, -1.010235], [-1.334052, -1.204654, -0.945858, -0.81646],
             [-1.302269, -1.132373, -0.792581, -0.622685], [-0.385752, -0.526538, -0.808109, -0.948895],
             [0.530764, 0.079297, -0.823637, -1.275104], [1.44728, 0.685132, -0.839165, -1.601314],
             [1.44728, 0.685132, -0.839165, -1.601314]]]],
    "U3": [[[[0.553261], [0.553261], [0.511303], [0.427388], [0.343473], [0.259558], [0.217601],
             [0.217601]],
            [[0.553261], [0.553261], [0.511303], [0.427388], [0.343473], [0.259558], [0.217601],
             [0.217601]],
            [[0.476854], [0.476854], [0.404814], [0.260734], [0.116654], [-0.027426], [-0.099466],
             [-0.099466]],
            [[0.324042], [0.324042], [0.191836], [-0.072574], [-0.336985], [-0.601395], [-0.733601],
             [-0.733601]],
            [[0.171229], [0.171229], [-0.021142], [-0.405882], [-0.790623], [-1.175364], [-1.367735],
             [-1.367735]],
            [[0.018416], [0.018416], [-0.234119], [-0.739191], [-1.244262], [-1.749333], [-2.001869],
             [-2.001869]],
            [[0.003196], [0.003196], [-0.284061], [-0.858573], [-1.433086], [-2.007598], [-2.294854],
             [-2.294854]],
            [[0.125567], [0.125567], [-0.170966], [-0.76403], [-1.357094], [-1.950158], [-2.24669],
             [-2.24669]],
            [[0.247938], [0.247938], [-0.05787], [-0.669486], [-1.281102], [-1.892718], [-2.198526],
             [-2.198526]],
            [[0.370309], [0.370309], [0.055225], [-0.574943], [-1.20511], [-1.835278], [-2.150362],
             [-2.150362]],
            [[0.431494], [0.431494], [0.111772], [-0.527671], [-1.167115], [-1.806558], [-2.12628],
             [-2.12628]],
            [[0.431494], [0.431494], [0.111772], [-0.527671], [-1.167115], [-1.806558], [-2.12628],
             [-2.12628]]]],
}


@pytest.mark.parametrize("name, shape, seed, kwargs", [
    ("U1", (1, 2, 3, 1), 21, {"size": (2, 3)}),
    ("U2", (1, 1, 3, 2), 22, {"size": (3, 2), "data_format": "channels_first"}),
    ("U3", (1, 3, 2, 1), 23, {"size": 4}),
])
def test_bilinear_up_sampling_matches_keras(name, shape, seed, kwargs):
    layer = UpSampling2D(interpolation="Bilinear", **kwargs)
    assert layer.interpolation == "bilinear"
    out = layer(normal(shape, seed))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), BILINEAR[name], atol=1e-6)
    assert layer.compute_output_shape(shape) == out.shape


def test_bilinear_of_a_constant_or_single_pixel_stays_constant():
    np.testing.assert_allclose(UpSampling2D(3, interpolation="bilinear")(
        np.full((1, 2, 2, 1), 7.0, "float32")).numpy(), np.full((1, 6, 6, 1), 7.0))
    x = normal((2, 1, 1, 3))
    np.testing.assert_allclose(UpSampling2D((2, 3), interpolation="bilinear")(x).numpy(),
                               np.broadcast_to(x, (2, 2, 3, 3)), rtol=1e-6)


@pytest.mark.parametrize("layer, shape", [
    (lambda: UpSampling1D(3), (2, 3, 2)),
    (lambda: UpSampling2D((2, 3)), (1, 2, 3, 2)),
    (lambda: UpSampling2D((2, 3), interpolation="bilinear"), (1, 3, 2, 2)),
    (lambda: UpSampling2D((4, 1), "channels_first", "bilinear"), (1, 2, 3, 2)),
    (lambda: UpSampling2D(2, interpolation="bilinear"), (1, 1, 2, 1)),
    (lambda: UpSampling3D((2, 1, 3), "channels_first"), (1, 2, 2, 2, 2)),
])
def test_up_sampling_gradients(float64, layer, shape):
    assert layer_gradient_check(layer(), normal(shape, dtype="float64")) < 1e-6


# -- SpatialDropout ----------------------------------------------------------------------------
@pytest.mark.parametrize("layer_class, shape, kwargs, map_axes", [
    (SpatialDropout1D, (64, 5, 16), {}, (1,)),
    (SpatialDropout2D, (32, 3, 4, 16), {}, (1, 2)),
    (SpatialDropout2D, (32, 16, 3, 4), {"data_format": "channels_first"}, (2, 3)),
    (SpatialDropout3D, (16, 2, 3, 2, 16), {}, (1, 2, 3)),
    (SpatialDropout3D, (16, 16, 2, 3, 2), {"data_format": "channels_first"}, (2, 3, 4)),
])
def test_spatial_dropout_drops_whole_feature_maps(layer_class, shape, kwargs, map_axes):
    layer = layer_class(0.5, seed=7, **kwargs)
    x = np.ones(shape, "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: the identity
    inputs = Tensor(x)
    assert layer(inputs, training=False) is inputs
    out = layer(x, training=True).numpy()
    assert out.dtype == np.float32 and set(np.unique(out)) <= {0.0, 2.0}
    spread = out.max(axis=map_axes) - out.min(axis=map_axes)
    assert (spread == 0).all()  # each (sample, channel) map is kept or dropped as a whole
    dropped = (out.max(axis=map_axes) == 0).mean()
    assert 0.35 < dropped < 0.65
    assert layer.compute_output_shape(shape) == shape


def test_spatial_dropout_edge_rates_seeds_and_gradients(float64):
    x = normal((4, 3, 5), dtype="float64")
    np.testing.assert_array_equal(SpatialDropout1D(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(SpatialDropout1D(1.0)(x, training=True).numpy(), 0 * x)
    first = SpatialDropout1D(0.3, seed=5)(x, training=True).numpy()
    np.testing.assert_array_equal(SpatialDropout1D(0.3, seed=5)(x, training=True).numpy(), first)
    for layer, shape in [(SpatialDropout1D(0.4, seed=1), (3, 4, 5)),
                         (SpatialDropout2D(0.4, seed=2), (2, 3, 3, 4)),
                         (SpatialDropout3D(0.4, "channels_first", seed=3), (2, 3, 2, 2, 2))]:
        assert isinstance(layer, Dropout)
        assert layer_gradient_check(layer, normal(shape, dtype="float64"), training=True) < 1e-6


def test_spatial_dropout_data_format_follows_the_global_setting():
    set_image_data_format("channels_first")
    try:
        assert SpatialDropout3D(0.2).data_format == "channels_first"
    finally:
        set_image_data_format("channels_last")


# -- configs against Keras ---------------------------------------------------------------------
def keras_config(name, **extra):
    return {"name": name, "trainable": True, "dtype": POLICY, **extra}


CONFIGS = [  # (minikeras layer, Keras's get_config() for the same arguments)
    (lambda: ZeroPadding1D(name="zero_padding1d"),
     keras_config("zero_padding1d", padding=(1, 1), data_format="channels_last")),
    (lambda: ZeroPadding2D(name="zero_padding2d"),
     keras_config("zero_padding2d", padding=((1, 1), (1, 1)), data_format="channels_last")),
    (lambda: ZeroPadding3D(name="zero_padding3d"),
     keras_config("zero_padding3d", padding=((1, 1), (1, 1), (1, 1)), data_format="channels_last")),
    (lambda: ZeroPadding2D((1, 2), name="zero_padding2d_1"),
     keras_config("zero_padding2d_1", padding=((1, 1), (2, 2)), data_format="channels_last")),
    (lambda: ZeroPadding1D((1, 3), name="zero_padding1d_1"),
     keras_config("zero_padding1d_1", padding=(1, 3), data_format="channels_last")),
    (lambda: Cropping1D(name="cropping1d"), keras_config("cropping1d", cropping=(1, 1))),
    (lambda: Cropping2D(name="cropping2d"),
     keras_config("cropping2d", cropping=((0, 0), (0, 0)), data_format="channels_last")),
    (lambda: Cropping3D(name="cropping3d"),
     keras_config("cropping3d", cropping=((1, 1), (1, 1), (1, 1)), data_format="channels_last")),
    (lambda: Cropping2D(((1, 2), 3), name="cropping2d_1"),
     keras_config("cropping2d_1", cropping=((1, 2), (3, 3)), data_format="channels_last")),
    (lambda: Cropping1D(2, name="cropping1d_1"), keras_config("cropping1d_1", cropping=(2, 2))),
    (lambda: UpSampling1D(name="up_sampling1d"), keras_config("up_sampling1d", size=2)),
    (lambda: UpSampling2D(name="up_sampling2d"),
     keras_config("up_sampling2d", size=(2, 2), data_format="channels_last",
                  interpolation="nearest")),
    (lambda: UpSampling3D(name="up_sampling3d"),
     keras_config("up_sampling3d", size=(2, 2, 2), data_format="channels_last")),
    (lambda: UpSampling2D((2, 3), interpolation="Bilinear", name="up_sampling2d_1"),
     keras_config("up_sampling2d_1", size=(2, 3), data_format="channels_last",
                  interpolation="bilinear")),
    (lambda: SpatialDropout1D(0.5, name="spatial_dropout1d"),
     {"rate": 0.5, "seed": None, "name": "spatial_dropout1d", "dtype": "float32"}),
    (lambda: SpatialDropout2D(0.25, seed=3, name="spatial_dropout2d"),
     {"rate": 0.25, "seed": 3, "name": "spatial_dropout2d", "dtype": "float32",
      "data_format": "channels_last"}),
    (lambda: SpatialDropout3D(0.1, data_format="channels_first", name="spatial_dropout3d"),
     {"rate": 0.1, "seed": None, "name": "spatial_dropout3d", "dtype": "float32",
      "data_format": "channels_first"}),
]


@pytest.mark.parametrize("make, expected", CONFIGS, ids=[c[1]["name"] for c in CONFIGS])
def test_config_equals_keras_and_round_trips(make, expected):
    layer = make()
    config = layer.get_config()
    assert config == expected
    assert list(config) == list(expected)  # same key order as Keras
    round_trip(layer)


def test_symbolic_shapes():
    assert ZeroPadding2D(((1, 2), (0, 3)))(Input((4, 5, 3))).shape == (None, 7, 8, 3)
    assert Cropping1D((1, 2))(Input((None, 3))).shape == (None, None, 3)
    assert UpSampling2D((2, 3), interpolation="bilinear")(Input((4, 5, 3))).shape == (None, 8, 15, 3)
    assert UpSampling3D(data_format="channels_first")(Input((3, 1, 2, 3))).shape == \
        (None, 3, 2, 4, 6)
    assert SpatialDropout2D(0.5)(Input((4, 4, 3))).shape == (None, 4, 4, 3)


# -- errors ------------------------------------------------------------------------------------
def test_errors_name_the_layer_argument_expectation_and_value():
    with pytest.raises(ValueError, match=r'ZeroPadding1D layer "\w+": The `padding` argument must '
                                         r'be a tuple of 2 integers, each >= 0\. Received '
                                         r'padding=-1'):
        ZeroPadding1D(-1)
    with pytest.raises(ValueError, match=r"ZeroPadding2D.*`2nd entry of padding` argument must be "
                                         r"a tuple of 2 integers.*\(3, 4, 5\)"):
        ZeroPadding2D((1, (3, 4, 5)))
    with pytest.raises(ValueError, match=r"ZeroPadding3D.*`padding` should have 3 elements\. "
                                         r"Received: padding=\(1, 2\)"):
        ZeroPadding3D((1, 2))
    with pytest.raises(ValueError, match=r"Cropping2D.*`cropping` cannot be negative\. Received: "
                                         r"cropping=-2"):
        Cropping2D(-2)
    with pytest.raises(ValueError, match=r'Cropping1D layer "\w+": values in the `cropping` '
                                         r'argument must add up to less than.*size 5, cropping '
                                         r'\(2, 3\).*inputs\.shape=\(1, 5, 2\)'):
        Cropping1D((2, 3))(np.zeros((1, 5, 2), "float32"))
    with pytest.raises(ValueError, match=r"Cropping3D.*input_shape=\(None, 4, 2, 4, 1\)"):
        Cropping3D().compute_output_shape((None, 4, 2, 4, 1))
    with pytest.raises(ValueError, match=r'Input 0 of layer "cropping2d\w*" is incompatible.*'
                                         r'expected ndim=4, found ndim=3'):
        Cropping2D()(np.zeros((1, 4, 4), "float32"))
    with pytest.raises(TypeError, match=r"UpSampling1D.*integer value for `size`.*size=2\.5"):
        UpSampling1D(2.5)
    with pytest.raises(ValueError, match=r"UpSampling1D.*positive integer\. Received: size=0"):
        UpSampling1D(0)
    with pytest.raises(ValueError, match=r"UpSampling2D.*`size` argument must be a tuple of 2 "
                                         r"integers, each > 0\. Received size=\(2, 0\)"):
        UpSampling2D((2, 0))
    with pytest.raises(ValueError, match=r"UpSampling2D.*`interpolation` must be one of "
                                         r"\('nearest', 'bilinear'\).*'bicubic'"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"UpSampling3D.*data_format='NDHWC'"):
        UpSampling3D(data_format="NDHWC")
    with pytest.raises(ValueError, match=r"Invalid value received for argument `rate`.*rate=1\.5"):
        SpatialDropout2D(1.5)
    with pytest.raises(TypeError, match=r"seed"):
        SpatialDropout1D(0.5, seed="x")
    with pytest.raises(TypeError):  # like Keras: no other keyword arguments
        SpatialDropout2D(0.5, trainable=False)
    with pytest.raises(ValueError, match=r'Input 0 of layer "spatial_dropout3d\w*".*expected '
                                         r'ndim=5, found ndim=4'):
        SpatialDropout3D(0.5)(np.zeros((1, 2, 2, 2), "float32"), training=True)
