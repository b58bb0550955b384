from minikeras.layers.regularization.dropout import Dropout
