"""Turning the user's arrays into batches for fit / evaluate / predict.

`ArrayDataAdapter` holds x, y and per-sample weights (arrays, or lists/dicts of arrays), checks
that they agree in length, converts floats to floatx() once, and yields (x, y, sample_weight)
batches, reshuffled every epoch when asked.

The other kinds of input (Python generators, `minikeras.utils.PyDataset`, h5py datasets) have
their adapters in `minikeras.models.data_adapters`, whose `get_data_adapter` picks the right one.
They all offer what `DataAdapter` below describes.
"""
import math

import numpy as np

from minikeras.backend import config, random
from minikeras.backend.array_module import to_numpy, xp
from minikeras.backend.autodiff import Tensor


def map_structure(fn, data):
    """Apply fn to every array in a nested list/tuple/dict (None stays None)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: map_structure(fn, v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(map_structure(fn, v) for v in data)
    return fn(data)


def flatten_structure(data):
    if data is None:
        return []
    if isinstance(data, dict):
        return [a for k in data for a in flatten_structure(data[k])]
    if isinstance(data, (list, tuple)):
        return [a for v in data for a in flatten_structure(v)]
    return [data]


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


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights: the weight of each sample's class (label index, or argmax of one-hot)."""
    y = to_numpy(y)  # labels may already be on the device (CuPy): the table is built on the host
    labels = y.argmax(axis=-1) if (y.ndim > 1 and y.shape[-1] > 1) else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype("int64")
    table = np.ones(int(max(labels.max(initial=0) + 1, max(class_weight) + 1)), dtype=config.floatx())
    for cls, weight in class_weight.items():
        table[int(cls)] = weight
    return xp.asarray(table[labels])


def check_class_weight_arguments(class_weight, y, sample_weight):
    """`class_weight` needs targets, one output, and no `sample_weight` (Keras's rules)."""
    if y is None:
        raise ValueError("`class_weight` needs targets `y`.")
    if len(flatten_structure(y)) > 1:
        raise ValueError("`class_weight` is only supported for Models with a single output; for "
                         "several outputs pass `sample_weight` (one array per output).")
    if sample_weight is not None:
        raise ValueError("You cannot pass both `class_weight` and `sample_weight`.")


def train_validation_split(arrays, validation_split):
    """Split every array at floor(n * (1 - split)): the last samples validate (before shuffling).

    h5py datasets are not read: each side becomes a lazy view of its rows (`H5Slice`)."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    from minikeras.models.data_adapters.h5_dataset_adapter import H5Slice, is_h5_dataset
    from minikeras.utils.py_dataset import PyDataset
    flat = [a for a in flatten_structure(arrays) if a is not None]
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

    return map_structure(left, arrays), map_structure(right, arrays)


class DataAdapter:
    """What the training loop asks of every adapter.

    - `num_batches`: batches in one pass over the data, or None when unknown (a generator,
      an infinite PyDataset): then a pass ends when the data runs out.
    - `batches()`: a generator of (x, y, sample_weight) for one pass; call it again for the next
      pass (arrays, h5py datasets and PyDatasets start over, reshuffled when asked; a Python
      generator is consumed once and simply goes on where it stopped).
    - `peek()`: the first batch, without using it up (the model is built from its shapes).
    - `on_epoch_begin()` / `on_epoch_end()`: the loop calls them around every epoch (a
      PyDataset's own hooks run there).
    - `batch_size`: samples per batch when the adapter does the batching, else None.
    """

    batch_size = None

    @property
    def num_batches(self):
        raise NotImplementedError

    def batches(self):
        raise NotImplementedError

    def peek(self):
        raise NotImplementedError

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


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
        self.x = map_structure(to_array, x)
        self.y = map_structure(to_array, y)
        if class_weight is not None:
            check_class_weight_arguments(class_weight, self.y, sample_weight)
            sample_weight = class_weight_to_sample_weight(flatten_structure(self.y)[0], class_weight)
        self.sample_weight = map_structure(to_array, sample_weight)  # one array, or one per output
        self._check_cardinality()
        self.batch_size = int(batch_size)
        self.shuffle = shuffle

    def _check_cardinality(self):
        sizes = {}
        for label, data in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            arrays = flatten_structure(data)
            for a in arrays:
                if a.ndim == 0:
                    raise ValueError(f"Expected `{label}` to have a batch axis, received a scalar.")
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
        return (map_structure(take, self.x), map_structure(take, self.y),
                map_structure(take, self.sample_weight))

    def batches(self):
        """Yield (x, y, sample_weight) for one epoch (a fresh shuffle each call)."""
        order = self._order()
        for start in range(0, self.num_samples, self.batch_size):
            if order is None:
                index = slice(start, start + self.batch_size)
            else:
                index = order[start:start + self.batch_size]
            take = lambda a: a[index]  # noqa: E731
            yield (map_structure(take, self.x), map_structure(take, self.y),
                   map_structure(take, self.sample_weight))
