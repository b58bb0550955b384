"""Convolution primitives (minikeras/ops/convolution.py): values pinned against Keras 3.15.1,
gradients checked against central differences in float64, shapes, dtypes and errors.

The pinned numbers come from /tmp/conv_ref/ref_ops.py run with KERAS_BACKEND=torch on the
refvenv (keras.ops.conv / conv_transpose / depthwise_conv / separable_conv, and torch autograd
through them for the gradients). Inputs are `np.random.default_rng(seed).standard_normal(shape)`
in float32; each output is pinned by its shape, its sum, its projection on a seeded random
array and a few entries.
"""
import itertools

import numpy as np
import pytest

from minikeras.backend import Tensor, gradients, no_grad, set_floatx
from minikeras.ops.convolution import (conv, conv_output_length, conv_transpose,
                                       conv_transpose_output_length, depthwise_conv, same_padding,
                                       separable_conv)
from minikeras.utils import gradient_check

OPS = {"conv": conv, "conv_transpose": conv_transpose, "depthwise_conv": depthwise_conv,
       "separable_conv": separable_conv}


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def data(seed, *shapes, dtype="float32"):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def projection(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


# -- values pinned against Keras 3.15.1 ----------------------------------------------------------
OP_CASES = [
    ('conv1d_valid', 'conv', 1, [(2, 9, 3), (3, 3, 4)],
     {},
     ((2, 7, 4), 1.87414, 1.8169, [-1.25381, 2.2615, -3.51411, -0.40911])),
    ('conv1d_same_s2_even', 'conv', 2, [(2, 9, 3), (4, 3, 5)],
     {'strides': 2, 'padding': 'same'},
     ((2, 5, 5), -47.20677, 7.09418, [0.44982, -1.77392, -0.01619, -2.12454])),
    ('conv1d_same_d2', 'conv', 3, [(2, 8, 2), (3, 2, 3)],
     {'padding': 'same', 'dilation_rate': 2},
     ((2, 8, 3), 5.73963, 10.86439, [-3.92188, 2.1076, 0.52638, 2.35417])),
    ('conv2d_valid_s2', 'conv', 4, [(2, 7, 6, 3), (3, 2, 3, 4)],
     {'strides': 2},
     ((2, 3, 3, 4), 23.25962, -39.54461, [-5.37566, -4.6994, 1.15019, -5.23785])),
    ('conv2d_same_s2_even', 'conv', 5, [(2, 7, 6, 3), (2, 4, 3, 4)],
     {'strides': (2, 3), 'padding': 'same'},
     ((2, 4, 2, 4), 28.45583, -9.86073, [-4.71361, 4.73041, 4.47963, -0.93364])),
    ('conv2d_same_d2', 'conv', 6, [(2, 7, 6, 3), (3, 3, 3, 2)],
     {'padding': 'same', 'dilation_rate': (2, 1)},
     ((2, 7, 6, 2), 35.48465, -33.01583, [4.05582, -5.72221, -2.01738, -3.70258])),
    ('conv2d_groups', 'conv', 7, [(2, 6, 6, 4), (3, 3, 2, 6)],
     {'padding': 'same'},
     ((2, 6, 6, 6), 7.05715, 7.7725, [-0.00155, -1.56899, -2.98497, -1.80259])),
    ('conv2d_depthwise_groups', 'conv', 8, [(2, 5, 5, 3), (2, 2, 1, 6)],
     {},
     ((2, 4, 4, 6), -2.3471, -33.30366, [-1.36672, -3.12343, 1.30426, 0.30097])),
    ('conv2d_channels_first', 'conv', 9, [(2, 3, 7, 6), (3, 3, 3, 4)],
     {'strides': 2, 'padding': 'same', 'data_format': 'channels_first'},
     ((2, 4, 4, 3), 21.01938, -38.37485, [2.78241, -5.83646, -1.83015, -2.50106])),
    ('conv3d_same_s', 'conv', 10, [(1, 5, 4, 6, 2), (2, 3, 2, 2, 3)],
     {'strides': (2, 1, 2), 'padding': 'same'},
     ((1, 3, 4, 3, 3), 37.76285, -25.36307, [-3.16738, 6.94279, -0.6953, -0.1088])),
    ('conv3d_valid_groups', 'conv', 11, [(2, 4, 4, 4, 4), (3, 2, 2, 2, 4)],
     {},
     ((2, 2, 3, 3, 4), 57.15693, -34.18002, [-2.81935, 3.75236, -3.1826, -6.16116])),
    ('convT1d_valid', 'conv_transpose', 12, [(2, 5, 3), (3, 4, 3)],
     {},
     ((2, 7, 4), 0.28298, -12.03313, [-1.06492, -0.80909, 0.38907, 0.45114])),
    ('convT1d_valid_s2_op1', 'conv_transpose', 13, [(2, 5, 3), (3, 4, 3)],
     {'strides': 2, 'output_padding': 1},
     ((2, 12, 4), 29.2501, 21.95624, [0.90511, 1.91184, 0.05513, 3.53534])),
    ('convT1d_same_s3', 'conv_transpose', 14, [(2, 4, 3), (4, 2, 3)],
     {'strides': 3, 'padding': 'same'},
     ((2, 12, 2), -0.70457, -23.42755, [-0.77102, -1.02242, 0.50547, 0.76933])),
    ('convT1d_valid_s3_k2', 'conv_transpose', 15, [(2, 4, 3), (2, 2, 3)],
     {'strides': 3},
     ((2, 12, 2), -8.53832, -5.24183, [-1.46016, -2.75355, 0.18459, 0.90582])),
    ('convT2d_same_s2', 'conv_transpose', 16, [(2, 4, 3, 3), (3, 3, 2, 3)],
     {'strides': 2, 'padding': 'same'},
     ((2, 8, 6, 2), 3.32014, 27.39138, [2.22728, -3.54021, 4.38694, -0.31006])),
    ('convT2d_same_s2_even', 'conv_transpose', 17, [(2, 4, 3, 3), (4, 2, 2, 3)],
     {'strides': 2, 'padding': 'same'},
     ((2, 8, 6, 2), -27.17623, 59.89126, [0.10698, 1.40553, -0.96645, 1.93857])),
    ('convT2d_same_s2_op0', 'conv_transpose', 18, [(2, 4, 3, 3), (3, 3, 2, 3)],
     {'strides': 2, 'padding': 'same', 'output_padding': 0},
     ((2, 7, 5, 2), -28.71287, -7.95353, [-1.0554, -0.78378, 3.67602, 1.19729])),
    ('convT2d_valid_d2', 'conv_transpose', 19, [(2, 4, 3, 3), (3, 2, 2, 3)],
     {'dilation_rate': 2},
     ((2, 8, 5, 2), 3.96859, 24.47143, [3.06018, 1.36075, -2.17829, 0.37639])),
    ('convT2d_same_d2', 'conv_transpose', 20, [(2, 4, 5, 3), (3, 2, 2, 3)],
     {'padding': 'same', 'dilation_rate': 2},
     ((2, 4, 5, 2), 19.05768, -30.22729, [-0.72348, -4.03012, -0.32236, -0.61859])),
    ('convT2d_channels_first', 'conv_transpose', 21, [(2, 3, 4, 3), (3, 3, 2, 3)],
     {'strides': (2, 1), 'padding': 'valid', 'data_format': 'channels_first'},
     ((2, 2, 9, 5), 9.70707, -32.29807, [0.39546, -1.03633, 0.34838, -0.90583])),
    ('convT3d_same_s2', 'conv_transpose', 22, [(1, 3, 2, 3, 2), (2, 3, 2, 3, 2)],
     {'strides': 2, 'padding': 'same'},
     ((1, 6, 4, 6, 3), -58.47234, -17.03746, [1.59661, 2.14798, 2.34, 1.2795])),
    ('convT3d_valid_op', 'conv_transpose', 23, [(1, 3, 2, 3, 2), (2, 2, 3, 2, 2)],
     {'strides': (2, 3, 2), 'output_padding': (1, 2, 0)},
     ((1, 7, 7, 7, 2), 7.84318, -35.30899, [0.31642, 0.0, -0.69518, 1.92389])),
    ('depthwise1d_same_s2', 'depthwise_conv', 24, [(2, 9, 3), (3, 3, 2)],
     {'strides': 2, 'padding': 'same'},
     ((2, 5, 6), -10.99363, 1.56792, [-1.37285, 1.02634, 2.7633, 1.03224])),
    ('depthwise2d_valid', 'depthwise_conv', 25, [(2, 6, 5, 3), (3, 2, 3, 2)],
     {},
     ((2, 4, 4, 6), 29.15061, 51.51324, [-1.17295, -2.36434, -2.7899, 0.27662])),
    ('depthwise2d_same_d2_cf', 'depthwise_conv', 26, [(2, 3, 6, 5), (2, 3, 3, 1)],
     {'padding': 'same', 'dilation_rate': 2, 'data_format': 'channels_first'},
     ((2, 3, 6, 5), -8.23513, -11.07467, [-0.08797, 1.61163, 0.17732, -2.84003])),
    ('separable1d_same', 'separable_conv', 27, [(2, 8, 3), (3, 3, 2), (1, 6, 4)],
     {'padding': 'same'},
     ((2, 8, 4), 20.1284, 12.23105, [2.18903, 9.69067, -0.1965, -3.6978])),
    ('separable2d_valid_s2', 'separable_conv', 28, [(2, 7, 6, 3), (3, 3, 3, 2), (1, 1, 6, 5)],
     {'strides': 2},
     ((2, 3, 2, 5), 15.18877, 39.87756, [6.56111, 0.44713, -2.68189, -4.36595])),
]
GRAD_CASES = {
    'conv2d_same_s2_even': [(-19.10927, 36.12762), (24.03924, -8.24508)],
    'conv2d_groups': [(23.02363, -17.89664), (-73.075, 32.65027)],
    'conv3d_same_s': [(59.11716, -0.01943), (96.21081, 32.42798)],
    'convT1d_valid_s2_op1': [(-4.78856, -6.77808), (17.14321, 1.70625)],
    'convT2d_same_s2': [(12.23739, -34.27609), (-50.04696, 10.37389)],
    'depthwise2d_valid': [(19.28032, 21.76511), (-24.50423, 17.4114)],
    'separable2d_valid_s2': [(-39.8782, 21.77249), (18.69749, 70.29248), (-48.90255, -77.86031)],
}


@pytest.mark.parametrize("case", OP_CASES, ids=[c[0] for c in OP_CASES])
def test_ops_match_keras(case):
    name, op, seed, shapes, kwargs, (shape, total, projected, entries) = case
    out = OPS[op](*data(seed, *shapes), **kwargs)
    assert out.shape == shape and out.dtype == np.float32
    values = out.numpy().astype(np.float64)
    scale = np.abs(values).sum()
    np.testing.assert_allclose(values.sum(), total, atol=1e-6 * scale + 1e-4)
    np.testing.assert_allclose((values * projection(seed + 1000, shape)).sum(), projected,
                               atol=1e-6 * scale + 1e-4)
    np.testing.assert_allclose(values.reshape(-1)[::max(1, values.size // 4)][:4], entries,
                               atol=2e-5)


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_match_keras_torch_autograd(name):
    _, op, seed, shapes, kwargs, (shape, *_) = next(c for c in OP_CASES if c[0] == name)
    tensors = [Tensor(a, requires_grad=True) for a in data(seed, *shapes)]
    out = OPS[op](*tensors, **kwargs)
    r = projection(seed + 1000, shape).astype(np.float32)
    grads = gradients((out * r).sum(), tensors)
    for i, (grad, (total, projected)) in enumerate(zip(grads, GRAD_CASES[name])):
        assert grad.dtype == np.float32 and grad.shape == tensors[i].shape
        grad = grad.astype(np.float64)
        scale = np.abs(grad).sum()
        np.testing.assert_allclose(grad.sum(), total, atol=1e-6 * scale + 1e-4)
        np.testing.assert_allclose((grad * projection(seed + 2000 + i, grad.shape)).sum(),
                                   projected, atol=1e-6 * scale + 1e-4)


def test_tiny_convolution_by_hand():
    # x = [[0 1 2]    kernel = [[1 2]
    #      [3 4 5]              [3 4]]
    #      [6 7 8]]
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    k = np.array([[1, 2], [3, 4]], dtype="float32").reshape(2, 2, 1, 1)
    # valid: top-left window 0*1 + 1*2 + 3*3 + 4*4 = 27, and so on
    np.testing.assert_array_equal(conv(x, k).numpy().reshape(2, 2), [[27, 37], [57, 67]])
    # same with an even kernel: Keras pads nothing before and one row/column after
    assert same_padding(3, 2, 1) == (0, 1)
    np.testing.assert_array_equal(conv(x, k, padding="same").numpy().reshape(3, 3),
                                  [[27, 37, 17], [57, 67, 29], [20, 23, 8]])
    # transpose, stride 2: each input pixel stamps x[i, j] * kernel at (2i, 2j)
    expected = np.zeros((6, 6), dtype="float32")
    for i, j in itertools.product(range(3), range(3)):
        expected[2 * i:2 * i + 2, 2 * j:2 * j + 2] += x[0, i, j, 0] * k[:, :, 0, 0]
    out = conv_transpose(x, k, strides=2).numpy().reshape(6, 6)
    np.testing.assert_array_equal(out, expected)
    # ... which is what Keras printed
    np.testing.assert_array_equal(out.reshape(-1)[:12], [0, 0, 1, 2, 2, 4, 0, 0, 3, 4, 6, 8])


def test_same_padding_split_follows_keras():
    # pad_total = max((ceil(n/s) - 1) * s + (k - 1) * d + 1 - n, 0), before = total // 2
    assert same_padding(28, 3, 1) == (1, 1)
    assert same_padding(28, 4, 1) == (1, 2)
    assert same_padding(7, 3, 2) == (1, 1)
    assert same_padding(6, 3, 2) == (0, 1)
    assert same_padding(6, 1, 2) == (0, 0)
    assert same_padding(5, 3, 1, 2) == (2, 2)
    assert same_padding(9, 4, 3) == (0, 1)
    assert same_padding(10, 4, 3) == (1, 2)


# -- gradients against central differences, float64 ----------------------------------------------
CONV_GRAD_CASES = [
    # (inputs shape, kernel shape, kwargs)
    ((1, 7, 2), (3, 2, 3), dict()),
    ((2, 7, 2), (4, 2, 3), dict(strides=2, padding="same")),
    ((1, 8, 4), (3, 2, 4), dict(padding="same", dilation_rate=2)),             # groups 2
    ((1, 6, 2), (2, 2, 2), dict(padding=[(2, 0)], dilation_rate=2)),           # causal pads
    ((1, 5, 6, 2), (3, 3, 2, 3), dict()),
    ((2, 5, 6, 2), (2, 2, 2, 3), dict(strides=2, padding="same")),
    ((1, 6, 5, 2), (3, 2, 2, 2), dict(strides=(2, 3), padding="same")),
    ((1, 6, 6, 2), (3, 3, 2, 2), dict(padding="same", dilation_rate=2)),
    ((1, 5, 5, 4), (2, 2, 2, 4), dict(strides=2)),                              # groups 2
    ((1, 4, 4, 3), (2, 2, 1, 6), dict(padding="same")),                         # groups 3
    ((1, 2, 5, 5), (3, 3, 2, 3), dict(strides=2, padding="same", data_format="channels_first")),
    ((1, 4, 4, 3), (1, 1, 3, 2), dict(strides=2)),                              # 1x1
    ((1, 5, 4, 2), (2, 3, 2, 2), dict(strides=(1, 2), dilation_rate=(2, 1))),
    ((1, 4, 3, 4, 2), (2, 2, 2, 2, 2), dict(strides=2, padding="same")),
    ((1, 4, 4, 3, 2), (3, 2, 2, 2, 2), dict(dilation_rate=(1, 2, 1))),
    ((1, 3, 3, 3, 4), (2, 2, 2, 2, 4), dict(padding="same")),                   # groups 2
]


@pytest.mark.parametrize("x_shape, k_shape, kwargs", CONV_GRAD_CASES)
def test_conv_gradients(float64, x_shape, k_shape, kwargs):
    x, k = data(0, x_shape, k_shape, dtype="float64")
    assert gradient_check(lambda a, b: conv(a, b, **kwargs), [x, k]) < 1e-6


@pytest.mark.parametrize("x_shape, k_shape, kwargs", [CONV_GRAD_CASES[i] for i in (1, 6, 9, 13)])
def test_conv_gradients_with_bias(float64, x_shape, k_shape, kwargs):
    x, k, b = data(1, x_shape, k_shape, (k_shape[-1],), dtype="float64")
    assert gradient_check(lambda a, w, c: conv(a, w, bias=c, **kwargs), [x, k, b]) < 1e-6


CONV_TRANSPOSE_GRAD_CASES = [
    ((1, 4, 2), (3, 3, 2), dict(strides=2, output_padding=1)),
    ((2, 3, 2), (4, 2, 2), dict(strides=3, padding="same")),
    ((1, 3, 2), (2, 2, 2), dict(strides=3)),
    ((1, 3, 3, 2), (3, 3, 2, 2), dict(strides=2, padding="same")),
    ((1, 3, 3, 2), (4, 2, 2, 2), dict(strides=2, padding="same")),
    ((1, 3, 3, 2), (3, 3, 2, 2), dict(strides=2, padding="same", output_padding=0)),
    ((1, 3, 3, 2), (3, 2, 2, 2), dict(dilation_rate=2)),
    ((1, 3, 4, 2), (3, 2, 2, 2), dict(padding="same", dilation_rate=2)),
    ((1, 2, 3, 3), (3, 3, 2, 2), dict(strides=(2, 1), data_format="channels_first")),
    ((1, 2, 2, 2, 2), (2, 3, 2, 2, 2), dict(strides=2, padding="same")),
    ((1, 2, 2, 2, 2), (2, 2, 2, 2, 2), dict(strides=(2, 3, 2), output_padding=(1, 2, 0))),
]


@pytest.mark.parametrize("x_shape, k_shape, kwargs", CONV_TRANSPOSE_GRAD_CASES)
def test_conv_transpose_gradients(float64, x_shape, k_shape, kwargs):
    x, k, b = data(2, x_shape, k_shape, (k_shape[-2],), dtype="float64")
    assert gradient_check(lambda a, w: conv_transpose(a, w, **kwargs), [x, k]) < 1e-6
    assert gradient_check(lambda a, w, c: conv_transpose(a, w, bias=c, **kwargs), [x, k, b]) < 1e-6


@pytest.mark.parametrize("x_shape, k_shape, kwargs", [
    ((1, 7, 3), (3, 3, 2), dict(strides=2, padding="same")),
    ((2, 5, 4, 2), (3, 2, 2, 2), dict()),
    ((1, 2, 5, 4), (2, 3, 2, 1),
     dict(padding="same", dilation_rate=2, data_format="channels_first")),
    ((1, 4, 4, 2), (2, 2, 2, 3), dict(strides=2, padding="same")),
])
def test_depthwise_conv_gradients(float64, x_shape, k_shape, kwargs):
    x, k, b = data(3, x_shape, k_shape, (k_shape[-2] * k_shape[-1],), dtype="float64")
    assert gradient_check(lambda a, w: depthwise_conv(a, w, **kwargs), [x, k]) < 1e-6
    assert gradient_check(lambda a, w, c: depthwise_conv(a, w, bias=c, **kwargs), [x, k, b]) < 1e-6


@pytest.mark.parametrize("x_shape, d_shape, p_shape, kwargs", [
    ((1, 6, 2), (3, 2, 2), (1, 4, 3), dict(padding="same")),
    ((1, 5, 6, 2), (3, 3, 2, 1), (1, 1, 2, 3), dict(strides=2)),
    ((1, 2, 4, 4), (2, 2, 2, 2), (1, 1, 4, 2), dict(padding="same", data_format="channels_first")),
])
def test_separable_conv_gradients(float64, x_shape, d_shape, p_shape, kwargs):
    x, d, p, b = data(4, x_shape, d_shape, p_shape, (p_shape[-1],), dtype="float64")
    assert gradient_check(lambda a, u, v, c: separable_conv(a, u, v, bias=c, **kwargs),
                          [x, d, p, b]) < 1e-6


def test_kernel_gradient_without_input_gradient():
    """A first layer's input needs no gradient: only the kernel's is computed, and it is the
    same as when both are computed."""
    x, k = data(5, (2, 6, 6, 1), (3, 3, 1, 4))
    r = projection(6, (2, 3, 3, 4)).astype("float32")
    kernel = Tensor(k, requires_grad=True)
    (gk_alone,) = gradients((conv(x, kernel, strides=2, padding="same") * r).sum(), [kernel])
    inputs = Tensor(x, requires_grad=True)
    out = conv(inputs, kernel, strides=2, padding="same")
    gx, gk = gradients((out * r).sum(), [inputs, kernel])
    np.testing.assert_allclose(gk_alone, gk, rtol=1e-6)
    assert gx.shape == x.shape and gk.dtype == np.float32


def test_no_grad_records_nothing():
    x, k = data(7, (1, 5, 5, 2), (3, 3, 2, 2))
    kernel = Tensor(k, requires_grad=True)
    with no_grad():
        out = conv(x, kernel)
    assert not out.requires_grad and out._vjp is None
    assert conv(x, kernel).requires_grad


# -- shapes and dtypes ---------------------------------------------------------------------------
def test_output_shapes_follow_keras_formulas_for_every_padding_and_stride():
    for n, k, s, d, padding in itertools.product((5, 6, 8), (1, 2, 3, 4), (1, 2, 3), (1, 2),
                                                 ("valid", "same")):
        expected = conv_output_length(n, k, s, padding, d)
        if expected <= 0:
            with pytest.raises(ValueError, match="larger than the padded input"):
                conv(np.zeros((1, n, 2), "float32"), np.zeros((k, 2, 3), "float32"), s, padding,
                     dilation_rate=d)
            continue
        out = conv(np.zeros((1, n, n, 2), "float32"), np.zeros((k, k, 2, 3), "float32"), s,
                   padding, dilation_rate=d)
        assert out.shape == (1, expected, expected, 3), (n, k, s, d, padding)
        for op in (None, 0, 1, 2):
            if op is not None and op >= s:
                continue
            expected = conv_transpose_output_length(n, k, s, padding, op, d)
            out = conv_transpose(np.zeros((1, n, 2), "float32"), np.zeros((k, 3, 2), "float32"),
                                 s, padding, op, dilation_rate=d)
            assert out.shape == (1, expected, 3), (n, k, s, d, padding, op)


def test_float32_in_float32_out_and_integer_inputs_take_the_kernel_dtype():
    x, k = data(8, (2, 6, 6, 2), (3, 3, 2, 4))
    inputs, kernel = Tensor(x, requires_grad=True), Tensor(k, requires_grad=True)
    for out in (conv(inputs, kernel, padding="same"),
                conv_transpose(inputs, Tensor(k.transpose(0, 1, 3, 2)), 2, "same"),
                depthwise_conv(inputs, Tensor(k[..., :2]))):
        assert out.dtype == np.float32
        grads = gradients(out.sum(), [inputs, kernel] if out.shape[-1] == 4 else [inputs])
        assert all(g.dtype == np.float32 for g in grads)
    # mixed precision: computed in float64, each gradient in its parent's dtype
    wide = Tensor(x.astype("float64"), requires_grad=True)
    for out in (conv(wide, kernel, bias=Tensor(np.ones(4, "float32"), requires_grad=True)),
                conv_transpose(wide, Tensor(k.transpose(0, 1, 3, 2), requires_grad=True)),
                depthwise_conv(wide, Tensor(k[..., :2], requires_grad=True))):
        assert out.dtype == np.float64
        parents = out._parents
        grads = gradients(out.sum(), list(parents))
        assert [g.dtype for g in grads] == [p.dtype for p in parents]
    pixels = np.arange(2 * 5 * 5, dtype=np.uint8).reshape(2, 5, 5, 1)
    out = conv(pixels, k[:, :, :1])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), conv(pixels.astype("float32"), k[:, :, :1]).numpy())


def test_channels_first_equals_transposed_channels_last():
    x, k = data(9, (2, 7, 6, 4), (3, 2, 2, 6))
    last = conv(x, k, strides=2, padding="same").numpy()
    first = conv(x.transpose(0, 3, 1, 2), k, strides=2, padding="same",
                 data_format="channels_first").numpy()
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=1e-6)


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: conv(np.ones((2, 5)), np.ones((3, 1, 1))), r"inputs.*rank 3, 4 or 5.*\(2, 5\)"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((3, 1, 1))), r"kernel.*rank 4.*\(3, 1, 1\)"),
    (lambda: conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4))),
     r"input channels \(3\).*kernel.shape\[-2\] = 2"),
    (lambda: conv(np.ones((1, 5, 5, 4)), np.ones((3, 3, 2, 3))), r"filters \(3\).*groups \(2"),
    (lambda: conv(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1))),
     r"kernel is larger than the padded input.*effective kernel size 3.*padded input size 2"),
    (lambda: conv(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), dilation_rate=4),
     r"larger than the padded input.*effective kernel size 5"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((2, 2, 1, 1)), strides=0), r"`strides`.*0"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((2, 2, 1, 1)), strides=(1, 2, 1)),
     r"`strides`.*tuple of 2"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((2, 2, 1, 1)), dilation_rate=-1),
     r"`dilation_rate`.*-1"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((2, 2, 1, 1)), padding="full"),
     r"`padding`.*'full'"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((2, 2, 1, 1)), data_format="nhwc"),
     r"data_format.*nhwc"),
    (lambda: conv(np.ones((1, 5, 5, 1)), np.ones((2, 2, 1, 3)), bias=np.ones(2)),
     r"`bias` must have shape \(3,\)"),
    (lambda: conv_transpose(np.ones((1, 5, 5, 3)), np.ones((2, 2, 4, 2))),
     r"input channels=3, kernel input channels=2"),
    (lambda: conv_transpose(np.ones((1, 5, 5, 2)), np.ones((2, 2, 4, 2)), padding="causal"),
     r"`padding`.*'causal'"),
    (lambda: conv_transpose(np.ones((1, 5, 5, 2)), np.ones((2, 2, 4, 2)), strides=(0, 1)),
     r"`strides`"),
    (lambda: depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((2, 2, 2, 1))),
     r"input channels=3, kernel input channels=2"),
    (lambda: separable_conv(np.ones((1, 5, 5, 2)), np.ones((2, 2, 2, 2)), np.ones((1, 1, 3, 5))),
     r"pointwise_kernel.*\(1, 1, 4, 'filters'\)"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_outputs_and_gradients_never_alias_the_scratch_buffer(float64):
    """Column matrices are reused between calls; results handed out must not be."""
    x, k1, k2, k3 = data(10, (2, 6, 6, 2), (3, 3, 2, 3), (2, 2, 4, 3), (3, 3, 4, 2),
                         dtype="float64")
    first = conv(x, k1, padding="same")
    kept = first.numpy().copy()
    up = conv_transpose(first, k2, strides=2)
    kept_up = up.numpy().copy()
    conv(x, k1 * 2, padding="same")
    conv_transpose(first, k2 * 3, strides=2)
    np.testing.assert_array_equal(first.numpy(), kept)
    np.testing.assert_array_equal(up.numpy(), kept_up)

    def chain(a, u, v, w):  # conv -> transposed conv -> strided conv -> depthwise, one graph
        h = conv(a, u, padding="same")
        h = conv_transpose(h, v, strides=2, padding="same")
        h = conv(h, w, strides=2)
        return depthwise_conv(h, u[:, :, :2, :1] * 0 + 0.5)
    assert gradient_check(chain, [x, k1, k2, k3]) < 1e-6


@pytest.mark.parametrize("x_shape, k_shape, kwargs", [
    ((2, 6, 6, 3), (3, 3, 3, 4), {}),
    ((2, 7, 5, 4), (2, 3, 2, 6), {"padding": "same", "strides": 2}),
    ((2, 6, 6, 3), (3, 3, 1, 3), {"padding": "same"}),            # depthwise path
    ((2, 3, 6, 6), (3, 3, 3, 4), {"data_format": "channels_first"}),
])
def test_fused_relu_equals_relu_of_conv_and_has_its_gradient(float64, x_shape, k_shape, kwargs):
    rng = np.random.default_rng(3)
    x, k, b = rng.standard_normal(x_shape), rng.standard_normal(k_shape), \
        rng.standard_normal(k_shape[-1])
    fused = conv(x, k, bias=b, relu=True, **kwargs).numpy()
    np.testing.assert_allclose(fused, np.maximum(conv(x, k, bias=b, **kwargs).numpy(), 0))
    assert (fused == 0).any() and (fused > 0).any()
    assert gradient_check(lambda x, k, b: conv(x, k, bias=b, relu=True, **kwargs),
                          [x, k, b]) < 1e-6
