"""`PyDataset`: a dataset written in Python, one batch per index (Keras 3's successor of
`keras.utils.Sequence`).

Subclass it, call `super().__init__(**kwargs)`, and implement

- `__len__()`: the number of batches in one epoch (or override `num_batches`, returning None
  for an infinite dataset),
- `__getitem__(index)`: batch `index`, as `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`,
- optionally `on_epoch_begin()` / `on_epoch_end()` (e.g. reshuffle your own index there).

`fit`, `evaluate` and `predict` accept it as `x`. With `workers > 1` the batches are fetched
ahead of time by that many threads, or processes with `use_multiprocessing=True`; they still
arrive in order, and at most `max_queue_size` are prepared in advance. See
`minikeras.trainers.data_adapters.py_dataset_adapter` and docs/data_pipeline.md.
"""
import itertools
import warnings


class PyDataset:
    """Base class for datasets that make their batches in Python code.

    Args:
        workers: how many threads (or processes) fetch batches in parallel; 1 fetches each
            batch when it is needed, in the training loop's own thread.
        use_multiprocessing: fetch in worker processes instead of threads (the dataset is
            forked into them where the platform allows, else pickled).
        max_queue_size: how many batches may be prepared ahead of the training loop.

    Example:

        class Batches(PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return -(-len(self.x) // self.batch_size)   # ceil

            def __getitem__(self, index):
                part = slice(index * self.batch_size, (index + 1) * self.batch_size)
                return self.x[part], self.y[part]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for name, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, name):
                setattr(self, name, default)
                missing = True
        if missing:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                          "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                          "`max_queue_size`. Do not pass these arguments to `fit()`, as they "
                          "will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Batch number `index`: x, (x,), (x, y) or (x, y, sample_weight)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(index)`.")

    @property
    def num_batches(self):
        """Batches in one epoch: `len(self)`; None means the dataset never ends."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__` (the number "
                                  f"of batches) or the `num_batches` property (None for an "
                                  f"infinite dataset).")

    def __iter__(self):
        """The batches in order, once (forever for an infinite dataset)."""
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        for index in (itertools.count() if count is None else range(count)):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


# Keras 3 keeps the old name as an alias.
Sequence = PyDataset
