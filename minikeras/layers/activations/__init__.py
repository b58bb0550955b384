from minikeras.layers.activations.activation import Activation
from minikeras.layers.activations.elu import ELU
from minikeras.layers.activations.leaky_relu import LeakyReLU
from minikeras.layers.activations.prelu import PReLU
from minikeras.layers.activations.relu import ReLU
from minikeras.layers.activations.softmax import Softmax
