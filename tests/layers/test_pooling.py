"""Pooling (issue 4): the max_pool / average_pool primitives and the pooling layers.

Expected numbers were computed with Keras 3.15.1 (torch backend) on the same seeded inputs and
pinned here (rounded to 6 decimals). Every primitive and layer has a float64 gradient check;
max-pool gradients at ties are pinned against Keras (first maximum of each window wins).

One deliberate difference: for average pooling with padding="same" and an uneven (asymmetric)
padding, Keras's torch backend pads with replicated edge values and counts them in the mean,
while its TensorFlow and JAX backends (and minikeras) divide by the number of real values in the
window. Cases E and I are such cases; "avg" below holds the TF/JAX numbers (computed with torch
from zero padding and a count of real values) and KERAS_TORCH_AVG the torch-backend numbers.
"""
import json

import numpy as np
import pytest

from minikeras.backend import set_floatx, set_image_data_format
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.layers import Input
from minikeras.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                                      GlobalAveragePooling1D, GlobalAveragePooling2D,
                                      GlobalAveragePooling3D, GlobalMaxPooling1D,
                                      GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D,
                                      MaxPooling2D, MaxPooling3D)
from minikeras.ops.pooling import average_pool, max_pool, pooling_output_shape
from minikeras.utils import gradient_check, layer_gradient_check

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}
MAX_LAYERS = {3: MaxPooling1D, 4: MaxPooling2D, 5: MaxPooling3D}
AVG_LAYERS = {3: AveragePooling1D, 4: AveragePooling2D, 5: AveragePooling3D}


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


# name: (input shape, data_format, pool_size, strides, padding, seed of standard_normal input)
CASES = {
    "A": ((1, 7, 2), "channels_last", 2, None, "valid", 1),
    "B": ((1, 7, 2), "channels_last", 3, 2, "same", 2),               # symmetric padding
    "C": ((1, 2, 6), "channels_first", 2, 1, "same", 3),              # pads (0, 1)
    "D": ((1, 5, 6, 2), "channels_last", 2, None, "valid", 4),        # odd height: last row dropped
    "E": ((1, 5, 6, 1), "channels_last", (3, 2), (2, 1), "same", 5),  # (1, 1) and (0, 1)
    "F": ((1, 2, 5, 5), "channels_first", 3, 2, "same", 6),           # overlapping windows
    "G": ((1, 4, 4, 2), "channels_last", 2, 2, "same", 7),            # "same" without padding
    "H": ((1, 4, 5, 3, 2), "channels_last", 2, None, "valid", 8),
    "I": ((1, 1, 3, 4, 5), "channels_first", (2, 2, 3), (1, 2, 2), "same", 9),
}

KERAS = {
    ("A", "max"): [[[0.345584, 0.821618], [0.905356, 0.581118], [0.364572, 0.546713]]],
    ("A", "avg"): [[[0.338011, -0.24077], [0.184201, 0.513746], [0.196497, 0.420423]]],
    ("B", "max"): [[[0.189053, -0.522748], [1.799707, 1.144166], [0.977567, 0.773807],
                    [0.977567, -0.310557]]],
    ("B", "avg"): [[[-0.112005, -1.482108], [0.35374, -0.174498], [0.311118, -0.030191],
                    [0.324372, -0.551352]]],
    ("C", "max"): [[[2.040919, 0.418099, 0.418099, -0.452649, -0.215597, -0.215597],
                    [-0.231932, -0.231932, 3.322999, 3.322999, 0.225787, -0.352631]]],
    ("C", "avg"): [[[-0.257373, -1.068783, -0.074835, -0.510209, -0.334123, -0.215597],
                    [-1.125959, -0.548573, 1.228893, 1.774393, -0.063422, -0.352631]]],
    ("D", "max"): [[[[1.663724, 2.252729], [-0.329904, 1.101802], [0.380189, 1.575626]],
                    [[1.482571, -0.203332], [0.775872, 0.850967], [0.178713, 1.006857]]]],
    ("D", "avg"): [[[[-0.041135, 0.811927], [-1.127603, 0.091146], [-0.412226, 0.258831]],
                    [[0.41022, -0.976212], [0.117613, -0.416029], [-0.585325, 0.319005]]]],
    ("E", "max"): [[[[-0.552647], [0.748746], [1.634783], [1.634783], [1.136047], [0.109706]],
                    [[1.600019], [1.600019], [1.634783], [1.634783], [0.272769], [-0.589431]],
                    [[0.829855], [0.829855], [0.553378], [0.553378], [-0.063086], [-0.173155]]]],
    ("E", "avg"): [[[[-0.865929], [-0.402189], [0.638903], [0.866011], [0.071298], [-0.561811]],
                    [[-0.302161], [0.094258], [0.115724], [0.097002], [-0.476667], [-0.995329]],
                    [[0.03055], [-0.503622], [-0.514922], [-0.186796], [-0.451605], [-0.381293]]]],
    ("F", "max"): [[[[1.776491, 1.776491, 1.013719], [1.352142, 1.798786, 1.38371],
                     [1.292387, 1.798786, 1.38371]],
                    [[0.355078, 1.208357, 1.208357], [2.00188, 2.00188, 1.085631],
                     [2.00188, 2.00188, 0.394165]]]],
    ("F", "avg"): [[[[1.208884, 0.25435, 0.429245], [0.612458, 0.440562, 0.333042],
                     [0.210445, 0.435253, 0.01002]],
                    [[-0.215005, 0.275353, 0.633872], [0.150721, 0.240544, 0.307333],
                     [0.68472, 0.362577, -0.271783]]]],
    ("G", "max"): [[[[0.489842, 0.356887], [0.105414, 1.340215]],
                    [[0.156751, -0.186931], [-0.048501, 0.271264]]]],
    ("G", "avg"): [[[[-0.068818, -0.213859], [-0.079591, 0.028351]],
                    [[-1.401361, -0.618194], [-1.171955, -0.082068]]]],
    ("H", "max"): [[[[[1.556942, 1.45748]], [[0.859794, 1.505481]]],
                    [[[1.094338, 0.186936]], [[2.393164, 1.937962]]]]],
    ("H", "avg"): [[[[[-0.618919, -0.285525]], [[-0.48063, 0.077966]]],
                    [[[0.093773, -0.462091]], [[0.11728, -0.111861]]]]],
    ("I", "max"): [[[[[0.810848, 2.343232, 2.343232], [1.410424, 2.522327, 2.522327]],
                     [[1.052489, 2.343232, 2.343232], [0.973363, 0.973363, 0.091303]],
                     [[1.052489, 1.880632, -0.762047], [0.973363, 0.973363, -0.091328]]]]],
    ("I", "avg"): [[[[[-0.046098, 0.10194, 0.298547], [-0.115714, 0.105111, 0.261496]],
                     [[0.04031, 0.146103, -0.268317], [0.130345, -0.293707, -0.598679]],
                     [[0.027288, 0.00994, -0.998028], [0.241673, -0.11199, -0.617298]]]]],
}

# What Keras's torch backend returns for E and I (edge-replicated padding counted in the mean).
KERAS_TORCH_AVG = {
    "E": [[[[-0.931668], [-0.530246], [0.454616], [0.836756], [0.255158], [-0.337972]],
           [[-0.302161], [0.094258], [0.115724], [0.097002], [-0.476667], [-0.995329]],
           [[0.226949], [-0.471276], [-0.659907], [-0.330777], [-0.493387], [-0.311914]]]],
    "I": [[[[[-0.200642, 0.10194, 0.117013], [-0.131831, 0.105111, 0.22253]],
            [[-0.054549, 0.146103, -0.455276], [0.123716, -0.293707, -0.66893]],
            [[-0.014074, 0.00994, -1.007269], [0.051668, -0.11199, -0.648191]]]]],
}


def case_input(name, dtype="float32"):
    shape, *_, seed = CASES[name]
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# -- values against Keras ----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_ops_and_layers_match_keras(name, mode):
    shape, data_format, pool, strides, padding, _ = CASES[name]
    x = case_input(name)
    op = max_pool if mode == "max" else average_pool
    out = op(x, pool, strides, padding, data_format)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), KERAS[(name, mode)], atol=1e-6)
    layer = (MAX_LAYERS if mode == "max" else AVG_LAYERS)[len(shape)](
        pool, strides, padding, data_format)
    np.testing.assert_array_equal(layer(x).numpy(), out.numpy())
    assert layer.compute_output_shape(shape) == out.shape


def test_same_average_pool_differs_from_keras_torch_only_at_asymmetric_edges():
    for name in ("E", "I"):
        shape, data_format, pool, strides, padding, _ = CASES[name]
        ours = average_pool(case_input(name), pool, strides, padding, data_format).numpy()
        torch_backend = np.array(KERAS_TORCH_AVG[name])
        agree = np.isclose(torch_backend, KERAS[(name, "avg")], atol=1e-6)
        assert 0 < agree.sum() < agree.size
        np.testing.assert_allclose(ours[agree], torch_backend[agree], atol=1e-6)


def test_same_average_divides_by_real_values_only():
    x = np.arange(1, 6, dtype="float32").reshape(1, 5, 1)  # 1..5, pool 2 stride 1 pads (0, 1)
    np.testing.assert_allclose(average_pool(x, 2, 1, "same").numpy().ravel(),
                               [1.5, 2.5, 3.5, 4.5, 5.0])
    x = np.ones((1, 4, 4, 1), "float32")  # pool 3, stride 1: pads (1, 1); ones stay ones
    np.testing.assert_allclose(average_pool(x, 3, 1, "same").numpy(), np.ones((1, 4, 4, 1)))
    x = -np.ones((1, 3, 1), "float32")  # max pooling pads with -inf, never with 0
    np.testing.assert_array_equal(max_pool(x, 3, 1, "same").numpy(), x)


def test_padding_and_data_format_are_case_insensitive_and_default_to_config():
    x = case_input("B")
    np.testing.assert_allclose(max_pool(x, 3, 2, "SAME", "Channels_Last").numpy(),
                               KERAS[("B", "max")], atol=1e-6)
    set_image_data_format("channels_first")
    try:
        x = case_input("C")
        np.testing.assert_allclose(max_pool(x, 2, 1, "same").numpy(), KERAS[("C", "max")],
                                   atol=1e-6)
        assert MaxPooling1D().data_format == "channels_first"
    finally:
        set_image_data_format("channels_last")


def test_float64_and_integer_inputs():
    x = case_input("D", "float64")
    assert max_pool(x, 2).dtype == np.float64 and average_pool(x, 2).dtype == np.float64
    ints = np.arange(12).reshape(1, 3, 4, 1)
    np.testing.assert_array_equal(max_pool(ints, 2, 1, "same").numpy()[0, :, :, 0],
                                  [[5, 6, 7, 7], [9, 10, 11, 11], [9, 10, 11, 11]])
    assert average_pool(ints, 2).dtype == np.float32


# -- gradients at ties: first maximum of each window, as Keras (torch) routes them -------------
TIES = {  # name: (shape, data_format, pool, strides, padding, seed of integers(0, 3) input)
    "T1": ((1, 4, 6, 1), "channels_last", 2, None, "valid", 11),
    "T2": ((1, 5, 5, 1), "channels_last", 3, 2, "same", 12),
    "T3": ((1, 8, 1), "channels_last", 3, 1, "valid", 13),
    "T4": ((1, 1, 4, 5), "channels_first", 2, 1, "same", 14),
}
# d(sum(out * g))/dx with g = 1, 2, 3, ... in output order, from Keras's ops.max_pool.
TIE_GRADIENTS = {
    "T1": [[[[0.0], [0.0], [2.0], [0.0], [0.0], [0.0]], [[1.0], [0.0], [0.0], [0.0], [0.0], [3.0]],
            [[0.0], [0.0], [0.0], [0.0], [6.0], [0.0]], [[4.0], [0.0], [5.0], [0.0], [0.0], [0.0]]]],
    "T2": [[[[1.0], [0.0], [2.0], [3.0], [0.0]], [[0.0], [0.0], [0.0], [0.0], [0.0]],
            [[4.0], [0.0], [5.0], [6.0], [0.0]], [[0.0], [0.0], [8.0], [0.0], [9.0]],
            [[7.0], [0.0], [0.0], [0.0], [0.0]]]],
    "T3": [[[1.0], [2.0], [3.0], [4.0], [0.0], [11.0], [0.0], [0.0]]],
    "T4": [[[[0.0, 3.0, 0.0, 4.0, 0.0], [6.0, 0.0, 18.0, 0.0, 15.0], [0.0, 0.0, 0.0, 36.0, 0.0],
             [27.0, 29.0, 0.0, 37.0, 35.0]]]],
}


@pytest.mark.parametrize("name", sorted(TIES))
def test_max_pool_gradient_at_ties_matches_keras(name):
    shape, data_format, pool, strides, padding, seed = TIES[name]
    x = Tensor(np.random.default_rng(seed).integers(0, 3, shape).astype("float32"),
               requires_grad=True)
    out = max_pool(x, pool, strides, padding, data_format)
    g = np.arange(1, out.size + 1, dtype="float32").reshape(out.shape)
    dx, = gradients((out * g).sum(), [x])
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, TIE_GRADIENTS[name])
    assert dx.sum() == g.sum()  # every output sends its whole gradient to exactly one input


# -- numerical gradient checks (float64) -------------------------------------------------------
GRAD_CASES = [  # (shape, data_format, pool, strides, padding)
    ((2, 7, 3), "channels_last", 2, None, "valid"),
    ((2, 7, 3), "channels_last", 3, 1, "same"),
    ((1, 2, 8), "channels_first", 3, 2, "same"),
    ((1, 2, 9), "channels_first", 2, 3, "valid"),          # stride > pool: gaps
    ((2, 5, 6, 2), "channels_last", 2, None, "valid"),
    ((1, 6, 6, 2), "channels_last", 2, 2, "same"),          # exact tiling
    ((1, 5, 6, 2), "channels_last", (3, 2), (2, 1), "same"),
    ((1, 2, 5, 5), "channels_first", 3, 2, "valid"),
    ((1, 2, 5, 4), "channels_first", 2, 1, "same"),
    ((1, 4, 4, 3, 2), "channels_last", 2, None, "valid"),
    ((1, 3, 4, 5, 1), "channels_last", (2, 3, 2), (1, 2, 2), "same"),
    ((1, 1, 3, 4, 4), "channels_first", 2, 1, "same"),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: f"{c[0]}-{c[1][9:]}-{c[2]}-{c[3]}-{c[4]}")
@pytest.mark.parametrize("op", [max_pool, average_pool], ids=["max", "avg"])
def test_primitive_gradients(case, op):
    shape, data_format, pool, strides, padding = case
    x = np.random.default_rng(sum(shape)).standard_normal(shape)  # distinct values: no ties
    assert gradient_check(lambda t: op(t, pool, strides, padding, data_format), x) < 1e-6


@pytest.mark.parametrize("layer_class, pool, strides, padding, data_format, shape", [
    (MaxPooling1D, 2, None, "valid", "channels_last", (2, 6, 3)),
    (MaxPooling1D, 3, 1, "same", "channels_first", (2, 3, 5)),
    (MaxPooling2D, (2, 2), None, "valid", "channels_last", (2, 4, 5, 2)),
    (MaxPooling2D, 3, 2, "same", "channels_first", (1, 2, 5, 5)),
    (MaxPooling3D, (2, 2, 2), None, "valid", "channels_last", (1, 4, 4, 4, 2)),
    (MaxPooling3D, 2, 1, "same", "channels_first", (1, 2, 3, 3, 2)),
    (AveragePooling1D, 3, 2, "same", "channels_last", (2, 6, 3)),
    (AveragePooling1D, 2, None, "valid", "channels_first", (2, 3, 5)),
    (AveragePooling2D, (3, 2), (1, 2), "same", "channels_last", (1, 4, 5, 2)),
    (AveragePooling2D, 2, None, "valid", "channels_first", (1, 2, 5, 4)),
    (AveragePooling3D, 2, None, "valid", "channels_last", (1, 4, 4, 4, 2)),
    (AveragePooling3D, (2, 3, 2), 1, "same", "channels_first", (1, 2, 3, 4, 3)),
])
def test_layer_gradients(float64, layer_class, pool, strides, padding, data_format, shape):
    layer = layer_class(pool, strides, padding, data_format)
    assert layer.dtype == "float64"
    x = np.random.default_rng(sum(shape) + 1).standard_normal(shape)
    assert layer_gradient_check(layer, x) < 1e-6


@pytest.mark.parametrize("layer_class, shape", [
    (GlobalMaxPooling1D, (2, 5, 3)), (GlobalMaxPooling2D, (2, 3, 4, 2)),
    (GlobalMaxPooling3D, (1, 2, 3, 2, 3)), (GlobalAveragePooling1D, (2, 5, 3)),
    (GlobalAveragePooling2D, (2, 3, 4, 2)), (GlobalAveragePooling3D, (1, 2, 3, 2, 3)),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_values_shapes_and_gradients(float64, layer_class, shape, data_format,
                                                    keepdims):
    layer = layer_class(data_format=data_format, keepdims=keepdims)
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    axes = tuple(range(1, len(shape) - 1)) if data_format == "channels_last" else \
        tuple(range(2, len(shape)))
    reduce = np.max if "Max" in layer_class.__name__ else np.mean
    out = layer(x)
    np.testing.assert_allclose(out.numpy(), reduce(x, axis=axes, keepdims=keepdims))
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + out.shape[1:]
    assert layer_gradient_check(layer, x) < 1e-6


def test_global_max_pooling_shares_tied_gradient_like_keras():
    x = Tensor(np.array([[[[1.0], [3.0]], [[3.0], [2.0]]]], "float32"), requires_grad=True)
    dx, = gradients(GlobalMaxPooling2D()(x).sum(), [x])
    np.testing.assert_array_equal(dx.ravel(), [0.0, 0.5, 0.5, 0.0])  # Keras (torch amax)


# -- GlobalAveragePooling1D with a mask --------------------------------------------------------
MASK = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
MASKED_MEAN = [[-0.683731, 0.51579, 0.431093], [-0.631, 0.187429, -0.531967]]  # Keras


def test_global_average_pooling1d_mask_matches_keras(float64):
    x = np.random.default_rng(31).standard_normal((2, 4, 3)).astype("float32")
    layer = GlobalAveragePooling1D(dtype="float32")
    assert layer.supports_masking and layer.compute_mask(x, MASK) is None
    np.testing.assert_allclose(layer(x, mask=MASK).numpy(), MASKED_MEAN, atol=1e-6)
    first = GlobalAveragePooling1D(data_format="channels_first", keepdims=True, dtype="float32")
    np.testing.assert_allclose(first(np.swapaxes(x, 1, 2), mask=MASK).numpy(),
                               np.array(MASKED_MEAN)[:, :, None], atol=1e-6)
    x[0, 2:] = np.nan  # masked steps never reach the output, even as NaN
    assert np.isfinite(layer(x, mask=MASK).numpy()).all()
    masked = GlobalAveragePooling1D()
    assert gradient_check(lambda t: masked(t, mask=MASK),
                          np.random.default_rng(1).standard_normal((2, 4, 3))) < 1e-6
    with pytest.raises(ValueError, match=r'GlobalAveragePooling1D layer .*`mask` must have '
                                         r'shape \(batch, steps\) = \(2, 4\).*\(2, 3\)'):
        masked(np.zeros((2, 4, 3)), mask=np.ones((2, 3), bool))


# -- shapes ------------------------------------------------------------------------------------
def keras_formula(n, k, s, padding):
    if n is None:
        return None
    return (n - k) // s + 1 if padding == "valid" else (n - 1) // s + 1


@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 11, None])
@pytest.mark.parametrize("k, s", [(1, 1), (2, 2), (3, 2), (2, 1), (3, 3), (2, 3)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_shapes_follow_keras_formulas(n, k, s, padding):
    if padding == "valid" and n is not None and n < k:
        with pytest.raises(ValueError, match="zero or negative"):
            pooling_output_shape((None, n, 3), k, s, padding)
        return
    expected = keras_formula(n, k, s, padding)
    assert pooling_output_shape((None, n, n, 3), k, s, padding) == (None, expected, expected, 3)
    assert MaxPooling2D(k, s, padding, "channels_first").compute_output_shape(
        (4, 3, n, 9)) == (4, 3, expected, keras_formula(9, k, s, padding))
    if n is not None:
        x = np.random.default_rng(0).standard_normal((2, n, 3)).astype("float32")
        assert max_pool(x, k, s, padding).shape == (2, expected, 3)
        assert average_pool(x, k, s, padding).shape == (2, expected, 3)


def test_symbolic_inputs_give_keras_shapes():
    assert MaxPooling2D()(Input((28, 28, 32))).shape == (None, 14, 14, 32)
    assert AveragePooling1D(3, strides=2, padding="same")(Input((None, 8))).shape == (None, None, 8)
    assert MaxPooling3D(data_format="channels_first")(Input((4, 6, 6, 6))).shape == \
        (None, 4, 3, 3, 3)
    assert GlobalAveragePooling2D(keepdims=True)(Input((5, 5, 7))).shape == (None, 1, 1, 7)
    assert GlobalMaxPooling1D(data_format="channels_first")(Input((7, 5))).shape == (None, 7)


# -- configs against Keras ---------------------------------------------------------------------
def keras_config(name, **extra):
    return {"name": name, "trainable": True, "dtype": POLICY, **extra}


CONFIGS = [  # (minikeras layer, Keras's get_config() for the same arguments)
    (lambda: MaxPooling1D(name="max_pooling1d"),
     keras_config("max_pooling1d", pool_size=(2,), padding="valid", strides=(2,),
                  data_format="channels_last")),
    (lambda: MaxPooling2D(name="max_pooling2d"),
     keras_config("max_pooling2d", pool_size=(2, 2), padding="valid", strides=(2, 2),
                  data_format="channels_last")),
    (lambda: MaxPooling3D(name="max_pooling3d"),
     keras_config("max_pooling3d", pool_size=(2, 2, 2), padding="valid", strides=(2, 2, 2),
                  data_format="channels_last")),
    (lambda: AveragePooling1D(3, name="average_pooling1d"),
     keras_config("average_pooling1d", pool_size=(3,), padding="valid", strides=(3,),
                  data_format="channels_last")),
    (lambda: AveragePooling2D(2, strides=1, padding="same", name="average_pooling2d"),
     keras_config("average_pooling2d", pool_size=(2, 2), padding="same", strides=(1, 1),
                  data_format="channels_last")),
    (lambda: AveragePooling3D((1, 2, 3), data_format="channels_first", name="average_pooling3d"),
     keras_config("average_pooling3d", pool_size=(1, 2, 3), padding="valid", strides=(1, 2, 3),
                  data_format="channels_first")),
    (lambda: MaxPooling2D(pool_size=[3, 2], strides=[1, 2], padding="SAME",
                          name="max_pooling2d_1"),
     keras_config("max_pooling2d_1", pool_size=(3, 2), padding="SAME", strides=(1, 2),
                  data_format="channels_last")),
    (lambda: GlobalMaxPooling1D(name="global_max_pooling1d"),
     keras_config("global_max_pooling1d", data_format="channels_last", keepdims=False)),
    (lambda: GlobalMaxPooling2D(keepdims=True, name="global_max_pooling2d"),
     keras_config("global_max_pooling2d", data_format="channels_last", keepdims=True)),
    (lambda: GlobalMaxPooling3D(data_format="channels_first", name="global_max_pooling3d"),
     keras_config("global_max_pooling3d", data_format="channels_first", keepdims=False)),
    (lambda: GlobalAveragePooling1D(name="global_average_pooling1d"),
     keras_config("global_average_pooling1d", data_format="channels_last", keepdims=False)),
    (lambda: GlobalAveragePooling2D(name="global_average_pooling2d"),
     keras_config("global_average_pooling2d", data_format="channels_last", keepdims=False)),
    (lambda: GlobalAveragePooling3D(name="global_average_pooling3d"),
     keras_config("global_average_pooling3d", data_format="channels_last", keepdims=False)),
]


@pytest.mark.parametrize("make, expected", CONFIGS, ids=[c[1]["name"] for c in CONFIGS])
def test_config_equals_keras_and_round_trips(make, expected):
    layer = make()
    config = layer.get_config()
    assert config == expected
    assert list(config) == list(expected)  # same key order as Keras
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config


def test_keras_constructor_defaults():
    assert MaxPooling1D().pool_size == (2,) and MaxPooling2D().strides == (2, 2)
    assert MaxPooling3D().pool_size == (2, 2, 2)
    assert MaxPooling2D((3, 2)).strides == (3, 2)  # strides default to pool_size
    for layer_class in AVG_LAYERS.values():  # Keras's average pooling needs a pool_size
        with pytest.raises(TypeError):
            layer_class()
    assert MaxPooling2D().built and GlobalMaxPooling2D().built  # built at construction, no weights
    assert MaxPooling2D().weights == []


# -- errors ------------------------------------------------------------------------------------
def test_errors_name_the_layer_argument_expectation_and_value():
    with pytest.raises(ValueError, match=r'Input 0 of layer "max_pooling2d\w*" is incompatible.*'
                                         r'expected ndim=4, found ndim=3'):
        MaxPooling2D()(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r'AveragePooling1D layer "\w+": computed output size '
                                         r'would be zero or negative.*pool_size=\(5,\)'):
        AveragePooling1D(5)(np.zeros((1, 4, 2), "float32"))
    with pytest.raises(ValueError, match=r"zero or negative"):
        MaxPooling2D(3).compute_output_shape((None, 2, 8, 1))
    with pytest.raises(ValueError, match=r'MaxPooling2D layer "\w+": The `pool_size` argument '
                                         r'must be a tuple of 2 integers, each > 0\. Received '
                                         r'pool_size=\(0, 2\)'):
        MaxPooling2D((0, 2))
    with pytest.raises(ValueError, match=r'MaxPooling1D layer "\w+": The `strides` argument.*'
                                         r'Received strides=-1'):
        MaxPooling1D(2, strides=-1)
    with pytest.raises(ValueError, match=r"must be a tuple of 3 integers.*pool_size=\(2, 2\)"):
        MaxPooling3D((2, 2))
    with pytest.raises(ValueError, match=r"pool_size='2'"):
        MaxPooling1D("2")
    with pytest.raises(ValueError, match=r"`padding` argument must be either 'valid' or 'same'\. "
                                         r"Received: padding='full'"):
        AveragePooling2D(2, padding="full")
    with pytest.raises(ValueError, match=r"`data_format` argument must be one of.*"
                                         r"data_format='NHWC'"):
        GlobalMaxPooling2D(data_format="NHWC")
    with pytest.raises(ValueError, match=r"max_pool: `inputs` must have rank 3, 4 or 5.*\(2, 3\)"):
        max_pool(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match=r"average_pool: computed output size would be zero"):
        average_pool(np.zeros((1, 3, 3, 1)), 4)
    with pytest.raises(ValueError, match=r"max_pool: The `strides` argument must be a tuple of 1 "
                                         r"integers, each > 0\. Received strides=0"):
        max_pool(np.zeros((1, 3, 1)), 2, strides=0)
