"""Elementwise NumPy work split over the batch axis and run on several cores.

A training step is mostly matrix products, which the BLAS library already runs on every core,
and memory-bound passes over large activations (col2im, pooling, ReLU and its mask, bias
gradients), which NumPy runs on one core. NumPy releases the GIL inside its loops, so those
passes go about 1.5x faster on two cores when each thread takes a slice of the batch:

    over_batch(lambda start, stop: np.maximum(x[start:stop], 0, out=out[start:stop]),
               batch=len(x), size=x.size)

Slices of the batch never overlap, so the result is the same, bit for bit, as one serial pass.
The threads take slices of about `CHUNK_SIZE` values on demand (see `over_batch`), so a core
that is also busy with something else simply takes fewer of them.
Small arrays (fewer than `MIN_PARALLEL_SIZE` values) run serially: handing work to a thread
costs tens of microseconds. `set_num_threads(1)` (or MINIKERAS_NUM_THREADS=1) turns it off.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from minikeras.backend import array_module

MIN_PARALLEL_SIZE = 1 << 18
_THREAD_PREFIX = "minikeras-batch"
CHUNK_SIZE = 1 << 18  # values per chunk handed to one thread (1 MB of float32)

_lock = threading.Lock()
_executor = None
_num_threads = None


def _default_threads():
    value = os.environ.get("MINIKERAS_NUM_THREADS")
    if value:
        return max(1, int(value))
    return max(1, min(os.cpu_count() or 1, 8))


def get_num_threads():
    """How many threads `over_batch` uses (MINIKERAS_NUM_THREADS, else the CPU count, at most 8)."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n):
    """Use `n` threads (>= 1) for batch-parallel passes; 1 runs everything serially."""
    global _num_threads, _executor
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: `n` must be an integer >= 1. Received: n={n!r}")
    with _lock:
        _num_threads = n
        if _executor is not None:
            _executor.shutdown(wait=True)
            _executor = None


def _pool(workers):
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_THREAD_PREFIX)
        return _executor


def over_batch(fn, batch, size):
    """Call `fn(start, stop)` on slices that together cover range(batch).

    `size` is the number of array values the whole pass touches: below `MIN_PARALLEL_SIZE`, or
    with one thread, or with a non-NumPy array module (a GPU runs its own kernels), `fn(0, batch)`
    runs once in the calling thread. `fn` must only write rows start:stop of its outputs.

    Otherwise the batch is cut into chunks of about `CHUNK_SIZE` values, and every thread (the
    calling one included) takes the next chunk until none is left. Taking chunks on demand,
    rather than one fixed share per thread, keeps both cores busy when one of them is also
    running something else: after each matrix product OpenBLAS's worker thread busy-waits for
    new work for a while (about 0.1 s by default), so a thread that shares its core with it
    goes at half speed, and with fixed halves the calling thread would wait for it. Chunks
    that fit the L2 cache also let a function making several passes over its slice (pooling)
    read it from the cache again.
    """
    threads = min(get_num_threads(), batch)
    if threading.current_thread().name.startswith(_THREAD_PREFIX):
        threads = 1  # called from one of our workers: waiting on the same pool could deadlock
    if threads <= 1 or size < MIN_PARALLEL_SIZE or array_module.get_array_module() is not np:
        fn(0, batch)
        return
    chunks = min(batch, max(threads, round(size / CHUNK_SIZE)))
    bounds = [batch * i // chunks for i in range(chunks + 1)]
    claim = threading.Lock()
    taken = [0]

    def work():
        while True:
            with claim:
                index = taken[0]
                taken[0] += 1
            if index >= chunks:
                return
            fn(bounds[index], bounds[index + 1])

    pool = _pool(threads - 1)
    futures = [pool.submit(work) for _ in range(threads - 1)]
    try:
        work()
    finally:
        for future in futures:
            future.result()
