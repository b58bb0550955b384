"""`minikeras.random`, Keras's `keras.random`: random tensors and the `SeedGenerator` that
random layers draw from.

    seed_gen = minikeras.random.SeedGenerator(seed=1337)
    noise = minikeras.random.normal((2, 3), seed=seed_gen)      # new values each call
    same = minikeras.random.uniform((2, 3), seed=42)            # same values each call
    shared = minikeras.random.uniform((2, 3))                   # the shared, reseedable stream
"""
from minikeras.random.random import (beta, binomial, categorical, dropout, gamma, normal,
                                     randint, shuffle, truncated_normal, uniform)
from minikeras.random.seed_generator import SeedGenerator
