"""MNIST handwritten digits.

`load_data()` is Keras's loader: it downloads the full dataset (60,000 training and 10,000
test digits, 11 MB) once, into `<cache root>/datasets/mnist.npz` (see `minikeras.utils.get_file`).

`load_sample()` needs no network: it reads 10,000 real MNIST digits bundled with minikeras
(the original MNIST test set in its original order, split into the first 8,000 and the last
2,000; see tools/make_mnist_sample.py). It is the offline default of every example and test.
"""
import os

import numpy as np

from minikeras.datasets._remote import KERAS_BUCKET, fetch, require_keys

ORIGIN = KERAS_BUCKET + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_SAMPLE = os.path.join(os.path.dirname(__file__), "data", "mnist_sample.npz")


def load_sample():
    """Return `((x_train, y_train), (x_test, y_test))` from the bundled real digits.

    Shapes and dtypes follow `keras.datasets.mnist.load_data()`:
    x_train (8000, 28, 28) uint8, y_train (8000,) uint8, x_test (2000, 28, 28) uint8,
    y_test (2000,) uint8. Pixel values are 0..255; labels are 0..9.
    """
    with np.load(_SAMPLE) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def load_data(path="mnist.npz"):
    """Return `((x_train, y_train), (x_test, y_test))`: the full MNIST, as `keras.datasets.mnist`.

    x_train (60000, 28, 28) uint8, y_train (60000,) uint8, x_test (10000, 28, 28) uint8,
    y_test (10000,) uint8; pixels 0..255, labels 0..9.

    Args:
        path: the file's name in the cache folder (`~/.minikeras/datasets/` or
            `$MINIKERAS_HOME/datasets/`). To work offline, put Keras's `mnist.npz` there.
    """
    path = fetch(path, ORIGIN, FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        require_keys(data, ("x_train", "y_train", "x_test", "y_test"), path)
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
