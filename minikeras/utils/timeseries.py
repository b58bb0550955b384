"""`timeseries_dataset_from_array`: sliding windows over a timeseries, as batches for `fit`.

Keras returns a tf.data (or Grain) dataset; here the result is a `PyDataset` (`fit`, `evaluate`
and `predict` take it as `x`; `for batch in dataset` and `dataset[i]` work too). Its windows and
targets are Keras's for the same arguments. The windows are gathered from `data` when a batch is
asked for, so the dataset costs no memory beyond `data` itself.
"""
import math

import numpy as np

from minikeras.utils.py_dataset import PyDataset


class TimeseriesDataset(PyDataset):
    """Batches of windows `data[start + p + i * sampling_rate]`, i < sequence_length, for each
    start position p (and `targets[start + p]`). Built by `timeseries_dataset_from_array`."""

    def __init__(self, data, targets, positions, sequence_length, sampling_rate, batch_size,
                 start_index, **kwargs):
        super().__init__(**kwargs)
        self.data = data
        self.targets = targets
        self.positions = positions
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size
        self.start_index = start_index

    def __len__(self):
        if self.batch_size is None:
            return len(self.positions)
        return int(math.ceil(len(self.positions) / self.batch_size))

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__} index {index} out of range (it has "
                             f"{len(self)} {'samples' if self.batch_size is None else 'batches'}).")
        index %= len(self)
        if self.batch_size is None:
            starts = self.positions[index]
        else:
            starts = self.positions[index * self.batch_size:(index + 1) * self.batch_size]
        starts = np.asarray(starts) + self.start_index
        windows = self.data[starts[..., None] + self.offsets]
        if self.targets is None:
            return windows
        return windows, self.targets[starts]

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


def _check_int(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer of at least {minimum}. Received: "
                         f"{name}={value!r}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sliding windows over `data` (time along axis 0), batched.

    Args:
        data: array of consecutive timesteps (axis 0 is time).
        targets: `targets[i]` is the target of the window starting at `data[i]`; None for
            windows only.
        sequence_length: timesteps per window.
        sequence_stride: timesteps between the starts of successive windows.
        sampling_rate: timesteps between the steps of one window.
        batch_size: windows per batch (the last batch may be smaller); None yields single
            windows.
        shuffle: draw the windows in a random order (fixed once, from `seed`) instead of
            chronologically.
        seed: seed for the shuffle.
        start_index, end_index: only timesteps in [start_index, end_index) are used.

    Returns:
        A `PyDataset` whose batches are `(windows, targets)` (or `windows` when targets is None):
        windows of shape (batch, sequence_length) + data.shape[1:], in `data`'s dtype.

    With `shuffle=False` the batches equal Keras's. With `shuffle=True` the window starts are
    shuffled with `np.random.RandomState(seed)` as Keras does first; Keras then also mixes them
    in a tf.data / Grain shuffle buffer, which is not reproduced, so the same windows come in
    another order.
    """
    data = np.asarray(data)
    if targets is not None:
        targets = np.asarray(targets)
    if data.ndim == 0:
        raise ValueError("`data` must be an array with time along axis 0, received a scalar.")
    _check_int("sequence_length", sequence_length, 1)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= len(data):
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length "
                             f"{len(data)}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= len(data):
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {len(data)}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= len(data):
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {len(data)}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= len(data):
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length "
                         f"{len(data)}")
    if batch_size is not None:
        _check_int("batch_size", batch_size, 1)
    start_index = 0 if start_index is None else int(start_index)
    end_index = len(data) if end_index is None else int(end_index)

    # Windows start at start_index + p for p = 0, stride, 2 * stride, ... while the window
    # ends before end_index (and, with targets, p < len(targets)), as in Keras.
    num_sequences = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_sequences = min(num_sequences, len(targets))
    positions = np.arange(0, max(num_sequences, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    return TimeseriesDataset(data, targets, positions, sequence_length, sampling_rate,
                             batch_size, start_index)
