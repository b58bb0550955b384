from minikeras.layers.reshaping.flatten import Flatten
