from minikeras.layers.regularization.activity_regularization import ActivityRegularization
from minikeras.layers.regularization.alpha_dropout import AlphaDropout
from minikeras.layers.regularization.dropout import Dropout
from minikeras.layers.regularization.gaussian_dropout import GaussianDropout
from minikeras.layers.regularization.gaussian_noise import GaussianNoise
from minikeras.layers.regularization.spatial_dropout import (SpatialDropout1D, SpatialDropout2D,
                                                             SpatialDropout3D)
