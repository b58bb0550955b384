"""One seeded random generator for the whole library.

Weight initializers, dropout masks and shuffling in `fit` all draw from `global_generator()`
unless they were given their own seed (random layers draw through a
`minikeras.random.SeedGenerator`, which follows this generator when it has no seed), so
`set_seed(s)` (which `minikeras.utils.set_random_seed` calls) makes a whole training run
bit-reproducible.

The generators are NumPy's on every array backend: on a GPU (CuPy) the values are drawn on
the host and moved over with `xp.asarray(...)` (a dropout mask as booleans, 1 byte a value).
A seed then gives the same weights, masks and shuffles on the CPU and the GPU, so the two
backends can be compared number for number and a `BackupAndRestore` state (NumPy generator
states) resumes on either. The price is one host-to-device copy per random draw; drawing with
`cupy.random` would avoid it but gives other numbers than NumPy for the same seed.
"""
import random as _py_random

import numpy as np

_generator = np.random.default_rng()


def global_generator():
    """The shared `numpy.random.Generator`."""
    return _generator


def set_seed(seed):
    """Reseed the shared generator (and Python's and NumPy's legacy global ones)."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed expects an integer seed, received: {seed!r}")
    _generator = np.random.default_rng(int(seed))
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))

