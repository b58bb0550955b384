"""`set_random_seed`: one call makes weight init, dropout and shuffling reproducible."""
from minikeras.backend import random as backend_random


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global RNG and minikeras's shared generator."""
    backend_random.set_seed(seed)
