"""Boston housing prices: 506 suburbs, 13 features each, target the median home value (k$).

The file `boston_housing.npz` (57 kB) is downloaded once into `<cache root>/datasets/`.
Keras keeps this dataset for old tutorials; `california_housing` (version="small") is its
suggested replacement.
"""
import numpy as np

from minikeras.datasets._regression import check_test_split, shuffle_and_split
from minikeras.datasets._remote import KERAS_BUCKET, fetch, require_keys

ORIGIN = KERAS_BUCKET + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.boston_housing`.

    x (n, 13) float64, y (n,) float64; 404 training and 102 test samples with the defaults
    (shuffled with `seed`, split at `int(506 * (1 - test_split))`).
    """
    check_test_split(test_split)
    path = fetch(path, ORIGIN, FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        require_keys(data, ("x", "y"), path)
        x, y = data["x"], data["y"]
    return shuffle_and_split(x, y, test_split, seed)
