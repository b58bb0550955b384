"""Batches from a `minikeras.utils.PyDataset`, fetched ahead in threads or processes.

One pass asks the dataset for batches 0 .. num_batches - 1 (in a random order when the adapter
shuffles: `fit`'s default `shuffle=True` shuffles the *order of the batches* each pass, as in
Keras 3; the batches themselves are what `__getitem__` returns). An infinite dataset
(`num_batches` None) is read 0, 1, 2, ... until the loop stops (needs `steps_per_epoch`).

Fetching, by the dataset's `workers`, `use_multiprocessing` and `max_queue_size`:

- `workers <= 1` and no multiprocessing: each batch is fetched when the loop needs it, in the
  loop's own thread.
- `workers > 1`, threads: a thread pool of `workers` threads fetches up to
  `max(max_queue_size, workers)` batches ahead. Threads help when `__getitem__` waits on I/O or
  spends its time in NumPy / h5py calls that release the GIL.
- `use_multiprocessing=True`: the same with `workers` worker processes. They are started at the
  start of each pass, forked where the platform allows (Linux: the dataset needs no pickling and
  the workers see its state after `on_epoch_end`), spawned elsewhere (the dataset must then be
  picklable, i.e. defined in an importable module). Each worker reseeds NumPy's and Python's
  random generators from fresh entropy, so random augmentation differs between workers.

However many workers run, batches come out in the pass's order; a worker's exception is raised
in the loop (with a note naming the batch). Work still queued when a pass is abandoned is
cancelled and the pool shut down. The dataset's `on_epoch_begin` / `on_epoch_end` hooks run
when the loop calls the adapter's (once per epoch); a pass never starts fetching before the
previous epoch's `on_epoch_end` ran, so a dataset may reorder itself there.
"""
import collections
import itertools
import multiprocessing
import os
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from minikeras.backend import random
from minikeras.trainers.data_adapters.data_adapter import DataAdapter
from minikeras.trainers.data_adapters.batch_utils import BatchChecker
from minikeras.utils.py_dataset import PyDataset


class PyDatasetAdapter(DataAdapter):
    """Adapter for a `PyDataset`.

    Args:
        dataset: the PyDataset.
        class_weight: {class index: weight}, applied to each batch from its targets.
        shuffle: True (or "batch") draws a new order of the batches every pass; False keeps
            0, 1, 2, ...
    """

    def __init__(self, dataset, class_weight=None, shuffle=False):
        if not isinstance(dataset, PyDataset):
            raise TypeError(f"Expected a `minikeras.utils.PyDataset`, received "
                            f"{type(dataset).__name__}.")
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.name = type(dataset).__name__
        self._check = BatchChecker(f"{self.name}.__getitem__", class_weight)
        self.workers, self.use_multiprocessing, self.max_queue_size = _fetch_settings(dataset)
        self.num_batches  # noqa: B018  (checks the value early)
        self._first = None

    @property
    def num_batches(self):
        count = self.dataset.num_batches
        if count is None:
            return None
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"{self.name}: `__len__` / `num_batches` must be a non-negative "
                             f"integer (or None for an infinite dataset), received {count!r}.")
        return int(count)

    def peek(self):
        if self._first is None:
            if self.num_batches == 0:
                raise ValueError(f"{self.name} has no batches (its length is 0).")
            self._first = self._check(self.dataset[0], 0)
        return self._first

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()

    def _order(self):
        count = self.num_batches
        if count is None:
            return itertools.count()
        if self.shuffle:
            return random.global_generator().permutation(count).tolist()
        return range(count)

    def batches(self):
        """One pass: (x, y, sample_weight) for each batch, in the pass's order."""
        order = self._order()
        if self.workers > 1 or (self.workers > 0 and self.use_multiprocessing):
            fetched = prefetch(self.dataset, order, self.workers, self.use_multiprocessing,
                               self.max_queue_size)
        else:
            fetched = ((index, self.dataset[index]) for index in order)
        for index, raw in fetched:
            yield self._check(raw, index)


def _fetch_settings(dataset):
    workers = dataset.workers
    use_multiprocessing = dataset.use_multiprocessing
    max_queue_size = dataset.max_queue_size
    name = type(dataset).__name__
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 0:
        raise ValueError(f"{name}: `workers` must be a non-negative integer, received "
                         f"{workers!r}.")
    if (isinstance(max_queue_size, bool) or not isinstance(max_queue_size, (int, np.integer))
            or max_queue_size < 1):
        raise ValueError(f"{name}: `max_queue_size` must be a positive integer, received "
                         f"{max_queue_size!r}.")
    return int(workers), bool(use_multiprocessing), int(max_queue_size)


# -- parallel fetching ---------------------------------------------------------------------------
def prefetch(dataset, order, workers, use_multiprocessing, max_queue_size):
    """Yield (index, dataset[index]) for `order`, fetched by `workers` threads or processes,
    at most max(max_queue_size, workers) ahead, in order."""
    if use_multiprocessing:
        executor = _process_pool(dataset, workers)
        submit = lambda index: executor.submit(_fetch_in_worker, index)  # noqa: E731
    else:
        executor = ThreadPoolExecutor(max_workers=workers,
                                      thread_name_prefix=f"{type(dataset).__name__}_worker")
        submit = lambda index: executor.submit(dataset.__getitem__, index)  # noqa: E731
    order = iter(order)
    pending = collections.deque()
    try:
        for index in itertools.islice(order, max(max_queue_size, workers)):
            pending.append((index, submit(index)))
        while pending:
            index, future = pending.popleft()
            batch = _result(future, index, dataset)
            following = next(order, None)
            if following is not None:
                pending.append((following, submit(following)))
            yield index, batch
    finally:
        for _, future in pending:
            future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)


def _result(future, index, dataset):
    name = type(dataset).__name__
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise RuntimeError(f"A worker process of {name} died while fetching batch {index} "
                           f"(killed, out of memory, or the dataset could not be sent to it).") \
            from error
    except Exception as error:
        if hasattr(error, "add_note"):
            error.add_note(f"(raised by {name}.__getitem__({index}) in a worker)")
        raise


def _start_context():
    """Fork where it is the platform's safe default (Linux); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _process_pool(dataset, workers):
    context = _start_context()
    if context.get_start_method() != "fork":
        try:
            pickle.dumps(dataset)
        except Exception as error:
            raise TypeError(f"{type(dataset).__name__} uses `use_multiprocessing=True`, so it is "
                            f"sent to worker processes started with "
                            f"'{context.get_start_method()}', which needs it to be picklable "
                            f"(a class defined in an importable module, no open files or "
                            f"lambdas): {error}. Use threads (`use_multiprocessing=False`) "
                            f"instead.") from error
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_init_worker, initargs=(dataset,))


_WORKER_DATASET = None  # the dataset, inside a worker process


def _init_worker(dataset):
    global _WORKER_DATASET
    _WORKER_DATASET = dataset
    # A forked worker starts with its parent's random state: draw fresh seeds so that workers
    # do not all produce the same "random" augmentation.
    import random as py_random
    seed = int.from_bytes(os.urandom(4), "little")
    py_random.seed(seed)
    np.random.seed(seed)
    random.set_seed(seed)


def _fetch_in_worker(index):
    return _WORKER_DATASET[index]
