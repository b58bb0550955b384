"""Image preprocessing and augmentation layers (Keras's keras.layers Random*, Resizing, ...),
all built on `BaseImagePreprocessingLayer`."""
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
