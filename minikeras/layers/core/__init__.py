from minikeras.layers.core.dense import Dense
from minikeras.layers.core.input_layer import Input, InputLayer
