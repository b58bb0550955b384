"""Data adapters: whatever the user passes to fit / evaluate / predict, as batches.

`get_data_adapter(x, y, ...)` picks one:

| input                                         | adapter                 | batching by      |
|-----------------------------------------------|-------------------------|------------------|
| `minikeras.utils.PyDataset`                   | `PyDatasetAdapter`      | the dataset      |
| Python generator / iterator                   | `GeneratorDataAdapter`  | the generator    |
| h5py datasets (alone or mixed with arrays)    | `H5DatasetAdapter`      | `batch_size`     |
| NumPy arrays, lists / dicts of them (default) | `ArrayDataAdapter`      | `batch_size`     |

Every adapter offers `num_batches` (None when unknown), `batches()` (one pass of
(x, y, sample_weight)), `peek()`, `on_epoch_begin()` / `on_epoch_end()` and `batch_size`
(see `minikeras.trainers.data_adapters.data_adapter.DataAdapter`).
"""
import numpy as np

from minikeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from minikeras.trainers.data_adapters.data_adapter import DataAdapter
from minikeras.trainers.data_adapters.data_adapter_utils import (
    flatten_arrays, map_arrays, pack_x_y_sample_weight, train_validation_split,
    unpack_x_y_sample_weight)
from minikeras.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter, is_generator
from minikeras.trainers.data_adapters.h5_dataset_adapter import (H5DatasetAdapter, H5Slice,
                                                               is_h5_dataset)
from minikeras.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from minikeras.utils.py_dataset import PyDataset

__all__ = ["get_data_adapter", "DataAdapter", "ArrayDataAdapter", "GeneratorDataAdapter",
           "PyDatasetAdapter", "H5DatasetAdapter", "H5Slice", "is_h5_dataset", "is_generator",
           "flatten_arrays", "map_arrays", "pack_x_y_sample_weight", "train_validation_split",
           "unpack_x_y_sample_weight"]


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                     shuffle=False, class_weight=None):
    """The adapter for `x` (and `y`, `sample_weight`).

    Args:
        x: arrays (or lists / dicts of arrays), h5py datasets, a Python generator or a PyDataset.
        y, sample_weight: only with arrays / h5py datasets; a generator or PyDataset gives them
            in each batch.
        batch_size: samples per batch for arrays and h5py datasets (None means 32); ignored by
            generators and PyDatasets, which batch their data themselves.
        steps_per_epoch: the batches one epoch (or evaluate / predict) will take, if given. An
            infinite PyDataset (`num_batches` None) needs it.
        shuffle: False, True or "batch" (arrays, h5py datasets; a PyDataset shuffles its batch
            order when truthy; generators are never shuffled).
        class_weight: {class index: weight}, turned into per-sample weights from the targets.
    """
    if steps_per_epoch is not None and (
            isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, (int, np.integer))
            or steps_per_epoch < 0):
        raise ValueError(f"`steps` / `steps_per_epoch` must be a positive integer or None, "
                         f"received: {steps_per_epoch!r}")
    if isinstance(x, PyDataset):
        _no_separate(x, "a PyDataset", "the PyDataset", y, sample_weight)
        adapter = PyDatasetAdapter(x, class_weight=class_weight, shuffle=shuffle)
        if adapter.num_batches is None and not steps_per_epoch:
            raise ValueError(f"{type(x).__name__} is infinite (`num_batches` is None): pass "
                             f"`steps_per_epoch` to fit (`steps` to evaluate / predict, "
                             f"`validation_steps` for validation data) so that an epoch ends.")
        return adapter
    if is_generator(x):
        _no_separate(x, "a Python generator", "the generator", y, sample_weight)
        return GeneratorDataAdapter(x, class_weight=class_weight)
    batch_size = 32 if batch_size is None else batch_size
    if any(is_h5_dataset(a) for a in flatten_arrays((x, y, sample_weight))):
        return H5DatasetAdapter(x, y, sample_weight, batch_size, shuffle, class_weight)
    return ArrayDataAdapter(x, y, sample_weight, batch_size, shuffle, class_weight)


def _no_separate(x, kind, where, y, sample_weight):
    if y is not None:
        raise ValueError(f"When `x` is {kind}, `y` should not be passed: {where} must give the "
                         f"targets with each batch, as (x, y) or (x, y, sample_weight). "
                         f"Received y of type {type(y).__name__}.")
    if sample_weight is not None:
        raise ValueError(f"When `x` is {kind}, `sample_weight` should not be passed: {where} "
                         f"must give the sample weights with each batch, as "
                         f"(x, y, sample_weight).")
