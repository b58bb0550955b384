"""`minikeras.layers`: one folder per layer family, as in Keras 3."""
from minikeras.layers.layer import Layer, KerasTensor
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.core import Dense, Identity, Input, InputLayer, Lambda
from minikeras.layers.activations import Activation
from minikeras.layers.regularization import (ActivityRegularization, AlphaDropout, Dropout,
                                             GaussianDropout, GaussianNoise)
from minikeras.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from minikeras.layers.normalization import UnitNormalization
from minikeras.layers.preprocessing import Normalization, Rescaling
from minikeras.layers.serialization import get, serialize, deserialize
