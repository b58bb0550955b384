from minikeras.layers.preprocessing.normalization import Normalization
from minikeras.layers.preprocessing.rescaling import Rescaling
from minikeras.layers.preprocessing.feature_space import FeatureSpace
