"""A CIFAR-style convnet (padding="same" blocks with BatchNormalization) on synthetic images.

    python examples/cifar_style_cnn.py            # 5 epochs, about a minute on a laptop CPU
    python examples/cifar_style_cnn.py --epochs 2

The data needs no download: 32x32 RGB images of four kinds of texture (horizontal stripes,
vertical stripes, checkerboards, diagonal stripes), each with a random colour, period, phase
and Gaussian noise, so the class is only visible through local spatial patterns.

Two blocks of [Conv2D(padding="same") -> BatchNormalization -> ReLU] x 2 -> MaxPooling2D, then
GlobalAveragePooling2D -> Dense(4, softmax). BatchNormalization uses batch statistics while
training and its moving averages in evaluate/predict. Its momentum is 0.9 here instead of
Keras's 0.99: with only 32 steps an epoch, averages that forget that slowly still remember
their starting values (mean 0, variance 1) after a few epochs, and the test accuracy lags far
behind the training accuracy (0.79 against 1.0 after 5 epochs in Keras 3 with momentum 0.99).
"""
import argparse

import numpy as np

import minikeras
from minikeras import layers

CLASSES = ("horizontal", "vertical", "checkerboard", "diagonal")


def make_textures(n, seed, size=32):
    """n images (n, size, size, 3) float32 and their labels (n,) in 0..3."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(CLASSES), n)
    rows, cols = np.mgrid[0:size, 0:size].astype("float32")
    period = rng.uniform(4, 10, (n, 1, 1)).astype("float32")
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1)).astype("float32")
    wave = {
        0: np.sin(2 * np.pi * rows / period + phase),
        1: np.sin(2 * np.pi * cols / period + phase),
        2: np.sin(2 * np.pi * rows / period + phase) * np.sin(2 * np.pi * cols / period),
        3: np.sin(2 * np.pi * (rows + cols) / (1.4 * period) + phase),
    }
    pattern = np.select([labels[:, None, None] == k for k in range(len(CLASSES))],
                        [wave[k] for k in range(len(CLASSES))])
    colour = rng.uniform(0.2, 1.0, (n, 1, 1, 3)).astype("float32")
    images = 0.5 + 0.4 * pattern[..., None] * colour
    images += rng.normal(0, 0.15, images.shape)
    return images.astype("float32"), labels


def conv_block(filters):
    return [layers.Conv2D(filters, 3, padding="same", use_bias=False),
            layers.BatchNormalization(momentum=0.9), layers.Activation("relu")]


def build_model():
    return minikeras.Sequential([
        layers.Input((32, 32, 3)),
        *conv_block(16), *conv_block(16), layers.MaxPooling2D(2),
        *conv_block(32), *conv_block(32), layers.MaxPooling2D(2),
        layers.GlobalAveragePooling2D(),
        layers.Dense(len(CLASSES), activation="softmax"),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    x_train, y_train = make_textures(args.train_size, seed=args.seed)
    x_test, y_test = make_textures(500, seed=args.seed + 1)
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
