from minikeras.layers.preprocessing.normalization import Normalization
from minikeras.layers.preprocessing.rescaling import Rescaling
from minikeras.layers.preprocessing.category_encoding import CategoryEncoding
from minikeras.layers.preprocessing.discretization import Discretization
from minikeras.layers.preprocessing.hashing import Hashing
from minikeras.layers.preprocessing.integer_lookup import IntegerLookup
from minikeras.layers.preprocessing.string_lookup import StringLookup
from minikeras.layers.preprocessing.text_vectorization import TextVectorization
from minikeras.layers.preprocessing.hashed_crossing import HashedCrossing
from minikeras.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from minikeras.layers.preprocessing.mel_spectrogram import MelSpectrogram
from minikeras.layers.preprocessing.image_preprocessing import (  # geometric image layers
    CenterCrop, MaxNumBoundingBoxes, RandomCrop, RandomElasticTransform, RandomFlip,
    RandomPerspective, RandomRotation, RandomShear, RandomTranslation, RandomZoom, Resizing)
from minikeras.layers.preprocessing.pipeline import Pipeline
from minikeras.layers.preprocessing.image_preprocessing import (AugMix, CutMix, MixUp,
                                                                RandAugment, RandomErasing,
                                                                RandomGaussianBlur)
from minikeras.layers.preprocessing.feature_space import FeatureSpace
