"""Embedding + Bidirectional LSTM on synthetic token sequences with padding and mask_zero.

    python examples/text_classifier.py            # 6 epochs, a few seconds

The "texts" are generated (no download): sequences of 5 to 30 token ids from a 200-word
vocabulary, padded with 0 at the end to length 30. A sequence is positive when the token 7
("good") appears more often than the token 9 ("bad"); every other token is filler. The model
must find the two words wherever they are: Embedding(200, 16, mask_zero=True) ->
Bidirectional(LSTM(16)) -> Dense(1, sigmoid). mask_zero makes the LSTMs skip the padding.
"""
import argparse

import numpy as np

import minikeras
from minikeras import layers

VOCABULARY, LENGTH, GOOD, BAD = 200, 30, 7, 9


def make_texts(n, seed):
    """Padded token ids (n, LENGTH) int32, labels (n,) 0/1."""
    rng = np.random.default_rng(seed)
    tokens = np.zeros((n, LENGTH), dtype="int32")
    labels = np.zeros(n, dtype="int32")
    for i in range(n):  # generating the data, not training: a loop over samples is fine here
        length = rng.integers(5, LENGTH + 1)
        words = rng.integers(10, VOCABULARY, length)
        good, bad = rng.integers(0, 4, 2)
        while good == bad:
            good, bad = rng.integers(0, 4, 2)
        positions = rng.choice(length, size=min(good + bad, length), replace=False)
        words[positions[:good]] = GOOD
        words[positions[good:]] = BAD
        tokens[i, :length] = words
        labels[i] = int((words == GOOD).sum() > (words == BAD).sum())
    return tokens, labels


def build_model():
    return minikeras.Sequential([
        layers.Input((LENGTH,), dtype="int32"),
        layers.Embedding(VOCABULARY, 16, mask_zero=True),
        layers.Bidirectional(layers.LSTM(16)),
        layers.Dense(1, activation="sigmoid"),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    x_train, y_train = make_texts(3000, seed=args.seed)
    x_test, y_test = make_texts(500, seed=args.seed + 1)
    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, verbose=args.verbose,
              validation_data=(x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
