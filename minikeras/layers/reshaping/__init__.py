from minikeras.layers.reshaping.flatten import Flatten
from minikeras.layers.reshaping.permute import Permute
from minikeras.layers.reshaping.repeat_vector import RepeatVector
from minikeras.layers.reshaping.reshape import Reshape
from minikeras.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from minikeras.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from minikeras.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
