from minikeras.layers.preprocessing.normalization import Normalization
from minikeras.layers.preprocessing.rescaling import Rescaling
from minikeras.layers.preprocessing.image_preprocessing import (  # geometric image layers
    CenterCrop, MaxNumBoundingBoxes, RandomCrop, RandomElasticTransform, RandomFlip,
    RandomPerspective, RandomRotation, RandomShear, RandomTranslation, RandomZoom, Resizing)
