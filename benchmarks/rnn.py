"""An LSTM over MNIST rows on the CPU: minikeras vs Keras 3 (torch backend) vs PyTorch.

    cd /path/to/repo
    KERAS_BACKEND=torch PYTHONPATH=. /path/to/refvenv/bin/python benchmarks/rnn.py
    python benchmarks/rnn.py --threads 1          # every framework on one core

Model (examples/mnist_lstm.py): each 28x28 digit is a sequence of 28 rows of 28 pixels;
Input(28, 28) -> LSTM(128) -> Dense(10, softmax); Adam (Keras defaults); sparse categorical
crossentropy; accuracy; batch size 128; the 8,000 / 2,000 bundled digits.

Measured as in mlp.py (see benchmarks/_harness.py): seconds per epoch of fit(verbose=0), median
of epochs 2..N, and predict time on the 2,000 test digits at batch 128 and 32. The PyTorch
column is torch.nn.LSTM(batch_first=True) and a Linear layer on the last output.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _common  # noqa: E402
import _harness  # noqa: E402


def load_sequences():
    """The bundled sample as (n, 28, 28) float32 sequences in [0, 1] and integer labels."""
    (x_train, y_train), (x_test, y_test) = _common.load_mnist_flat()
    return (x_train.reshape(-1, 28, 28), y_train), (x_test.reshape(-1, 28, 28), y_test)


def _lstm_model(module, input_layer):
    layers = module.layers
    return module.Sequential([
        input_layer((28, 28)),
        layers.LSTM(128),
        layers.Dense(10, activation="softmax"),
    ])


def build_torch(torch):
    nn = torch.nn

    class LastStepLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, batch_first=True)
            self.dense = nn.Linear(128, 10)  # softmax is fused into the loss / applied in predict

        def forward(self, x):
            outputs, _ = self.lstm(x)
            return self.dense(outputs[:, -1])

    return LastStepLSTM()


WORKLOAD = _harness.Workload(
    title="MNIST-rows LSTM benchmark: 28 steps x 28 features -> LSTM(128) -> dense 10, Adam, "
          "8,000 train / 2,000 test digits",
    load_data=load_sequences,
    build_minikeras=lambda minikeras: _lstm_model(minikeras, minikeras.layers.Input),
    build_keras=lambda keras: _lstm_model(keras, keras.Input),
    build_torch=build_torch,
    targets={"epoch": 0.5})


def main(argv=None):
    parser = _harness.argument_parser(__doc__.splitlines()[0], default_epochs=4)
    args = parser.parse_args(argv)
    _harness.main(WORKLOAD, os.path.abspath(__file__), parser, args)


if __name__ == "__main__":
    main()
