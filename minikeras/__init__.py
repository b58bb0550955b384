"""minikeras: Keras, written in NumPy, that you can read.

    import minikeras
    from minikeras import layers

    model = minikeras.Sequential([layers.Input((784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
"""
__version__ = "0.1.0"

from minikeras import backend, tree, ops  # noqa: E402
from minikeras import random  # noqa: E402
from minikeras import activations, constraints, initializers, regularizers  # noqa: E402
from minikeras import losses, metrics, optimizers  # noqa: E402
from minikeras import layers, models, callbacks, datasets, utils, saving  # noqa: E402
from minikeras import distribution, visualization  # noqa: E402
from minikeras.layers import Input, Layer  # noqa: E402
from minikeras.models import Model, Sequential  # noqa: E402
from minikeras.backend.autodiff import Variable, Tensor, GradientTape  # noqa: E402
from minikeras.backend import config  # noqa: E402
