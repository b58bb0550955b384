"""The classic Keras MNIST convnet, trained with minikeras on the bundled real digits.

    python examples/mnist_cnn.py            # 10 epochs on the 8,000 / 2,000 offline sample
    python examples/mnist_cnn.py --epochs 3

Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Flatten
-> Dropout(0.5) -> Dense(10, softmax); Adam, batch size 128, sparse categorical crossentropy.
Images are (28, 28, 1), channels last, scaled to [0, 1]. Prints the test accuracy.
"""
import argparse

import minikeras
from minikeras import layers


def build_model():
    return minikeras.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def load_data():
    (x_train, y_train), (x_test, y_test) = minikeras.datasets.mnist.load_sample()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
    return (x_train, y_train), (x_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

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
