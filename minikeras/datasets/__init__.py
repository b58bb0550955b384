"""`minikeras.datasets`: datasets in Keras's layout (a bundled offline MNIST sample for now)."""
from minikeras.datasets import mnist
