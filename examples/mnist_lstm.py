"""An LSTM reads each MNIST digit row by row, trained with minikeras on the bundled digits.

    python examples/mnist_lstm.py            # 10 epochs on the 8,000 / 2,000 offline sample
    python examples/mnist_lstm.py --epochs 3
    python examples/mnist_lstm.py --full     # all 70,000 MNIST digits (downloaded once)

Each 28x28 image is a sequence of 28 time steps (the rows), each a vector of 28 pixels:
LSTM(128) -> Dense(10, softmax); Adam, batch size 128, sparse categorical crossentropy.
Prints the test accuracy.

The bundled sample (`mnist.load_sample()`, 8,000 / 2,000 real digits) is the offline default:
no network needed. `--full` uses the whole MNIST instead (`mnist.load_data()`: Keras's
mnist.npz, 60,000 / 10,000 digits, downloaded once into ~/.minikeras/datasets/, or
$MINIKERAS_HOME/datasets/).
"""
import argparse

import minikeras
from minikeras import layers


def build_model():
    return minikeras.Sequential([
        layers.Input((28, 28)),
        layers.LSTM(128),
        layers.Dense(10, activation="softmax"),
    ])


def load_data(full=False):
    (x_train, y_train), (x_test, y_test) = (
        minikeras.datasets.mnist.load_data() if full else minikeras.datasets.mnist.load_sample())
    return ((x_train.astype("float32") / 255, y_train),
            (x_test.astype("float32") / 255, y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="use the full MNIST (mnist.load_data(), downloaded once) "
                             "instead of the bundled offline sample")
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args.full)
    print(f"{len(x_train)} train sequences, {len(x_test)} test sequences")

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
