"""Checking the batches that user code hands over (generators and PyDatasets).

An array adapter checks its data once; a generator or a PyDataset makes every batch itself, so
each batch is checked as it arrives: that it is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`,
that its arrays agree on the batch size, and that it has the structure of the first batch (the
same inputs and outputs, each array of the same rank and the same number of features). The
batch size may change from batch to batch, and so may the inner axes of an array of rank 3 or
more (sequence lengths, image sizes) and the second axis of an integer array of rank 2 (token
ids of variable-length sequences); the last axis (features, channels) of a float array of rank
2 and of any array of rank 3 or more must stay. Errors name the batch index and the shapes.
"""
import numpy as np

from minikeras.trainers.data_adapters.data_adapter_utils import (
    check_class_weight, class_weight_to_sample_weight, flatten_arrays, map_arrays, to_array)

PARTS = ("x", "y", "sample_weight")


def describe_shapes(data):
    """'(4, 3)', '[(4, 3), (4, 2)]' or "{'a': (4, 3)}": the shapes of a structure of arrays."""
    if data is None:
        return "None"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k!r}: {describe_shapes(v)}" for k, v in data.items()) + "}"
    if isinstance(data, (list, tuple)):
        inner = ", ".join(describe_shapes(v) for v in data)
        return f"[{inner}]" if isinstance(data, list) else f"({inner}{',' if len(data) == 1 else ''})"
    return str(tuple(np.shape(data)))


def describe_batch(batch):
    return ", ".join(f"{name} {describe_shapes(part)}" for name, part in zip(PARTS, batch)
                     if part is not None)


def _signature(data):
    """The structure of `data` with each array replaced by (rank, its fixed last axis)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return ("dict", tuple((k, _signature(v)) for k, v in data.items()))
    if isinstance(data, (list, tuple)):
        return (type(data).__name__, tuple(_signature(v) for v in data))
    fixed = data.ndim >= 3 or (data.ndim == 2 and data.dtype.kind == "f")
    return (data.ndim, data.shape[-1] if fixed else None)


def _convert(data, part, index, source):
    try:
        return map_arrays(to_array, data)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{source}: batch {index} has a `{part}` that is not numeric arrays: "
                        f"{error}") from None


class BatchChecker:
    """Turns what user code gave for one batch into a checked (x, y, sample_weight).

    Args:
        source: how errors name the data ("The generator passed as `x`", "MyDataset.__getitem__").
        class_weight: {class: weight}, applied to each batch from its targets (single output).
    """

    def __init__(self, source, class_weight=None):
        if class_weight is not None:
            check_class_weight(class_weight)  # fail now; one-hot batches also check the range
        self.source = source
        self.class_weight = class_weight
        self._first = None  # (index, batch, signature) of the first batch seen

    def __call__(self, raw, index):
        batch = self.standardize(raw, index)
        self._check_sizes(batch, index)
        self._check_like_first(batch, index)
        if self.class_weight is not None:
            batch = self._apply_class_weight(batch, index)
        return batch

    def standardize(self, raw, index):
        if isinstance(raw, list):
            raw = tuple(raw)
        if not isinstance(raw, tuple):
            raw = (raw,)
        if len(raw) not in (1, 2, 3):
            raise ValueError(f"{self.source} must give every batch as x, (x,), (x, y) or "
                             f"(x, y, sample_weight); batch {index} is a tuple of length "
                             f"{len(raw)}.")
        x, y, sample_weight = raw + (None,) * (3 - len(raw))
        if x is None:
            raise ValueError(f"{self.source}: batch {index} has no inputs (x is None).")
        return tuple(_convert(part, name, index, self.source)
                     for name, part in zip(PARTS, (x, y, sample_weight)))

    def _check_sizes(self, batch, index):
        sizes = set()
        for part in batch:
            for array in flatten_arrays(part):
                if array.ndim == 0:
                    raise ValueError(f"{self.source}: batch {index} contains a scalar, expected "
                                     f"arrays with a batch axis ({describe_batch(batch)}).")
                sizes.add(array.shape[0])
        if len(sizes) > 1:
            raise ValueError(f"{self.source}: the arrays of batch {index} disagree on the batch "
                             f"size: {describe_batch(batch)}. Inputs, targets and sample "
                             f"weights of one batch must have the same number of samples.")

    def _check_like_first(self, batch, index):
        signature = tuple(_signature(part) for part in batch)
        if self._first is None:
            self._first = (index, batch, signature)
            return
        first_index, first_batch, first_signature = self._first
        if signature != first_signature:
            raise ValueError(f"{self.source} gave inconsistent batches: batch {index} has "
                             f"{describe_batch(batch)}, but batch {first_index} had "
                             f"{describe_batch(first_batch)}. Every batch must have the same "
                             f"structure, the same rank for each array and the same number of "
                             f"features (last axis); only the batch size and sequence lengths "
                             f"or image sizes may change.")

    def _apply_class_weight(self, batch, index):
        x, y, sample_weight = batch
        if sample_weight is not None:
            raise ValueError(f"You cannot specify `class_weight` and `sample_weight` at the same "
                             f"time: batch {index} of {self.source} includes sample weights.")
        if y is None:
            raise ValueError(f"`class_weight` needs targets, but batch {index} of "
                             f"{self.source} has only inputs.")
        targets = flatten_arrays(y)
        if len(targets) > 1:
            raise ValueError("`class_weight` is only supported for Models with a single output; "
                             "for several outputs give each batch its sample weights (one array "
                             "per output).")
        return x, y, class_weight_to_sample_weight(targets[0], self.class_weight)
