"""California housing: 20,640 census block groups, 8 features, target the median house value ($).

Features: MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude.
The file `california_housing.npz` is downloaded once into `<cache root>/datasets/`.
"""
import numpy as np

from minikeras.datasets._regression import check_test_split, shuffle_and_split
from minikeras.datasets._remote import KERAS_BUCKET, fetch, require_keys

ORIGIN = KERAS_BUCKET + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.california_housing`.

    version: "large" (all 20,640 rows: 16,512 training, 4,128 test) or "small" (the first 600
    rows: 480 / 120), a stand-in for the retired Boston dataset. x (n, 8), y (n,) float
    (the file's dtype); shuffled with `seed`, split at `int(n * (1 - test_split))`.
    """
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version!r}")
    check_test_split(test_split)
    path = fetch(path, ORIGIN, FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        require_keys(data, ("x", "y"), path)
        x, y = data["x"], data["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_and_split(x, y, test_split, seed)
