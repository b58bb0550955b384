"""MNIST handwritten digits.

`load_sample()` needs no network: it reads 10,000 real MNIST digits bundled with minikeras
(the original MNIST test set in its original order, split into the first 8,000 and the last
2,000; see tools/make_mnist_sample.py). It is the offline default of every example and test.
"""
import os

import numpy as np

_SAMPLE = os.path.join(os.path.dirname(__file__), "data", "mnist_sample.npz")


def load_sample():
    """Return `((x_train, y_train), (x_test, y_test))` from the bundled real digits.

    Shapes and dtypes follow `keras.datasets.mnist.load_data()`:
    x_train (8000, 28, 28) uint8, y_train (8000,) uint8, x_test (2000, 28, 28) uint8,
    y_test (2000,) uint8. Pixel values are 0..255; labels are 0..9.
    """
    with np.load(_SAMPLE) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
