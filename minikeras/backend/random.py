"""One seeded random generator for the whole library.

Weight initializers, dropout masks and shuffling in `fit` all draw from `global_generator()`
unless they were given their own seed, so `set_seed(s)` (which
`minikeras.utils.set_random_seed` calls) makes a whole training run bit-reproducible.
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


def make_generator(seed=None):
    """A generator for an object that was given its own `seed`; the shared one when seed is None."""
    if seed is None:
        return _generator
    return np.random.default_rng(int(seed))
