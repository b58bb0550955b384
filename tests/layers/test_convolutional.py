"""Convolution layers (minikeras/layers/convolutional/): Keras 3.15.1's weights, outputs,
output shapes and configs; gradients against central differences; errors that name the layer.

Pinned numbers come from /tmp/conv_ref/ref_layers.py and configs2.py run with
KERAS_BACKEND=torch on the refvenv: each layer is built on `input_shape`, its weights are set to
0.5 * standard normal draws of a seeded generator (after the input draw), and the output is
pinned by its shape, its sum and its projection on a seeded random array.
"""
import json

import numpy as np
import pytest

import minikeras
from minikeras import layers as core_layers
from minikeras.backend import set_floatx
from minikeras.layers import convolutional
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.utils import layer_gradient_check

ALL_CLASSES = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
               "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
               "SeparableConv2D"]


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def make(class_name, **kwargs):
    return getattr(convolutional, class_name)(**kwargs)


# -- outputs with set weights, pinned against Keras ----------------------------------------------
LAYER_CASES = [
    ('Conv1D', {'filters': 4, 'kernel_size': 3, 'padding': 'causal', 'dilation_rate': 2},
     (2, 7, 3), 1, ['kernel', 'bias'], [(3, 3, 4), (4,)],
     ((2, 7, 4), 0.84374, 11.96403)),
    ('Conv1D',
     {'filters': 4, 'kernel_size': 2, 'strides': 2, 'padding': 'same', 'groups': 2,
      'activation': 'relu'},
     (2, 7, 4), 2, ['kernel', 'bias'], [(2, 2, 4), (4,)],
     ((2, 4, 4), 6.27934, 1.02944)),
    ('Conv2D',
     {'filters': 3, 'kernel_size': (3, 2), 'strides': 2, 'padding': 'same', 'activation': 'tanh'},
     (2, 7, 6, 2), 3, ['kernel', 'bias'], [(3, 2, 2, 3), (3,)],
     ((2, 4, 3, 3), -8.99835, -9.19157)),
    ('Conv2D',
     {'filters': 4, 'kernel_size': 3, 'dilation_rate': 2, 'data_format': 'channels_first'},
     (2, 3, 7, 6), 4, ['kernel', 'bias'], [(3, 3, 3, 4), (4,)],
     ((2, 4, 3, 2), 2.26267, 7.24928)),
    ('Conv3D', {'filters': 4, 'kernel_size': 2, 'groups': 2, 'padding': 'same'},
     (1, 3, 4, 3, 2), 5, ['kernel', 'bias'], [(2, 2, 2, 1, 4), (4,)],
     ((1, 3, 4, 3, 4), 13.77796, -16.13801)),
    ('Conv1DTranspose', {'filters': 3, 'kernel_size': 3, 'strides': 2, 'output_padding': 1},
     (2, 4, 2), 6, ['kernel', 'bias'], [(3, 3, 2), (3,)],
     ((2, 10, 3), 4.12816, 2.40458)),
    ('Conv2DTranspose',
     {'filters': 2, 'kernel_size': 3, 'strides': 2, 'padding': 'same', 'activation': 'relu'},
     (2, 3, 4, 3), 7, ['kernel', 'bias'], [(3, 3, 2, 3), (2,)],
     ((2, 6, 8, 2), 72.33204, 10.75662)),
    ('Conv2DTranspose',
     {'filters': 2, 'kernel_size': (2, 3), 'dilation_rate': 2, 'use_bias': False},
     (1, 3, 3, 2), 8, ['kernel'], [(2, 3, 2, 2)],
     ((1, 5, 7, 2), 11.48585, 2.39411)),
    ('Conv3DTranspose',
     {'filters': 2, 'kernel_size': (2, 3, 1), 'strides': (1, 2, 2), 'padding': 'same',
      'data_format': 'channels_first'},
     (1, 2, 2, 3, 2), 9, ['kernel', 'bias'], [(2, 3, 1, 2, 2), (2,)],
     ((1, 2, 2, 6, 4), -58.06656, -4.57984)),
    ('DepthwiseConv1D', {'kernel_size': 3, 'depth_multiplier': 2, 'padding': 'same'},
     (2, 6, 3), 10, ['kernel', 'bias'], [(3, 3, 2), (6,)],
     ((2, 6, 6), -22.46375, 2.80668)),
    ('DepthwiseConv2D', {'kernel_size': 3, 'strides': (2, 1), 'activation': 'sigmoid'},
     (2, 7, 5, 2), 11, ['kernel', 'bias'], [(3, 3, 2, 1), (2,)],
     ((2, 3, 3, 2), 18.92254, -4.56995)),
    ('DepthwiseConv2D',
     {'kernel_size': 2, 'dilation_rate': 2, 'data_format': 'channels_first', 'depth_multiplier': 3},
     (1, 2, 5, 5), 12, ['kernel', 'bias'], [(2, 2, 2, 3), (6,)],
     ((1, 6, 3, 3), -4.10249, -8.64825)),
    ('SeparableConv1D', {'filters': 3, 'kernel_size': 3, 'strides': 2},
     (2, 8, 2), 13, ['depthwise_kernel', 'pointwise_kernel', 'bias'], [(3, 2, 1), (1, 2, 3), (3,)],
     ((2, 3, 3), 3.93339, 0.13652)),
    ('SeparableConv2D', {'filters': 4, 'kernel_size': 3, 'depth_multiplier': 2, 'padding': 'same'},
     (2, 5, 4, 3), 14, ['depthwise_kernel', 'pointwise_kernel', 'bias'],
     [(3, 3, 3, 2), (1, 1, 6, 4), (4,)],
     ((2, 5, 4, 4), 97.19053, -7.66777)),
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=[f"{c[0]}-{c[3]}" for c in LAYER_CASES])
def test_layer_outputs_and_weights_match_keras(case):
    class_name, kwargs, input_shape, seed, names, shapes, (out_shape, total, projected) = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(input_shape).astype("float32")
    layer = make(class_name, **kwargs)
    layer.build(input_shape)
    assert [w.name for w in layer.weights] == names
    assert [tuple(w.shape) for w in layer.weights] == shapes
    layer.set_weights([rng.standard_normal(s).astype("float32") * 0.5 for s in shapes])
    out = layer(x)
    assert out.shape == out_shape == layer.compute_output_shape(input_shape)
    assert out.dtype == np.float32
    values = out.numpy().astype(np.float64)
    r = np.random.default_rng(seed + 1000).standard_normal(out_shape)
    scale = np.abs(values).sum()
    np.testing.assert_allclose(values.sum(), total, atol=1e-6 * scale + 1e-4)
    np.testing.assert_allclose((values * r).sum(), projected, atol=1e-6 * scale + 1e-4)


def test_default_initializers_glorot_uniform_kernel_and_zero_bias():
    layer = make("Conv2D", filters=8, kernel_size=3)
    layer.build((None, 10, 10, 4))
    kernel = layer.kernel.numpy()
    limit = np.sqrt(6 / (9 * 4 + 9 * 8))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(8))
    assert layer.count_params() == 3 * 3 * 4 * 8 + 8


# -- configs: Keras's get_config() for each layer, pasted (keys sorted) ---------------------
GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": None, "input_axes": None, "output_axes": None},
          "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {},
         "registered_name": None}
FLOAT32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
           "registered_name": None}
L2 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
      "registered_name": None}
NON_NEG = {"module": "keras.constraints", "class_name": "NonNeg", "config": {},
           "registered_name": None}

KERAS_CONFIGS = [
    ('Conv1D', {'filters': 4, 'kernel_size': 3, 'padding': 'causal', 'name': 'c1'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'dilation_rate': (1,), 'dtype': FLOAT32, 'filters': 4, 'groups': 1,
      'kernel_constraint': None, 'kernel_initializer': GLOROT, 'kernel_regularizer': None,
      'kernel_size': (3,), 'name': 'c1', 'padding': 'causal', 'strides': (1,), 'trainable': True,
      'use_bias': True}),
    ('Conv2D', {'filters': 8, 'kernel_size': (3, 2), 'strides': 2, 'padding': 'same',
                'activation': 'relu', 'name': 'c2'},
     {'activation': 'relu', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'dilation_rate': (1, 1), 'dtype': FLOAT32, 'filters': 8, 'groups': 1,
      'kernel_constraint': None, 'kernel_initializer': GLOROT, 'kernel_regularizer': None,
      'kernel_size': (3, 2), 'name': 'c2', 'padding': 'same', 'strides': (2, 2), 'trainable': True,
      'use_bias': True}),
    ('Conv3D', {'filters': 2, 'kernel_size': 2, 'dilation_rate': 2, 'groups': 2, 'use_bias': False,
     'kernel_regularizer': 'l2', 'name': 'c3'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'dilation_rate': (2, 2, 2), 'dtype': FLOAT32, 'filters': 2, 'groups': 2,
      'kernel_constraint': None, 'kernel_initializer': GLOROT,
      'kernel_regularizer': L2,
      'kernel_size': (2, 2, 2), 'name': 'c3', 'padding': 'valid', 'strides': (1, 1, 1),
      'trainable': True, 'use_bias': False}),
    ('Conv1DTranspose', {'filters': 3, 'kernel_size': 3, 'strides': 2, 'output_padding': 1,
                         'name': 't1'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'dilation_rate': (1,), 'dtype': FLOAT32, 'filters': 3, 'kernel_constraint': None,
      'kernel_initializer': GLOROT, 'kernel_regularizer': None, 'kernel_size': (3,), 'name': 't1',
      'output_padding': (1,), 'padding': 'valid', 'strides': (2,), 'trainable': True,
      'use_bias': True}),
    ('Conv2DTranspose', {'filters': 3, 'kernel_size': 3, 'name': 't2'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'dilation_rate': (1, 1), 'dtype': FLOAT32, 'filters': 3, 'kernel_constraint': None,
      'kernel_initializer': GLOROT, 'kernel_regularizer': None, 'kernel_size': (3, 3),
      'name': 't2', 'output_padding': None, 'padding': 'valid', 'strides': (1, 1),
      'trainable': True, 'use_bias': True}),
    ('Conv3DTranspose', {'filters': 3, 'kernel_size': (2, 3, 1), 'padding': 'same',
                         'data_format': 'channels_first',
     'name': 't3'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_first',
      'dilation_rate': (1, 1, 1), 'dtype': FLOAT32, 'filters': 3, 'kernel_constraint': None,
      'kernel_initializer': GLOROT, 'kernel_regularizer': None, 'kernel_size': (2, 3, 1),
      'name': 't3', 'output_padding': None, 'padding': 'same', 'strides': (1, 1, 1),
      'trainable': True, 'use_bias': True}),
    ('DepthwiseConv1D', {'kernel_size': 3, 'depth_multiplier': 2, 'name': 'd1'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'depth_multiplier': 2, 'depthwise_constraint': None, 'depthwise_initializer': GLOROT,
      'depthwise_regularizer': None, 'dilation_rate': (1,), 'dtype': FLOAT32, 'kernel_size': (3,),
      'name': 'd1', 'padding': 'valid', 'strides': (1,), 'trainable': True, 'use_bias': True}),
    ('DepthwiseConv2D', {'kernel_size': 3, 'strides': (2, 1), 'activation': 'tanh', 'name': 'd2'},
     {'activation': 'tanh', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'depth_multiplier': 1, 'depthwise_constraint': None, 'depthwise_initializer': GLOROT,
      'depthwise_regularizer': None, 'dilation_rate': (1, 1), 'dtype': FLOAT32,
      'kernel_size': (3, 3), 'name': 'd2', 'padding': 'valid', 'strides': (2, 1),
      'trainable': True, 'use_bias': True}),
    ('SeparableConv1D', {'filters': 5, 'kernel_size': 3, 'name': 's1'},
     {'activation': 'linear', 'activity_regularizer': None, 'bias_constraint': None,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'depth_multiplier': 1, 'depthwise_constraint': None, 'depthwise_initializer': GLOROT,
      'depthwise_regularizer': None, 'dilation_rate': (1,), 'dtype': FLOAT32, 'filters': 5,
      'kernel_size': (3,), 'name': 's1', 'padding': 'valid', 'pointwise_constraint': None,
      'pointwise_initializer': GLOROT, 'pointwise_regularizer': None, 'strides': (1,),
      'trainable': True, 'use_bias': True}),
    ('SeparableConv2D', {'filters': 5, 'kernel_size': 3, 'depth_multiplier': 2, 'padding': 'same',
     'bias_constraint': 'non_neg', 'name': 's2'},
     {'activation': 'linear', 'activity_regularizer': None,
      'bias_constraint': NON_NEG,
      'bias_initializer': ZEROS, 'bias_regularizer': None, 'data_format': 'channels_last',
      'depth_multiplier': 2, 'depthwise_constraint': None, 'depthwise_initializer': GLOROT,
      'depthwise_regularizer': None, 'dilation_rate': (1, 1), 'dtype': FLOAT32, 'filters': 5,
      'kernel_size': (3, 3), 'name': 's2', 'padding': 'same', 'pointwise_constraint': None,
      'pointwise_initializer': GLOROT, 'pointwise_regularizer': None, 'strides': (1, 1),
      'trainable': True, 'use_bias': True}),
]


@pytest.mark.parametrize("case", KERAS_CONFIGS, ids=[c[0] for c in KERAS_CONFIGS])
def test_get_config_equals_keras(case):
    class_name, kwargs, expected = case
    layer = make(class_name, **kwargs)
    assert layer.get_config() == expected


@pytest.mark.parametrize("case", KERAS_CONFIGS, ids=[c[0] for c in KERAS_CONFIGS])
def test_from_config_round_trip_including_json(case):
    class_name, kwargs, expected = case
    cls = getattr(convolutional, class_name)
    config = make(class_name, **kwargs).get_config()
    assert cls.from_config(config).get_config() == config
    # A config read back from JSON (tuples became lists) rebuilds the same layer
    assert cls.from_config(json.loads(json.dumps(config))).get_config() == config
    # And Keras's own dict (pasted above) builds it too
    assert cls.from_config(expected).get_config() == expected


def test_keras_aliases():
    assert convolutional.Convolution2D is convolutional.Conv2D
    assert convolutional.Convolution1DTranspose is convolutional.Conv1DTranspose
    assert convolutional.SeparableConvolution2D is convolutional.SeparableConv2D


# -- output shapes -------------------------------------------------------------------------------
CONV_SHAPES = [
    (5, 1, 1, 1, 'valid', 5), (5, 1, 1, 1, 'same', 5), (5, 1, 1, 2, 'valid', 5),
    (5, 1, 1, 2, 'same', 5), (5, 1, 2, 1, 'valid', 3), (5, 1, 2, 1, 'same', 3),
    (5, 1, 3, 1, 'valid', 2), (5, 1, 3, 1, 'same', 2), (5, 2, 1, 1, 'valid', 4),
    (5, 2, 1, 1, 'same', 5), (5, 2, 1, 2, 'valid', 3), (5, 2, 1, 2, 'same', 5),
    (5, 2, 2, 1, 'valid', 2), (5, 2, 2, 1, 'same', 3), (5, 2, 3, 1, 'valid', 2),
    (5, 2, 3, 1, 'same', 2), (5, 3, 1, 1, 'valid', 3), (5, 3, 1, 1, 'same', 5),
    (5, 3, 1, 2, 'valid', 1), (5, 3, 1, 2, 'same', 5), (5, 3, 2, 1, 'valid', 2),
    (5, 3, 2, 1, 'same', 3), (5, 3, 3, 1, 'valid', 1), (5, 3, 3, 1, 'same', 2),
    (5, 4, 1, 1, 'valid', 2), (5, 4, 1, 1, 'same', 5), (5, 4, 1, 2, 'valid', 'error'),
    (5, 4, 1, 2, 'same', 5), (5, 4, 2, 1, 'valid', 1), (5, 4, 2, 1, 'same', 3),
    (5, 4, 3, 1, 'valid', 1), (5, 4, 3, 1, 'same', 2), (8, 1, 1, 1, 'valid', 8),
    (8, 1, 1, 1, 'same', 8), (8, 1, 1, 2, 'valid', 8), (8, 1, 1, 2, 'same', 8),
    (8, 1, 2, 1, 'valid', 4), (8, 1, 2, 1, 'same', 4), (8, 1, 3, 1, 'valid', 3),
    (8, 1, 3, 1, 'same', 3), (8, 2, 1, 1, 'valid', 7), (8, 2, 1, 1, 'same', 8),
    (8, 2, 1, 2, 'valid', 6), (8, 2, 1, 2, 'same', 8), (8, 2, 2, 1, 'valid', 4),
    (8, 2, 2, 1, 'same', 4), (8, 2, 3, 1, 'valid', 3), (8, 2, 3, 1, 'same', 3),
    (8, 3, 1, 1, 'valid', 6), (8, 3, 1, 1, 'same', 8), (8, 3, 1, 2, 'valid', 4),
    (8, 3, 1, 2, 'same', 8), (8, 3, 2, 1, 'valid', 3), (8, 3, 2, 1, 'same', 4),
    (8, 3, 3, 1, 'valid', 2), (8, 3, 3, 1, 'same', 3), (8, 4, 1, 1, 'valid', 5),
    (8, 4, 1, 1, 'same', 8), (8, 4, 1, 2, 'valid', 2), (8, 4, 1, 2, 'same', 8),
    (8, 4, 2, 1, 'valid', 3), (8, 4, 2, 1, 'same', 4), (8, 4, 3, 1, 'valid', 2),
    (8, 4, 3, 1, 'same', 3),
]
CONV_TRANSPOSE_SHAPES = [
    (3, 1, 1, 1, 'valid', None, 3), (3, 1, 1, 1, 'valid', 0, 3), (3, 1, 1, 1, 'same', None, 3),
    (3, 1, 1, 1, 'same', 0, 3), (3, 1, 1, 2, 'valid', None, 3), (3, 1, 1, 2, 'valid', 0, 3),
    (3, 1, 1, 2, 'same', None, 3), (3, 1, 1, 2, 'same', 0, 3), (3, 1, 2, 1, 'valid', None, 6),
    (3, 1, 2, 1, 'valid', 0, 5), (3, 1, 2, 1, 'valid', 1, 6), (3, 1, 2, 1, 'same', None, 6),
    (3, 1, 2, 1, 'same', 0, 5), (3, 1, 2, 1, 'same', 1, 6), (3, 1, 3, 1, 'valid', None, 9),
    (3, 1, 3, 1, 'valid', 0, 7), (3, 1, 3, 1, 'valid', 1, 8), (3, 1, 3, 1, 'valid', 2, 9),
    (3, 1, 3, 1, 'same', None, 9), (3, 1, 3, 1, 'same', 0, 7), (3, 1, 3, 1, 'same', 1, 8),
    (3, 1, 3, 1, 'same', 2, 9), (3, 2, 1, 1, 'valid', None, 4), (3, 2, 1, 1, 'valid', 0, 4),
    (3, 2, 1, 1, 'same', None, 3), (3, 2, 1, 1, 'same', 0, 2), (3, 2, 1, 2, 'valid', None, 5),
    (3, 2, 1, 2, 'valid', 0, 5), (3, 2, 1, 2, 'same', None, 3), (3, 2, 1, 2, 'same', 0, 3),
    (3, 2, 2, 1, 'valid', None, 6), (3, 2, 2, 1, 'valid', 0, 6), (3, 2, 2, 1, 'valid', 1, 7),
    (3, 2, 2, 1, 'same', None, 6), (3, 2, 2, 1, 'same', 0, 4), (3, 2, 2, 1, 'same', 1, 5),
    (3, 2, 3, 1, 'valid', None, 9), (3, 2, 3, 1, 'valid', 0, 8), (3, 2, 3, 1, 'valid', 1, 9),
    (3, 2, 3, 1, 'valid', 2, 10), (3, 2, 3, 1, 'same', None, 9), (3, 2, 3, 1, 'same', 0, 6),
    (3, 2, 3, 1, 'same', 1, 7), (3, 2, 3, 1, 'same', 2, 8), (3, 3, 1, 1, 'valid', None, 5),
    (3, 3, 1, 1, 'valid', 0, 5), (3, 3, 1, 1, 'same', None, 3), (3, 3, 1, 1, 'same', 0, 3),
    (3, 3, 1, 2, 'valid', None, 7), (3, 3, 1, 2, 'valid', 0, 7), (3, 3, 1, 2, 'same', None, 3),
    (3, 3, 1, 2, 'same', 0, 3), (3, 3, 2, 1, 'valid', None, 7), (3, 3, 2, 1, 'valid', 0, 7),
    (3, 3, 2, 1, 'valid', 1, 8), (3, 3, 2, 1, 'same', None, 6), (3, 3, 2, 1, 'same', 0, 5),
    (3, 3, 2, 1, 'same', 1, 6), (3, 3, 3, 1, 'valid', None, 9), (3, 3, 3, 1, 'valid', 0, 9),
    (3, 3, 3, 1, 'valid', 1, 10), (3, 3, 3, 1, 'valid', 2, 11), (3, 3, 3, 1, 'same', None, 9),
    (3, 3, 3, 1, 'same', 0, 7), (3, 3, 3, 1, 'same', 1, 8), (3, 3, 3, 1, 'same', 2, 9),
    (3, 4, 1, 1, 'valid', None, 6), (3, 4, 1, 1, 'valid', 0, 6), (3, 4, 1, 1, 'same', None, 3),
    (3, 4, 1, 1, 'same', 0, 2), (3, 4, 1, 2, 'valid', None, 9), (3, 4, 1, 2, 'valid', 0, 9),
    (3, 4, 1, 2, 'same', None, 3), (3, 4, 1, 2, 'same', 0, 3), (3, 4, 2, 1, 'valid', None, 8),
    (3, 4, 2, 1, 'valid', 0, 8), (3, 4, 2, 1, 'valid', 1, 9), (3, 4, 2, 1, 'same', None, 6),
    (3, 4, 2, 1, 'same', 0, 4), (3, 4, 2, 1, 'same', 1, 5), (3, 4, 3, 1, 'valid', None, 10),
    (3, 4, 3, 1, 'valid', 0, 10), (3, 4, 3, 1, 'valid', 1, 11), (3, 4, 3, 1, 'valid', 2, 12),
    (3, 4, 3, 1, 'same', None, 9), (3, 4, 3, 1, 'same', 0, 6), (3, 4, 3, 1, 'same', 1, 7),
    (3, 4, 3, 1, 'same', 2, 8), (4, 1, 1, 1, 'valid', None, 4), (4, 1, 1, 1, 'valid', 0, 4),
    (4, 1, 1, 1, 'same', None, 4), (4, 1, 1, 1, 'same', 0, 4), (4, 1, 1, 2, 'valid', None, 4),
    (4, 1, 1, 2, 'valid', 0, 4), (4, 1, 1, 2, 'same', None, 4), (4, 1, 1, 2, 'same', 0, 4),
    (4, 1, 2, 1, 'valid', None, 8), (4, 1, 2, 1, 'valid', 0, 7), (4, 1, 2, 1, 'valid', 1, 8),
    (4, 1, 2, 1, 'same', None, 8), (4, 1, 2, 1, 'same', 0, 7), (4, 1, 2, 1, 'same', 1, 8),
    (4, 1, 3, 1, 'valid', None, 12), (4, 1, 3, 1, 'valid', 0, 10), (4, 1, 3, 1, 'valid', 1, 11),
    (4, 1, 3, 1, 'valid', 2, 12), (4, 1, 3, 1, 'same', None, 12), (4, 1, 3, 1, 'same', 0, 10),
    (4, 1, 3, 1, 'same', 1, 11), (4, 1, 3, 1, 'same', 2, 12), (4, 2, 1, 1, 'valid', None, 5),
    (4, 2, 1, 1, 'valid', 0, 5), (4, 2, 1, 1, 'same', None, 4), (4, 2, 1, 1, 'same', 0, 3),
    (4, 2, 1, 2, 'valid', None, 6), (4, 2, 1, 2, 'valid', 0, 6), (4, 2, 1, 2, 'same', None, 4),
    (4, 2, 1, 2, 'same', 0, 4), (4, 2, 2, 1, 'valid', None, 8), (4, 2, 2, 1, 'valid', 0, 8),
    (4, 2, 2, 1, 'valid', 1, 9), (4, 2, 2, 1, 'same', None, 8), (4, 2, 2, 1, 'same', 0, 6),
    (4, 2, 2, 1, 'same', 1, 7), (4, 2, 3, 1, 'valid', None, 12), (4, 2, 3, 1, 'valid', 0, 11),
    (4, 2, 3, 1, 'valid', 1, 12), (4, 2, 3, 1, 'valid', 2, 13), (4, 2, 3, 1, 'same', None, 12),
    (4, 2, 3, 1, 'same', 0, 9), (4, 2, 3, 1, 'same', 1, 10), (4, 2, 3, 1, 'same', 2, 11),
    (4, 3, 1, 1, 'valid', None, 6), (4, 3, 1, 1, 'valid', 0, 6), (4, 3, 1, 1, 'same', None, 4),
    (4, 3, 1, 1, 'same', 0, 4), (4, 3, 1, 2, 'valid', None, 8), (4, 3, 1, 2, 'valid', 0, 8),
    (4, 3, 1, 2, 'same', None, 4), (4, 3, 1, 2, 'same', 0, 4), (4, 3, 2, 1, 'valid', None, 9),
    (4, 3, 2, 1, 'valid', 0, 9), (4, 3, 2, 1, 'valid', 1, 10), (4, 3, 2, 1, 'same', None, 8),
    (4, 3, 2, 1, 'same', 0, 7), (4, 3, 2, 1, 'same', 1, 8), (4, 3, 3, 1, 'valid', None, 12),
    (4, 3, 3, 1, 'valid', 0, 12), (4, 3, 3, 1, 'valid', 1, 13), (4, 3, 3, 1, 'valid', 2, 14),
    (4, 3, 3, 1, 'same', None, 12), (4, 3, 3, 1, 'same', 0, 10), (4, 3, 3, 1, 'same', 1, 11),
    (4, 3, 3, 1, 'same', 2, 12), (4, 4, 1, 1, 'valid', None, 7), (4, 4, 1, 1, 'valid', 0, 7),
    (4, 4, 1, 1, 'same', None, 4), (4, 4, 1, 1, 'same', 0, 3), (4, 4, 1, 2, 'valid', None, 10),
    (4, 4, 1, 2, 'valid', 0, 10), (4, 4, 1, 2, 'same', None, 4), (4, 4, 1, 2, 'same', 0, 4),
    (4, 4, 2, 1, 'valid', None, 10), (4, 4, 2, 1, 'valid', 0, 10), (4, 4, 2, 1, 'valid', 1, 11),
    (4, 4, 2, 1, 'same', None, 8), (4, 4, 2, 1, 'same', 0, 6), (4, 4, 2, 1, 'same', 1, 7),
    (4, 4, 3, 1, 'valid', None, 13), (4, 4, 3, 1, 'valid', 0, 13), (4, 4, 3, 1, 'valid', 1, 14),
    (4, 4, 3, 1, 'valid', 2, 15), (4, 4, 3, 1, 'same', None, 12), (4, 4, 3, 1, 'same', 0, 9),
    (4, 4, 3, 1, 'same', 1, 10), (4, 4, 3, 1, 'same', 2, 11),
]


@pytest.mark.parametrize("n, k, s, d, padding, expected", CONV_SHAPES)
def test_conv_output_shapes_match_keras(n, k, s, d, padding, expected):
    layer = make("Conv1D", filters=2, kernel_size=k, strides=s, dilation_rate=d, padding=padding)
    if expected == "error":
        with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
            layer.compute_output_shape((None, n, 3))
        return
    assert layer.compute_output_shape((None, n, 3)) == (None, expected, 2)
    assert layer(np.zeros((1, n, 3), "float32")).shape == (1, expected, 2)
    square = make("Conv2D", filters=2, kernel_size=k, strides=s, dilation_rate=d, padding=padding)
    assert square(np.zeros((1, n, n, 1), "float32")).shape == (1, expected, expected, 2)


@pytest.mark.parametrize("n, k, s, d, padding, output_padding, expected", CONV_TRANSPOSE_SHAPES)
def test_conv_transpose_output_shapes_match_keras(n, k, s, d, padding, output_padding, expected):
    layer = make("Conv1DTranspose", filters=2, kernel_size=k, strides=s, dilation_rate=d,
                 padding=padding, output_padding=output_padding)
    assert layer.compute_output_shape((None, n, 3)) == (None, expected, 2)
    assert layer(np.zeros((1, n, 3), "float32")).shape == (1, expected, 2)


def test_causal_conv1d_output_depends_only_on_the_past():
    layer = make("Conv1D", filters=1, kernel_size=3, padding="causal", dilation_rate=2)
    x = np.random.default_rng(0).standard_normal((1, 10, 1)).astype("float32")
    out = layer(x).numpy()
    assert out.shape == (1, 10, 1)
    changed = x.copy()
    changed[0, 6:] += 1.0
    np.testing.assert_array_equal(layer(changed).numpy()[0, :6], out[0, :6])


def test_unknown_sizes_and_symbolic_inputs():
    layer = make("Conv2D", filters=4, kernel_size=3, strides=2, padding="same")
    assert layer.compute_output_shape((None, None, 7, 3)) == (None, None, 4, 4)
    symbolic = make("SeparableConv2D", filters=5, kernel_size=3)(KerasTensor((None, 9, 8, 2)))
    assert symbolic.shape == (None, 7, 6, 5)
    transposed = make("Conv2DTranspose", filters=2, kernel_size=3, strides=2,
                      data_format="channels_first")
    assert transposed.compute_output_shape((None, 3, None, 4)) == (None, 2, None, 9)
    depthwise = make("DepthwiseConv1D", kernel_size=2, depth_multiplier=3)
    assert depthwise.compute_output_shape((2, 6, 4)) == (2, 5, 12)


# -- gradients (float64, every layer) --------------------------------------------------------------
GRADIENT_CASES = [
    ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2), (2, 6, 2)),
    ("Conv1D", dict(filters=4, kernel_size=2, strides=2, padding="same", groups=2), (1, 7, 4)),
    ("Conv2D", dict(filters=3, kernel_size=(3, 2), strides=2, padding="same", activation="tanh"),
     (2, 5, 4, 2)),
    ("Conv2D", dict(filters=2, kernel_size=3, dilation_rate=2, data_format="channels_first"),
     (1, 2, 6, 5)),
    ("Conv3D", dict(filters=4, kernel_size=2, groups=2, padding="same"), (1, 3, 3, 2, 2)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1), (1, 4, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same"), (1, 3, 2, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(2, 3), dilation_rate=2, use_bias=False,
                             data_format="channels_first"), (1, 2, 3, 3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=(2, 3, 1), strides=(1, 2, 2),
                             padding="same"), (1, 2, 2, 2, 2)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, padding="same"), (2, 5, 2)),
    ("DepthwiseConv2D", dict(kernel_size=2, strides=(2, 1), activation="sigmoid"), (1, 5, 4, 2)),
    ("SeparableConv1D", dict(filters=3, kernel_size=3, strides=2, depth_multiplier=2), (1, 7, 2)),
    ("SeparableConv2D", dict(filters=2, kernel_size=3, padding="same",
                             data_format="channels_first"), (1, 2, 4, 3)),
]


@pytest.mark.parametrize("class_name, kwargs, input_shape", GRADIENT_CASES,
                         ids=[c[0] for c in GRADIENT_CASES])
def test_layer_gradients(float64, class_name, kwargs, input_shape):
    layer = make(class_name, **kwargs)
    layer.build(input_shape)
    rng = np.random.default_rng(0)
    for weight in layer.weights:  # non-zero biases, so their gradient is checked too
        weight.assign(rng.standard_normal(weight.shape) * 0.5)
    assert layer.kernel.dtype == np.float64 if hasattr(layer, "kernel") else True
    assert layer_gradient_check(layer, rng.standard_normal(input_shape)) < 1e-6


def test_regularizers_and_constraints_are_attached():
    layer = make("SeparableConv2D", filters=2, kernel_size=2, depthwise_regularizer="l2",
                 pointwise_regularizer="l1", bias_constraint="non_neg")
    layer(np.ones((1, 4, 4, 3), "float32"))
    assert len(layer.losses) == 2
    assert layer.bias.constraint is not None and layer.depthwise_kernel.constraint is None


def test_trains_in_a_sequential_model():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8, 8, 1)).astype("float32")
    y = (x[:, 2:6, 2:6, 0].mean(axis=(1, 2)) > 0).astype("int64")
    model = minikeras.Sequential([
        core_layers.Input((8, 8, 1)),
        convolutional.Conv2D(4, 3, activation="relu", padding="same"),
        convolutional.SeparableConv2D(4, 3, strides=2),
        convolutional.Conv2DTranspose(2, 2, strides=2),
        core_layers.Flatten(),
        core_layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


# -- bad input -----------------------------------------------------------------------------------
def test_rank_and_channel_errors_name_the_layer_and_shapes():
    layer = make("Conv2D", filters=2, kernel_size=3, name="conv_a")
    with pytest.raises(ValueError, match=r'layer "conv_a".*expected min_ndim=4, found ndim=3.*'
                                         r"\(2, 5, 5\)"):
        layer(np.ones((2, 5, 5), "float32"))
    layer(np.ones((2, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'layer "conv_a".*expected axis -1 of input shape to have '
                                         r"value 3, but received input with shape \(2, 5, 5, 4\)"):
        layer(np.ones((2, 5, 5, 4), "float32"))
    with pytest.raises(ValueError, match=r'layer "conv_a".*expected ndim=4, found ndim=5'):
        layer(np.ones((2, 5, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"Conv2D layer 'conv_a'.*larger than the padded input"):
        layer(np.ones((2, 2, 5, 3), "float32"))
    transposed = make("Conv1DTranspose", filters=2, kernel_size=3, name="up")
    with pytest.raises(ValueError, match=r'layer "up".*expected ndim=3.*found ndim=4.*'
                                         r"\(1, 4, 4, 2\)"):
        transposed(np.ones((1, 4, 4, 2), "float32"))
    depthwise = make("DepthwiseConv2D", kernel_size=3, data_format="channels_first", name="dw")
    depthwise(np.ones((1, 2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r'layer "dw".*axis 1 of input shape to have value 2'):
        depthwise(np.ones((1, 3, 5, 5), "float32"))


def test_build_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Conv2D layer 'g'.*divisible by the number of groups.*"
                                         r"groups=2.*3 channels"):
        make("Conv2D", filters=4, kernel_size=3, groups=2, name="g")(np.ones((1, 5, 5, 3), "f4"))
    with pytest.raises(ValueError, match=r"Conv1D layer 'small'.*Computed output size would be "
                                         r"zero or negative.*\(1, 2, 3\)"):
        make("Conv1D", filters=2, kernel_size=3, name="small")(np.ones((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match=r"channel dimension.*must be known"):
        make("Conv2D", filters=2, kernel_size=3).build((None, 5, 5, None))


@pytest.mark.parametrize("class_name, kwargs, message", [
    ("Conv2D", dict(filters=0, kernel_size=3), r"Conv2D layer.*`filters`.*filters=0"),
    ("Conv2D", dict(filters=4, kernel_size=3, groups=3), r"filters must be evenly divisible.*"
                                                         r"groups=3, filters=4"),
    ("Conv2D", dict(filters=4, kernel_size=3, groups=0), r"`groups`"),
    ("Conv2D", dict(filters=4, kernel_size=(3, 0)), r"`kernel_size`.*\(3, 0\)"),
    ("Conv2D", dict(filters=4, kernel_size=(3, 3, 3)), r"`kernel_size`.*tuple of 2"),
    ("Conv3D", dict(filters=4, kernel_size=3, strides=0), r"`strides`"),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, dilation_rate=2),
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`"),
    ("Conv2D", dict(filters=4, kernel_size=3, padding="causal"), r"`padding`.*'causal'"),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="full"), r"`padding`.*'full'"),
    ("Conv2D", dict(filters=4, kernel_size=3, data_format="NCHW"), r"data_format.*NCHW"),
    ("Conv2D", dict(filters=4, kernel_size=3, lora_rank=2), r"lora_rank"),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=2),
     r"`output_padding` must be strictly less than `strides`"),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, padding="causal"), r"`padding`"),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=0), r"`depth_multiplier`"),
    ("SeparableConv1D", dict(filters=-1, kernel_size=3), r"`filters`"),
    ("Conv2D", dict(filters=4, kernel_size=3, bogus=1), r"bogus"),
])
def test_invalid_arguments(class_name, kwargs, message):
    error = TypeError if "bogus" in kwargs else ValueError
    with pytest.raises(error, match=message):
        make(class_name, **kwargs)
