"""Image preprocessing and augmentation layers (Keras's keras.layers Random*, Resizing, ...),
all built on `BaseImagePreprocessingLayer`."""
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.image_preprocessing.mix_up import MixUp
from minikeras.layers.preprocessing.image_preprocessing.cut_mix import CutMix
from minikeras.layers.preprocessing.image_preprocessing.random_erasing import RandomErasing
from minikeras.layers.preprocessing.image_preprocessing.random_gaussian_blur import (
    RandomGaussianBlur)
from minikeras.layers.preprocessing.image_preprocessing.rand_augment import RandAugment
from minikeras.layers.preprocessing.image_preprocessing.aug_mix import AugMix
