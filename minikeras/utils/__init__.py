"""Helpers a Keras user reaches for: seeding, one-hot labels, gradient checking."""
from minikeras.utils.gradient_check import numerical_gradient, gradient_check
from minikeras.utils.random import set_random_seed
from minikeras.utils.numerical_utils import to_categorical, normalize
