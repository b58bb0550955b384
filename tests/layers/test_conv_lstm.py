"""ConvLSTM1D/2D/3D: values and gradients against Keras 3.15.1, shapes, configs, masks,
states, dropout and bad input."""
import numpy as np
import pytest

from minikeras import layers
from minikeras.backend import Tensor
from minikeras.layers.rnn.conv_lstm import ConvLSTMCell
from tests.layers.keras_wave2_reference import check_against_keras, check_keras_saved_model

KERAS_CASES = {
    "convlstm1d_seq": lambda: layers.ConvLSTM1D(3, 2, return_sequences=True),
    "convlstm2d_same_back": lambda: layers.ConvLSTM2D(2, 3, padding="same", go_backwards=True),
    "convlstm2d_strides_cf_state": lambda: layers.ConvLSTM2D(
        2, 2, strides=2, return_state=True, data_format="channels_first",
        unit_forget_bias=False, bias_initializer="random_normal"),
    "convlstm3d_dilated_relu": lambda: layers.ConvLSTM3D(
        2, 2, dilation_rate=(1, 2, 1), return_sequences=True, activation="relu",
        use_bias=False),
}


def test_loads_a_model_saved_by_keras():
    check_keras_saved_model("keras3_wave2_convlstm")


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_matches_keras(name):
    check_against_keras(KERAS_CASES[name](), name)


def test_weights_config_and_shapes_like_keras():
    layer = layers.ConvLSTM2D(3, 2, name="conv_lstm2d")
    y = layer(np.zeros((2, 4, 5, 5, 2), "float32"))
    assert y.shape == (2, 4, 4, 3)
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("conv_lstm2d/conv_lstm_cell/kernel", (2, 2, 2, 12)),
        ("conv_lstm2d/conv_lstm_cell/recurrent_kernel", (2, 2, 3, 12)),
        ("conv_lstm2d/conv_lstm_cell/bias", (12,))]
    np.testing.assert_array_equal(layer.weights[2].numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    config = layer.get_config()
    assert config["kernel_size"] == (2, 2) and config["strides"] == (1, 1)
    assert config["dilation_rate"] == (1, 1) and config["padding"] == "valid"
    assert "cell" not in config and config["unroll"] is False
    assert layers.ConvLSTM2D.from_config(config).get_config() == config
    assert layers.ConvLSTM1D(3, 2).compute_output_shape((None, 4, 5, 2)) == (None, 4, 3)
    assert layers.ConvLSTM3D(1, 1, return_state=True, return_sequences=True) \
        .compute_output_shape((2, 3, 4, 4, 4, 2)) == [(2, 3, 4, 4, 4, 1), (2, 4, 4, 4, 1),
                                                      (2, 4, 4, 4, 1)]


def test_mask_keeps_states_and_stateful_carries_them():
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 2)).astype("float32")
    layer = layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True, return_state=True)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    seq, h, c = layer(x, mask=mask)
    _, h_short, c_short = layer(x[:, :2])
    np.testing.assert_allclose(h.numpy()[0], h_short.numpy()[0], rtol=1e-6)
    np.testing.assert_allclose(seq.numpy()[0, 3], seq.numpy()[0, 1], rtol=1e-6)
    stateful = layers.ConvLSTM1D(2, 3, padding="same", stateful=True)
    stateful(x[:, :2])
    stateful.set_weights(layer.get_weights())
    stateful.reset_state()
    stateful(x[:, :2])
    np.testing.assert_allclose(stateful(x[:, 2:]).numpy(), layer(x)[1].numpy(), rtol=1e-5,
                               atol=1e-6)


def test_initial_state_and_dropout():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 2)).astype("float32")
    layer = layers.ConvLSTM1D(2, 2, dropout=0.5, recurrent_dropout=0.5, seed=3)
    h0 = np.ones((2, 3, 2), "float32")
    eval_out = layer(x, initial_state=[h0, h0])
    assert eval_out.shape == (2, 3, 2)
    np.testing.assert_allclose(layer(x, initial_state=[h0, h0]).numpy(), eval_out.numpy())
    trained = layer(x, initial_state=[h0, h0], training=True)
    assert not np.allclose(trained.numpy(), eval_out.numpy())
    with pytest.raises(ValueError, match=r"initial state 0 must have shape \(2, 3, 2\)"):
        layer(x, initial_state=[np.ones((2, 2), "float32"), h0])
    with pytest.raises(ValueError, match="expects 2 initial state tensors"):
        layer(x, initial_state=[h0])


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="strides > 1"):
        layers.ConvLSTM2D(2, 2, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        layers.ConvLSTM2D(2, 2, padding="causal")
    with pytest.raises(ValueError, match="filters"):
        layers.ConvLSTM2D(0, 2)
    with pytest.raises(ValueError, match="rank"):
        ConvLSTMCell(4, 2, 2)
    with pytest.raises(ValueError, match=r"expected ndim=5"):
        layers.ConvLSTM2D(2, 2)(np.zeros((2, 3, 4, 2), "float32"))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.ConvLSTM1D(2, 5)(np.zeros((2, 3, 4, 2), "float32"))


def test_cell_config_round_trip():
    cell = ConvLSTMCell(2, 3, (2, 2), padding="same")
    config = cell.get_config()
    assert "rank" not in config
    assert ConvLSTMCell.from_config(config).get_config() == config
    out, (h, c) = cell(Tensor(np.ones((1, 4, 4, 2), "float32")),
                       [Tensor(np.zeros((1, 4, 4, 3), "float32"))] * 2)
    assert out.shape == h.shape == c.shape == (1, 4, 4, 3)
