"""Recurrent layers: SimpleRNN, LSTM, GRU (fused whole-sequence primitives with BPTT), their
cells, the generic `RNN(cell)` for any cell, `StackedRNNCells`, and the wrappers
`Bidirectional` and `TimeDistributed`."""
from minikeras.layers.rnn.rnn import RNN, StackedRNNCells, DropoutRNNCell
from minikeras.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from minikeras.layers.rnn.lstm import LSTM, LSTMCell
from minikeras.layers.rnn.gru import GRU, GRUCell
from minikeras.layers.rnn.bidirectional import Bidirectional
from minikeras.layers.rnn.time_distributed import TimeDistributed
from minikeras.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell

__all__ = ["RNN", "StackedRNNCells", "DropoutRNNCell", "SimpleRNN", "SimpleRNNCell", "LSTM",
           "LSTMCell", "GRU", "GRUCell", "Bidirectional", "TimeDistributed",
           "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ConvLSTMCell"]
