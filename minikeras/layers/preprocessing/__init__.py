from minikeras.layers.preprocessing.normalization import Normalization
from minikeras.layers.preprocessing.rescaling import Rescaling
from minikeras.layers.preprocessing.pipeline import Pipeline
from minikeras.layers.preprocessing.image_preprocessing import (AugMix, CutMix, MixUp,
                                                                RandAugment, RandomErasing,
                                                                RandomGaussianBlur)
