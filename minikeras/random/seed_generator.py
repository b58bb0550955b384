"""`SeedGenerator`: the random state a layer (or a loop) draws from, and `keras.random`'s rules
for the `seed` argument.

Keras's random functions take `seed=` as

- an integer: a generator started afresh from that seed, so every call gives the same values;
- a `SeedGenerator`: its stream, which advances, so every call gives new values and a seeded
  `SeedGenerator` repeats the same sequence of values from run to run;
- None: the library's shared generator (`minikeras.backend.random.global_generator()`), which
  `minikeras.utils.set_random_seed` reseeds.

Where Keras keeps a (seed, counter) pair in a variable and derives stateless draws from it,
minikeras keeps a NumPy `Generator` (PCG64): `next()` hands it out and drawing from it advances
it. Its `state` is the bit generator's state dict, which `BackupAndRestore` saves and restores so
that a resumed run draws the same numbers as an uninterrupted one.
"""
import numbers

import numpy as np

from minikeras.backend import random as backend_random


class SeedGenerator:
    """A random stream for RNG-using code: pass it as `seed=` to the `minikeras.random`
    functions, or draw from `next()` directly.

        seed_gen = minikeras.random.SeedGenerator(seed=42)
        a = minikeras.random.normal((2, 3), seed=seed_gen)
        b = minikeras.random.normal((2, 3), seed=seed_gen)   # new values; the same a, b every run

    Random layers create one in their constructor, `self.seed_generator = SeedGenerator(seed)`,
    and draw through it in `call`.

    Args:
        seed: an integer starts a stream of its own (`numpy.random.default_rng(seed)`), so the
            first draw equals the draw of `seed=<that integer>`. None (the default) follows the
            shared generator, read at draw time, so `set_random_seed` (even when called after
            the generator was made) makes its draws reproducible. Keras instead picks a random
            seed for it from Python's `random` when it is made.
        name: a name for the generator (default "seed_generator").
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.name = "seed_generator" if name is None else name
        self.seed = None if seed is None else int(seed)
        self._own = None if seed is None else np.random.default_rng(self.seed)

    def next(self):
        """The `numpy.random.Generator` to draw the next values from; drawing advances it."""
        return self._own if self._own is not None else backend_random.global_generator()

    @property
    def owns_state(self):
        """True when the generator has a stream of its own (it was given a seed)."""
        return self._own is not None

    @property
    def state(self):
        """The stream's bit generator state (a dict, as `numpy.random.PCG64.state`); for an
        unseeded generator, the shared generator's. Assign a state saved earlier to go back."""
        return self.next().bit_generator.state

    @state.setter
    def state(self, value):
        bit_generator = self.next().bit_generator
        expected = type(bit_generator).__name__
        if not isinstance(value, dict) or value.get("bit_generator") != expected:
            found = value.get("bit_generator") if isinstance(value, dict) else type(value).__name__
            raise ValueError(f"SeedGenerator {self.name!r}: expected a {expected} state, "
                             f"received a {found} state.")
        bit_generator.state = value

    def get_config(self):
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name!r} seed={self.seed}>"


def draw_generator(seed):
    """The `numpy.random.Generator` a random function draws from, by Keras's rules for `seed`:
    an integer gives a fresh generator from it, a `SeedGenerator` its stream, None the shared
    generator."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    if seed is None:
        return backend_random.global_generator()
    raise ValueError(f"Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed!r} (of type {type(seed).__name__})")


def find_seed_generators(root, descend_into, root_name="root"):
    """{attribute path: SeedGenerator} for every SeedGenerator reachable from `root` through the
    attributes of objects of the classes `descend_into` (layers, for a model) and the lists,
    tuples and string-keyed dicts they hold.

    Paths name the attributes walked from `root_name` ("model/_layers/1/seed_generator"); the
    walk goes in attribute order and keeps the first path to each generator, so one script gives
    the same paths on every run (what `BackupAndRestore` keys its saved states by).
    """
    found, seen = {}, set()

    def walkable(value):
        return isinstance(value, (SeedGenerator, descend_into, list, tuple, dict))

    def visit(value, path):
        if id(value) in seen:
            return
        if isinstance(value, SeedGenerator):
            seen.add(id(value))
            found[path] = value
        elif isinstance(value, descend_into):
            seen.add(id(value))
            for name, attribute in list(vars(value).items()):
                if walkable(attribute):
                    visit(attribute, f"{path}/{name}")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if walkable(item):
                    visit(item, f"{path}/{i}")
        elif isinstance(value, dict):
            for key, item in list(value.items()):
                if isinstance(key, str) and walkable(item):
                    visit(item, f"{path}/{key}")

    visit(root, root_name)
    return found
