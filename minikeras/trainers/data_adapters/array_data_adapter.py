"""Batches over in-memory arrays: `ArrayDataAdapter`.

`ArrayDataAdapter` holds x, y and per-sample weights (arrays, or lists/dicts of arrays), checks
that they agree in length, converts floats to floatx() once, and yields (x, y, sample_weight)
batches, reshuffled every epoch when asked.

The other kinds of input (Python generators, `minikeras.utils.PyDataset`, h5py datasets) have
adapters of their own beside this one; `get_data_adapter` picks the right one.
"""
import math

import numpy as np

from minikeras.backend import random
from minikeras.trainers.data_adapters.data_adapter import DataAdapter
from minikeras.trainers.data_adapters.data_adapter_utils import (
    check_class_weight_arguments, class_weight_to_sample_weight, flatten_arrays, map_arrays,
    to_array)


class ArrayDataAdapter(DataAdapter):
    """Batches over in-memory arrays.

    Args:
        x: array, or list/tuple/dict of arrays (multi-input).
        y: array(s) or None (predict).
        sample_weight: 1-D per-sample weights (or a list / dict of them, one per output), or None.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: True (new permutation every epoch), 'batch' (shuffle batch-sized chunks) or False.
        class_weight: {class index: weight}, turned into sample weights.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, class_weight=None):
        if x is None:
            raise ValueError("Expected `x` (the input data), received None.")
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer, received: {batch_size!r}")
        self.x = _to_arrays(x, "x")
        self.y = _to_arrays(y, "y")
        if class_weight is not None:
            check_class_weight_arguments(class_weight, self.y, sample_weight)
            sample_weight = class_weight_to_sample_weight(flatten_arrays(self.y)[0], class_weight)
        self.sample_weight = _to_arrays(sample_weight, "sample_weight")  # or one per output
        self._check_cardinality()
        self.batch_size = int(batch_size)
        self.shuffle = shuffle

    def _check_cardinality(self):
        sizes = {}
        for label, data in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            arrays = flatten_arrays(data)
            for a in arrays:
                if a.ndim == 0:
                    raise ValueError(_scalar_message(label, data))
            if arrays:
                sizes[label] = [len(a) for a in arrays]
        all_sizes = {n for values in sizes.values() for n in values}
        if len(all_sizes) > 1:
            detail = "\n".join(f"'{label}' sizes: {', '.join(map(str, values))}"
                               for label, values in sizes.items())
            raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the same "
                             f"number of samples.\n{detail}")
        self.num_samples = all_sizes.pop() if all_sizes else 0

    @property
    def num_batches(self):
        return int(math.ceil(self.num_samples / self.batch_size))

    def _order(self):
        n = self.num_samples
        if self.shuffle == "batch":
            starts = np.arange(0, n, self.batch_size)
            random.global_generator().shuffle(starts)
            return np.concatenate([np.arange(s, min(s + self.batch_size, n)) for s in starts])
        if self.shuffle:
            return random.global_generator().permutation(n)
        return None

    def peek(self):
        """The first batch in data order (no shuffle is drawn)."""
        take = lambda a: a[:self.batch_size]  # noqa: E731
        return (map_arrays(take, self.x), map_arrays(take, self.y),
                map_arrays(take, self.sample_weight))

    def batches(self):
        """Yield (x, y, sample_weight) for one epoch (a fresh shuffle each call)."""
        order = self._order()
        for start in range(0, self.num_samples, self.batch_size):
            if order is None:
                index = slice(start, start + self.batch_size)
            else:
                index = order[start:start + self.batch_size]
            take = lambda a: a[index]  # noqa: E731
            yield (map_arrays(take, self.x), map_arrays(take, self.y),
                   map_arrays(take, self.sample_weight))


def _to_arrays(data, label):
    """`data` (x, y or sample_weight) as xp arrays; a conversion error names `label`."""
    try:
        return map_arrays(to_array, data)
    except (TypeError, ValueError) as error:
        raise type(error)(f"`{label}` must hold numeric arrays: {error}") from None


def _scalar_message(label, data):
    """Why `label` (x, y or sample_weight) holding a scalar is refused, with the likely cause:
    a Python list of rows, which minikeras (as Keras) reads as one array per model input."""
    expected = (f"Expected `{label}` to be an array with a batch axis (or a list / dict of "
                f"such arrays, one per model input or output)")
    if isinstance(data, (list, tuple)):
        lengths = sorted({len(row) for row in data if isinstance(row, (list, tuple))})
        kind = type(data).__name__
        if len(lengths) > 1:
            return (f"{expected}, received a ragged {kind} of {len(data)} rows of lengths "
                    f"{lengths[0]} to {lengths[-1]}. Pad the rows to one length (e.g. with "
                    f"`minikeras.utils.pad_sequences`) and pass a NumPy array.")
        return (f"{expected}, received a {kind} of {len(data)} entries holding Python scalars, "
                f"which is read as {len(data)} separate inputs. Pass `np.asarray({label})` "
                f"to train on a list of rows.")
    return f"{expected}, received a scalar of type {type(data).__name__}."
