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
from minikeras import dtype_policies, mixed_precision  # noqa: E402
from minikeras import preprocessing  # noqa: E402
from minikeras.layers import Input, Layer  # noqa: E402
from minikeras.models import Model, Sequential  # noqa: E402
from minikeras.backend.autodiff import Variable, Tensor, GradientTape  # noqa: E402
from minikeras.backend import config  # noqa: E402
from minikeras.backend.keras_tensor import KerasTensor  # noqa: E402
from minikeras.backend.name_scopes import name_scope  # noqa: E402
from minikeras.ops.operation import Operation  # noqa: E402
from minikeras.ops.function import Function  # noqa: E402
from minikeras.layers import InputSpec  # noqa: E402
from minikeras.losses import Loss  # noqa: E402
from minikeras.metrics import Metric  # noqa: E402
from minikeras.optimizers import Optimizer  # noqa: E402
from minikeras.initializers import Initializer  # noqa: E402
from minikeras.regularizers import Regularizer  # noqa: E402
from minikeras.dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: E402
from minikeras.backend.stateless_scope import StatelessScope, SymbolicScope  # noqa: E402


def version():
    """The minikeras version string (`keras.version()`), the same as `minikeras.__version__`."""
    return __version__
