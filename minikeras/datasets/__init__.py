"""`minikeras.datasets`: Keras's dataset loaders, plus a bundled offline MNIST sample.

Each `load_data()` downloads the original file once into `<cache root>/datasets/` (the cache
root is `$MINIKERAS_HOME`, else `~/.minikeras`) and returns the arrays Keras returns.
`mnist.load_sample()` needs no network at all.
"""
from minikeras.datasets import (boston_housing, california_housing, cifar10, cifar100,
                                fashion_mnist, imdb, mnist, reuters)
