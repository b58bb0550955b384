"""Batches read straight from h5py datasets: training on data larger than memory.

`x`, `y` and `sample_weight` may be h5py datasets (or lists / dicts of them, mixed with NumPy
arrays). Nothing is read up front: each batch reads its rows from the file when it is needed,
so memory holds one batch (plus h5py's chunk cache), never the whole file.

Shuffling, as `fit(shuffle=...)` asks:

- `False`: batches in file order, each one contiguous slice (the fastest reads).
- `"batch"` (recommended for HDF5, as in Keras 2): the order of the batch-sized chunks is
  shuffled every pass; each batch is still one contiguous slice, so reads stay fast. The same
  samples share a batch every epoch.
- `True`: a new permutation of all samples every pass, exactly as for NumPy arrays (same
  batches for the same random state). HDF5 can only read rows in increasing order, so each
  batch's rows are read sorted — which changes nothing for training (a batch's loss is a mean
  over its samples) — but reads are scattered over the file and slower than "batch".

The datasets' lengths must agree (a ValueError names each one). `validation_split` splits
them without reading: each side becomes an `H5Slice`, a lazy view of a range of rows.
"""
import math
import sys

import numpy as np

from minikeras.backend import random
from minikeras.trainers.data_adapters.data_adapter import DataAdapter
from minikeras.trainers.data_adapters.data_adapter_utils import (
    check_class_weight_arguments, class_weight_to_sample_weight, flatten_arrays, map_arrays,
    to_array)


def is_h5_dataset(obj):
    """An h5py Dataset (or an `H5Slice` of one); no import of h5py when it was never used."""
    if isinstance(obj, H5Slice):
        return True
    h5py = sys.modules.get("h5py")
    return h5py is not None and isinstance(obj, h5py.Dataset)


class H5Slice:
    """Rows [start, stop) of an h5py dataset, read only when indexed (by a slice with step 1,
    an increasing integer array, or an int)."""

    def __init__(self, dataset, start, stop):
        if isinstance(dataset, H5Slice):
            start, stop = dataset.start + start, dataset.start + stop
            dataset = dataset.dataset
        if not 0 <= start <= stop <= len(dataset):
            raise ValueError(f"H5Slice: rows [{start}, {stop}) are outside the dataset's "
                             f"{len(dataset)} rows.")
        self.dataset, self.start, self.stop = dataset, int(start), int(stop)

    @property
    def shape(self):
        return (self.stop - self.start,) + tuple(self.dataset.shape[1:])

    @property
    def dtype(self):
        return self.dataset.dtype

    @property
    def ndim(self):
        return len(self.dataset.shape)

    @property
    def name(self):
        return f"{self.dataset.name}[{self.start}:{self.stop}]"

    def __len__(self):
        return self.stop - self.start

    def __getitem__(self, index):
        if isinstance(index, slice):
            begin, end, step = index.indices(len(self))
            if step != 1:
                raise IndexError("H5Slice reads slices with step 1 only.")
            return self.dataset[self.start + begin:self.start + max(begin, end)]
        if isinstance(index, (int, np.integer)):
            if not -len(self) <= index < len(self):
                raise IndexError(f"index {index} out of range for {len(self)} rows")
            return self.dataset[self.start + index % len(self)]
        return self.dataset[np.asarray(index) + self.start]

    def __array__(self, dtype=None, copy=None):
        """All the rows, read at once (np.asarray(view) loads the view on purpose)."""
        rows = self[:]
        return rows if dtype is None else rows.astype(dtype)

    def __repr__(self):
        return f"<H5Slice {self.name} shape={self.shape} dtype={self.dtype}>"


def _describe(array):
    if is_h5_dataset(array):
        return f"{len(array)} (h5py dataset {array.name!r})"
    return str(len(array))


def _prepare(array, label):
    """h5py datasets stay on disk (their dtype and rank checked); anything else -> array."""
    if is_h5_dataset(array):
        if len(array.shape) == 0:
            raise ValueError(f"Expected `{label}` to have a batch axis, received a scalar h5py "
                             f"dataset {array.name!r}.")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Expected numeric data in `{label}`, received the h5py dataset "
                            f"{array.name!r} of dtype {array.dtype}.")
        return array
    array = to_array(array)
    if array.ndim == 0:
        raise ValueError(f"Expected `{label}` to have a batch axis, received a scalar.")
    return array


def _read(array, index):
    """Rows `index` (a slice, or sorted integers) of one array or h5py dataset, as floatx."""
    if is_h5_dataset(array):
        if not isinstance(index, slice) and len(index) and index[-1] - index[0] + 1 == len(index):
            index = slice(int(index[0]), int(index[-1]) + 1)  # contiguous: one hyperslab read
        return to_array(array[index])
    return array[index]


class H5DatasetAdapter(DataAdapter):
    """Batches over h5py datasets (and arrays), read from the file one batch at a time.

    Args: as `ArrayDataAdapter`: x, y, sample_weight (structures of h5py datasets and/or
    arrays), batch_size, shuffle (False, "batch" or True; see the module doc), class_weight
    (applied per batch from y).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 class_weight=None):
        if x is None:
            raise ValueError("Expected `x` (the input data), received None.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer, received: {batch_size!r}")
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"`shuffle` must be True, False or 'batch', received: {shuffle!r}")
        self.x = map_arrays(lambda a: _prepare(a, "x"), x)
        self.y = map_arrays(lambda a: _prepare(a, "y"), y)
        self.sample_weight = map_arrays(lambda a: _prepare(a, "sample_weight"), sample_weight)
        self.class_weight = class_weight
        if class_weight is not None:
            check_class_weight_arguments(class_weight, self.y if y is not None else None,
                                         sample_weight)
        self._check_cardinality()
        self.batch_size = int(batch_size)
        self.shuffle = shuffle

    def _check_cardinality(self):
        sizes, details = set(), []
        for label, data in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            arrays = flatten_arrays(data)
            if arrays:
                sizes.update(len(a) for a in arrays)
                details.append(f"'{label}' sizes: {', '.join(_describe(a) for a in arrays)}")
        if len(sizes) > 1:
            raise ValueError("Data cardinality is ambiguous. Make sure all arrays and h5py "
                             "datasets contain the same number of samples.\n" + "\n".join(details))
        self.num_samples = sizes.pop() if sizes else 0

    @property
    def num_batches(self):
        return int(math.ceil(self.num_samples / self.batch_size))

    def _indices(self):
        """Each batch's rows for one pass: slices, or sorted index arrays (shuffle=True)."""
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            starts = np.arange(0, n, size)
            random.global_generator().shuffle(starts)
            return (slice(int(s), int(min(s + size, n))) for s in starts)
        if self.shuffle:
            order = random.global_generator().permutation(n)
            return (np.sort(order[s:s + size]) for s in range(0, n, size))
        return (slice(s, min(s + size, n)) for s in range(0, n, size))

    def _batch(self, index):
        take = lambda a: _read(a, index)  # noqa: E731
        x, y, weights = (map_arrays(take, self.x), map_arrays(take, self.y),
                         map_arrays(take, self.sample_weight))
        if self.class_weight is not None:
            weights = class_weight_to_sample_weight(flatten_arrays(y)[0], self.class_weight)
        return x, y, weights

    def peek(self):
        return self._batch(slice(0, min(self.batch_size, self.num_samples)))

    def batches(self):
        """Yield (x, y, sample_weight) for one pass, each read from the file when asked for."""
        for index in self._indices():
            yield self._batch(index)
