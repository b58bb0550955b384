"""Recurrent layers (minikeras/layers/rnn/): SimpleRNN, LSTM, GRU, their cells, RNN(cell) and
StackedRNNCells, against Keras 3.15.1.

* Outputs pinned against Keras (torch backend): /tmp/rnn_ref/ref_layers.py builds each Keras
  layer on (None, 4, 3) with return_sequences=True, return_state=True, draws
  x = rng.standard_normal((2, 4, 3)) with rng = np.random.default_rng(seed), sets the weights to
  0.5 * standard normal draws of the same generator (get_weights order), draws the initial
  states, and prints outputs and states rounded to 6 decimals (plus the return_sequences=False
  output). Keras's masked steps carry the states and repeat the previous output.
* Configs equal Keras's get_config() (ref_configs.py printed the JSON pasted below), weight
  paths and shapes equal Keras's.
* Gradients checked against central differences in float64 for every layer, with and without
  masks, return_sequences, go_backwards, initial_state; the fused path equals the generic one.
"""
import json

import numpy as np
import pytest

import minikeras
from minikeras import ops
from minikeras.backend import Tensor, gradients, set_floatx
from minikeras.layers import Dense, Input
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.layers.rnn import (GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell,
                                  StackedRNNCells)
from minikeras.tree import flatten, pack_sequence_as
from minikeras.utils import layer_gradient_check, numerical_gradient


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


MASK = np.array([[True, False, True, True], [False, False, True, False]])


class MinimalRNNCell(Layer):
    """The user cell of Keras's RNN docstring (with a tanh), built from generic ops."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        output = ops.tanh(ops.matmul(inputs, self.kernel)
                          + ops.matmul(states[0], self.recurrent_kernel))
        return output, [output]


def make(name, **kwargs):
    return {
        "simple": lambda: SimpleRNN(2, **kwargs),
        "simple_relu": lambda: SimpleRNN(2, activation="relu", **kwargs),
        "lstm": lambda: LSTM(2, **kwargs),
        "lstm_relu": lambda: LSTM(2, activation="relu", recurrent_activation="hard_sigmoid",
                                  **kwargs),
        "gru": lambda: GRU(2, **kwargs),
        "gru_nra": lambda: GRU(2, reset_after=False, **kwargs),
        "rnn_minimal": lambda: RNN(MinimalRNNCell(2), **kwargs),
        "rnn_stacked": lambda: RNN([LSTMCell(2), GRUCell(3)], **kwargs),
    }[name]()


# -- outputs pinned against Keras 3.15.1 ---------------------------------------------------------
# name-seed: (options, use_mask, use_initial_state, flattened (outputs, *states), last output)
KERAS_OUTPUTS = {
    'simple-1': ({}, False, False,
        [[[[-0.179645, -0.131641], [0.955641, 0.882108], [0.954917, 0.80939],
           [0.685233, 0.382414]],
          [[0.857656, 0.765398], [0.236, 0.030645], [0.928961, 0.77202], [0.910313, 0.604418]]],
         [[0.685233, 0.382414], [0.910313, 0.604418]]],
        [[0.685233, 0.382414], [0.910313, 0.604418]]),
    'simple_relu-2': ({'go_backwards': True}, True, True,
        [[[[2.055825, 0.0], [1.687274, 0.0], [1.687274, 0.0], [0.539238, 1.063682]],
          [[0.0, 0.0], [0.0, 0.064434], [0.0, 0.064434], [0.0, 0.064434]]],
         [[0.539238, 1.063682], [0.0, 0.064434]]],
        [[0.539238, 1.063682], [0.0, 0.064434]]),
    'lstm-3': ({}, False, False,
        [[[[0.062518, -0.155702], [-0.00685, -0.164953], [-0.062127, -0.198092],
           [-0.049206, 0.070707]],
          [[-0.010204, -0.071554], [-0.142552, -0.058336], [-0.178865, -0.03301],
           [-0.135317, 0.060387]]],
         [[-0.049206, 0.070707], [-0.135317, 0.060387]],
         [[-0.292065, 0.305448], [-0.608274, 0.249828]]],
        [[-0.049206, 0.070707], [-0.135317, 0.060387]]),
    'lstm-4': ({'go_backwards': True}, True, True,
        [[[[-0.105913, -0.216242], [-0.043632, -0.151328], [-0.043632, -0.151328],
           [-0.34821, -0.192312]],
          [[0.0, 0.0], [-0.516515, -0.329268], [-0.516515, -0.329268], [-0.516515, -0.329268]]],
         [[-0.34821, -0.192312], [-0.516515, -0.329268]],
         [[-0.530004, -0.473942], [-0.664568, -0.793587]]],
        [[-0.34821, -0.192312], [-0.516515, -0.329268]]),
    'lstm_relu-5': ({}, True, False,
        [[[[0.482067, 0.229089], [0.482067, 0.229089], [0.581868, 0.126681], [0.228701, 0.072696]],
          [[0.0, 0.0], [0.0, 0.0], [0.361494, 0.05123], [0.361494, 0.05123]]],
         [[0.228701, 0.072696], [0.361494, 0.05123]],
         [[0.789168, 0.110033], [0.665507, 0.07507]]],
        [[0.228701, 0.072696], [0.361494, 0.05123]]),
    'gru-6': ({}, False, False,
        [[[[0.61535, -0.629479], [-0.105027, 0.350678], [0.179326, 0.37174],
           [0.248336, -0.276286]],
          [[-0.196394, -0.167786], [-0.047785, 0.848063], [0.153104, -0.234014],
           [-0.247709, 0.134457]]],
         [[0.248336, -0.276286], [-0.247709, 0.134457]]],
        [[0.248336, -0.276286], [-0.247709, 0.134457]]),
    'gru-7': ({'zero_output_for_mask': True}, True, True,
        [[[[0.78341, 0.758155], [0.0, 0.0], [0.877763, 0.156713], [0.816943, -0.11009]],
          [[0.0, 0.0], [0.0, 0.0], [-1.243002, -0.45743], [0.0, 0.0]]],
         [[0.816943, -0.11009], [-1.243002, -0.45743]]],
        [[0.816943, -0.11009], [0.0, 0.0]]),
    'gru_nra-8': ({'go_backwards': True}, True, True,
        [[[[-0.135848, 0.495552], [0.072659, -0.37751], [0.072659, -0.37751],
           [0.339581, -0.428687]],
          [[0.0, 0.0], [1.05105, -0.481793], [1.05105, -0.481793], [1.05105, -0.481793]]],
         [[0.339581, -0.428687], [1.05105, -0.481793]]],
        [[0.339581, -0.428687], [1.05105, -0.481793]]),
    'rnn_minimal-9': ({}, True, False,
        [[[[-0.461732, 0.768374], [-0.461732, 0.768374], [-0.717034, 0.049106],
           [-0.448451, 0.541113]],
          [[0.0, 0.0], [0.0, 0.0], [0.46792, -0.353052], [0.46792, -0.353052]]],
         [[-0.448451, 0.541113], [0.46792, -0.353052]]],
        [[-0.448451, 0.541113], [0.46792, -0.353052]]),
    'rnn_stacked-10': ({}, True, True,
        [[[[-0.321134, -0.982305, -0.311247], [-0.321134, -0.982305, -0.311247],
           [-0.200482, -0.623961, -0.202692], [-0.115128, -0.376009, -0.159847]],
          [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.008326, 0.684354, -0.284723],
           [0.008326, 0.684354, -0.284723]]],
         [[-0.091431, -0.133158], [-0.043815, 0.045008]],
         [[-0.170727, -0.199702], [-0.065846, 0.112605]],
         [[-0.115128, -0.376009, -0.159847], [0.008326, 0.684354, -0.284723]]],
        [[-0.115128, -0.376009, -0.159847], [0.008326, 0.684354, -0.284723]]),
}

KERAS_CONFIGS = {
    'SimpleRNN': (
        '{"name": "s", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy'
        '", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": false, "'
        'return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_o'
        'utput_for_mask": false, "units": 3, "activation": "tanh", "use_bias": true, "kernel_init'
        'ializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"se'
        'ed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "recurren'
        't_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {'
        '"seed": null, "gain": 1.0}, "registered_name": null}, "bias_initializer": {"module": "ke'
        'ras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kerne'
        'l_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity'
        '_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_cons'
        'traint": null, "dropout": 0.0, "recurrent_dropout": 0.0}'
    ),
    'LSTM': (
        '{"name": "l", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy'
        '", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": false, "'
        'return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_o'
        'utput_for_mask": false, "units": 3, "activation": "tanh", "recurrent_activation": "sigmo'
        'id", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_nam'
        'e": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, '
        '"registered_name": null}, "recurrent_initializer": {"module": "keras.initializers", "cla'
        'ss_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": null},'
        ' "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {'
        '}, "registered_name": null}, "unit_forget_bias": true, "kernel_regularizer": null, "recu'
        'rrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kerne'
        'l_constraint": null, "recurrent_constraint": null, "bias_constraint": null, "dropout": 0'
        '.0, "recurrent_dropout": 0.0, "seed": null}'
    ),
    'GRU': (
        '{"name": "g", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy'
        '", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": false, "'
        'return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_o'
        'utput_for_mask": false, "units": 3, "activation": "tanh", "recurrent_activation": "sigmo'
        'id", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_nam'
        'e": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, '
        '"registered_name": null}, "recurrent_initializer": {"module": "keras.initializers", "cla'
        'ss_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": null},'
        ' "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {'
        '}, "registered_name": null}, "kernel_regularizer": null, "recurrent_regularizer": null, '
        '"bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "recu'
        'rrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0'
        '.0, "reset_after": true, "seed": null}'
    ),
    'GRU_nra': (
        '{"name": "g2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolic'
        'y", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": false, '
        '"return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_'
        'output_for_mask": false, "units": 3, "activation": "tanh", "recurrent_activation": "sigm'
        'oid", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_na'
        'me": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null},'
        ' "registered_name": null}, "recurrent_initializer": {"module": "keras.initializers", "cl'
        'ass_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": null}'
        ', "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": '
        '{}, "registered_name": null}, "kernel_regularizer": null, "recurrent_regularizer": null,'
        ' "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "rec'
        'urrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": '
        '0.0, "reset_after": false, "seed": null}'
    ),
    'LSTM_full': (
        '{"name": "l2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolic'
        'y", "config": {"name": "float32"}, "registered_name": null}, "activity_regularizer": {"m'
        'odule": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_na'
        'me": null}, "return_sequences": true, "return_state": true, "go_backwards": true, "state'
        'ful": false, "unroll": true, "zero_output_for_mask": false, "units": 5, "activation": "r'
        'elu", "recurrent_activation": "hard_sigmoid", "use_bias": false, "kernel_initializer": {'
        '"module": "keras.initializers", "class_name": "HeNormal", "config": {"seed": null, "inpu'
        't_axes": null, "output_axes": null}, "registered_name": null}, "recurrent_initializer": '
        '{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null,'
        ' "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer":'
        ' {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name":'
        ' null}, "unit_forget_bias": false, "kernel_regularizer": {"module": "keras.regularizers"'
        ', "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}, "recurrent_regul'
        'arizer": null, "bias_regularizer": null, "kernel_constraint": {"module": "keras.constrai'
        'nts", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}, "registered_name":'
        ' null}, "recurrent_constraint": {"module": "keras.constraints", "class_name": "NonNeg", '
        '"config": {}, "registered_name": null}, "bias_constraint": null, "dropout": 0.25, "recur'
        'rent_dropout": 0.5, "seed": 7}'
    ),
    'RNN': (
        '{"name": "r", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy'
        '", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": true, "r'
        'eturn_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_ou'
        'tput_for_mask": false, "cell": {"module": "keras.layers", "class_name": "LSTMCell", "con'
        'fig": {"name": "c", "trainable": true, "dtype": {"module": "keras", "class_name": "DType'
        'Policy", "config": {"name": "float32"}, "registered_name": null}, "units": 3, "activatio'
        'n": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "unit_forget_bias": tru'
        'e, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",'
        ' "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": n'
        'ull}, "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogona'
        'l", "config": {"seed": null, "gain": 1.0}, "registered_name": null}, "bias_initializer":'
        ' {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name"'
        ': null}, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": '
        'null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, '
        '"dropout": 0.0, "recurrent_dropout": 0.0, "seed": null}, "registered_name": null, "build'
        '_config": {"input_shape": [null, 2]}}}'
    ),
    'RNN_stacked': (
        '{"name": "r2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolic'
        'y", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": false, '
        '"return_state": false, "go_backwards": true, "stateful": false, "unroll": false, "zero_o'
        'utput_for_mask": false, "cell": {"module": "keras.layers", "class_name": "StackedRNNCell'
        's", "config": {"name": "stacked_rnn_cells", "trainable": true, "dtype": {"module": "kera'
        's", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}'
        ', "cells": [{"module": "keras.layers", "class_name": "SimpleRNNCell", "config": {"name":'
        ' "c1", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "con'
        'fig": {"name": "float32"}, "registered_name": null}, "units": 3, "activation": "tanh", "'
        'use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "G'
        'lorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "regis'
        'tered_name": null}, "recurrent_initializer": {"module": "keras.initializers", "class_nam'
        'e": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": null}, "bias'
        '_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "re'
        'gistered_name": null}, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_'
        'regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_const'
        'raint": null, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": null}, "registered_name"'
        ': null, "build_config": {"input_shape": [null, 2]}}, {"module": "keras.layers", "class_n'
        'ame": "GRUCell", "config": {"name": "c2", "trainable": true, "dtype": {"module": "keras"'
        ', "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, '
        '"units": 2, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "'
        'kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "co'
        'nfig": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}'
        ', "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", '
        '"config": {"seed": null, "gain": 1.0}, "registered_name": null}, "bias_initializer": {"m'
        'odule": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": nu'
        'll}, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null'
        ', "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, "dro'
        'pout": 0.0, "recurrent_dropout": 0.0, "reset_after": true, "seed": 4}, "registered_name"'
        ': null, "build_config": {"input_shape": [null, 3]}}]}, "registered_name": null, "build_c'
        'onfig": {"input_shape": [null, 2]}}}'
    ),
}

STATE_SIZES = {"lstm": [2, 2], "lstm_relu": [2, 2], "rnn_stacked": [2, 2, 3]}


def keras_case(key):
    name, seed = key.rsplit("-", 1)
    options, use_mask, use_initial_state, expected, last = KERAS_OUTPUTS[key]
    rng = np.random.default_rng(int(seed))
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer = make(name, return_sequences=True, return_state=True, **options)
    layer.build((None, 4, 3))
    weights = [(0.5 * rng.standard_normal(w.shape)).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    states = None
    if use_initial_state:
        states = [rng.standard_normal((2, s)).astype("float32")
                  for s in STATE_SIZES.get(name, [2])]
        if name == "rnn_stacked":
            states = [[states[0], states[1]], states[2]]
    return name, options, layer, weights, x, states, (MASK if use_mask else None), expected, last


@pytest.mark.parametrize("key", sorted(KERAS_OUTPUTS))
def test_outputs_and_states_pinned_against_keras(key):
    name, options, layer, weights, x, states, mask, expected, last = keras_case(key)
    results = layer(x, initial_state=states, mask=mask)
    assert isinstance(results, tuple)
    flat = [results[0]] + flatten(list(results[1:]))
    assert len(flat) == len(expected)
    for got, want in zip(flat, expected):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.numpy(), np.array(want), atol=2e-6)
    single = make(name, **options)
    single.build((None, 4, 3))
    single.set_weights(weights)
    np.testing.assert_allclose(single(x, initial_state=states, mask=mask).numpy(), np.array(last),
                               atol=2e-6)


@pytest.mark.parametrize("key", ["lstm-4", "gru-7", "gru_nra-8", "simple_relu-2", "lstm_relu-5"])
def test_generic_cell_loop_gives_the_same_numbers(key):
    """RNN(cell) runs the cells' own per-step ops; the layers use the fused primitives."""
    name, options, layer, weights, x, states, mask, expected, _ = keras_case(key)
    cell_options = {"activation": layer.cell.activation}
    if hasattr(layer.cell, "recurrent_activation"):
        cell_options["recurrent_activation"] = layer.cell.recurrent_activation
    if name == "gru_nra":
        cell_options["reset_after"] = False
    cell = type(layer.cell)(2, **cell_options)
    generic = RNN(cell, return_sequences=True, return_state=True, **options)
    generic.build((None, 4, 3))
    generic.set_weights(weights)
    for got, want in zip(generic(x, initial_state=states, mask=mask), expected):
        np.testing.assert_allclose(got.numpy(), np.array(want), atol=2e-6)


# -- configs, weights ---------------------------------------------------------------------------
def keras_config(name):
    return json.loads("".join(KERAS_CONFIGS[name]))


def config_layers():
    return {
        "SimpleRNN": SimpleRNN(3, name="s"),
        "LSTM": LSTM(3, name="l"),
        "GRU": GRU(3, name="g"),
        "GRU_nra": GRU(3, reset_after=False, name="g2"),
        "LSTM_full": LSTM(5, activation="relu", recurrent_activation="hard_sigmoid",
                          use_bias=False, kernel_initializer="he_normal",
                          recurrent_initializer="glorot_uniform", bias_initializer="ones",
                          unit_forget_bias=False, kernel_regularizer="l2",
                          activity_regularizer="l2", kernel_constraint="max_norm",
                          recurrent_constraint="non_neg", dropout=0.25, recurrent_dropout=0.5,
                          seed=7, return_sequences=True, return_state=True, go_backwards=True,
                          unroll=True, name="l2"),
        "RNN": RNN(LSTMCell(3, name="c"), return_sequences=True, name="r"),
        "RNN_stacked": RNN([SimpleRNNCell(3, name="c1"), GRUCell(2, name="c2", seed=4)],
                           go_backwards=True, name="r2"),
    }


@pytest.mark.parametrize("name", sorted(KERAS_CONFIGS))
def test_get_config_equals_keras(name):
    layer = config_layers()[name]
    if isinstance(layer.cell, StackedRNNCells):
        layer.cell.name = "stacked_rnn_cells"             # the first auto-name in a session
    layer.build((None, 4, 2))
    config = json.loads(json.dumps(layer.get_config()))
    expected = keras_config(name)
    assert config == expected
    assert list(config) == list(expected)
    clone = type(layer).from_config(layer.get_config())
    clone.build((None, 4, 2))
    assert json.loads(json.dumps(clone.get_config())) == expected


@pytest.mark.parametrize("layer, expected", [
    (SimpleRNN(3, name="s"), [("s/simple_rnn_cell/kernel", (2, 3)),
                              ("s/simple_rnn_cell/recurrent_kernel", (3, 3)),
                              ("s/simple_rnn_cell/bias", (3,))]),
    (LSTM(3, name="l"), [("l/lstm_cell/kernel", (2, 12)), ("l/lstm_cell/recurrent_kernel", (3, 12)),
                         ("l/lstm_cell/bias", (12,))]),
    (GRU(3, name="g"), [("g/gru_cell/kernel", (2, 9)), ("g/gru_cell/recurrent_kernel", (3, 9)),
                        ("g/gru_cell/bias", (2, 9))]),
    (GRU(3, reset_after=False, use_bias=True, name="g"),
     [("g/gru_cell/kernel", (2, 9)), ("g/gru_cell/recurrent_kernel", (3, 9)),
      ("g/gru_cell/bias", (9,))]),
    (LSTM(3, use_bias=False, name="l"), [("l/lstm_cell/kernel", (2, 12)),
                                         ("l/lstm_cell/recurrent_kernel", (3, 12))]),
    (RNN([LSTMCell(3, name="a"), GRUCell(2, name="b")], name="r"),
     [("r/stacked_rnn_cells/a/kernel", (2, 12)),
      ("r/stacked_rnn_cells/a/recurrent_kernel", (3, 12)), ("r/stacked_rnn_cells/a/bias", (12,)),
      ("r/stacked_rnn_cells/b/kernel", (3, 6)),
      ("r/stacked_rnn_cells/b/recurrent_kernel", (2, 6)), ("r/stacked_rnn_cells/b/bias", (2, 6))]),
], ids=["simple", "lstm", "gru", "gru_nra", "lstm_nobias", "stacked"])
def test_weight_paths_and_shapes_equal_keras(layer, expected):
    if isinstance(layer.cell, StackedRNNCells):
        layer.cell.name = "stacked_rnn_cells"
    layer.build((None, 4, 2))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == expected
    assert all(w.trainable for w in layer.weights)


def test_default_initial_weights():
    layer = LSTM(2)
    layer.build((None, 3, 1))
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_array_equal(bias, [0, 0, 1, 1, 0, 0, 0, 0])        # unit_forget_bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(2), atol=1e-6)  # orthogonal
    assert np.abs(kernel).max() <= np.sqrt(6 / (1 + 8))                   # glorot_uniform
    no_forget = LSTM(2, unit_forget_bias=False, bias_initializer="ones")
    no_forget.build((None, 3, 1))
    np.testing.assert_array_equal(no_forget.get_weights()[2], np.ones(8))
    gru = GRU(2, bias_initializer="ones")
    gru.build((None, 3, 1))
    np.testing.assert_array_equal(gru.get_weights()[2], np.ones((2, 6)))


# -- shapes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, n_states", [(SimpleRNN, 1), (LSTM, 2), (GRU, 1)])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_output_shapes(cls, n_states, return_sequences, return_state):
    x = np.zeros((5, 7, 3), dtype="float32")
    layer = cls(4, return_sequences=return_sequences, return_state=return_state)
    out = layer(x)
    output_shape = (5, 7, 4) if return_sequences else (5, 4)
    expected = [output_shape] + [(5, 4)] * n_states if return_state else output_shape
    got = [tuple(o.shape) for o in out] if return_state else tuple(out.shape)
    assert got == expected
    assert layer.compute_output_shape((5, 7, 3)) == expected
    symbolic = cls(4, return_sequences=return_sequences, return_state=return_state)(Input((7, 3)))
    if return_state:
        assert [s.shape for s in symbolic] == [(None,) + e[1:] for e in expected]
    else:
        assert isinstance(symbolic, KerasTensor)
        assert symbolic.shape == (None,) + output_shape[1:]


def test_stacked_cells_shapes_and_states():
    layer = RNN([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)], return_sequences=True,
                return_state=True)
    # Like Keras: each single-state cell's default initial state is a one-element list.
    out, (h1, c1), [h2], [h3] = layer(np.zeros((5, 6, 3), dtype="float32"))
    assert out.shape == (5, 6, 2)
    assert [h1.shape, c1.shape, h2.shape, h3.shape] == [(5, 4), (5, 4), (5, 3), (5, 2)]
    assert layer.compute_output_shape((5, 6, 3)) == [(5, 6, 2), (5, 4), (5, 4), (5, 3), (5, 2)]


# -- gradients -----------------------------------------------------------------------------------
LAYERS_FOR_GRADIENTS = {
    "simple": lambda **k: SimpleRNN(3, **k),
    "lstm": lambda **k: LSTM(3, **k),
    "gru": lambda **k: GRU(3, **k),
    "gru_nra": lambda **k: GRU(3, reset_after=False, **k),
    "rnn_minimal": lambda **k: RNN(MinimalRNNCell(3), **k),
    "rnn_stacked": lambda **k: RNN([LSTMCell(3), GRUCell(2)], **k),
    "rnn_lstm_cell": lambda **k: RNN(LSTMCell(3, unit_forget_bias=False), **k),
}


def random_weights(layer, seed):
    rng = np.random.default_rng(seed)
    layer.set_weights([0.6 * rng.standard_normal(w.shape) for w in layer.get_weights()])


@pytest.mark.parametrize("name", sorted(LAYERS_FOR_GRADIENTS))
@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "go_backwards": True}],
                         ids=["last", "sequences_backwards"])
def test_layer_gradients(float64, name, options):
    layer = LAYERS_FOR_GRADIENTS[name](**options)
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    layer(x)
    random_weights(layer, 2)
    assert layer_gradient_check(layer, x) < 1e-6


def call_gradient_error(layer, x, initial_state=None, mask=None, training=False, seed=0):
    """Largest relative error of the gradients for x, the initial states and every weight of
    sum(r_k * output_k) over all outputs (states included), against central differences."""
    structure = initial_state if initial_state is not None else []
    state_arrays = [np.array(s, dtype=np.float64) for s in flatten(structure)]

    def run(x_value, states, watch=False):
        x_tensor = Tensor(x_value, requires_grad=watch)
        state_tensors = [Tensor(s, requires_grad=watch) for s in states]
        init = pack_sequence_as(structure, state_tensors) if initial_state is not None else None
        out = layer(x_tensor, initial_state=init, mask=mask, training=training)
        return x_tensor, state_tensors, [out[0]] + flatten(list(out[1:]))

    _, _, outs = run(x, state_arrays)
    rng = np.random.default_rng(seed)
    projections = [rng.standard_normal(o.shape) for o in outs]

    def scalar(outs):
        total = 0.0
        for o, p in zip(outs, projections):
            total = total + (o * p).sum()
        return total

    x_tensor, state_tensors, outs = run(x, state_arrays, watch=True)
    weights = list(layer.trainable_weights)
    analytic = gradients(scalar(outs), [x_tensor] + state_tensors + weights)

    def value(x_value=x, states=state_arrays):
        return float(scalar(run(x_value, states)[2]).data)
    numeric = [numerical_gradient(lambda v: value(x_value=v), np.array(x))]
    for k in range(len(state_arrays)):
        def f(v, k=k):
            states = list(state_arrays)
            states[k] = v
            return value(states=states)
        numeric.append(numerical_gradient(f, state_arrays[k].copy()))
    for w in weights:
        def f(v, w=w):
            saved, w.data = w.data, v         # (an orthogonal kernel may be Fortran-ordered)
            try:
                return value()
            finally:
                w.data = saved
        numeric.append(numerical_gradient(f, np.array(w.data)))
    worst = 0.0
    for a, n in zip(analytic, numeric):
        scale = max(np.abs(n).max(), np.abs(a).max(), 1e-8)
        worst = max(worst, float(np.abs(a - n).max() / scale))
    return worst


@pytest.mark.parametrize("name", sorted(LAYERS_FOR_GRADIENTS))
@pytest.mark.parametrize("options", [{"return_sequences": True},
                                     {"go_backwards": True},
                                     {"return_sequences": True, "zero_output_for_mask": True}],
                         ids=["sequences", "backwards", "zero_output"])
def test_layer_gradients_with_mask_and_initial_state(float64, name, options):
    layer = LAYERS_FOR_GRADIENTS[name](return_state=True, **options)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3))
    layer(x)
    random_weights(layer, 4)
    sizes = flatten(layer.state_size)
    states = [rng.standard_normal((2, s)) for s in sizes]
    if name == "rnn_stacked":
        states = [[states[0], states[1]], states[2]]
    assert call_gradient_error(layer, x, initial_state=states, mask=MASK) < 1e-6


def test_fused_and_generic_paths_have_the_same_gradients(float64):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 5, 4))
    mask = rng.random((3, 5)) > 0.3
    for fused, cell in [(LSTM(3, return_sequences=True), LSTMCell(3)),
                        (GRU(3, return_sequences=True), GRUCell(3)),
                        (GRU(3, reset_after=False, return_sequences=True),
                         GRUCell(3, reset_after=False)),
                        (SimpleRNN(3, return_sequences=True), SimpleRNNCell(3)),
                        (LSTM(3, use_bias=False, activation="relu", return_sequences=True),
                         LSTMCell(3, use_bias=False, activation="relu")),
                        (GRU(3, use_bias=False, recurrent_activation="hard_sigmoid",
                             return_sequences=True),
                         GRUCell(3, use_bias=False, recurrent_activation="hard_sigmoid"))]:
        generic = RNN(cell, return_sequences=True)
        fused(x)
        generic(x)
        random_weights(fused, 6)
        generic.set_weights(fused.get_weights())
        grads = []
        for layer in (fused, generic):
            x_tensor = Tensor(x, requires_grad=True)
            out = layer(x_tensor, mask=mask)
            grads.append([out.numpy()] + gradients((out * out).sum(),
                                                   [x_tensor] + layer.trainable_weights))
        for a, b in zip(*grads):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# -- masks ---------------------------------------------------------------------------------------
def test_mask_from_inputs_and_output_mask():
    rng = np.random.default_rng(7)
    x = Tensor(rng.standard_normal((2, 4, 3)).astype("float32"))
    layer = LSTM(2, return_sequences=True)
    explicit = layer(x, mask=MASK)
    x._keras_mask = MASK
    implicit = layer(x)
    np.testing.assert_array_equal(explicit.numpy(), implicit.numpy())
    np.testing.assert_array_equal(implicit._keras_mask, MASK)
    assert layer.compute_mask(x, MASK) is MASK
    assert LSTM(2).compute_mask(x, MASK) is None
    assert LSTM(2, return_state=True).compute_mask(x, MASK) == [None, None, None]


def test_masked_steps_repeat_the_previous_output_and_carry_the_states():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer = GRU(2, return_sequences=True, return_state=True)
    out, h = layer(x, mask=MASK)
    out = out.numpy()
    np.testing.assert_array_equal(out[1, :2], 0)
    np.testing.assert_array_equal(out[1, 3], out[1, 2])
    np.testing.assert_array_equal(h.numpy()[1], out[1, 2])
    zero = GRU(2, return_sequences=True, zero_output_for_mask=True)
    zero.build((None, 4, 3))
    zero.set_weights(layer.get_weights())
    np.testing.assert_array_equal(zero(x, mask=MASK).numpy()[~MASK], 0)


# -- stateful ------------------------------------------------------------------------------------
def test_stateful_layers_keep_their_states():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4, 2)).astype("float32")
    layer = LSTM(2, stateful=True)
    first = layer(x).numpy()
    second = layer(x).numpy()
    assert not np.allclose(first, second)
    assert len(layer.weights) == 3                       # states are not weights (like Keras)
    h, c = layer.states
    assert h.shape == (3, 2) and not h.trainable and h.path == f"{layer.name}/rnn_state"
    plain = LSTM(2, return_state=True)
    plain.build((None, 4, 2))
    plain.set_weights(layer.get_weights())
    _, h1, c1 = plain(x)
    np.testing.assert_allclose(plain(x, initial_state=[h1, c1])[0].numpy(), second, rtol=1e-6)
    layer.reset_state()
    np.testing.assert_array_equal(layer(x).numpy(), first)
    layer.reset_states()
    np.testing.assert_array_equal(h.numpy(), 0)
    with pytest.raises(ValueError, match=r"batch size of the input sequences must be the same"):
        layer(x[:2])
    generic = RNN(MinimalRNNCell(2), stateful=True)
    assert not np.allclose(generic(x).numpy(), generic(x).numpy())
    with pytest.raises(ValueError, match=r"batch size must be static"):
        GRU(2, stateful=True).build((None, 4, 2))


@pytest.mark.parametrize("make_layer", [lambda **k: RNN(MinimalRNNCell(2), **k),
                                        lambda **k: LSTM(2, **k)], ids=["generic", "fused"])
def test_stateful_gradients_use_the_states_the_call_started_from(float64, make_layer):
    """The kept states are overwritten after each call; the graph of that call must still see
    the values it started from."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 2))
    layer = make_layer(stateful=True)
    layer(x)
    start = [Tensor(v.numpy().copy()) for v in flatten(layer.states)]
    out = layer(x)
    reference = make_layer()
    reference.build((None, 3, 2))
    reference.set_weights(layer.get_weights())
    expected = reference(x, initial_state=start)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    got = gradients((out * out).sum(), layer.trainable_weights)
    want = gradients((expected * expected).sum(), reference.trainable_weights)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10)


# -- dropout -------------------------------------------------------------------------------------
@pytest.mark.parametrize("recurrent_dropout", [0.0, 0.3], ids=["fused", "generic"])
def test_dropout_mask_is_fixed_across_time(recurrent_dropout):
    x = np.random.default_rng(11).standard_normal((4, 5, 6)).astype("float32")
    layer = SimpleRNN(6, activation="linear", use_bias=False, dropout=0.5,
                      recurrent_dropout=recurrent_dropout, seed=1, return_sequences=True)
    layer.build((None, 5, 6))
    layer.set_weights([np.eye(6), np.zeros((6, 6)), ])
    out = layer(x, training=True).numpy()
    ratio = out / x
    assert set(np.round(np.unique(ratio), 5)) == {0.0, 2.0}
    np.testing.assert_array_equal(ratio, np.broadcast_to(ratio[:, :1], ratio.shape))
    np.testing.assert_array_equal(layer(x).numpy(), x)        # inference: no dropout


@pytest.mark.parametrize("make_layer", [
    lambda: LSTM(3, dropout=0.3, recurrent_dropout=0.3, seed=2),
    lambda: GRU(3, dropout=0.3, recurrent_dropout=0.3, seed=2),
    lambda: GRU(3, dropout=0.3, reset_after=False, seed=2),
    lambda: SimpleRNN(3, dropout=0.3, recurrent_dropout=0.3, seed=2),
], ids=["lstm", "gru", "gru_nra_fused", "simple"])
def test_gradients_with_dropout(float64, make_layer):
    layer = make_layer()
    x = np.random.default_rng(12).standard_normal((3, 4, 3))
    layer(x)
    random_weights(layer, 13)
    assert layer_gradient_check(layer, x, training=True) < 1e-6
    assert not np.allclose(layer(x, training=True).numpy(), layer(x).numpy())


# -- errors --------------------------------------------------------------------------------------
def test_bad_input_raises_clear_errors():
    x = np.zeros((2, 4, 3), dtype="float32")
    with pytest.raises(ValueError, match=r'layer "my_lstm".*expected ndim=3, found ndim=2'):
        LSTM(2, name="my_lstm")(x[0])
    built = GRU(2, name="my_gru")
    built(x)
    with pytest.raises(ValueError, match=r'layer "my_gru".*expected ndim=3, found ndim=2'):
        built(x[0])
    with pytest.raises(ValueError, match=r'layer "my_rnn".*expected min_ndim=3'):
        RNN(LSTMCell(2), name="my_rnn")(x[0])
    with pytest.raises(ValueError, match=r"'l1' \(LSTM\) expects 2 initial state tensor\(s\)"):
        LSTM(2, name="l1")(x, initial_state=[np.zeros((2, 2))])
    with pytest.raises(ValueError, match=r"'l2' \(LSTM\): initial state 1 must have shape "
                       r"\(batch_size, 2\) = \(2, 2\), but received shape \(2, 3\)"):
        LSTM(2, name="l2")(x, initial_state=[np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"'g1' \(GRU\): initial state 0 must have shape"):
        GRU(2, name="g1")(x, initial_state=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"'s1' \(SimpleRNN\): the mask must have shape"):
        SimpleRNN(2, name="s1")(x, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"expected a positive integer"):
        LSTM(0)
    with pytest.raises(ValueError, match=r"use_cudnn"):
        GRU(2, use_cudnn="yes")
    with pytest.raises(ValueError, match=r"should have a `state_size`"):
        RNN(Dense(3))


# -- regularizers, training ----------------------------------------------------------------------
def test_weight_regularizers_reach_the_layer_losses():
    layer = LSTM(2, kernel_regularizer="l2", recurrent_regularizer="l2", bias_regularizer="l2",
                 activity_regularizer="l2")
    out = layer(np.ones((2, 3, 2), dtype="float32"))
    kernel, recurrent, bias = layer.get_weights()
    penalties = sorted(float(loss.numpy()) for loss in layer.losses)
    expected = [0.01 * float((w ** 2).sum()) for w in (kernel, recurrent, bias)]
    expected.append(0.01 * float((out.numpy() ** 2).sum()) / 2)
    np.testing.assert_allclose(penalties, sorted(expected), rtol=1e-5)


def test_sequential_model_trains():
    minikeras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6, 3)).astype("float32")
    y = (x[:, :, 0].sum(axis=1) > 0).astype("int64")
    model = minikeras.Sequential([Input((6, 3)), LSTM(8, return_sequences=True), GRU(8),
                                  Dense(2, activation="softmax")])
    model.compile(optimizer=minikeras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85
