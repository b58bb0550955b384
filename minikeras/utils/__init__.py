"""Helpers a Keras user reaches for: seeding, one-hot labels, gradient checking."""
from minikeras.utils.gradient_check import numerical_gradient, gradient_check, layer_gradient_check
from minikeras.utils.random import set_random_seed
from minikeras.utils.numerical_utils import to_categorical, normalize
from minikeras.utils.naming import reset_names as _reset_names


def clear_session(free_memory=True):
    """Reset the global state: layer name counters (`dense`, `dense_1`, ...) start again."""
    _reset_names()
