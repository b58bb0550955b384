"""A Functional model with two inputs and two outputs, on the bundled MNIST digits.

    python examples/functional_two_heads.py            # 5 epochs, a few seconds
    python examples/functional_two_heads.py --epochs 2
    python examples/functional_two_heads.py --full     # all 70,000 MNIST digits (downloaded once)

Inputs:  "image", the 784 pixels of a real MNIST digit (the 8,000 / 2,000 bundled sample), and
         "hint", one synthetic number per image: 1 if the digit is odd, 0 if even, but wrong
         for a random quarter of the images (--hint-noise). The image alone gives most digits
         away, so the hint moves the accuracy by a fraction of a point at most; it is here to
         show how a second input joins the graph.
Outputs: "digit", the class 0-9 (softmax), and "ink", a regression: how many pixels of the
         image are "on" (brighter than half), in hundreds of pixels.

    image -> Dense(256, relu) -> Dropout(0.2) -> features -+-> Dense(1) ................ "ink"
                                                            |
    hint  ------------------------------------------------ concatenate -> Dense(64, relu)
                                                                       -> Dense(10, softmax) "digit"

Compiled with dicts keyed by output name: a loss per output, loss_weights (the model minimizes
1.0 * digit_loss + 0.5 * ink_loss) and a metric per output. The History keys are Keras's:
loss, digit_loss, digit_accuracy, ink_loss, ink_mae and their val_ forms. Prints the test
accuracy of the digit head and the mean absolute error of the ink head, in pixels, next to
the error of always guessing the average ink.

The bundled sample (`mnist.load_sample()`, 8,000 / 2,000 real digits) is the offline default:
no network needed. `--full` uses the whole MNIST instead (`mnist.load_data()`: Keras's
mnist.npz, 60,000 / 10,000 digits, downloaded once into ~/.minikeras/datasets/, or
$MINIKERAS_HOME/datasets/).
"""
import argparse

import numpy as np

import minikeras
from minikeras import layers


def load_data(hint_noise, seed, full=False):
    """((images, hints), (digits, ink)) for the training and the test split."""
    (x_train, y_train), (x_test, y_test) = (
        minikeras.datasets.mnist.load_data() if full else minikeras.datasets.mnist.load_sample())
    rng = np.random.default_rng(seed)

    def prepare(x, y):
        images = x.reshape(-1, 784).astype("float32") / 255
        odd = (y % 2).astype("float32")
        wrong = rng.random(len(y)) < hint_noise
        hints = np.where(wrong, 1 - odd, odd).astype("float32")[:, None]
        ink = ((images > 0.5).sum(axis=1, keepdims=True) / 100).astype("float32")
        return (images, hints), (y.astype("int64"), ink)

    return prepare(x_train, y_train), prepare(x_test, y_test)


def build_model():
    image = layers.Input((784,), name="image")
    hint = layers.Input((1,), name="hint")
    features = layers.Dense(256, activation="relu", name="features")(image)
    features = layers.Dropout(0.2)(features)
    ink = layers.Dense(1, name="ink")(features)
    x = layers.concatenate([features, hint])
    x = layers.Dense(64, activation="relu")(x)
    digit = layers.Dense(10, activation="softmax", name="digit")(x)
    return minikeras.Model(inputs=[image, hint], outputs=[digit, ink], name="two_heads")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hint-noise", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="use the full MNIST (mnist.load_data(), downloaded once) "
                             "instead of the bundled offline sample")
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    ((x_train, hint_train), (digit_train, ink_train)), ((x_test, hint_test), (digit_test, ink_test)) = \
        load_data(args.hint_noise, args.seed, args.full)
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    model = build_model()
    model.summary()
    model.compile(
        optimizer="adam",
        loss={"digit": "sparse_categorical_crossentropy", "ink": "mse"},
        loss_weights={"digit": 1.0, "ink": 0.5},
        metrics={"digit": "accuracy", "ink": "mae"},
    )
    history = model.fit({"image": x_train, "hint": hint_train},
                        {"digit": digit_train, "ink": ink_train},
                        batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
                        validation_data=([x_test, hint_test], [digit_test, ink_test]))
    print("History keys:", ", ".join(history.history))

    results = model.evaluate([x_test, hint_test], [digit_test, ink_test], verbose=0,
                             return_dict=True)
    accuracy, ink_mae = results["digit_accuracy"], results["ink_mae"] * 100
    guess_mean_mae = np.abs(ink_test - ink_train.mean()).mean() * 100
    print(f"Test loss: {results['loss']:.4f} "
          f"(= 1.0 * {results['digit_loss']:.4f} + 0.5 * {results['ink_loss']:.4f})")
    print(f"Test accuracy (digit): {accuracy:.4f}")
    print(f"Test MAE (ink): {ink_mae:.1f} pixels; always guessing the mean: "
          f"{guess_mean_mae:.1f} pixels")
    return accuracy, ink_mae, guess_mean_mae


if __name__ == "__main__":
    main()
