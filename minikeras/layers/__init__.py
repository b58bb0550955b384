"""`minikeras.layers`: one folder per layer family, as in Keras 3."""
from minikeras.layers.layer import Layer, KerasTensor
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.core import (Dense, EinsumDense, Embedding, Identity, Input, InputLayer,
                                   Lambda, Masking, Wrapper)
from minikeras.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from minikeras.layers.rnn import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN,
                                  SimpleRNNCell, StackedRNNCells, TimeDistributed)
from minikeras.layers.activations import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from minikeras.layers.regularization import (ActivityRegularization, AlphaDropout, Dropout,
                                             GaussianDropout, GaussianNoise, SpatialDropout1D,
                                             SpatialDropout2D, SpatialDropout3D)
from minikeras.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, Flatten, Permute,
                                        RepeatVector, Reshape, UpSampling1D, UpSampling2D,
                                        UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from minikeras.layers.convolutional import (
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D,
    Convolution1DTranspose, Convolution2D, Convolution2DTranspose, Convolution3D,
    Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
    SeparableConvolution1D, SeparableConvolution2D)
from minikeras.layers.pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
    GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
    MaxPooling1D, MaxPooling2D, MaxPooling3D)
from minikeras.layers.pooling import (  # nn_extras: adaptive pooling
    AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from minikeras.layers.normalization import (BatchNormalization, GroupNormalization,
                                            LayerNormalization, RMSNormalization,
                                            SpectralNormalization, UnitNormalization)
from minikeras.layers.preprocessing import Normalization, Rescaling
from minikeras.layers.preprocessing import (  # non-image preprocessing
    CategoryEncoding, Discretization, HashedCrossing, Hashing, IntegerLookup, StringLookup,
    TextVectorization)
from minikeras.layers.preprocessing import MelSpectrogram, STFTSpectrogram  # audio
from minikeras.layers.preprocessing import (  # geometric image layers
    CenterCrop, MaxNumBoundingBoxes, RandomCrop, RandomElasticTransform, RandomFlip,
    RandomPerspective, RandomRotation, RandomShear, RandomTranslation, RandomZoom, Resizing)
from minikeras.layers.preprocessing.image_preprocessing import (  # colour image augmentation
    AutoContrast, RandomBrightness, RandomContrast, RandomGrayscale, RandomHue, RandomSaturation,
    Solarization, Equalization, RandomColorDegeneration, RandomColorJitter, RandomInvert,
    RandomPosterization, RandomSharpness, ContrastLimitedAdaptiveHistogramEqualization)
from minikeras.layers.preprocessing import (  # augmentation: mixing, erasing, blur, pipeline
    AugMix, CutMix, MixUp, Pipeline, RandAugment, RandomErasing, RandomGaussianBlur)
from minikeras.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                      Subtract, add, average, concatenate, dot, maximum, minimum,
                                      multiply, subtract)
from minikeras.layers.serialization import get, serialize, deserialize
# h-rnn: ConvLSTM, GroupQueryAttention, ReversibleEmbedding
from minikeras.layers.rnn import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from minikeras.layers.attention import GroupQueryAttention
from minikeras.layers.core import ReversibleEmbedding
