"""`split_dataset`: cut arrays (or a tuple / list / dict of them) into a left and a right part."""
import random as py_random

import numpy as np

from minikeras import tree


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_float(value):
    return isinstance(value, (float, np.floating))


def _split_sizes(left_size, right_size, total):
    """Keras's rules: a float is a fraction of `total` (rounded), an int a number of samples;
    None is the complement of the other side."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and not (_is_int(size) or _is_float(size)):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(size)}.")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (_is_int(size) and not 0 < size < total) or (_is_float(size) and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, "
                             f"or a float within the range `[0, 1]`. Received: {name}={size}")
    if _is_float(left_size) and _is_float(right_size) and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if _is_float(left_size) else left_size
    right = round(right_size * total) if _is_float(right_size) else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will be "
                             f"empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a dataset of samples into a left and a right part (e.g. train / test).

    Args:
        dataset: an array, or a tuple / list / dict of arrays with the same length (such as
            `(x, y)`).
        left_size: a float in (0, 1): that fraction of the samples (rounded); an int: that many
            samples; None: all samples not in the right part.
        right_size: the same for the right part.
        shuffle: shuffle the samples before splitting.
        seed: seed for the shuffle (Python's `random` with this seed picks the same order as
            Keras's TensorFlow path).

    Returns:
        (left, right), each with the structure of `dataset`: the first `left_size` samples and
        the last `right_size` samples (samples in neither part, when the sizes add up to less
        than the whole, are left out). Keras returns tf.data / torch datasets; NumPy arrays are
        what minikeras's `fit` takes.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = split_dataset((x, y), left_size=0.8)
    """
    arrays = [np.asarray(a) for a in tree.flatten(dataset)]
    if not arrays or any(a.ndim == 0 for a in arrays):
        raise TypeError(f"The `dataset` argument must be an array or a list / tuple / dict of "
                        f"arrays with a sample axis. Received: dataset of type {type(dataset)}")
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"The arrays of `dataset` must have the same length (number of "
                         f"samples), received lengths {[len(a) for a in arrays]}.")
    total = lengths.pop()
    left, right = _split_sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = py_random.randint(0, int(1e6))
        py_random.Random(seed).shuffle(order)
    order = np.asarray(order, dtype=np.int64)
    as_arrays = tree.map_structure(np.asarray, dataset)
    left_rows, right_rows = order[:left], order[total - right:]
    return (tree.map_structure(lambda a: a[left_rows], as_arrays),
            tree.map_structure(lambda a: a[right_rows], as_arrays))
