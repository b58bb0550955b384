from minikeras.layers.activations.activation import Activation
