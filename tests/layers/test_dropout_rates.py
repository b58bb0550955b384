"""Issue 16, item 7: the dropout family at the edges of `rate`, as Keras 3 behaves.

Keras 3: Dropout and SpatialDropout accept 0 <= rate <= 1 and return zeros while training at
rate 1; AlphaDropout and GaussianDropout accept rate 1 at construction but cannot compute it
(their rescaling divides by 1 - rate): minikeras refuses it at call time with a clear message.
RNN cells clamp `dropout` / `recurrent_dropout` to [0, 1] and go through `random.dropout`,
which gives zeros at rate 1 and refuses a rate outside [0, 1]. Attention refuses dropout=1
and MultiHeadAttention refuse dropout=1 (it would drop every attention weight).
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, random
from minikeras.backend import Variable, gradients
from minikeras.backend.array_module import to_numpy


def _values(tensor):
    return to_numpy(getattr(tensor, "data", tensor))


def test_dropout_rate_one_returns_zeros_with_zero_gradient():
    x = Variable(np.ones((4, 3), "float32"))
    y = layers.Dropout(1.0)(x, training=True)
    np.testing.assert_array_equal(to_numpy(y.data), np.zeros((4, 3)))
    (grad,) = gradients(keras.ops.sum(y), [x])
    np.testing.assert_array_equal(to_numpy(grad), np.zeros((4, 3)))


def test_model_with_dropout_rate_one_trains():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1)(layers.Dropout(1.0)(inputs)))
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_dropout_refuses_rate_outside_0_1(rate):
    with pytest.raises(ValueError, match="Invalid value received for argument `rate`"):
        layers.Dropout(rate)


@pytest.mark.parametrize("rate", [-0.5, 2.0, "0.5"])
def test_random_dropout_refuses_a_rate_that_is_no_probability(rate):
    with pytest.raises(ValueError, match="`rate` must be a float between 0 and 1"):
        random.dropout(np.ones((2, 2), "float32"), rate)


def test_spatial_dropout_rate_one_returns_zeros():
    y = layers.SpatialDropout1D(1.0)(np.ones((2, 3, 4), "float32"), training=True)
    np.testing.assert_array_equal(_values(y), np.zeros((2, 3, 4)))


@pytest.mark.parametrize("layer_class", [layers.AlphaDropout, layers.GaussianDropout])
def test_alpha_and_gaussian_dropout_refuse_rate_one_when_called(layer_class):
    layer = layer_class(1.0)  # accepted, as in Keras
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(_values(layer(x)), x)  # inference: identity
    with pytest.raises(ValueError, match="rate=1"):
        layer(x, training=True)


@pytest.mark.parametrize("layer_class", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_rnn_dropout_one_trains_and_clamps(layer_class):
    layer = layer_class(2, dropout=1.0, recurrent_dropout=1.5)
    assert layer.cell.dropout == 1.0 if hasattr(layer, "cell") else layer.dropout == 1.0
    y = layer(np.ones((2, 3, 4), "float32"), training=True)
    assert np.all(np.isfinite(_values(y)))


@pytest.mark.parametrize("make", [lambda: layers.Attention(dropout=1.0),
                                  lambda: layers.MultiHeadAttention(2, 2, dropout=1.0)])
def test_attention_layers_refuse_dropout_one_naming_it(make):
    with pytest.raises(ValueError, match=r"`dropout` must be a float in \[0, 1\)"):
        make()
