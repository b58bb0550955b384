"""Image preprocessing and augmentation layers (Keras's keras.layers Random*, Resizing, ...),
all built on `BaseImagePreprocessingLayer`."""
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from minikeras.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from minikeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from minikeras.layers.preprocessing.image_preprocessing.random_grayscale import RandomGrayscale
from minikeras.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from minikeras.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation
from minikeras.layers.preprocessing.image_preprocessing.solarization import Solarization
from minikeras.layers.preprocessing.image_preprocessing.equalization import Equalization
from minikeras.layers.preprocessing.image_preprocessing.random_color_degeneration import (
    RandomColorDegeneration)
from minikeras.layers.preprocessing.image_preprocessing.random_color_jitter import (
    RandomColorJitter)
from minikeras.layers.preprocessing.image_preprocessing.random_invert import RandomInvert
from minikeras.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization)
from minikeras.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from minikeras.layers.preprocessing.image_preprocessing.clahe import (
    ContrastLimitedAdaptiveHistogramEqualization)
