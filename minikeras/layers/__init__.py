"""`minikeras.layers`: one folder per layer family, as in Keras 3."""
from minikeras.layers.layer import Layer, KerasTensor
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.core import Dense, Input, InputLayer
from minikeras.layers.activations import Activation
from minikeras.layers.regularization import Dropout
from minikeras.layers.reshaping import Flatten
from minikeras.layers.serialization import get, serialize, deserialize
