"""Helpers shared by the data adapters: array conversion, class weights, validation splits."""
import math
import numbers

import numpy as np

from minikeras import tree
from minikeras.backend import config
from minikeras.backend.array_module import to_numpy, xp
from minikeras.backend.autodiff import Tensor


def map_arrays(fn, data):
    """`fn` applied to every array of a structure of arrays; None (no y, no weights) stays None."""
    return tree.map_structure(fn, data, none_is_leaf=False)


def flatten_arrays(data):
    """The arrays of a structure of arrays, in `minikeras.tree` order, Nones left out."""
    return [a for a in tree.flatten(data) if a is not None]


def to_array(data):
    """An xp array; Python floats/float64 become floatx(), integers keep their dtype."""
    if isinstance(data, Tensor):
        data = data.data
    array = xp.asarray(data)
    if array.dtype.kind == "f" and array.dtype != xp.dtype(config.floatx()):
        array = array.astype(config.floatx())
    if array.dtype.kind in "OUS":
        raise TypeError(f"Expected numeric arrays, received an array of dtype {array.dtype}.")
    return array


def check_class_weight(class_weight, num_classes=None):
    """`class_weight` is a dict {class index: weight} with indices >= 0 (below `num_classes`
    when the targets are one-hot) and numeric weights. Keras ignores a key it cannot match,
    so a negative key silently did nothing there and weighted the last class here (NumPy's
    negative indexing): both are refused, naming the key and the valid range."""
    if not isinstance(class_weight, dict):
        raise TypeError(f"`class_weight` must be a dict {{class index: weight}}, received "
                        f"{type(class_weight).__name__}: {class_weight!r}.")
    valid = "0 or more" if num_classes is None else f"from 0 to {num_classes - 1}"
    for key, weight in class_weight.items():
        integral = isinstance(key, numbers.Integral) and not isinstance(key, (bool, np.bool_))
        if not integral and not (isinstance(key, numbers.Real) and float(key).is_integer()):
            raise TypeError(f"`class_weight` keys must be integer class indices ({valid}), "
                            f"received the key {key!r} of type {type(key).__name__}.")
        if key < 0 or (num_classes is not None and key >= num_classes):
            raise ValueError(f"`class_weight` has the key {key!r}, which is not a class index: "
                             f"valid keys are {valid}"
                             f"{'' if num_classes is None else f' ({num_classes} classes)'}.")
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
            raise TypeError(f"`class_weight` values must be numbers, received "
                            f"class_weight[{key!r}]={weight!r} of type {type(weight).__name__}.")


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights: the weight of each sample's class (label index, or argmax of one-hot)."""
    y = to_numpy(y)  # labels may already be on the device (CuPy): the table is built on the host
    one_hot = y.ndim > 1 and y.shape[-1] > 1
    check_class_weight(class_weight, y.shape[-1] if one_hot else None)
    labels = y.argmax(axis=-1) if one_hot else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype("int64")
    table = np.ones(int(max(labels.max(initial=0) + 1, max(class_weight, default=-1) + 1)),
                    dtype=config.floatx())
    for cls, weight in class_weight.items():
        table[int(cls)] = weight
    return xp.asarray(table[labels])


def check_class_weight_arguments(class_weight, y, sample_weight):
    """`class_weight` needs targets, one output, and no `sample_weight` (Keras's rules)."""
    if y is None:
        raise ValueError("`class_weight` needs targets `y`.")
    if len(flatten_arrays(y)) > 1:
        raise ValueError("`class_weight` is only supported for Models with a single output; for "
                         "several outputs pass `sample_weight` (one array per output).")
    if sample_weight is not None:
        raise ValueError("You cannot pass both `class_weight` and `sample_weight`.")


def train_validation_split(arrays, validation_split):
    """Split every array at floor(n * (1 - split)): the last samples validate (before shuffling).

    h5py datasets are not read: each side becomes a lazy view of its rows (`H5Slice`)."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    from minikeras.trainers.data_adapters.h5_dataset_adapter import H5Slice, is_h5_dataset
    from minikeras.utils.py_dataset import PyDataset
    flat = [a for a in flatten_arrays(arrays) if a is not None]
    for a in flat:
        if isinstance(a, PyDataset) or hasattr(a, "__next__") or not hasattr(a, "__len__"):
            raise ValueError("Argument `validation_split` is only supported for NumPy arrays (and "
                             f"h5py datasets), received an input of type {type(a).__name__}. "
                             "Pass `validation_data` instead.")
    n = len(flat[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it "
                         f"into a validation and training set as specified by "
                         f"`validation_split={validation_split}`.")

    def left(a):
        return H5Slice(a, 0, split_at) if is_h5_dataset(a) else a[:split_at]

    def right(a):
        return H5Slice(a, split_at, len(a)) if is_h5_dataset(a) else a[split_at:]

    return map_arrays(left, arrays), map_arrays(right, arrays)


def unpack_x_y_sample_weight(data):
    """(x,), (x, y) or (x, y, sample_weight) -> (x, y, sample_weight), missing ones None."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of length {len(data)}.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple Keras hands to train_step: (x,), (x, y) or (x, y, sample_weight)."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
