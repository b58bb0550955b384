"""The shuffle-and-split the regression loaders share, as Keras does it."""
import numpy as np


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         f"and 1 (exclusive of 1).")


def shuffle_and_split(x, y, test_split, seed):
    """Shuffle with `np.random.RandomState(seed)`; split at `int(len(x) * (1 - test_split))`."""
    if len(x) != len(y):
        raise ValueError(f"The dataset file is damaged: {len(x)} samples but {len(y)} targets.")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
