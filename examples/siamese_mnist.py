"""A siamese network: one shared encoder reads two MNIST digits and says "same digit?".

    python examples/siamese_mnist.py            # 5 epochs, a few seconds
    python examples/siamese_mnist.py --epochs 2 --pairs 8000
    python examples/siamese_mnist.py --full     # all 70,000 MNIST digits (downloaded once)

Data: pairs of real MNIST digits from the bundled sample, half of them showing the same digit
and half two different digits. Training pairs are drawn from the 8,000 training images, test
pairs from the 2,000 held-out images, so the test pairs are digits the encoder never saw.

The encoder, Dense(128, relu) -> Dense(64), is a Functional model of its own, called on both
inputs. Calling it twice does not copy it: both calls use the same weights, and training
improves the one encoder from both sides of every pair. The two codes are compared by
|left - right| (`layers.subtract` and a Lambda layer around `ops.abs`), and a Dense(1,
sigmoid) turns the 64 differences into the probability that the digits are the same.

    left  -> encoder -+
                      +-> subtract -> abs -> Dense(1, sigmoid) -> "same digit?"
    right -> encoder -+

Prints the accuracy on the test pairs (chance: 0.5).

The bundled sample (`mnist.load_sample()`, 8,000 / 2,000 real digits) is the offline default:
no network needed. `--full` uses the whole MNIST instead (`mnist.load_data()`: Keras's
mnist.npz, 60,000 / 10,000 digits, downloaded once into ~/.minikeras/datasets/, or
$MINIKERAS_HOME/datasets/).
"""
import argparse

import numpy as np

import minikeras
from minikeras import layers, ops


def make_pairs(x, y, n, rng):
    """n pairs (left, right, same) from images x with labels y; half the pairs are the same digit."""
    left = rng.integers(0, len(x), n)
    same = rng.random(n) < 0.5
    # The digit of the right image: the left one for "same" pairs, another one (shifted by
    # 1..9, modulo 10) for "different" pairs.
    right_digit = np.where(same, y[left], (y[left] + rng.integers(1, 10, n)) % 10)
    right = np.empty(n, dtype=np.int64)
    for digit in range(10):
        candidates = np.flatnonzero(y == digit)
        wanted = right_digit == digit
        right[wanted] = rng.choice(candidates, wanted.sum())
    return x[left], x[right], same.astype("float32")


def build_encoder():
    inputs = layers.Input((784,))
    x = layers.Dense(128, activation="relu")(inputs)
    codes = layers.Dense(64)(x)
    return minikeras.Model(inputs, codes, name="encoder")


def build_model(encoder):
    left = layers.Input((784,), name="left")
    right = layers.Input((784,), name="right")
    difference = layers.subtract([encoder(left), encoder(right)])
    distance = layers.Lambda(ops.abs, name="abs")(difference)
    same = layers.Dense(1, activation="sigmoid", name="same")(distance)
    return minikeras.Model([left, right], same, name="siamese")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=16000, help="number of training pairs")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="use the full MNIST (mnist.load_data(), downloaded once) "
                             "instead of the bundled offline sample")
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    mnist = minikeras.datasets.mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data() if args.full else mnist.load_sample()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    left_train, right_train, same_train = make_pairs(x_train, y_train, args.pairs, rng)
    left_test, right_test, same_test = make_pairs(x_test, y_test, 2000, rng)
    print(f"{len(same_train)} training pairs, {len(same_test)} test pairs "
          f"({same_test.mean():.0%} of them the same digit)")

    encoder = build_encoder()
    model = build_model(encoder)
    model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit([left_train, right_train], same_train, batch_size=args.batch_size,
              epochs=args.epochs, verbose=args.verbose,
              validation_data=([left_test, right_test], same_test))
    loss, accuracy = model.evaluate([left_test, right_test], same_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy (same digit or not, on pairs of held-out digits): {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
