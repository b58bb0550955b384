"""Array helpers from `keras.utils`: to_categorical and normalize."""
import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels (class axis last), like `keras.utils.to_categorical`.

    A trailing axis of size 1 is dropped first, so (n, 1) labels give (n, num_classes).
    """
    x = np.asarray(x, dtype="int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}), "
                         f"received values in [{x.min()}, {x.max()}].")
    return np.eye(num_classes, dtype="float64")[x]


def normalize(x, axis=-1, order=2):
    """Divide by the L`order` norm along `axis`; zero-norm slices are left unchanged."""
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)
