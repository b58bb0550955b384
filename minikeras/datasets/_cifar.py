"""Reading one batch file of the CIFAR "python version" archives.

Each batch is a Python 2 pickle of a dict with byte-string keys: b"data", a (n, 3072) uint8
array whose rows are a 32x32 red plane, then green, then blue (row-major); and the labels, a
list of ints (b"labels" for CIFAR-10, b"fine_labels" / b"coarse_labels" for CIFAR-100). The
archive's hash is checked before this runs, and the pickle is read with an unpickler that can
build only NumPy arrays and plain data (see _safe_pickle.py), so a tampered file cannot run code.
"""
import numpy as np

from minikeras.backend import config
from minikeras.datasets._safe_pickle import load_pickle


def load_batch(fpath, label_key="labels"):
    """`(data, labels)`: data (n, 3, 32, 32) uint8 (channels first, as stored), labels a list."""
    with open(fpath, "rb") as f:
        batch = load_pickle(f, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{fpath} is not a CIFAR batch: it holds a {type(batch).__name__}, "
                         f"not a dict.")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"{fpath} is not a CIFAR batch with {label_key!r}: it has the keys "
                         f"{sorted(batch)}.")
    data, labels = batch["data"], batch[label_key]
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{fpath}: 'data' should be an (n, 3072) array, got "
                         f"{getattr(data, 'shape', type(data).__name__)}.")
    if len(labels) != len(data):
        raise ValueError(f"{fpath}: {len(data)} images but {len(labels)} labels.")
    return data.reshape(len(data), 3, 32, 32), labels


def to_image_data_format(x):
    """(n, 3, 32, 32) -> (n, 32, 32, 3) under channels_last (the default image_data_format)."""
    if config.image_data_format() == "channels_last":
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    return x
