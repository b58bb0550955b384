"""CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 training, 10,000 test).

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck. The original archive `cifar-10-python.tar.gz` (170 MB) is downloaded once, kept as
`<cache root>/datasets/cifar-10-batches-py-target_archive` and extracted next to it into
`cifar-10-batches-py-target/cifar-10-batches-py/` (`data_batch_1` ... `data_batch_5`,
`test_batch`): Keras's own names, so a Keras cache folder works as a minikeras one.
"""
import os

import numpy as np

from minikeras.datasets._cifar import load_batch, to_image_data_format
from minikeras.datasets._remote import fetch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
DIRNAME = "cifar-10-batches-py-target"


def load_data():
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.cifar10`.

    x_train (50000, 32, 32, 3) uint8, y_train (50000, 1) uint8, x_test (10000, 32, 32, 3)
    uint8, y_test (10000, 1) uint8. Images are (3, 32, 32) instead when
    `minikeras.backend.image_data_format()` is "channels_first".
    """
    path = os.path.join(fetch(DIRNAME, ORIGIN, FILE_HASH, extract=True), "cifar-10-batches-py")
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in batches]).astype("uint8", copy=False)
    y_train = np.concatenate([np.asarray(labels) for _, labels in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    x_test = x_test.astype("uint8", copy=False)
    y_test = np.asarray(y_test).astype("uint8")
    return ((to_image_data_format(x_train), y_train.reshape(-1, 1)),
            (to_image_data_format(x_test), y_test.reshape(-1, 1)))
