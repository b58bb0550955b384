"""Image preprocessing and augmentation layers (Keras's keras.layers Random*, Resizing, ...),
all built on `BaseImagePreprocessingLayer`."""
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.image_preprocessing.resizing import Resizing
from minikeras.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from minikeras.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from minikeras.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from minikeras.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from minikeras.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from minikeras.layers.preprocessing.image_preprocessing.random_translation import (
    RandomTranslation)
from minikeras.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from minikeras.layers.preprocessing.image_preprocessing.random_perspective import (
    RandomPerspective)
from minikeras.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    RandomElasticTransform)
from minikeras.layers.preprocessing.image_preprocessing.max_num_bounding_boxes import (
    MaxNumBoundingBoxes)
