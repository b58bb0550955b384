"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes grouped into 20 coarse ones.

The original archive `cifar-100-python.tar.gz` (169 MB) is downloaded once, kept as
`<cache root>/datasets/cifar-100-python-target_archive` and extracted next to it into
`cifar-100-python-target/cifar-100-python/` (`train`, `test`), Keras's own names.
"""
import os

import numpy as np

from minikeras.datasets._cifar import load_batch, to_image_data_format
from minikeras.datasets._remote import fetch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
DIRNAME = "cifar-100-python-target"


def load_data(label_mode="fine"):
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.cifar100`.

    x_train (50000, 32, 32, 3) uint8, x_test (10000, 32, 32, 3) uint8 ((3, 32, 32) images
    under channels_first); y_train (50000, 1), y_test (10000, 1) with labels 0..99
    (label_mode="fine") or 0..19 ("coarse"). Keras's docs say uint8, but its loader builds the
    labels from a Python list, so they are int64; minikeras returns what Keras returns.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of "fine", "coarse". '
                         f"Received: label_mode={label_mode!r}.")
    path = os.path.join(fetch(DIRNAME, ORIGIN, FILE_HASH, extract=True), "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=f"{label_mode}_labels")
    y_train = np.asarray(y_train, dtype="int64").reshape(-1, 1)
    y_test = np.asarray(y_test, dtype="int64").reshape(-1, 1)
    return (to_image_data_format(x_train), y_train), (to_image_data_format(x_test), y_test)
